"""Input read strictly, the same on SQLite and PostgreSQL (SPEC §4, docs/decisions.md "Input policy").

Each case sends exactly the bad input, checks the status and the JSON error, and that
nothing was written: the ledger's size and every table's row count are unchanged.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories import (
    ADMIN,
    CUTTING_TEST,
    Party,
    farm_body,
    farm_lot,
    harvest_body,
    import_lot,
    ledger_size,
    log_harvest,
    make_farm,
    make_party,
    ok,
    table_counts,
)


class Unchanged:
    """Snapshot of the ledger size and every table; ``check()`` asserts nothing moved."""

    def __init__(self, client: TestClient, engine: Engine):
        self.client, self.engine = client, engine
        self.size, self.counts = ledger_size(client), table_counts(engine)

    def check(self) -> None:
        assert ledger_size(self.client) == self.size
        assert table_counts(self.engine) == self.counts


@pytest.fixture
def farmer(client: TestClient) -> Party:
    return make_party(client)


@pytest.fixture
def farm(client: TestClient, farmer: Party) -> dict[str, Any]:
    return make_farm(client, farmer)


@pytest.fixture
def regulator(client: TestClient) -> Party:
    return make_party(client, role="regulator")


def refused(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"] == error and body["detail"], body
    return body


def listing_body(lot_id: str, quantity_kg: float, price: str) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "quantity_kg": quantity_kg,
        "price": price,
        "currency": "USD",
        "unit": "lb",
        "incoterm": "FOB",
        "port": "VNSGN",
    }


@pytest.fixture
def trade(client: TestClient) -> dict[str, Any]:
    """A processor's kernel lot listed with an open offer, and a transfer in transit."""
    seller = make_party(client, role="processor", gs1_company_prefix="8935412")
    buyer = make_party(client, role="trader")
    raw = import_lot(client, seller, 4000, "KH")
    ok(client.post(f"/api/v1/lots/{raw}/quality-tests", json=CUTTING_TEST, headers=seller["headers"]))
    outputs = [{"product": "kernel", "grade": "W320", "quantity_kg": 1000}, {"product": "shell", "quantity_kg": 2800}]
    made = ok(
        client.post(
            "/api/v1/batches",
            json={"inputs": [{"lot_id": raw, "quantity_kg": 4000}], "outputs": outputs},
            headers=seller["headers"],
        )
    )
    kernel = made["outputs"][0]["lot_id"]
    listing = ok(
        client.post(
            "/api/v1/listings",
            json=listing_body(kernel, 500, "2.95"),
            headers=seller["headers"],
        )
    )
    offer = ok(
        client.post(
            f"/api/v1/listings/{listing['id']}/offers",
            json={"quantity_kg": 200, "price": "2.90"},
            headers=buyer["headers"],
        )
    )
    shell = made["outputs"][1]["lot_id"]
    transfer = ok(
        client.post(
            f"/api/v1/lots/{shell}/dispatch",
            json={"to_party_id": buyer["id"], "quantity_kg": 100},
            headers=seller["headers"],
        )
    )
    return {
        "seller": seller,
        "buyer": buyer,
        "kernel": kernel,
        "listing": listing,
        "offer": offer,
        "transfer": transfer,
    }


