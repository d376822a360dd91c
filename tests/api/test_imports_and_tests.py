"""Imported raw nuts and cutting tests (SPEC §6.2, DOMAIN.md Raw cashew nuts)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import (
    CONTAINER,
    CUTTING_TEST,
    Party,
    deliver,
    farm_lot,
    import_lot,
    ledger_size,
    lot,
    make_party,
    ok,
    table_counts,
)


@pytest.fixture
def processor(client: TestClient) -> Party:
    return make_party(client, role="processor", gs1_company_prefix="8935412")


def import_body(**changes: object) -> dict[str, Any]:
    return {
        "quantity_kg": 25800,
        "origin_country": "KH",
        "supplier": "Kampong Thom Cashew Co.",
        "container_no": "CSQU 305438-3",
        "documents": [{"type": "certificate_of_origin", "sha256": "0f" * 32}],
    } | changes


class TestImports:
    def test_an_import_creates_a_lot_of_foreign_origin(self, client: TestClient, processor: Party) -> None:
        size = ledger_size(client)
        created = ok(client.post("/api/v1/lots/import", json=import_body(), headers=processor["headers"]))
        assert created["container_no"] == CONTAINER and created["origin_country_name"] == "Cambodia"
        assert created["ledger"]["index"] == size
        held = lot(client, processor, created["lot_id"])
        assert held["product"] == "rcn" and held["quantity_kg"] == 25800
        assert held["origin"] == [
            {"country": "KH", "district": None, "district_name": None, "farm_id": None, "share_pct": 100.0}
        ]

    def test_traders_import_too(self, client: TestClient) -> None:
        trader = make_party(client, role="trader")
        assert client.post("/api/v1/lots/import", json=import_body(), headers=trader["headers"]).status_code == 201

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"origin_country": "VN"}, "origin_country"),
            ({"origin_country": "XX"}, "origin_country"),
            ({"origin_country": "ci"}, "origin_country"),
            ({"container_no": "CSQU3054384"}, "container_no"),
            ({"container_no": "ABC"}, "container_no"),
            ({"documents": [{"type": "bill_of_lading", "sha256": "xyz"}]}, "documents"),
            ({"documents": [{"type": "selfie", "sha256": "ab" * 32}]}, "documents"),
            ({"quantity_kg": -1}, "quantity_kg"),
            ({"supplier": ""}, "supplier"),
            ({"arrived_on": "2999-01-01"}, None),
        ],
    )
    def test_bad_imports_are_422_and_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        processor: Party,
        changes: dict[str, Any],
        field: str | None,
    ) -> None:
        before = table_counts(engine)
        response = client.post("/api/v1/lots/import", json=import_body(**changes), headers=processor["headers"])
        assert response.status_code == 422, response.text
        if field:
            assert any(field in f["loc"] for f in response.json()["fields"])
        assert table_counts(engine) == before

    def test_farmers_and_regulators_cannot_import(self, client: TestClient, engine: Engine) -> None:
        for role in ("farmer", "regulator"):
            party = make_party(client, role=role)
            before = table_counts(engine)
            assert client.post("/api/v1/lots/import", json=import_body(), headers=party["headers"]).status_code == 403
            assert table_counts(engine) == before


class TestCuttingTests:
    def test_outturn_and_nut_count_follow_the_domain_formula(self, client: TestClient, processor: Party) -> None:
        lot_id = import_lot(client, processor)
        test = ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", json=CUTTING_TEST, headers=processor["headers"]))
        # (280 + 10 / 2) / 1000 × 80 / 0.45359 = 50.27 lbs; 180 nuts in 1 kg
        assert test["outturn_lbs"] == 50.27 and test["nut_count_per_kg"] == 180
        assert test["kernel_recovery_pct"] == pytest.approx(28.5, abs=0.05) and test["warnings"] == []
        assert lot(client, processor, lot_id)["outturn_lbs"] == 50.27

    def test_the_latest_test_is_the_lots_outturn_and_splits_inherit_it(
        self, client: TestClient, processor: Party
    ) -> None:
        lot_id = import_lot(client, processor)
        ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", json=CUTTING_TEST, headers=processor["headers"]))
        ok(
            client.post(
                f"/api/v1/lots/{lot_id}/quality-tests",
                json=CUTTING_TEST | {"good_kernel_g": 260},
                headers=processor["headers"],
            )
        )
        assert lot(client, processor, lot_id)["outturn_lbs"] == 46.74
        trader = make_party(client, role="trader")
        part = deliver(client, processor, trader, lot_id, 1000)
        assert lot(client, trader, part)["outturn_lbs"] == 46.74

    def test_suspicious_tests_are_accepted_with_warnings(self, client: TestClient, processor: Party) -> None:
        lot_id = import_lot(client, processor)
        test = ok(
            client.post(
                f"/api/v1/lots/{lot_id}/quality-tests",
                headers=processor["headers"],
                json=CUTTING_TEST | {"good_kernel_g": 230, "nut_count": 240, "moisture_pct": 14},
            )
        )
        codes = {w.split(":")[0] for w in test["warnings"]}
        assert codes == {"suspicious_outturn", "small_nuts", "wet_nuts"}

    @pytest.mark.parametrize(
        "changes",
        [
            {"sample_g": 400, "good_kernel_g": 112, "nut_count": 72},  # sample under 500 g
            {"good_kernel_g": 900, "spotted_kernel_g": 80, "reject_kernel_g": 50},  # kernels outweigh the sample
            {"good_kernel_g": 150},  # outturn 27 lbs
            {"good_kernel_g": 340},  # outturn 60 lbs
            {"nut_count": 100},
            {"nut_count": 300},
            {"moisture_pct": 35},
        ],
    )
    def test_impossible_tests_are_refused(
        self,
        client: TestClient,
        engine: Engine,
        processor: Party,
        changes: dict[str, Any],
    ) -> None:
        lot_id = import_lot(client, processor)
        before = table_counts(engine)
        response = client.post(
            f"/api/v1/lots/{lot_id}/quality-tests", json=CUTTING_TEST | changes, headers=processor["headers"]
        )
        assert response.status_code == 422 and response.json()["error"] == "impossible_quality_test", response.text
        assert table_counts(engine) == before

    def test_only_the_holder_tests_and_only_raw_nuts(
        self, client: TestClient, engine: Engine, processor: Party
    ) -> None:
        farmer = make_party(client)
        lot_id = farm_lot(client, farmer)
        before = table_counts(engine)
        assert (
            client.post(
                f"/api/v1/lots/{lot_id}/quality-tests", json=CUTTING_TEST, headers=processor["headers"]
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/lots/RCN26-NONE/quality-tests", json=CUTTING_TEST, headers=processor["headers"]
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/lots/{lot_id}/quality-tests", json=CUTTING_TEST, headers=farmer["headers"]
            ).status_code
            == 403
        )  # farmers do not cut-test here
        assert table_counts(engine) == before
