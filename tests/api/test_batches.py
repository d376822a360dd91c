"""Batches (SPEC §6.2): mass balance, possible yields, origin by mass, claims, output lots."""

import json

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.factories import (
    BU_DANG,
    CUTTING_TEST,
    DONG_PHU,
    Party,
    deliver,
    farm_lot,
    import_lot,
    ledger_size,
    lot,
    make_party,
    ok,
    square,
    table_counts,
)
from traceability.alerts.models import Alert
from traceability.anchoring.models import LedgerEntry
from traceability.db import open_session


@pytest.fixture
def processor(client: TestClient) -> Party:
    return make_party(client, role="processor", gs1_company_prefix="8935412")


Inputs = list[tuple[str, float]]
"""(lot id, kg) of each input lot."""
Outputs = list[tuple[str, str | None, float]]
"""(product, grade, kg) of each output lot."""


def batch(client: TestClient, party: Party, inputs: Inputs, outputs: Outputs, **extra: object) -> httpx.Response:
    body = {
        "inputs": [{"lot_id": i, "quantity_kg": q} for i, q in inputs],
        "outputs": [{"product": p, "grade": g, "quantity_kg": q} for p, g, q in outputs],
    } | extra
    response: httpx.Response = client.post("/api/v1/batches", json=body, headers=party["headers"])
    return response


def typical(kernel_kg: float, raw_kg: float) -> Outputs:
    """Kernel split into wholes and pieces, the rest shell and testa, leaving ~4 % moisture loss."""
    shell = raw_kg * 0.70
    return [
        ("kernel", "W320", kernel_kg * 0.8),
        ("kernel", "LP", kernel_kg * 0.2),
        ("shell", None, round(shell, 3)),
        ("testa", None, round(raw_kg * 0.025, 3)),
    ]


class TestBatch:
    def test_kernel_lots_carry_origin_by_mass_and_common_claims(
        self,
        client: TestClient,
        engine: Engine,
        processor: Party,
    ) -> None:
        an, binh = make_party(client), make_party(client)
        organic = [
            {"scheme": "organic-eu", "certificate_no": "X", "valid_from": "2025-01-01", "valid_to": "2027-01-01"}
        ]
        a = deliver(
            client,
            an,
            processor,
            farm_lot(client, an, 3000, certifications=organic, geometry=square(*BU_DANG, 5.0), area_ha=5.0),
            3000,
        )
        b = deliver(
            client,
            binh,
            processor,
            farm_lot(
                client,
                binh,
                1000,
                district="dong-phu",
                certifications=organic,
                geometry=square(*DONG_PHU, 5.0),
                area_ha=5.0,
            ),
            1000,
        )
        size = ledger_size(client)
        made = ok(batch(client, processor, [(a, 3000), (b, 1000)], typical(1000, 4000), loss_kg=100))
        assert made["kernel_kg"] == 1000 and made["kernel_ratio"] == 0.25 and made["warnings"] == []
        w320 = next(o for o in made["outputs"] if o["grade"] == "W320")
        kernel = lot(client, processor, w320["lot_id"])
        assert kernel["product"] == "kernel" and kernel["grade"] == "W320" and kernel["quantity_kg"] == 800
        assert {(o["district"], o["share_pct"]) for o in kernel["origin"]} == {("bu-dang", 75.0), ("dong-phu", 25.0)}
        assert kernel["certifications"] == ["organic-eu"]
        assert {p["lot_id"] for p in kernel["parents"]} == {a, b}
        assert lot(client, processor, a)["status"] == "consumed" and lot(client, processor, a)["quantity_kg"] == 0
        with open_session(engine) as session:
            entry = json.loads(session.get_one(LedgerEntry, size).leaf_data)
        assert entry["type"] == "batch" and entry["data"]["batch_id"] == made["id"]
        assert entry["data"]["inputs"] == [{"lot_id": a, "quantity_g": 3000000}, {"lot_id": b, "quantity_g": 1000000}]
        assert {o["grade"] for o in entry["data"]["outputs"]} == {"W320", "LP", None}

    def test_a_claim_is_dropped_when_one_input_lacks_it(self, client: TestClient, processor: Party) -> None:
        farmer = make_party(client)
        organic = [
            {"scheme": "organic-eu", "certificate_no": "X", "valid_from": "2025-01-01", "valid_to": "2027-01-01"}
        ]
        a = deliver(client, farmer, processor, farm_lot(client, farmer, 1000, certifications=organic), 1000)
        imported = import_lot(client, processor, 1000)
        made = ok(batch(client, processor, [(a, 1000), (imported, 1000)], typical(500, 2000)))
        kernel = lot(client, processor, made["outputs"][0]["lot_id"])
        assert kernel["certifications"] == []
        assert {(o["country"], o["share_pct"]) for o in kernel["origin"]} == {("VN", 50.0), ("CI", 50.0)}

    def test_origin_is_carried_through_two_levels_of_mixing(self, client: TestClient, processor: Party) -> None:
        first = ok(
            batch(
                client,
                processor,
                [(import_lot(client, processor, 4000, "KH"), 4000)],
                [("kernel", "W240", 1000), ("shell", None, 2800)],
            )
        )
        farmer = make_party(client)
        vn = deliver(client, farmer, processor, farm_lot(client, farmer, 4000), 4000)
        second = ok(batch(client, processor, [(vn, 4000)], [("kernel", "W240", 1000), ("shell", None, 2800)]))
        blend = ok(
            batch(
                client,
                processor,
                [(first["outputs"][0]["lot_id"], 1000), (second["outputs"][0]["lot_id"], 500)],
                [("kernel", "W240", 1500)],
            )
        )
        mixed = lot(client, processor, blend["outputs"][0]["lot_id"])
        shares = {o["country"]: o["share_pct"] for o in mixed["origin"]}
        assert shares == {"KH": pytest.approx(66.67, abs=0.01), "VN": pytest.approx(33.33, abs=0.01)}
        assert sum(o["share_pct"] for o in mixed["origin"]) == pytest.approx(100, abs=0.02)
        assert blend["kernel_ratio"] is None  # kernel from kernel: no raw-nut yield to check

    def test_yield_outside_the_usual_band_is_accepted_and_flagged(
        self,
        client: TestClient,
        engine: Engine,
        processor: Party,
    ) -> None:
        raw = import_lot(client, processor, 1000)
        high = ok(batch(client, processor, [(raw, 1000)], [("kernel", "W320", 300), ("shell", None, 650)]))
        assert high["kernel_ratio"] == 0.3 and high["warnings"][0].startswith("batch_yield_high")
        low = ok(
            batch(
                client,
                processor,
                [(import_lot(client, processor, 1000), 1000)],
                [("kernel", "W320", 190), ("shell", None, 700)],
            )
        )
        assert low["warnings"][0].startswith("batch_yield_low")
        with open_session(engine) as session:
            kinds = sorted(a.kind for a in session.scalars(select(Alert)))
        assert kinds == ["batch_yield_high", "batch_yield_low"]

    def test_tested_outturn_caps_the_kernel(self, client: TestClient, engine: Engine, processor: Party) -> None:
        raw = import_lot(client, processor, 1000)
        # 250 g good kernel per kg ⇒ 44.09 lbs ≈ 25.0 % recovery; + 3 % tolerance ⇒ at most ~280 kg from 1,000 kg
        ok(
            client.post(
                f"/api/v1/lots/{raw}/quality-tests",
                headers=processor["headers"],
                json=CUTTING_TEST | {"good_kernel_g": 250, "spotted_kernel_g": 0},
            )
        )
        before = table_counts(engine)
        response = batch(client, processor, [(raw, 1000)], [("kernel", "W320", 300), ("shell", None, 650)])
        assert response.status_code == 422 and response.json()["error"] == "yield_impossible"
        assert table_counts(engine) == before
        made = ok(batch(client, processor, [(raw, 1000)], [("kernel", "W320", 275), ("shell", None, 650)]))
        assert made["max_kernel_kg"] == pytest.approx(280.0, abs=0.1)


