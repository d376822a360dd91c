"""Custody moves (SPEC §6.2): split, dispatch, receive, cancel."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import col

from tests.factories import Party, deliver, dispatch, farm_lot, ledger_size, lot, make_party, ok, table_counts
from traceability.alerts.models import Alert
from traceability.anchoring.models import LedgerEntry
from traceability.db import open_session


@pytest.fixture
def farmer(client: TestClient) -> Party:
    return make_party(client)


@pytest.fixture
def processor(client: TestClient) -> Party:
    return make_party(client, role="processor", gs1_company_prefix="8935412")


def entries(engine: Engine, since: int) -> list[dict[str, Any]]:
    with open_session(engine) as session:
        rows = session.scalars(select(LedgerEntry).where(col(LedgerEntry.idx) >= since).order_by(col(LedgerEntry.idx)))
        return [json.loads(r.leaf_data) for r in rows]


class TestDispatch:
    def test_part_of_a_lot_is_split_off_and_travels(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        processor: Party,
    ) -> None:
        lot_id = farm_lot(client, farmer, 2000)
        size = ledger_size(client)
        transfer = ok(dispatch(client, farmer, lot_id, processor, 1500.5))
        assert transfer["lot_id"] != lot_id and transfer["split_from"] == lot_id
        assert transfer["status"] == "in_transit" and transfer["quantity_kg"] == 1500.5
        assert lot(client, farmer, lot_id)["quantity_kg"] == 499.5
        child = lot(client, farmer, transfer["lot_id"])
        assert child["status"] == "in_transit" and child["parents"] == [{"lot_id": lot_id, "quantity_kg": 1500.5}]
        assert child["origin"] == lot(client, farmer, lot_id)["origin"]
        split, sent = entries(engine, size)
        assert split["type"] == "split" and split["data"] == {
            "lot_id": lot_id,
            "new_lot_id": transfer["lot_id"],
            "quantity_g": 1500500,
        }
        assert sent["type"] == "dispatch" and sent["data"] == {
            "transfer_id": transfer["id"],
            "lot_id": transfer["lot_id"],
            "from": farmer["id"],
            "to": processor["id"],
            "quantity_g": 1500500,
        }

    def test_a_whole_lot_travels_without_a_split(self, client: TestClient, farmer: Party, processor: Party) -> None:
        lot_id = farm_lot(client, farmer, 800)
        transfer = ok(dispatch(client, farmer, lot_id, processor, 800))
        assert transfer["lot_id"] == lot_id and transfer["split_from"] is None

    def test_the_recipient_can_read_the_lot_in_transit(
        self, client: TestClient, farmer: Party, processor: Party
    ) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer), processor, 100))
        assert lot(client, processor, transfer["lot_id"])["status"] == "in_transit"
        assert (
            ok(client.get(f"/api/v1/transfers/{transfer['id']}", headers=processor["headers"]), 200)["id"]
            == transfer["id"]
        )

    @pytest.mark.parametrize(
        "case",
        [
            "more_than_held",
            "to_self",
            "to_farmer",
            "unknown_party",
            "unknown_lot",
            "foreign_lot",
            "regulator",
            "negative",
            "in_transit",
        ],
    )
    def test_refusals_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        processor: Party,
        case: str,
    ) -> None:
        lot_id = farm_lot(client, farmer, 1000)
        other_farmer, regulator = make_party(client), make_party(client, role="regulator")
        if case == "in_transit":
            ok(dispatch(client, farmer, lot_id, processor, 1000))
        before, size = table_counts(engine), ledger_size(client)
        party, target, to, kg, status, code = {
            "more_than_held": (farmer, lot_id, processor, 1000.001, 422, "more_than_held"),
            "to_self": (farmer, lot_id, farmer, 10, 422, "dispatch_to_self"),
            "to_farmer": (farmer, lot_id, other_farmer, 10, 422, "invalid_recipient"),
            "unknown_party": (farmer, lot_id, {"id": "P-NOBODY"}, 10, 404, "not_found"),
            "unknown_lot": (farmer, "RCN26-NOPE", processor, 10, 404, "not_found"),
            "foreign_lot": (other_farmer, lot_id, processor, 10, 403, "forbidden"),
            "regulator": (regulator, lot_id, processor, 10, 403, "forbidden"),
            "negative": (farmer, lot_id, processor, -5, 422, "invalid_input"),
            "in_transit": (farmer, lot_id, processor, 10, 409, "lot_not_held"),
        }[case]
        held = lot(client, farmer, lot_id)
        response = dispatch(client, party, target, to, kg)
        assert response.status_code == status and response.json()["error"] == code, response.text
        assert table_counts(engine) == before and ledger_size(client) == size
        assert lot(client, farmer, lot_id) == held  # quantity, status and holder unchanged


class TestReceive:
    def test_custody_and_the_weighed_quantity_pass(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        processor: Party,
    ) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer, 1000), processor, 1000))
        size = ledger_size(client)
        received = ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 990}, headers=processor["headers"]
            ),
            200,
        )
        assert received["status"] == "received" and received["received_kg"] == 990 and received["warnings"] == []
        held = lot(client, processor, transfer["lot_id"])
        assert held["owner_id"] == processor["id"] and held["quantity_kg"] == 990 and held["status"] == "held"
        assert client.get(f"/api/v1/lots/{transfer['lot_id']}", headers=farmer["headers"]).status_code == 403
        (receipt,) = entries(engine, size)
        assert receipt["type"] == "receipt" and receipt["by"] == processor["id"]
        assert receipt["data"] == {"transfer_id": transfer["id"], "lot_id": transfer["lot_id"], "received_g": 990000}

    def test_a_loss_over_2_percent_is_flagged(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        processor: Party,
    ) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer, 1000), processor, 1000))
        received = ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 975}, headers=processor["headers"]
            ),
            200,
        )
        assert received["warnings"] and received["warnings"][0].startswith("transit_loss")
        with open_session(engine) as session:
            alert = session.scalars(select(Alert).where(col(Alert.kind) == "transit_loss")).one()
        assert alert.subject_id == transfer["id"] and alert.detail["loss_pct"] == "2.50"

    def test_exactly_2_percent_is_not_flagged(self, client: TestClient, farmer: Party, processor: Party) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer, 1000), processor, 1000))
        received = ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 980}, headers=processor["headers"]
            ),
            200,
        )
        assert received["warnings"] == []

    @pytest.mark.parametrize("case", ["twice", "gain", "sender", "stranger", "unknown", "zero", "cancelled"])
    def test_refusals_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        processor: Party,
        case: str,
    ) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer, 1000), processor, 1000))
        path = f"/api/v1/transfers/{transfer['id']}/receive"
        if case == "twice":
            ok(client.post(path, json={"received_kg": 1000}, headers=processor["headers"]), 200)
        if case == "cancelled":
            ok(client.post(f"/api/v1/transfers/{transfer['id']}/cancel", headers=farmer["headers"]), 200)
        before, size = table_counts(engine), ledger_size(client)
        party, body, status, code, target = {
            "twice": (processor, {"received_kg": 1000}, 409, "transfer_received", path),
            "gain": (processor, {"received_kg": 1006}, 422, "received_more_than_sent", path),
            "sender": (farmer, {"received_kg": 1000}, 403, "forbidden", path),
            "stranger": (make_party(client, role="processor"), {"received_kg": 1000}, 403, "forbidden", path),
            "unknown": (processor, {"received_kg": 1000}, 404, "not_found", "/api/v1/transfers/T-NOPE/receive"),
            "zero": (processor, {"received_kg": 0}, 422, "invalid_input", path),
            "cancelled": (processor, {"received_kg": 1000}, 409, "transfer_cancelled", path),
        }[case]
        before, size = table_counts(engine), ledger_size(client)
        travelling = client.get(f"/api/v1/lots/{transfer['lot_id']}", headers=processor["headers"]).json()
        response = client.post(target, json=body, headers=party["headers"])
        assert response.status_code == status and response.json()["error"] == code, response.text
        assert table_counts(engine) == before and ledger_size(client) == size
        assert client.get(f"/api/v1/lots/{transfer['lot_id']}", headers=processor["headers"]).json() == travelling

    def test_a_small_scale_difference_upwards_is_accepted(
        self, client: TestClient, farmer: Party, processor: Party
    ) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer, 1000), processor, 1000))
        ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 1004}, headers=processor["headers"]
            ),
            200,
        )


class TestCancel:
    def test_sender_cancels_and_holds_the_lot_again(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        processor: Party,
    ) -> None:
        lot_id = farm_lot(client, farmer, 1000)
        transfer = ok(dispatch(client, farmer, lot_id, processor, 400))
        size = ledger_size(client)
        cancelled = ok(client.post(f"/api/v1/transfers/{transfer['id']}/cancel", headers=farmer["headers"]), 200)
        assert cancelled["status"] == "cancelled"
        assert lot(client, farmer, transfer["lot_id"])["status"] == "held"
        assert entries(engine, size)[0]["type"] == "dispatch_cancel"
        assert client.post(f"/api/v1/transfers/{transfer['id']}/cancel", headers=farmer["headers"]).status_code == 409
        ok(dispatch(client, farmer, transfer["lot_id"], processor, 400))  # it can be sent again

    def test_only_the_sender_cancels_and_not_after_receipt(
        self, client: TestClient, farmer: Party, processor: Party
    ) -> None:
        transfer = ok(dispatch(client, farmer, farm_lot(client, farmer, 1000), processor, 1000))
        assert (
            client.post(f"/api/v1/transfers/{transfer['id']}/cancel", headers=processor["headers"]).status_code == 403
        )
        ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 1000}, headers=processor["headers"]
            ),
            200,
        )
        response = client.post(f"/api/v1/transfers/{transfer['id']}/cancel", headers=farmer["headers"])
        assert response.status_code == 409 and response.json()["error"] == "transfer_received"


class TestOnwardCustody:
    def test_a_processor_passes_a_lot_to_a_trader(self, client: TestClient, farmer: Party, processor: Party) -> None:
        trader = make_party(client, role="trader")
        lot_id = deliver(client, farmer, processor, farm_lot(client, farmer, 1000), 1000)
        onward = deliver(client, processor, trader, lot_id, 300)
        assert lot(client, trader, onward)["owner_id"] == trader["id"]
        assert lot(client, processor, lot_id)["quantity_kg"] == 700
        listed = ok(client.get("/api/v1/transfers", headers=processor["headers"]), 200)["items"]
        assert len(listed) == 2