class TestControlCharacters:
    """NUL reached PostgreSQL as a 500 (and SQLite stored it): now refused alike on both."""

    def test_nul_in_a_public_path_is_404(self, client: TestClient, engine: Engine) -> None:
        unchanged = Unchanged(client, engine)
        refused(client.get("/api/v1/lots/%00/provenance"), 404, "not_found")
        refused(client.get("/01/08935412000019/10/%00"), 404, "not_found")
        refused(client.get("/01/08935412000019/10/RCN26%01X"), 404, "not_found")
        unchanged.check()

    def test_nul_in_a_path_id_is_404(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        unchanged = Unchanged(client, engine)
        refused(client.get("/api/v1/farms/F-%00", headers=farmer["headers"]), 404, "not_found")
        refused(
            client.post("/api/v1/transfers/%00/receive", json={"received_kg": 1}, headers=farmer["headers"]),
            404,
            "not_found",
        )
        unchanged.check()

    @pytest.mark.parametrize("query", ["kind=%00", "party_id=P-%00", "since=2026-01-01%00", "cursor=%1F"])
    def test_nul_in_a_query_filter_is_422(
        self, client: TestClient, engine: Engine, regulator: Party, query: str
    ) -> None:
        unchanged = Unchanged(client, engine)
        body = refused(
            client.get(f"/api/v1/oversight/alerts?{query}", headers=regulator["headers"]), 422, "invalid_input"
        )
        assert body["fields"][0]["loc"][0] == "query"
        unchanged.check()

    @pytest.mark.parametrize(
        ("field", "value"),
        [("name", "Vườn\u0000điều"), ("commune", "Đức\u0001Liễu"), ("variety", "PN1\u001b"), ("name", "Vườn\tđiều")],
    )
    def test_control_characters_in_a_string_field_are_422(
        self, client: TestClient, engine: Engine, farmer: Party, field: str, value: str
    ) -> None:
        unchanged = Unchanged(client, engine)
        response = client.post("/api/v1/farms", json=farm_body(**{field: value}), headers=farmer["headers"])
        body = refused(response, 422, "invalid_input")
        assert ["body", field] in [f["loc"] for f in body["fields"]], body
        unchanged.check()

    def test_nul_in_a_key_or_a_nested_string_is_422(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        processor = make_party(client, role="processor")
        unchanged = Unchanged(client, engine)
        nested = {"inputs": [{"lot_id": "RCN26-\u0000", "quantity_kg": 1}], "outputs": []}
        refused(client.post("/api/v1/batches", json=nested, headers=processor["headers"]), 422, "invalid_input")
        keyed = harvest_body(farm["id"]) | {"no\u0000te": "x"}
        refused(client.post("/api/v1/harvests", json=keyed, headers=farmer["headers"]), 422, "invalid_input")
        unchanged.check()

    def test_free_text_keeps_tab_and_newline_but_not_nul(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        notes = "phơi 3 nắng\nbao\t12"
        made = log_harvest(client, farmer, farm["id"], notes=notes)
        assert client.get(f"/api/v1/harvests/{made['id']}", headers=farmer["headers"]).json()["notes"] == notes
        unchanged = Unchanged(client, engine)
        for bad in ("phơi\u0000", "phơi\r\n3 nắng", "x\u0007"):
            response = client.post(
                "/api/v1/harvests", json=harvest_body(farm["id"], notes=bad), headers=farmer["headers"]
            )
            refused(response, 422, "invalid_input")
        unchanged.check()

    def test_a_raw_nul_in_the_json_text_is_malformed(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        unchanged = Unchanged(client, engine)
        raw = b'{"name": "a\x00b"}'
        response = client.post(
            "/api/v1/farms", content=raw, headers={**farmer["headers"], "Content-Type": "application/json"}
        )
        refused(response, 400, "malformed_json")
        unchanged.check()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


class TestBodiesWhereNoneIsTaken:
    """A body on a route that takes none parsed before it was guarded (RecursionError, 500), or was ignored."""

    def body_less_writes(self, trade: dict[str, Any]) -> list[tuple[str, str, Party]]:
        seller = trade["seller"]
        return [
            ("POST", f"/api/v1/offers/{trade['offer']['id']}/accept", seller),
            ("POST", f"/api/v1/offers/{trade['offer']['id']}/reject", seller),
            ("POST", f"/api/v1/listings/{trade['listing']['id']}/withdraw", seller),
            ("POST", f"/api/v1/transfers/{trade['transfer']['id']}/cancel", seller),
            ("GET", f"/api/v1/lots/{trade['kernel']}/label.png", seller),
            ("GET", f"/api/v1/lots/{trade['kernel']}/label.svg", seller),
            ("GET", f"/api/v1/labels.pdf?lots={trade['kernel']}", seller),
        ]

    def test_a_body_nested_1000_deep_is_400(self, client: TestClient, engine: Engine, trade: dict[str, Any]) -> None:
        unchanged = Unchanged(client, engine)
        for method, path, party in self.body_less_writes(trade):
            response = client.request(
                method, path, content=nested(1000), headers={**party["headers"], "Content-Type": "application/json"}
            )
            refused(response, 400, "json_too_deep")
        unchanged.check()

    @pytest.mark.parametrize("body", [b'{"accept": false}', b"[]", b"null", b"garbage", b'"x"'])
    def test_a_body_other_than_empty_or_braces_is_400(
        self, client: TestClient, engine: Engine, trade: dict[str, Any], body: bytes
    ) -> None:
        unchanged = Unchanged(client, engine)
        for method, path, party in self.body_less_writes(trade):
            response = client.request(
                method, path, content=body, headers={**party["headers"], "Content-Type": "application/json"}
            )
            expected = "malformed_json" if body == b"garbage" else "unexpected_body"
            refused(response, 400, expected)
        unchanged.check()
        again = client.post(f"/api/v1/offers/{trade['offer']['id']}/reject", headers=trade["seller"]["headers"])
        assert again.status_code == 200 and again.json()["status"] == "rejected"  # it was still open

    def test_empty_braces_are_no_body(self, client: TestClient, trade: dict[str, Any]) -> None:
        response = client.post(
            f"/api/v1/offers/{trade['offer']['id']}/accept", json={}, headers=trade["seller"]["headers"]
        )
        assert response.status_code == 200 and response.json()["contract"]["quantity_kg"] == 200

    def test_a_get_with_a_body_is_400(self, client: TestClient, farmer: Party) -> None:
        response = client.request("GET", "/api/v1/farms", content=b'{"limit": 1}', headers=farmer["headers"])
        refused(response, 400, "unexpected_body")
        assert client.request("GET", "/api/v1/farms", content=b"{}", headers=farmer["headers"]).status_code == 200

    def test_a_deep_body_on_a_route_that_takes_one_is_400(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        unchanged = Unchanged(client, engine)
        body = json.dumps(harvest_body(farm["id"]) | {"notes": None}).encode()[:-1] + b', "x": ' + nested(40) + b"}"
        response = client.post(
            "/api/v1/harvests", content=body, headers={**farmer["headers"], "Content-Type": "application/json"}
        )
        refused(response, 400, "json_too_deep")
        unchanged.check()


class TestTimesOutOfRange:
    @pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"])
    def test_a_since_beyond_the_calendar_is_422(
        self, client: TestClient, engine: Engine, regulator: Party, since: str
    ) -> None:
        unchanged = Unchanged(client, engine)
        response = client.get("/api/v1/oversight/alerts", params={"since": since}, headers=regulator["headers"])
        body = refused(response, 422, "invalid_input")
        assert body["fields"][0]["loc"] == ["query", "since"]
        unchanged.check()

    def test_the_edges_that_exist_are_read(self, client: TestClient, regulator: Party) -> None:
        for since in ("0001-01-02", "9999-12-30T00:00:00Z", "2026-06-01"):
            response = client.get("/api/v1/oversight/alerts", params={"since": since}, headers=regulator["headers"])
            assert response.status_code == 200, (since, response.text)


class TestGs1Prefixes:
    def test_a_prefix_held_by_another_party_is_409(self, client: TestClient, engine: Engine) -> None:
        make_party(client, role="processor", gs1_company_prefix="8935412")
        unchanged = Unchanged(client, engine)
        for prefix in ("8935412", "893541", "89354123"):  # the same, one it begins, one that begins with it
            response = client.post(
                "/api/v1/parties", json={"name": "X", "role": "trader", "gs1_company_prefix": prefix}, headers=ADMIN
            )
            refused(response, 409, "gs1_prefix_taken")
        unchanged.check()
        assert make_party(client, role="trader", gs1_company_prefix="8935413")["gs1_company_prefix"] == "8935413"

    def test_prefixes_that_overlap_in_old_data_still_get_distinct_gtins(
        self, client: TestClient, engine: Engine
    ) -> None:
        """Parties registered before the rule (here written by SQL) never share a GTIN: allocation skips taken ones."""
        first = make_party(client, role="processor", gs1_company_prefix="893600")
        second = make_party(client, role="processor", gs1_company_prefix="8937000")
        with engine.begin() as conn:
            conn.execute(text("UPDATE party SET gs1_company_prefix = '8935412' WHERE id = :id"), {"id": second["id"]})
            conn.execute(text("UPDATE party SET gs1_company_prefix = '893541' WHERE id = :id"), {"id": first["id"]})
        gtins = []
        for party in (first, second):
            raw = import_lot(client, party, 1000, "CI")
            body = {
                "inputs": [{"lot_id": raw, "quantity_kg": 1000}],
                "outputs": [{"product": "kernel", "grade": "W320", "quantity_kg": 250}],
            }
            lot_id = ok(client.post("/api/v1/batches", json=body, headers=party["headers"]))["outputs"][0]["lot_id"]
            label = client.get(f"/api/v1/lots/{lot_id}/label.svg", headers=party["headers"])
            assert label.status_code == 200, label.text
            with engine.connect() as conn:
                gtins.append(conn.execute(text("SELECT gtin FROM label WHERE lot_id = :l"), {"l": lot_id}).scalar_one())
        assert gtins[0] != gtins[1] and all(g.startswith("0893541") for g in gtins)


def chunks(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    yield b'{"notes": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


class TestBodySize:
    def test_a_20_mb_chunked_body_is_413(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        unchanged = Unchanged(client, engine)
        response = client.post(
            "/api/v1/harvests",
            content=chunks(20_000_000),
            headers={**farmer["headers"], "Content-Type": "application/json"},
        )
        refused(response, 413, "body_too_large")
        unchanged.check()


class TestParsingThatGuessed:
    def test_a_duplicate_key_is_400(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        unchanged = Unchanged(client, engine)
        raw = (
            f'{{"farm_id": "{farm["id"]}", "harvested_on": "2026-03-14", "quantity_kg": -1, "quantity_kg": 7}}'
        ).encode()
        response = client.post(
            "/api/v1/harvests", content=raw, headers={**farmer["headers"], "Content-Type": "application/json"}
        )
        body = refused(response, 400, "duplicate_json_key")
        assert "quantity_kg" in body["detail"]
        nested_dup = json.dumps(farm_body())[:-1] + ', "geometry": {"type": "Point", "type": "Polygon"}}'
        response = client.post(
            "/api/v1/farms",
            content=nested_dup.encode(),
            headers={**farmer["headers"], "Content-Type": "application/json"},
        )
        refused(response, 400, "duplicate_json_key")
        unchanged.check()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"area_ha": "3.5"}, "area_ha"),
            ({"planted_year": "2014"}, "planted_year"),
            ({"area_ha": True}, "area_ha"),
            ({"planted_year": False}, "planted_year"),
        ],
    )
    def test_numbers_given_as_strings_or_booleans_are_422(
        self, client: TestClient, engine: Engine, farmer: Party, changes: dict[str, Any], field: str
    ) -> None:
        unchanged = Unchanged(client, engine)
        body = refused(
            client.post("/api/v1/farms", json=farm_body(**changes), headers=farmer["headers"]), 422, "invalid_input"
        )
        assert ["body", field] in [f["loc"] for f in body["fields"]]
        unchanged.check()

    def test_the_same_policy_for_every_number(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        lot_id = farm_lot(client, farmer, 1000)
        processor = make_party(client, role="processor")
        unchanged = Unchanged(client, engine)
        for path, body, party in [
            (f"/api/v1/lots/{lot_id}/dispatch", {"to_party_id": processor["id"], "quantity_kg": "10"}, farmer),
            (f"/api/v1/lots/{lot_id}/quality-tests", CUTTING_TEST | {"nut_count": "180"}, processor),
            (f"/api/v1/lots/{lot_id}/quality-tests", CUTTING_TEST | {"sample_g": "1000"}, processor),
        ]:
            refused(client.post(path, json=body, headers=party["headers"]), 422, "invalid_input")
        unchanged.check()

    @pytest.mark.parametrize("price", ["١٢", "١٢.٥", "12,5", "1e3", "12.", ".5", "-3", "+3", "１２"])
    def test_prices_are_ascii_decimals(
        self, client: TestClient, engine: Engine, trade: dict[str, Any], price: str
    ) -> None:
        unchanged = Unchanged(client, engine)
        response = client.post(
            f"/api/v1/listings/{trade['listing']['id']}/offers",
            json={"quantity_kg": 10, "price": price},
            headers=trade["buyer"]["headers"],
        )
        refused(response, 422, "invalid_input")
        listing = client.post(
            "/api/v1/listings",
            json=listing_body(trade["kernel"], 10, price),
            headers=trade["seller"]["headers"],
        )
        refused(listing, 422, "invalid_input")
        unchanged.check()

    def test_a_gs1_prefix_in_other_digits_is_422(self, client: TestClient, engine: Engine) -> None:
        unchanged = Unchanged(client, engine)
        response = client.post(
            "/api/v1/parties", json={"name": "X", "role": "trader", "gs1_company_prefix": "٨٩٣٥٤١٢"}, headers=ADMIN
        )
        refused(response, 422, "invalid_input")
        unchanged.check()


class TestMoisture:
    def test_a_harvest_without_moisture_is_logged_and_anchored_without_it(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        body = harvest_body(farm["id"])
        del body["moisture_pct"]
        made = ok(client.post("/api/v1/harvests", json=body, headers=farmer["headers"]))
        assert made["moisture_pct"] is None
        with engine.connect() as conn:
            leaf = conn.execute(
                text("SELECT leaf_data FROM ledger_entry WHERE idx = :i"), {"i": made["ledger"]["index"]}
            )
            entry = json.loads(leaf.scalar_one())
        assert "moisture_pct" not in entry["data"]

    @pytest.mark.parametrize(("moisture", "status"), [(3.99, 422), (4, 201), (30, 201), (30.01, 422), (-1, 422)])
    def test_when_given_it_is_4_to_30_percent(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any], moisture: float, status: int
    ) -> None:
        unchanged = Unchanged(client, engine)
        response = client.post(
            "/api/v1/harvests", json=harvest_body(farm["id"], moisture_pct=moisture), headers=farmer["headers"]
        )
        assert response.status_code == status, response.text
        if status == 422:
            unchanged.check()


class TestHeaders:
    def test_nosniff_on_every_answer(self, client: TestClient, farmer: Party) -> None:
        answers = [
            client.get("/ledger/checkpoint"),
            client.get("/api/v1/farms", headers=farmer["headers"]),
            client.get("/api/v1/farms"),
            client.get("/nowhere"),
            client.get("/api/v1/lots/%00/provenance"),
            client.post("/api/v1/harvests", content=b"{" + b" " * 1_100_000 + b"}", headers=farmer["headers"]),
            client.get("/dashboard"),
            client.get("/docs"),
            client.get("/openapi.json"),
        ]
        for response in answers:
            assert response.headers.get("x-content-type-options") == "nosniff", (
                response.request.url,
                response.status_code,
            )

    def test_a_label_svg_carries_a_strict_csp(self, client: TestClient, trade: dict[str, Any]) -> None:
        response = client.get(f"/api/v1/lots/{trade['kernel']}/label.svg", headers=trade["seller"]["headers"])
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp

    def test_the_docs_carry_a_csp_with_no_inline_script(self, client: TestClient) -> None:
        response = client.get("/docs")
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "<script>" not in response.text.replace(" ", "")
