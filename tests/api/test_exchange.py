"""The exchange (SPEC §6.3): listings, offers, contracts; refusals write nothing."""

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import CUTTING_TEST, Party, deliver, import_lot, ledger_size, lot, make_party, ok, table_counts
from tests.live import free_port, live_server


@pytest.fixture
def seller(client: TestClient) -> Party:
    return make_party(client, role="processor", gs1_company_prefix="8935412")


@pytest.fixture
def buyer(client: TestClient) -> Party:
    return make_party(client, role="trader")


@pytest.fixture
def kernel(client: TestClient, seller: Party) -> str:
    raw = import_lot(client, seller, 4000, "KH")
    ok(client.post(f"/api/v1/lots/{raw}/quality-tests", json=CUTTING_TEST, headers=seller["headers"]))
    made = ok(
        client.post(
            "/api/v1/batches",
            headers=seller["headers"],
            json={
                "inputs": [{"lot_id": raw, "quantity_kg": 4000}],
                "outputs": [
                    {"product": "kernel", "grade": "W320", "quantity_kg": 1000},
                    {"product": "shell", "quantity_kg": 2800},
                ],
            },
        )
    )
    lot_id: str = made["outputs"][0]["lot_id"]
    return lot_id


def listing_body(lot_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "quantity_kg": 900,
        "price": "2.95",
        "currency": "USD",
        "unit": "lb",
        "incoterm": "FOB",
        "port": "VNSGN",
    } | changes


def list_lot(client: TestClient, party: Party, lot_id: str, **changes: Any) -> dict[str, Any]:
    return ok(client.post("/api/v1/listings", json=listing_body(lot_id, **changes), headers=party["headers"]))


def offer(client: TestClient, party: Party, listing_id: str, kg: float, price: str = "2.90") -> httpx.Response:
    response: httpx.Response = client.post(
        f"/api/v1/listings/{listing_id}/offers", json={"quantity_kg": kg, "price": price}, headers=party["headers"]
    )
    return response


class TestListings:
    def test_a_listing_shows_origin_and_outturn_and_is_found_by_search(
        self,
        client: TestClient,
        seller: Party,
        buyer: Party,
        kernel: str,
    ) -> None:
        listing = list_lot(client, seller, kernel)
        assert listing["status"] == "open" and listing["remaining_kg"] == 900 and listing["grade"] == "W320"
        assert listing["origin"] == [{"country": "KH", "district": None, "share_pct": 100.0}]
        assert listing["outturn_lbs"] == 50.27
        found = ok(
            client.get("/api/v1/listings?product=kernel&grade=W320&origin=KH&max_price=3", headers=buyer["headers"]),
            200,
        )
        assert [li["id"] for li in found["items"]] == [listing["id"]]
        for query in ("grade=W240", "origin=VN", "max_price=2.5", "certification=organic-eu", "min_price=3"):
            assert ok(client.get(f"/api/v1/listings?{query}", headers=buyer["headers"]), 200)["items"] == [], query

    @pytest.mark.parametrize(
        "changes, status, code",
        [
            ({"quantity_kg": 1000.001}, 422, "more_than_held"),
            ({"price": 2.95}, 422, "invalid_input"),
            ({"price": "-1"}, 422, "invalid_input"),
            ({"currency": "XYZ"}, 422, "invalid_input"),
            ({"unit": "kg"}, 422, "invalid_input"),
            ({"incoterm": "DDP"}, 422, "invalid_input"),
            ({"port": "Saigon"}, 422, "invalid_input"),
            ({"lot_id": "KRN26-NONE"}, 404, "not_found"),
        ],
    )
    def test_bad_listings_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        seller: Party,
        kernel: str,
        changes: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        before, size = table_counts(engine), ledger_size(client)
        response = client.post("/api/v1/listings", json=listing_body(kernel) | changes, headers=seller["headers"])
        assert response.status_code == status and response.json()["error"] == code, response.text
        assert table_counts(engine) == before and ledger_size(client) == size

    def test_listings_never_add_up_to_more_than_held(self, client: TestClient, seller: Party, kernel: str) -> None:
        list_lot(client, seller, kernel, quantity_kg=600)
        response = client.post(
            "/api/v1/listings", json=listing_body(kernel, quantity_kg=401), headers=seller["headers"]
        )
        assert response.status_code == 422 and response.json()["error"] == "more_than_held"

    def test_someone_elses_lot_and_farmers(self, client: TestClient, buyer: Party, kernel: str) -> None:
        assert client.post("/api/v1/listings", json=listing_body(kernel), headers=buyer["headers"]).status_code == 403
        farmer = make_party(client)
        assert client.post("/api/v1/listings", json=listing_body(kernel), headers=farmer["headers"]).status_code == 403

    def test_withdraw(self, client: TestClient, seller: Party, buyer: Party, kernel: str) -> None:
        listing = list_lot(client, seller, kernel)
        assert client.post(f"/api/v1/listings/{listing['id']}/withdraw", headers=buyer["headers"]).status_code == 403
        assert (
            ok(client.post(f"/api/v1/listings/{listing['id']}/withdraw", headers=seller["headers"]), 200)["status"]
            == "withdrawn"
        )
        assert offer(client, buyer, listing["id"], 10).status_code == 409


