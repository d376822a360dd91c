"""Shipments (SPEC §6.3): a container's declared lots must be held by the shipper."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import Party, deliver, farm_lot, import_lot, ledger_size, lot, make_party, ok, table_counts

CONTAINER = "CMAU7310548"


@pytest.fixture
def trader(client: TestClient) -> Party:
    return make_party(client, role="trader")


@pytest.fixture
def kernels(client: TestClient, trader: Party) -> list[str]:
    processor = make_party(client, role="processor")
    raw = import_lot(client, processor, 4000)
    made = ok(
        client.post(
            "/api/v1/batches",
            headers=processor["headers"],
            json={
                "inputs": [{"lot_id": raw, "quantity_kg": 4000}],
                "outputs": [
                    {"product": "kernel", "grade": "W320", "quantity_kg": 700},
                    {"product": "kernel", "grade": "W240", "quantity_kg": 300},
                    {"product": "shell", "quantity_kg": 2800},
                ],
            },
        )
    )
    return [deliver(client, processor, trader, o["lot_id"], o["quantity_kg"]) for o in made["outputs"][:2]]


def body(lot_ids: list[str], **changes: object) -> dict[str, Any]:
    return {
        "lot_ids": lot_ids,
        "container_no": CONTAINER,
        "port_of_loading": "VNCLI",
        "destination_country": "NL",
        "documents": [{"type": "bill_of_lading", "sha256": "cd" * 32}],
    } | changes


class TestShip:
    def test_held_lots_are_shipped_and_anchored(self, client: TestClient, trader: Party, kernels: list[str]) -> None:
        size = ledger_size(client)
        shipment = ok(client.post("/api/v1/shipments", json=body(kernels), headers=trader["headers"]))
        assert shipment["destination_country_name"] == "Netherlands" and shipment["port_of_loading"] == "VNCLI"
        assert shipment["ledger"]["index"] == size and ledger_size(client) == size + 1
        assert all(lot(client, trader, k)["status"] == "shipped" for k in kernels)
        again = client.post(
            f"/api/v1/lots/{kernels[0]}/dispatch",
            json={"to_party_id": trader["id"], "quantity_kg": 1},
            headers=trader["headers"],
        )
        assert again.status_code == 409 and again.json()["error"] == "lot_not_held"
        bundle = client.get(f"/api/v1/lots/{kernels[0]}/provenance").json()
        (entry,) = [r["entry"] for r in bundle["records"] if r["entry"]["type"] == "shipment"]
        assert entry["data"]["lot_ids"] == kernels and entry["data"]["destination_country"] == "NL"
        assert entry["data"]["container_no"] == CONTAINER


class TestShipRefusals:
    @pytest.mark.parametrize(
        "case",
        [
            "foreign",
            "unknown",
            "farmer",
            "bad_container",
            "bad_locode",
            "unknown_country",
            "domestic",
            "duplicate",
            "empty",
            "future",
            "one_in_transit",
        ],
    )
    def test_refusals_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        trader: Party,
        kernels: list[str],
        case: str,
    ) -> None:
        other = make_party(client, role="trader")
        farmer = make_party(client)
        farmer_lot = farm_lot(client, farmer, 100)
        if case == "one_in_transit":
            ok(
                client.post(
                    f"/api/v1/lots/{kernels[1]}/dispatch",
                    json={"to_party_id": other["id"], "quantity_kg": 300},
                    headers=trader["headers"],
                )
            )
        party, payload, status, code = {
            "foreign": (other, body(kernels), 403, "forbidden"),
            "unknown": (trader, body(["KRN26-NOPE"]), 404, "not_found"),
            "farmer": (farmer, body([farmer_lot]), 403, "forbidden"),
            "bad_container": (trader, body(kernels, container_no="CMAU7310549"), 422, "invalid_input"),
            "bad_locode": (trader, body(kernels, port_of_loading="SAIGON"), 422, "invalid_input"),
            "unknown_country": (trader, body(kernels, destination_country="QQ"), 422, "invalid_input"),
            "domestic": (trader, body(kernels, destination_country="VN"), 422, "domestic_shipment"),
            "duplicate": (trader, body([kernels[0], kernels[0]]), 422, "invalid_input"),
            "empty": (trader, body([]), 422, "invalid_input"),
            "future": (trader, body(kernels, shipped_on="2999-01-01"), 422, "date_in_future"),
            "one_in_transit": (trader, body(kernels), 409, "lot_not_held"),
        }[case]
        before, size = table_counts(engine), ledger_size(client)
        states = [lot(client, trader, k)["status"] for k in kernels]
        response = client.post("/api/v1/shipments", json=payload, headers=party["headers"])
        assert response.status_code == status and response.json()["error"] == code, response.text
        assert table_counts(engine) == before and ledger_size(client) == size
        assert [lot(client, trader, k)["status"] for k in kernels] == states


class TestBuyerSeesTheShipment:
    def test_the_buyer_page_shows_where_the_lot_was_shipped(
        self,
        client: TestClient,
        engine: Engine,
        trader: Party,
        kernels: list[str],
    ) -> None:
        from traceability.db import unit_of_work
        from traceability.labels.gtin import gtin_for
        from traceability.lots.models import Lot
        from traceability.parties.models import Party

        ok(client.post("/api/v1/shipments", json=body(kernels[:1]), headers=trader["headers"]))
        with unit_of_work(engine) as session:
            lot_row = session.get(Lot, kernels[0])
            records = client.get(f"/api/v1/lots/{kernels[0]}/provenance").json()["records"]
            maker = session.get(Party, next(r["entry"]["by"] for r in records if r["entry"]["type"] == "batch"))
            assert lot_row is not None and maker is not None
            maker.gs1_company_prefix = "8935412"
            gtin = gtin_for(session, party=maker, product="kernel", grade="W320")
        page = client.get(f"/01/{gtin}/10/{kernels[0]}", headers={"Accept": "application/json"})
        assert page.status_code == 200, page.text
        assert page.json()["shipment"] == {
            "destination_country": "NL",
            "destination_name": "Netherlands",
            "port_of_loading": "VNCLI",
            "shipped_on": page.json()["shipment"]["shipped_on"],
        }
        html = client.get(f"/01/{gtin}/10/{kernels[0]}?lang=en").text
        assert "Shipped to" in html and "VNCLI" in html
