"""The lists of SPEC §6.5: each party reads its own records (regulators every party's),
filtered, page by page; a client paging while others write sees every record that
existed when it began exactly once; each list is a range of its own index."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.factories import (
    CONTAINER,
    CUTTING_TEST,
    Party,
    dispatch,
    farm_lot,
    import_lot,
    log_harvest,
    make_farm,
    make_party,
    ok,
)
from traceability import clock
from traceability.lots.models import LotStatus

LOTS, HARVESTS, BATCHES, TESTS = "/api/v1/lots", "/api/v1/harvests", "/api/v1/batches", "/api/v1/quality-tests"
SHIPMENTS, OFFERS, CONTRACTS = "/api/v1/shipments", "/api/v1/offers", "/api/v1/contracts"
LISTS = [LOTS, HARVESTS, BATCHES, TESTS, SHIPMENTS, OFFERS, CONTRACTS]
ROLES = ["farmer", "processor", "trader", "regulator"]


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def fixed(moment: str) -> Callable[[], datetime]:
    """A clock stopped at ``moment`` (UTC)."""
    at = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return lambda: at


def get(client: TestClient, party: Party, path: str, **params: Any) -> httpx.Response:
    response: httpx.Response = client.get(path, params=params, headers=party["headers"])
    return response


def ids(client: TestClient, party: Party, path: str, **params: Any) -> list[str]:
    """Every record of a list in the order served, page after page (``limit`` 2 unless given)."""
    key = "lot_id" if path == LOTS else "id"
    params.setdefault("limit", 2)
    found: list[str] = []
    cursor = None
    for _ in range(100):
        body = ok(get(client, party, path, **params, **({"cursor": cursor} if cursor else {})), 200)
        assert len(body["items"]) <= params["limit"]
        found += [item[key] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("the list never ended")


def send(client: TestClient, sender: Party, lot_id: str, to: Party, kg: float) -> dict[str, Any]:
    return ok(dispatch(client, sender, lot_id, to, kg))


def receive(client: TestClient, recipient: Party, transfer: dict[str, Any]) -> None:
    body = {"received_kg": transfer["quantity_kg"]}
    ok(client.post(f"/api/v1/transfers/{transfer['id']}/receive", json=body, headers=recipient["headers"]), 200)


def cutting_test(client: TestClient, party: Party, lot_id: str, **changes: Any) -> dict[str, Any]:
    body = CUTTING_TEST | changes
    return ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", json=body, headers=party["headers"]))


def batch(client: TestClient, party: Party, inputs: dict[str, float], outputs: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"inputs": [{"lot_id": k, "quantity_kg": v} for k, v in inputs.items()], "outputs": outputs}
    return ok(client.post("/api/v1/batches", json=body, headers=party["headers"]))


def ship(client: TestClient, party: Party, lot_ids: list[str]) -> dict[str, Any]:
    body = {"lot_ids": lot_ids, "container_no": CONTAINER, "port_of_loading": "VNCLI", "destination_country": "NL"}
    return ok(client.post("/api/v1/shipments", json=body, headers=party["headers"]))


def listing(client: TestClient, party: Party, lot_id: str, kg: float) -> str:
    body = {"lot_id": lot_id, "quantity_kg": kg, "price": "1.45", "currency": "USD", "unit": "lb"}
    body |= {"incoterm": "FOB", "port": "VNSGN"}
    listing_id: str = ok(client.post("/api/v1/listings", json=body, headers=party["headers"]))["id"]
    return listing_id


def offer(client: TestClient, party: Party, listing_id: str, kg: float) -> str:
    body = {"quantity_kg": kg, "price": "1.40"}
    offer_id: str = ok(client.post(f"/api/v1/listings/{listing_id}/offers", json=body, headers=party["headers"]))["id"]
    return offer_id


@pytest.fixture
def parties(client: TestClient) -> dict[str, Party]:
    return {
        "farmer": make_party(client),
        "farmer2": make_party(client),
        "processor": make_party(client, role="processor"),
        "processor2": make_party(client, role="processor"),
        "trader": make_party(client, role="trader"),
        "trader2": make_party(client, role="trader"),
        "regulator": make_party(client, role="regulator"),
    }


class TestEveryList:
    @pytest.mark.parametrize("path", LISTS)
    def test_without_a_key_is_401(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"

    @pytest.mark.parametrize("path", LISTS)
    def test_every_role_may_list_and_starts_empty(
        self, client: TestClient, parties: dict[str, Party], path: str
    ) -> None:
        for role in ROLES:
            assert ok(get(client, parties[role], path), 200) == {"items": [], "next_cursor": None}

    @pytest.mark.parametrize("path", LISTS)
    def test_a_cursor_this_api_did_not_give_is_422(
        self, client: TestClient, parties: dict[str, Party], path: str
    ) -> None:
        bad = [
            "not a cursor!",
            cursor_of("nope"),
            cursor_of("1" * 30),  # beyond any index
            cursor_of("-1"),
            cursor_of('["2026-06-01T03:00:00", "X"]'),  # a time without its offset
            cursor_of('["2026-06-01T03:00:00+00:00"]'),
            cursor_of("[" * 5000),
            cursor_of("\x00"),
        ]
        for cursor in bad:
            for role in ("farmer", "regulator"):
                response = get(client, parties[role], path, cursor=cursor)
                assert response.status_code == 422, (cursor, response.text)
                assert response.json()["error"] == "invalid_cursor"

    @pytest.mark.parametrize("path", LISTS)
    def test_a_limit_outside_1_to_500_is_422(self, client: TestClient, parties: dict[str, Party], path: str) -> None:
        for limit in (0, 501):
            response = get(client, parties["processor"], path, limit=limit)
            assert response.status_code == 422 and response.json()["error"] == "invalid_limit"


class TestLots:
    def test_each_party_lists_its_own_and_a_regulator_every_lot(
        self, client: TestClient, parties: dict[str, Party]
    ) -> None:
        mine = [farm_lot(client, parties["farmer"], 300), farm_lot(client, parties["farmer"], 200)]
        theirs = farm_lot(client, parties["farmer2"], 100)
        imported = import_lot(client, parties["processor"], 1000)
        assert ids(client, parties["farmer"], LOTS) == mine
        assert ids(client, parties["farmer2"], LOTS) == [theirs]
        assert ids(client, parties["processor"], LOTS) == [imported]
        assert ids(client, parties["regulator"], LOTS) == [*mine, theirs, imported]
        assert ids(client, parties["regulator"], LOTS, held="true") == []
        items = ok(get(client, parties["farmer"], LOTS), 200)["items"]
        assert items[0] == ok(get(client, parties["farmer"], f"{LOTS}/{mine[0]}"), 200)  # the shape of GET /lots/{id}

    def test_held_follows_custody_through_a_dispatch_and_a_receipt(
        self, client: TestClient, parties: dict[str, Party]
    ) -> None:
        farmer, processor, trader = parties["farmer"], parties["processor"], parties["trader"]
        lot_id = farm_lot(client, farmer, 2000)
        transfer = send(client, farmer, lot_id, processor, 800)
        part = transfer["lot_id"]  # split off, in transit: still in the farmer's custody
        assert ids(client, farmer, LOTS, held="true") == [lot_id, part]
        assert ids(client, farmer, LOTS, held="false") == []
        assert ids(client, processor, LOTS) == []
        receive(client, processor, transfer)
        assert ids(client, farmer, LOTS, held="true") == [lot_id]
        assert ids(client, farmer, LOTS, held="false") == [part]
        assert ids(client, farmer, LOTS) == [lot_id, part]
        assert ids(client, processor, LOTS, held="true") == [part]
        assert ids(client, processor, LOTS, held="false") == []
        receive(client, trader, send(client, processor, part, trader, 800))
        assert ids(client, processor, LOTS, held="false") == [part]
        assert ids(client, processor, LOTS, held="true") == []
        assert ids(client, farmer, LOTS, held="false") == [part]  # held once, still in its history
        assert ids(client, trader, LOTS, held="true") == [part]

    def test_product_grade_and_status(self, client: TestClient, parties: dict[str, Party]) -> None:
        processor = parties["processor"]
        raw, other = import_lot(client, processor, 2000), import_lot(client, processor, 500)
        made = batch(
            client,
            processor,
            {raw: 2000},
            [
                {"product": "kernel", "grade": "W320", "quantity_kg": 400},
                {"product": "kernel", "grade": "LP", "quantity_kg": 100},
                {"product": "shell", "quantity_kg": 1400},
            ],
        )
        w320, lp, shell = (o["lot_id"] for o in made["outputs"])
        assert ids(client, processor, LOTS, product="kernel") == [w320, lp]
        assert ids(client, processor, LOTS, product="kernel", grade="W320") == [w320]
        assert ids(client, processor, LOTS, product="shell") == [shell]
        assert ids(client, processor, LOTS, product="rcn") == [raw, other]
        assert ids(client, processor, LOTS, status="consumed") == [raw]
        assert ids(client, processor, LOTS, status="held") == [other, w320, lp, shell]
        assert ids(client, parties["regulator"], LOTS, status="consumed") == [raw]
        ship(client, processor, [w320])
        assert ids(client, processor, LOTS, status="shipped") == [w320]

    @pytest.mark.parametrize("status", list(LotStatus))
    def test_every_status_a_lot_can_have_is_a_filter(
        self, client: TestClient, parties: dict[str, Party], status: LotStatus
    ) -> None:
        assert get(client, parties["processor"], LOTS, status=status.value).status_code == 200

    def test_since_is_a_day_in_vietnam(self, client: TestClient, parties: dict[str, Party]) -> None:
        farmer = parties["farmer"]
        made = []
        for moment in ("2026-06-01T03:00:00", "2026-06-09T18:30:00", "2026-06-15T03:00:00"):
            with clock.frozen(fixed(moment)):
                made.append(farm_lot(client, farmer, 100))
        assert ids(client, farmer, LOTS, since="2026-06-10") == made[1:]  # 01:30 on 10 June in Vietnam
        assert ids(client, farmer, LOTS, since="2026-06-15") == made[2:]
        assert ids(client, farmer, LOTS, since="2026-06-16") == []
        assert ids(client, farmer, LOTS, since="0001-01-01") == made
        assert ids(client, farmer, LOTS, since="9999-12-31") == []

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "lost"},
            {"product": "nuts"},
            {"grade": "W999"},
            {"held": "maybe"},
            {"since": "2026-02-30"},
            {"since": "20260601"},
            {"since": "2026-6-1"},
        ],
    )
    def test_a_bad_filter_is_422(self, client: TestClient, parties: dict[str, Party], params: dict[str, str]) -> None:
        response = get(client, parties["processor"], LOTS, **params)
        assert response.status_code == 422, response.text
        assert response.json()["error"] in ("invalid_input", "invalid_grade")
        assert response.json()["detail"]


class TestPagingWhileOthersWrite:
    def test_lots_held_and_passed_on(self, client: TestClient, parties: dict[str, Party]) -> None:
        farmer, processor = parties["farmer"], parties["processor"]
        farm = make_farm(client, farmer)
        harvest = {"farm_id": farm["id"], "quantity_kg": 100}
        lots = [log_harvest(client, farmer, **harvest)["lot_id"] for _ in range(5)]
        for lot_id in lots[:2]:  # passed on: the farmer's list holds them through its dispatches
            receive(client, processor, send(client, farmer, lot_id, processor, 100))
        first = ok(get(client, farmer, LOTS, limit=2), 200)
        later = [log_harvest(client, farmer, **harvest)["lot_id"] for _ in range(3)]
        farm_lot(client, parties["farmer2"], 100)
        receive(client, processor, send(client, farmer, lots[4], processor, 100))  # moves from held to passed on
        served = [item["lot_id"] for item in first["items"]]
        cursor = first["next_cursor"]
        while cursor is not None:
            body = ok(get(client, farmer, LOTS, limit=2, cursor=cursor), 200)
            served += [item["lot_id"] for item in body["items"]]
            cursor = body["next_cursor"]
        assert served == lots + later  # every lot once, the new ones after the ones that were there

    def test_harvests(self, client: TestClient, parties: dict[str, Party]) -> None:
        farmer = parties["farmer"]
        farm = make_farm(client, farmer)
        before = [log_harvest(client, farmer, farm["id"], quantity_kg=100)["id"] for _ in range(4)]
        first = ok(get(client, farmer, HARVESTS, limit=3), 200)
        after = [log_harvest(client, farmer, farm["id"], quantity_kg=100)["id"] for _ in range(2)]
        rest = ok(get(client, farmer, HARVESTS, limit=3, cursor=first["next_cursor"]), 200)
        assert rest["next_cursor"] is None
        assert [h["id"] for h in first["items"] + rest["items"]] == before + after

    def test_offers_made_and_received(self, client: TestClient, parties: dict[str, Party]) -> None:
        processor, trader = parties["processor"], parties["trader"]
        sold = listing(client, processor, import_lot(client, processor, 5000), 5000)
        bought = listing(client, trader, import_lot(client, trader, 5000), 5000)
        mine = [
            offer(client, trader, sold, 100),
            offer(client, processor, bought, 100),
            offer(client, trader, sold, 50),
        ]
        first = ok(get(client, trader, OFFERS, limit=2), 200)
        later = [offer(client, processor, bought, 10), offer(client, trader, sold, 10)]
        offer(client, parties["trader2"], sold, 10)  # between others
        rest = ok(get(client, trader, OFFERS, limit=5, cursor=first["next_cursor"]), 200)
        assert [o["id"] for o in first["items"] + rest["items"]] == mine + later


class TestHarvests:
    def test_own_harvests_by_farm_and_by_season_as_corrected(
        self, client: TestClient, parties: dict[str, Party]
    ) -> None:
        farmer = parties["farmer"]
        one, two = make_farm(client, farmer), make_farm(client, farmer)
        march = log_harvest(client, farmer, one["id"], harvested_on="2026-03-14")["id"]
        moved = log_harvest(client, farmer, two["id"], harvested_on="2026-01-02")["id"]
        last = log_harvest(client, farmer, one["id"], harvested_on="2025-04-01")["id"]
        theirs = log_harvest(client, parties["farmer2"], make_farm(client, parties["farmer2"])["id"])["id"]
        fix = {"entry_id": moved, "changes": {"harvested_on": "2025-12-30"}, "reason": "sai ngày"}
        ok(client.post("/api/v1/corrections", json=fix, headers=farmer["headers"]))
        assert ids(client, farmer, HARVESTS) == [march, moved, last]
        assert ids(client, farmer, HARVESTS, farm_id=one["id"]) == [march, last]
        assert ids(client, farmer, HARVESTS, season=2026) == [march]
        assert ids(client, farmer, HARVESTS, season=2025) == [moved, last]
        assert ids(client, farmer, HARVESTS, season=2024) == []
        assert ids(client, farmer, HARVESTS, farm_id=two["id"], season=2025) == [moved]
        assert ids(client, parties["farmer2"], HARVESTS) == [theirs]
        assert ids(client, parties["farmer2"], HARVESTS, farm_id=one["id"]) == []
        assert ids(client, parties["regulator"], HARVESTS) == [march, moved, last, theirs]
        assert ids(client, parties["regulator"], HARVESTS, season=2025) == [moved, last]
        items = ok(get(client, farmer, HARVESTS, season=2025), 200)["items"]
        assert items[0] == ok(get(client, farmer, f"{HARVESTS}/{moved}"), 200)
        assert items[0]["harvested_on"] == "2025-12-30" and items[0]["season"] == 2025

    @pytest.mark.parametrize("season", ["abc", "1999", "2101", "2026.5"])
    def test_a_bad_season_is_422(self, client: TestClient, parties: dict[str, Party], season: str) -> None:
        response = get(client, parties["farmer"], HARVESTS, season=season)
        assert response.status_code == 422 and response.json()["error"] == "invalid_input"


@pytest.fixture
def batches(client: TestClient, parties: dict[str, Party]) -> dict[str, Any]:
    """Two batches of one processor: one from tested nuts, one from untested nuts with a yield warning."""
    processor = parties["processor"]
    tested, untested = import_lot(client, processor, 2000), import_lot(client, processor, 1000)
    cutting_test(client, processor, tested)
    first = batch(
        client,
        processor,
        {tested: 1000},
        [{"product": "kernel", "grade": "W320", "quantity_kg": 270}, {"product": "shell", "quantity_kg": 700}],
    )
    second = batch(
        client,
        processor,
        {untested: 1000},
        [{"product": "kernel", "grade": "W240", "quantity_kg": 300}, {"product": "shell", "quantity_kg": 650}],
    )
    return {"tested": tested, "untested": untested, "first": first, "second": second}


class TestBatches:
    def test_a_batch_reads_as_it_was_recorded(
        self, client: TestClient, parties: dict[str, Party], batches: dict[str, Any]
    ) -> None:
        processor, first, second = parties["processor"], batches["first"], batches["second"]
        assert second["warnings"] and second["warnings"][0].startswith("batch_yield_high")
        assert first["warnings"] == [] and first["max_kernel_kg"] is not None
        cutting_test(client, processor, batches["tested"], good_kernel_g=250)  # a later test of the rest of the lot
        for made in (first, second):
            assert ok(get(client, processor, f"{BATCHES}/{made['id']}"), 200) == made
        assert ok(get(client, processor, BATCHES), 200)["items"] == [first, second]

    def test_own_batches_and_a_regulator_every_one(
        self, client: TestClient, parties: dict[str, Party], batches: dict[str, Any]
    ) -> None:
        other = parties["processor2"]
        theirs = batch(client, other, {import_lot(client, other, 100): 100}, [{"product": "shell", "quantity_kg": 70}])
        made = [batches["first"]["id"], batches["second"]["id"]]
        assert ids(client, parties["processor"], BATCHES) == made
        assert ids(client, other, BATCHES) == [theirs["id"]]
        assert ids(client, parties["regulator"], BATCHES, limit=1) == [*made, theirs["id"]]
        assert ok(get(client, parties["regulator"], f"{BATCHES}/{theirs['id']}"), 200) == theirs

    def test_another_partys_batch_is_403_and_an_unknown_one_404(
        self, client: TestClient, parties: dict[str, Party], batches: dict[str, Any]
    ) -> None:
        for role in ("processor2", "farmer", "trader"):
            response = get(client, parties[role], f"{BATCHES}/{batches['first']['id']}")
            assert response.status_code == 403 and response.json()["error"] == "forbidden"
        response = get(client, parties["processor"], f"{BATCHES}/B-NOSUCHBATCH")
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert client.get(f"{BATCHES}/{batches['first']['id']}").status_code == 401


class TestQualityTests:
    def test_own_tests_by_lot_and_a_regulator_every_one(
        self, client: TestClient, parties: dict[str, Party], batches: dict[str, Any]
    ) -> None:
        processor, other = parties["processor"], parties["processor2"]
        [first] = ok(get(client, processor, TESTS), 200)["items"]  # the fixture's test of the tested lot
        again = cutting_test(client, processor, batches["tested"], good_kernel_g=250)
        fresh = cutting_test(client, processor, import_lot(client, processor, 10))
        theirs = cutting_test(client, other, import_lot(client, other, 100))
        assert ids(client, processor, TESTS, lot_id=batches["tested"]) == [first["id"], again["id"]]
        assert ids(client, processor, TESTS) == [first["id"], again["id"], fresh["id"]]
        assert ids(client, other, TESTS) == [theirs["id"]]
        assert ids(client, other, TESTS, lot_id=batches["tested"]) == []
        assert ids(client, parties["regulator"], TESTS) == [first["id"], again["id"], fresh["id"], theirs["id"]]
        assert ok(get(client, processor, TESTS, lot_id=batches["tested"]), 200)["items"][1] == again | {"warnings": []}


class TestShipments:
    def test_own_shipments_read_by_id_others_are_403(self, client: TestClient, parties: dict[str, Party]) -> None:
        processor, other = parties["processor"], parties["processor2"]
        one = ship(client, processor, [import_lot(client, processor, 100)])
        two = ship(client, processor, [import_lot(client, processor, 100), import_lot(client, processor, 50)])
        theirs = ship(client, other, [import_lot(client, other, 100)])
        assert ok(get(client, processor, SHIPMENTS, limit=1), 200)["items"] == [one]
        assert ids(client, processor, SHIPMENTS) == [one["id"], two["id"]]
        assert ids(client, other, SHIPMENTS) == [theirs["id"]]
        assert ids(client, parties["regulator"], SHIPMENTS) == [one["id"], two["id"], theirs["id"]]
        assert ok(get(client, processor, f"{SHIPMENTS}/{two['id']}"), 200) == two
        assert ok(get(client, parties["regulator"], f"{SHIPMENTS}/{theirs['id']}"), 200) == theirs
        response = get(client, processor, f"{SHIPMENTS}/{theirs['id']}")
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
        response = get(client, processor, f"{SHIPMENTS}/SH-NOSUCHSHIP")
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert client.get(f"{SHIPMENTS}/{one['id']}").status_code == 401


@pytest.fixture
def trade(client: TestClient, parties: dict[str, Party]) -> dict[str, str]:
    """The processor sells to the trader (accepted) and turns the second trader down; the trader
    sells to the processor (accepted): each of the two is buyer once and seller once."""
    processor, trader, trader2 = parties["processor"], parties["trader"], parties["trader2"]
    sold = listing(client, processor, import_lot(client, processor, 2000), 1000)
    accepted, rejected = offer(client, trader, sold, 400), offer(client, trader2, sold, 300)
    first = ok(client.post(f"/api/v1/offers/{accepted}/accept", headers=processor["headers"]), 200)["contract"]
    ok(client.post(f"/api/v1/offers/{rejected}/reject", headers=processor["headers"]), 200)
    bought = listing(client, trader, import_lot(client, trader, 1000), 500)
    back = offer(client, processor, bought, 200)
    second = ok(client.post(f"/api/v1/offers/{back}/accept", headers=trader["headers"]), 200)["contract"]
    return {
        "accepted": accepted,
        "rejected": rejected,
        "back": back,
        "first_contract": first["id"],
        "second_contract": second["id"],
    }


class TestOffers:
    def test_made_received_or_both(self, client: TestClient, parties: dict[str, Party], trade: dict[str, str]) -> None:
        processor, trader = parties["processor"], parties["trader"]
        assert ids(client, trader, OFFERS, side="buyer") == [trade["accepted"]]
        assert ids(client, trader, OFFERS, side="seller") == [trade["back"]]
        assert ids(client, trader, OFFERS, limit=1) == [trade["accepted"], trade["back"]]
        assert ids(client, processor, OFFERS, side="seller") == [trade["accepted"], trade["rejected"]]
        assert ids(client, processor, OFFERS, side="buyer") == [trade["back"]]
        assert ids(client, processor, OFFERS, limit=1) == [trade["accepted"], trade["rejected"], trade["back"]]
        assert ids(client, parties["trader2"], OFFERS) == [trade["rejected"]]
        assert ids(client, parties["trader2"], OFFERS, side="seller") == []
        assert ids(client, parties["farmer"], OFFERS) == []

    def test_status(self, client: TestClient, parties: dict[str, Party], trade: dict[str, str]) -> None:
        processor = parties["processor"]
        assert ids(client, processor, OFFERS, status="rejected") == [trade["rejected"]]
        assert ids(client, processor, OFFERS, status="accepted") == [trade["accepted"], trade["back"]]
        assert ids(client, processor, OFFERS, side="seller", status="accepted") == [trade["accepted"]]
        assert ids(client, processor, OFFERS, status="pending") == []
        items = ok(get(client, processor, OFFERS, status="rejected"), 200)["items"]
        assert items == [
            {
                "id": trade["rejected"],
                "listing_id": items[0]["listing_id"],
                "buyer_id": parties["trader2"]["id"],
                "quantity_kg": 300.0,
                "price": "1.40",
                "status": "rejected",
            }
        ]

    def test_a_regulator_sees_every_offer(
        self, client: TestClient, parties: dict[str, Party], trade: dict[str, str]
    ) -> None:
        every = [trade["accepted"], trade["rejected"], trade["back"]]
        assert ids(client, parties["regulator"], OFFERS) == every
        assert ids(client, parties["regulator"], OFFERS, status="accepted") == [trade["accepted"], trade["back"]]
        assert ids(client, parties["regulator"], OFFERS, side="buyer") == []  # a regulator makes no offers

    @pytest.mark.parametrize("params", [{"side": "both"}, {"side": "BUYER"}, {"status": "open"}])
    def test_a_bad_filter_is_422(self, client: TestClient, parties: dict[str, Party], params: dict[str, str]) -> None:
        response = get(client, parties["trader"], OFFERS, **params)
        assert response.status_code == 422 and response.json()["error"] == "invalid_input"


class TestContracts:
    def test_buyer_and_seller_see_a_contract_no_one_else(
        self, client: TestClient, parties: dict[str, Party], trade: dict[str, str]
    ) -> None:
        both = [trade["first_contract"], trade["second_contract"]]
        assert ids(client, parties["trader"], CONTRACTS, limit=1) == both
        assert ids(client, parties["processor"], CONTRACTS, limit=1) == both
        assert ids(client, parties["trader2"], CONTRACTS) == []
        assert ids(client, parties["regulator"], CONTRACTS) == both
        first = ok(get(client, parties["trader"], CONTRACTS), 200)["items"][0]
        assert first["buyer_id"] == parties["trader"]["id"] and first["seller_id"] == parties["processor"]["id"]
        assert first["quantity_kg"] == 400.0 and first["ledger"]["index"] > 0


# Each list after a cursor: (role, path, filters, the ranges of index it reads, the sorts it needs).
# Only a list merged from two ranges sorts, the few rows those ranges gave; the lots a party
# passed on are found through its dispatches (transfer.from_party_id) and sorted too.
OWNED = "ix_lot_owner_id_created_at (owner_id=? AND created_at>?)"
PLANS = [
    ("farmer", LOTS, {"held": "true"}, [OWNED], 0),
    ("farmer", LOTS, {"status": "held"}, [OWNED], 2),
    ("regulator", LOTS, {"status": "held", "product": "rcn"}, ["ix_lot_created_at (created_at>?)"], 0),
    ("farmer", HARVESTS, {"season": "2026"}, ["ix_harvest_farmer_id_ledger_index (farmer_id=? AND ledger_index>?)"], 0),
    ("regulator", HARVESTS, {"season": "2026"}, ["ix_harvest_ledger_index (ledger_index>?)"], 0),
    ("processor", BATCHES, {}, ["ix_batch_party_id_ledger_index (party_id=? AND ledger_index>?)"], 0),
    ("processor", TESTS, {}, ["ix_quality_test_party_id_ledger_index (party_id=? AND ledger_index>?)"], 0),
    ("processor", SHIPMENTS, {}, ["ix_shipment_party_id_ledger_index (party_id=? AND ledger_index>?)"], 0),
    ("processor", OFFERS, {"side": "seller"}, ["ix_offer_seller_id_created_at (seller_id=? AND created_at>?)"], 0),
    (
        "processor",
        OFFERS,
        {"status": "pending"},
        [
            "ix_offer_buyer_id_created_at (buyer_id=? AND created_at>?)",
            "ix_offer_seller_id_created_at (seller_id=? AND created_at>?)",
        ],
        1,
    ),
    ("regulator", OFFERS, {}, ["ix_offer_created_at (created_at>?)"], 0),
    (
        "trader",
        CONTRACTS,
        {},
        [
            "ix_contract_buyer_id_ledger_index (buyer_id=? AND ledger_index>?)",
            "ix_contract_seller_id_ledger_index (seller_id=? AND ledger_index>?)",
        ],
        1,
    ),
]
TABLES = {LOTS: "lot", HARVESTS: "harvest", BATCHES: "batch", TESTS: "quality_test"}
TABLES |= {SHIPMENTS: "shipment", OFFERS: "offer", CONTRACTS: "contract"}


@pytest.mark.parametrize(("role", "path", "filters", "ranges", "sorts"), PLANS, ids=[f"{p[0]}{p[1]}" for p in PLANS])
def test_each_list_reads_a_range_of_its_index(
    client: TestClient,
    engine: Engine,
    parties: dict[str, Party],
    role: str,
    path: str,
    filters: dict[str, str],
    ranges: list[str],
    sorts: int,
) -> None:
    """SQLite's plan of a list's query after a cursor: it seeks into the index, scans no table."""
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    table = TABLES[path]
    key = '["2000-01-01T00:00:00+00:00", ""]' if path in (LOTS, OFFERS) else "0"
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if f"FROM {table} " in statement and " LIMIT " in statement:
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        ok(get(client, parties[role], path, cursor=cursor_of(key), **filters), 200)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    [(statement, params)] = statements
    with engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    for wanted in ranges:
        assert any(line.endswith(f"INDEX {wanted}") for line in plan), plan
    assert f"SCAN {table}" not in plan, plan
    assert sum("TEMP B-TREE FOR ORDER BY" in line for line in plan) == sorts, plan