class TestOffersAndContracts:
    def test_accepting_makes_a_contract_and_dispatches_to_the_buyer(
        self,
        client: TestClient,
        seller: Party,
        buyer: Party,
        kernel: str,
    ) -> None:
        listing = list_lot(client, seller, kernel)
        made = ok(offer(client, buyer, listing["id"], 300, "2.90"))
        size = ledger_size(client)
        answer = ok(client.post(f"/api/v1/offers/{made['id']}/accept", headers=seller["headers"]), 200)
        contract, transfer = answer["contract"], answer["transfer"]
        assert contract["quantity_kg"] == 300 and contract["price"] == "2.90" and contract["buyer_id"] == buyer["id"]
        assert transfer["to_party_id"] == buyer["id"] and transfer["status"] == "in_transit"
        assert transfer["lot_id"] == contract["lot_id"] != kernel  # a part was split off
        assert ledger_size(client) == size + 3  # split, dispatch, contract
        ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 300}, headers=buyer["headers"]
            ),
            200,
        )
        assert lot(client, buyer, transfer["lot_id"])["owner_id"] == buyer["id"]
        assert ok(client.get(f"/api/v1/listings/{listing['id']}", headers=buyer["headers"]), 200)["remaining_kg"] == 600
        bundle = client.get(f"/api/v1/lots/{transfer['lot_id']}/provenance").text
        assert (
            '"contract"' not in bundle
            and '"listing"' not in bundle
            and '"2.90"' not in bundle
            and '"2.95"' not in bundle
        )

    def test_refusals(self, client: TestClient, engine: Engine, seller: Party, buyer: Party, kernel: str) -> None:
        listing = list_lot(client, seller, kernel, quantity_kg=500)
        first = ok(offer(client, buyer, listing["id"], 400))
        second = ok(offer(client, make_party(client, role="processor"), listing["id"], 200))
        before, size = table_counts(engine), ledger_size(client)
        assert offer(client, seller, listing["id"], 10).json()["error"] == "own_listing"
        assert offer(client, buyer, listing["id"], 500.5).json()["error"] == "more_than_listed"
        assert offer(client, buyer, listing["id"], 10, "free").status_code == 422
        assert offer(client, make_party(client), listing["id"], 10).status_code == 403  # farmers do not buy here
        assert client.post(f"/api/v1/offers/{first['id']}/accept", headers=buyer["headers"]).status_code == 403
        assert client.post("/api/v1/offers/OF-NOPE/accept", headers=seller["headers"]).status_code == 404
        assert (
            client.post(
                "/api/v1/listings/LS-NOPE/offers", json={"quantity_kg": 1, "price": "1"}, headers=buyer["headers"]
            ).status_code
            == 404
        )
        assert table_counts(engine)["contract"] == before["contract"] and ledger_size(client) == size
        ok(client.post(f"/api/v1/offers/{first['id']}/accept", headers=seller["headers"]), 200)
        twice = client.post(f"/api/v1/offers/{first['id']}/accept", headers=seller["headers"])
        assert twice.status_code == 409 and twice.json()["error"] == "offer_accepted"
        beyond = client.post(f"/api/v1/offers/{second['id']}/accept", headers=seller["headers"])
        assert beyond.status_code == 409 and beyond.json()["error"] == "more_than_listed"
        rejected = ok(client.post(f"/api/v1/offers/{second['id']}/reject", headers=seller["headers"]), 200)
        assert rejected["status"] == "rejected"

    def test_a_listing_closes_when_its_lot_leaves_the_seller(
        self,
        client: TestClient,
        seller: Party,
        buyer: Party,
        kernel: str,
    ) -> None:
        listing = list_lot(client, seller, kernel, quantity_kg=100)
        deliver(client, seller, make_party(client, role="trader"), kernel, 1000)  # the whole lot goes elsewhere
        assert ok(client.get(f"/api/v1/listings/{listing['id']}", headers=buyer["headers"]), 200)["status"] == "closed"
        assert offer(client, buyer, listing["id"], 10).json()["error"] == "listing_not_open"