class TestBatchRefusals:
    @pytest.mark.parametrize(
        "case",
        [
            "mass_balance",
            "mass_with_loss",
            "untested_32",
            "more_than_held",
            "bad_grade",
            "grade_on_shell",
            "foreign_lot",
            "unknown_lot",
            "consumed",
            "empty_outputs",
            "farmer",
            "trader",
            "negative",
        ],
    )
    def test_refused_batches_write_nothing(
        self, client: TestClient, engine: Engine, processor: Party, case: str
    ) -> None:
        raw = import_lot(client, processor, 1000)
        other = make_party(client, role="processor")
        foreign = import_lot(client, other, 1000)
        used = import_lot(client, processor, 100)
        ok(batch(client, processor, [(used, 100)], [("kernel", "W320", 25), ("shell", None, 70)]))
        cases: dict[str, tuple[Party, Inputs, Outputs, dict[str, float], int, str]] = {
            "mass_balance": (
                processor,
                [(raw, 1000)],
                [("kernel", "W320", 250), ("shell", None, 751)],
                {},
                422,
                "mass_balance_violation",
            ),
            "mass_with_loss": (
                processor,
                [(raw, 1000)],
                [("kernel", "W320", 250), ("shell", None, 700)],
                {"loss_kg": 60},
                422,
                "mass_balance_violation",
            ),
            "untested_32": (
                processor,
                [(raw, 1000)],
                [("kernel", "W320", 321), ("shell", None, 600)],
                {},
                422,
                "yield_impossible",
            ),
            "more_than_held": (processor, [(raw, 1000.5)], [("kernel", "W320", 250)], {}, 422, "more_than_held"),
            "bad_grade": (processor, [(raw, 1000)], [("kernel", "W999", 250)], {}, 422, "invalid_grade"),
            "grade_on_shell": (processor, [(raw, 1000)], [("shell", "W320", 700)], {}, 422, "invalid_grade"),
            "foreign_lot": (processor, [(foreign, 1000)], [("kernel", "W320", 250)], {}, 403, "forbidden"),
            "unknown_lot": (processor, [("RCN26-NOPE", 10)], [("kernel", "W320", 2)], {}, 404, "not_found"),
            "consumed": (processor, [(used, 1)], [("shell", None, 1)], {}, 409, "lot_not_held"),
            "empty_outputs": (processor, [(raw, 1000)], [], {}, 422, "invalid_input"),
            "farmer": (make_party(client), [(raw, 1000)], [("kernel", "W320", 250)], {}, 403, "forbidden"),
            "trader": (
                make_party(client, role="trader"),
                [(raw, 1000)],
                [("kernel", "W320", 250)],
                {},
                403,
                "forbidden",
            ),
            "negative": (processor, [(raw, -1)], [("kernel", "W320", 250)], {}, 422, "invalid_input"),
        }
        party, inputs, outputs, extra, status, code = cases[case]
        before, size, held = table_counts(engine), ledger_size(client), lot(client, processor, raw)["quantity_kg"]
        response = batch(client, party, inputs, outputs, **extra)
        assert response.status_code == status and response.json()["error"] == code, response.text
        assert table_counts(engine) == before and ledger_size(client) == size
        assert lot(client, processor, raw)["quantity_kg"] == held
