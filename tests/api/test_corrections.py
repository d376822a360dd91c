"""Corrections: an entry of their own; reads show the corrected value and the history."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import Party, ledger_size, log_harvest, make_farm, make_party, table_counts


@pytest.fixture
def farmer(client: TestClient) -> Party:
    return make_party(client)


@pytest.fixture
def harvest(client: TestClient, farmer: Party) -> dict[str, Any]:
    farm = make_farm(client, farmer, area_ha=2.0)
    return log_harvest(client, farmer, farm["id"], quantity_kg=1200)


def correct(
    client: TestClient,
    party: Party,
    entry_id: str,
    changes: dict[str, Any],
    reason: str = "re-weighed at the collector",
) -> httpx.Response:
    response: httpx.Response = client.post(
        "/api/v1/corrections",
        json={"entry_id": entry_id, "changes": changes, "reason": reason},
        headers=party["headers"],
    )
    return response


class TestCorrectHarvest:
    def test_quantity_correction_updates_reads_and_lot_and_keeps_history(
        self,
        client: TestClient,
        farmer: Party,
        harvest: dict[str, Any],
    ) -> None:
        size = ledger_size(client)
        response = correct(client, farmer, harvest["id"], {"quantity_kg": 1150.5})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["ledger"]["index"] == size and body["changes"] == {"quantity_g": 1150500}
        assert body["recorded_at"].endswith("+00:00")  # RFC 3339 with its offset, on SQLite too
        assert body["record"]["quantity_kg"] == 1150.5
        read = client.get(f"/api/v1/harvests/{harvest['id']}", headers=farmer["headers"]).json()
        assert read["quantity_kg"] == 1150.5 and read["ledger"] == harvest["ledger"]  # original entry unchanged
        assert [c["changes"] for c in read["corrections"]] == [{"quantity_g": 1150500}]
        lot = client.get(f"/api/v1/lots/{harvest['lot_id']}", headers=farmer["headers"]).json()
        assert lot["quantity_kg"] == 1150.5

    def test_two_corrections_apply_in_order(self, client: TestClient, farmer: Party, harvest: dict[str, Any]) -> None:
        assert correct(client, farmer, harvest["id"], {"moisture_pct": 11}).status_code == 201
        assert (
            correct(client, farmer, harvest["id"], {"moisture_pct": 10.5, "harvested_on": "2026-03-10"}).status_code
            == 201
        )
        read = client.get(f"/api/v1/harvests/{harvest['id']}", headers=farmer["headers"]).json()
        assert read["moisture_pct"] == 10.5 and read["harvested_on"] == "2026-03-10" and len(read["corrections"]) == 2

    def test_correction_cannot_break_the_season_yield_rule(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        harvest: dict[str, Any],
    ) -> None:
        before = table_counts(engine)
        response = correct(client, farmer, harvest["id"], {"quantity_kg": 9000})  # 4.5 t/ha on 2 ha
        assert response.status_code == 422 and response.json()["error"] == "season_yield_impossible"
        assert table_counts(engine) == before


class TestCorrectionRefusals:
    @pytest.mark.parametrize(
        "changes, code",
        [
            ({}, "invalid_changes"),
            ({"quantity_kg": -1}, "invalid_changes"),
            ({"lot_id": "X"}, "invalid_changes"),
            ({"notes": "a name"}, "invalid_changes"),
            ({"moisture_pct": 45}, "moisture_out_of_range"),
            ({"harvested_on": "2999-01-01"}, "date_in_future"),
            ({"quantity_kg": 1200}, "no_change"),
        ],
    )
    def test_bad_changes_are_422_and_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        harvest: dict[str, Any],
        changes: dict[str, Any],
        code: str,
    ) -> None:
        before, size = table_counts(engine), ledger_size(client)
        response = correct(client, farmer, harvest["id"], changes)
        assert response.status_code == 422 and response.json()["error"] == code, response.text
        assert table_counts(engine) == before and ledger_size(client) == size

    def test_someone_elses_record_is_403(self, client: TestClient, engine: Engine, harvest: dict[str, Any]) -> None:
        intruder = make_party(client)
        before = table_counts(engine)
        assert correct(client, intruder, harvest["id"], {"quantity_kg": 1}).status_code == 403
        assert table_counts(engine) == before

    def test_unknown_record_is_404(self, client: TestClient, farmer: Party) -> None:
        assert correct(client, farmer, "H-NOTHING", {"quantity_kg": 1}).status_code == 404

    def test_short_reason_is_422(self, client: TestClient, farmer: Party, harvest: dict[str, Any]) -> None:
        assert correct(client, farmer, harvest["id"], {"quantity_kg": 1}, reason="").status_code == 422

    def test_a_correction_itself_is_not_correctable(
        self, client: TestClient, farmer: Party, harvest: dict[str, Any]
    ) -> None:
        first = correct(client, farmer, harvest["id"], {"quantity_kg": 1100}).json()
        response = correct(client, farmer, first["id"], {"quantity_kg": 1})
        assert response.status_code == 422 and response.json()["error"] == "not_correctable"


class TestCorrectFarmAndInput:
    def test_farm_area_correction_is_checked_against_the_polygon(self, client: TestClient, farmer: Party) -> None:
        from tests.factories import DONG_PHU, square

        farm = make_farm(client, farmer, area_ha=6.0, geometry=square(*DONG_PHU, 6.0), district="dong-phu")
        assert correct(client, farmer, farm["id"], {"area_ha": 6.4}).status_code == 201
        assert client.get(f"/api/v1/farms/{farm['id']}", headers=farmer["headers"]).json()["area_ha"] == 6.4
        response = correct(client, farmer, farm["id"], {"area_ha": 12})
        assert response.status_code == 422 and response.json()["error"] == "area_mismatch"

    def test_input_correction(self, client: TestClient, farmer: Party) -> None:
        farm = make_farm(client, farmer)
        created = client.post(
            "/api/v1/farm-inputs",
            json={
                "farm_id": farm["id"],
                "category": "fertilizer",
                "product": "superphosphate",
                "applied_on": "2025-05-20",
            },
            headers=farmer["headers"],
        ).json()
        for refused in ({"product": "lambda_cyhalothrin"}, {"category": "pesticide"}, {"product": "ure"}):
            response = correct(client, farmer, created["id"], refused)
            assert response.status_code == 422 and response.json()["error"] == "invalid_changes", refused
        assert correct(client, farmer, created["id"], {"product": "urea"}).status_code == 201
        assert client.get(f"/api/v1/farm-inputs/{created['id']}", headers=farmer["headers"]).json()["product"] == "urea"