class TestRace:
    def test_two_accepts_racing_for_the_last_kilograms_exactly_one_wins(
        self, database_url: str, tmp_path: Path
    ) -> None:
        import os
        import sys

        admin = {"Authorization": "Bearer race-admin"}
        env = {
            **os.environ,
            "CASHEW_DATABASE_URL": database_url,
            "CASHEW_LOG_KEY_FILE": str(tmp_path / "log.key"),
            "CASHEW_ADMIN_TOKEN": "race-admin",
        }
        port = free_port()
        cashew = str(Path(sys.executable).parent / "cashew")
        with (
            live_server(
                [cashew, "serve", "--port", str(port), "--workers", "2"],
                port=port,
                env=env,
                cwd=Path(__file__).resolve().parents[2],
                log=tmp_path / "server.log",
            ) as url,
            httpx.Client(base_url=url, timeout=60) as http,
        ):

            def party(role: str) -> dict[str, str]:
                key = http.post("/api/v1/parties", json={"name": role, "role": role}, headers=admin).json()["api_key"]
                return {"Authorization": f"Bearer {key}"}

            seller, buyers = party("processor"), [party("trader"), party("trader")]
            raw = http.post(
                "/api/v1/lots/import",
                headers=seller,
                json={"quantity_kg": 1000, "origin_country": "CI", "supplier": "S", "container_no": "CSQU3054383"},
            ).json()
            listing = http.post(
                "/api/v1/listings",
                headers=seller,
                json=listing_body(raw["lot_id"], quantity_kg=1000, price="1450", unit="t", incoterm="CFR"),
            ).json()
            offers = [
                http.post(
                    f"/api/v1/listings/{listing['id']}/offers", headers=b, json={"quantity_kg": 800, "price": "1450"}
                ).json()
                for b in buyers
            ]
            results: list[int] = []
            start = threading.Barrier(2)

            def accept(offer_id: str) -> None:
                start.wait()
                with httpx.Client(base_url=url, timeout=60) as own:
                    results.append(own.post(f"/api/v1/offers/{offer_id}/accept", headers=seller).status_code)

            threads = [threading.Thread(target=accept, args=(o["id"],)) for o in offers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(results) == [200, 409]
            assert http.get(f"/api/v1/listings/{listing['id']}", headers=seller).json()["remaining_kg"] == 200
            held = http.get(f"/api/v1/lots/{raw['lot_id']}", headers=seller).json()
            assert held["quantity_kg"] == 200  # exactly one 800 kg part left the lot
