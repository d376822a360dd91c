"""A lot's trace (SPEC §6.5) through the API: both directions, who sees what, and its cost in statements."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.factories import CONTAINER, CUTTING_TEST, Party, deliver, farm_lot, import_lot, make_party, ok

Output = tuple[str, str | None, float]  # product, grade, kg


def make_batch(client: TestClient, processor: Party, inputs: dict[str, float], outputs: list[Output]) -> list[str]:
    """A batch through the API; its output lot ids in the order given."""
    body = {
        "inputs": [{"lot_id": lot_id, "quantity_kg": kg} for lot_id, kg in inputs.items()],
        "outputs": [{"product": p, "grade": g, "quantity_kg": kg} for p, g, kg in outputs],
    }
    made = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))
    return [o["lot_id"] for o in made["outputs"]]


def send(client: TestClient, sender: Party, recipient: Party, lot_id: str, kg: float) -> dict[str, Any]:
    """Dispatch without receiving: the transfer, in transit."""
    body = {"to_party_id": recipient["id"], "quantity_kg": kg}
    return ok(client.post(f"/api/v1/lots/{lot_id}/dispatch", json=body, headers=sender["headers"]))


def receive(client: TestClient, recipient: Party, transfer: dict[str, Any]) -> None:
    body = {"received_kg": transfer["quantity_kg"]}
    ok(client.post(f"/api/v1/transfers/{transfer['id']}/receive", json=body, headers=recipient["headers"]), 200)


def get_trace(client: TestClient, party: Party, lot_id: str, direction: str | None = None) -> Any:
    query = f"?direction={direction}" if direction else ""
    return client.get(f"/api/v1/lots/{lot_id}/trace{query}", headers=party["headers"])


def trace_of(client: TestClient, party: Party, lot_id: str, direction: str) -> dict[str, Any]:
    return ok(get_trace(client, party, lot_id, direction), 200)


def lineage_edges(trace: dict[str, Any]) -> set[tuple[str, str, str, float]]:
    return {(e["from"], e["to"], e["kind"], e["quantity_kg"]) for e in trace["edges"] if e["kind"] != "dispatch"}


def dispatches(trace: dict[str, Any]) -> dict[str, dict[str, Any]]:
    edges = [e for e in trace["edges"] if e["kind"] == "dispatch"]
    assert all(e["from"] == e["to"] for e in edges)
    return {e["transfer_id"]: e for e in edges}


def nodes(trace: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["lot_id"]: n for n in trace["nodes"]}


@pytest.fixture
def chain(client: TestClient) -> dict[str, Any]:
    """Farmer A splits 1,500 kg off a harvest for processor P; farmer B sends a whole harvest; P mixes both
    with an imported lot into kernel K1 (and shell); P splits 600 kg of K1 off for processor Q, who re-sorts
    it into K2 (and rejects), labels and ships K2; P labels the rest of K1 and sends it to a trader."""
    farmer_a, farmer_b = make_party(client), make_party(client)
    p = make_party(client, role="processor", gs1_company_prefix="8935412")
    q = make_party(client, role="processor", gs1_company_prefix="8935413")
    trader = make_party(client, role="trader")
    harvest_a = farm_lot(client, farmer_a, 2000)
    t1 = send(client, farmer_a, p, harvest_a, 1500)
    receive(client, p, t1)
    part_a = t1["lot_id"]
    harvest_b = farm_lot(client, farmer_b, 1500)
    t2 = send(client, farmer_b, p, harvest_b, 1500)
    receive(client, p, t2)
    imported = import_lot(client, p, 3000, "CI")
    ok(client.post(f"/api/v1/lots/{part_a}/quality-tests", json=CUTTING_TEST, headers=p["headers"]))
    k1, shell = make_batch(
        client,
        p,
        {part_a: 1500, harvest_b: 1500, imported: 3000},
        [("kernel", "W320", 1400), ("shell", None, 4200)],
    )
    t3 = send(client, p, q, k1, 600)
    receive(client, q, t3)
    k1_part = t3["lot_id"]
    k2, reject = make_batch(client, q, {k1_part: 600}, [("kernel", "W320", 560), ("reject", None, 40)])
    for holder, lot_id in ((q, k2), (p, k1)):
        assert client.get(f"/api/v1/lots/{lot_id}/label.svg", headers=holder["headers"]).status_code == 200
    shipment = ok(
        client.post(
            "/api/v1/shipments",
            headers=q["headers"],
            json={
                "lot_ids": [k2],
                "container_no": CONTAINER,
                "port_of_loading": "VNCLI",
                "destination_country": "NL",
                "documents": [{"type": "bill_of_lading", "sha256": "cd" * 32}],
            },
        )
    )
    t4 = send(client, p, trader, k1, 800)  # all that is left: the lot itself travels, no split
    assert t4["lot_id"] == k1
    return {
        "farmer_a": farmer_a,
        "farmer_b": farmer_b,
        "p": p,
        "q": q,
        "trader": trader,
        "regulator": make_party(client, role="regulator"),
        "harvest_a": harvest_a,
        "part_a": part_a,
        "harvest_b": harvest_b,
        "import": imported,
        "k1": k1,
        "shell": shell,
        "k1_part": k1_part,
        "k2": k2,
        "reject": reject,
        "transfers": {"t1": t1, "t2": t2, "t3": t3, "t4": t4},
        "shipment": shipment,
    }


class TestForward:
    def test_follows_a_harvest_through_split_batch_split_batch(self, client: TestClient, chain: dict[str, Any]) -> None:
        c = chain
        trace = trace_of(client, c["regulator"], c["harvest_a"], "forward")
        assert trace["lot_id"] == c["harvest_a"] and trace["direction"] == "forward"
        found = nodes(trace)
        generations = {
            c["harvest_a"]: 0,
            c["part_a"]: 1,
            c["k1"]: 2,
            c["shell"]: 2,
            c["k1_part"]: 3,
            c["k2"]: 4,
            c["reject"]: 4,
        }
        assert {k: n["generation"] for k, n in found.items()} == generations
        assert trace["nodes"][0]["lot_id"] == c["harvest_a"]
        assert [n["generation"] for n in trace["nodes"]] == sorted(generations.values())
        assert found[c["harvest_a"]] | {"created_by": None} == {
            "lot_id": c["harvest_a"],
            "product": "rcn",
            "grade": None,
            "quantity_kg": 500.0,
            "holder_id": c["farmer_a"]["id"],
            "status": "held",
            "generation": 0,
            "created_by": None,
        }
        assert found[c["harvest_a"]]["created_by"]["type"] == "harvest"
        assert found[c["k1"]] | {"generation": 0, "created_by": None} == {
            "lot_id": c["k1"],
            "product": "kernel",
            "grade": "W320",
            "quantity_kg": 800.0,
            "holder_id": c["p"]["id"],
            "status": "in_transit",
            "generation": 0,
            "created_by": None,
        }
        assert (found[c["k2"]]["status"], found[c["k2"]]["holder_id"]) == ("shipped", c["q"]["id"])
        assert (found[c["part_a"]]["status"], found[c["part_a"]]["quantity_kg"]) == ("consumed", 0.0)
        assert lineage_edges(trace) == {
            (c["harvest_a"], c["part_a"], "split", 1500.0),
            (c["part_a"], c["k1"], "batch", 1500.0),
            (c["part_a"], c["shell"], "batch", 1500.0),
            (c["k1"], c["k1_part"], "split", 600.0),
            (c["k1_part"], c["k2"], "batch", 600.0),
            (c["k1_part"], c["reject"], "batch", 600.0),
        }
        t = c["transfers"]
        moves = dispatches(trace)
        assert set(moves) == {t["t1"]["id"], t["t3"]["id"], t["t4"]["id"]}  # t2 moved farmer B's lot: not reached
        assert moves[t["t1"]["id"]] == {
            "from": c["part_a"],
            "to": c["part_a"],
            "kind": "dispatch",
            "quantity_kg": 1500.0,
            "received_kg": 1500.0,
            "transfer_id": t["t1"]["id"],
            "from_party_id": c["farmer_a"]["id"],
            "to_party_id": c["p"]["id"],
            "status": "received",
        }
        assert (moves[t["t4"]["id"]]["status"], moves[t["t4"]["id"]]["received_kg"]) == ("in_transit", None)
        assert [e["kind"] for e in trace["edges"]][-3:] == ["dispatch"] * 3  # after the lineage, in ledger order
        assert [e["transfer_id"] for e in trace["edges"][-3:]] == [t["t1"]["id"], t["t3"]["id"], t["t4"]["id"]]

    def test_reaches_the_shipments_and_labels_and_no_price(self, client: TestClient, chain: dict[str, Any]) -> None:
        c = chain
        trace = trace_of(client, c["regulator"], c["harvest_a"], "forward")
        assert trace["shipments"] == [
            {
                "id": c["shipment"]["id"],
                "shipped_on": c["shipment"]["shipped_on"],
                "container_no": CONTAINER,
                "port_of_loading": "VNCLI",
                "destination_country": "NL",
                "lot_ids": [c["k2"]],
                "shipper_id": c["q"]["id"],
            }
        ]
        labels = {label["lot_id"]: label for label in trace["labels"]}
        assert set(labels) == {c["k1"], c["k2"]}
        for lot_id, label in labels.items():
            assert label["uri"] == f"http://testserver/01/{label['gtin']}/10/{lot_id}"
        assert labels[c["k2"]]["gtin"].startswith("08935413")  # Q's prefix; K1's carries P's
        assert labels[c["k1"]]["gtin"].startswith("08935412")
        assert (
            "price"
            not in client.get(
                f"/api/v1/lots/{c['harvest_a']}/trace?direction=forward", headers=c["regulator"]["headers"]
            ).text
        )

    def test_a_lot_nothing_came_from_is_its_own_trace(self, client: TestClient, chain: dict[str, Any]) -> None:
        trace = trace_of(client, chain["regulator"], chain["reject"], "forward")
        assert [n["lot_id"] for n in trace["nodes"]] == [chain["reject"]]
        assert (trace["edges"], trace["shipments"], trace["labels"]) == ([], [], [])


class TestBackward:
    def test_follows_a_shipped_kernel_back_to_its_harvests_and_import(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        c = chain
        trace = trace_of(client, c["q"], c["k2"], "backward")
        assert trace["direction"] == "backward"
        found = nodes(trace)
        assert {k: n["generation"] for k, n in found.items()} == {
            c["k2"]: 0,
            c["k1_part"]: 1,
            c["k1"]: 2,
            c["part_a"]: 3,
            c["harvest_b"]: 3,
            c["import"]: 3,
            c["harvest_a"]: 4,
        }
        assert {n["created_by"]["type"] for n in trace["nodes"]} == {"batch", "split", "harvest", "import"}
        assert (found[c["import"]]["product"], found[c["import"]]["holder_id"]) == ("rcn", c["p"]["id"])
        assert found[c["harvest_b"]] | {"created_by": None} == {
            "lot_id": c["harvest_b"],
            "product": "rcn",
            "grade": None,
            "quantity_kg": 0.0,
            "holder_id": c["p"]["id"],
            "status": "consumed",
            "generation": 3,
            "created_by": None,
        }
        assert lineage_edges(trace) == {
            (c["k1_part"], c["k2"], "batch", 600.0),
            (c["k1"], c["k1_part"], "split", 600.0),
            (c["part_a"], c["k1"], "batch", 1500.0),
            (c["harvest_b"], c["k1"], "batch", 1500.0),
            (c["import"], c["k1"], "batch", 3000.0),
            (c["harvest_a"], c["part_a"], "split", 1500.0),
        }
        t = c["transfers"]
        moves = dispatches(trace)
        assert set(moves) == {t[n]["id"] for n in ("t1", "t2", "t3", "t4")}
        assert (moves[t["t2"]["id"]]["from"], moves[t["t2"]["id"]]["from_party_id"]) == (
            c["harvest_b"],
            c["farmer_b"]["id"],
        )
        assert trace["shipments"][0]["lot_ids"] == [c["k2"]]
        assert {label["lot_id"] for label in trace["labels"]} == {c["k1"], c["k2"]}

    def test_backward_is_the_default(self, client: TestClient, chain: dict[str, Any]) -> None:
        plain = ok(get_trace(client, chain["q"], chain["k2"]), 200)
        assert plain == trace_of(client, chain["q"], chain["k2"], "backward")
        assert plain["direction"] == "backward"

    def test_a_harvest_lot_goes_back_to_itself(self, client: TestClient, chain: dict[str, Any]) -> None:
        trace = trace_of(client, chain["regulator"], chain["harvest_a"], "backward")
        assert [n["lot_id"] for n in trace["nodes"]] == [chain["harvest_a"]]
        assert trace["edges"] == []  # its transfer moved the part split off it, not the lot itself


class TestFarmerView:
    def test_sees_where_their_nuts_went_without_the_other_parties(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        c = chain
        mine, full = (trace_of(client, who, c["harvest_a"], "forward") for who in (c["farmer_a"], c["regulator"]))
        assert [n["lot_id"] for n in mine["nodes"]] == [n["lot_id"] for n in full["nodes"]]
        assert lineage_edges(mine) == lineage_edges(full)
        holders = {n["lot_id"]: n["holder_id"] for n in mine["nodes"]}
        assert holders == {n["lot_id"]: None for n in mine["nodes"]} | {c["harvest_a"]: c["farmer_a"]["id"]}
        assert [(n["product"], n["grade"], n["quantity_kg"], n["status"]) for n in mine["nodes"]] == [
            (n["product"], n["grade"], n["quantity_kg"], n["status"]) for n in full["nodes"]
        ]
        t = c["transfers"]
        moves = dispatches(mine)
        own = moves.pop(t["t1"]["id"])  # their own delivery keeps both parties
        assert (own["from_party_id"], own["to_party_id"]) == (c["farmer_a"]["id"], c["p"]["id"])
        assert set(moves) == {t["t3"]["id"], t["t4"]["id"]}
        assert all(m["from_party_id"] is None and m["to_party_id"] is None for m in moves.values())
        assert all(m["quantity_kg"] for m in moves.values())
        assert [s["shipper_id"] for s in mine["shipments"]] == [None]
        assert mine["labels"] == full["labels"]
        others = {c["p"]["id"], c["q"]["id"], c["trader"]["id"]}
        text = get_trace(client, c["farmer_a"], c["harvest_a"], "forward").text
        assert [party for party in others if party in text] == [c["p"]["id"]]  # only as their own buyer

    def test_follows_a_part_they_split_off(self, client: TestClient, chain: dict[str, Any]) -> None:
        trace = trace_of(client, chain["farmer_a"], chain["part_a"], "forward")
        assert trace["nodes"][0]["lot_id"] == chain["part_a"] and len(trace["nodes"]) == 6

    def test_not_backward(self, client: TestClient, chain: dict[str, Any]) -> None:
        response = get_trace(client, chain["farmer_a"], chain["harvest_a"], "backward")
        assert response.status_code == 403 and "direction=forward" in response.json()["detail"]
        assert get_trace(client, chain["farmer_a"], chain["harvest_a"]).status_code == 403  # the default: backward

    def test_not_the_lots_a_processor_made(self, client: TestClient, chain: dict[str, Any]) -> None:
        response = get_trace(client, chain["farmer_a"], chain["k1"], "forward")
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"

    def test_another_farmer_is_refused(self, client: TestClient, chain: dict[str, Any]) -> None:
        for lot_id in (chain["harvest_a"], chain["part_a"]):
            response = get_trace(client, chain["farmer_b"], lot_id, "forward")
            assert response.status_code == 403, lot_id
            assert "your harvests" in response.json()["detail"]
        assert get_trace(client, make_party(client), chain["harvest_a"], "forward").status_code == 403


class TestWhoSees:
    def test_a_processor_follows_what_it_held_both_ways(self, client: TestClient, chain: dict[str, Any]) -> None:
        c = chain
        for lot_id in (c["part_a"], c["harvest_b"], c["import"], c["k1"], c["k1_part"]):
            for direction in ("backward", "forward"):
                assert get_trace(client, c["p"], lot_id, direction).status_code == 200, (lot_id, direction)
        full = trace_of(client, c["regulator"], c["k1"], "backward")
        assert trace_of(client, c["p"], c["k1"], "backward") == full  # nothing hidden from a holder

    def test_a_processor_is_refused_lots_it_never_held(self, client: TestClient, chain: dict[str, Any]) -> None:
        c = chain
        for lot_id in (c["harvest_a"], c["k2"], c["reject"]):  # the farmer's remainder; what Q made
            response = get_trace(client, c["p"], lot_id, "forward")
            assert response.status_code == 403, lot_id
            assert "never held" in response.json()["detail"]

    def test_a_trader_sees_a_lot_once_received_and_after_passing_it_on(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        c = chain
        assert get_trace(client, c["trader"], c["k1"], "backward").status_code == 403  # still in transit
        receive(client, c["trader"], c["transfers"]["t4"])
        assert get_trace(client, c["trader"], c["k1"], "backward").status_code == 200
        other = make_party(client, role="trader")
        deliver(client, c["trader"], other, c["k1"], 800)
        trace = trace_of(client, c["trader"], c["k1"], "forward")  # no longer the holder, but it held it
        assert nodes(trace)[c["k1"]]["holder_id"] == other["id"]
        assert get_trace(client, c["trader"], c["k2"], "backward").status_code == 403

    def test_a_trader_who_never_held_it_is_refused(self, client: TestClient, chain: dict[str, Any]) -> None:
        stranger = make_party(client, role="trader")
        for lot_id in (chain["k1"], chain["k2"], chain["harvest_a"]):
            for direction in ("backward", "forward"):
                response = get_trace(client, stranger, lot_id, direction)
                assert response.status_code == 403 and response.json()["error"] == "forbidden"

    def test_a_regulator_sees_every_lot_both_ways(self, client: TestClient, chain: dict[str, Any]) -> None:
        for key in ("harvest_a", "harvest_b", "import", "k1", "k2", "reject"):
            for direction in ("backward", "forward"):
                trace = trace_of(client, chain["regulator"], chain[key], direction)
                assert all(n["holder_id"] for n in trace["nodes"])


class TestRefusals:
    def test_no_key_is_401(self, client: TestClient, chain: dict[str, Any]) -> None:
        for headers in ({}, {"Authorization": "Bearer ck_not_a_key"}):
            response = client.get(f"/api/v1/lots/{chain['k2']}/trace", headers=headers)
            assert response.status_code == 401 and response.json()["error"] == "unauthorized"

    def test_unknown_lot_is_404(self, client: TestClient, chain: dict[str, Any]) -> None:
        for who in ("regulator", "p", "farmer_a"):
            response = get_trace(client, chain[who], "RCN26-NOSUCHLOT", "forward")
            assert response.status_code == 404 and response.json()["error"] == "not_found"
            assert "RCN26-NOSUCHLOT" in response.json()["detail"]

    def test_an_unknown_direction_is_422(self, client: TestClient, chain: dict[str, Any]) -> None:
        for direction in ("sideways", "FORWARD", ""):
            response = client.get(
                f"/api/v1/lots/{chain['k2']}/trace",
                params={"direction": direction},
                headers=chain["regulator"]["headers"],
            )
            assert response.status_code == 422, direction
            body = response.json()
            assert body["error"] == "invalid_input" and body["fields"][0]["loc"] == ["query", "direction"]

    def test_the_openapi_document_names_the_directions(self, client: TestClient) -> None:
        schema = client.get("/openapi.json").json()
        operation = schema["paths"]["/api/v1/lots/{lot_id}/trace"]["get"]
        (direction,) = [p for p in operation["parameters"] if p["name"] == "direction"]
        ref = direction["schema"]["$ref"].rsplit("/", 1)[1]
        assert schema["components"]["schemas"][ref]["enum"] == ["backward", "forward"]
        assert direction["schema"]["default"] == "backward"
        assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])


# --- cost: statements per trace ------------------------------------------------------------------
@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def fan(client: TestClient, width: int) -> dict[str, Any]:
    """``width`` farmers' lots into one kernel batch, and one farmer's harvest split into ``width`` batches:
    the graphs grow with ``width``, their generations do not."""
    p = make_party(client, role="processor")
    parts: dict[str, float] = {}
    for _ in range(width):
        farmer = make_party(client)
        parts[deliver(client, farmer, p, farm_lot(client, farmer, 2000), 1500)] = 1500.0
    kernel, _ = make_batch(client, p, parts, [("kernel", "W320", 330 * width), ("shell", None, 1000 * width)])
    farmer = make_party(client)
    harvest = farm_lot(client, farmer, 300 * width + 100)
    for _ in range(width):
        part = deliver(client, farmer, p, harvest, 300)
        make_batch(client, p, {part: 300}, [("kernel", "W320", 66), ("shell", None, 200)])
    return {"kernel": kernel, "harvest": harvest, "p": p}


class TestCost:
    def test_statements_grow_with_generations_not_with_lots(self, client: TestClient, engine: Engine) -> None:
        regulator = make_party(client, role="regulator")
        small, large = fan(client, 2), fan(client, 7)

        def cost(lot_id: str, direction: str) -> tuple[int, int]:
            trace_of(client, regulator, lot_id, direction)  # the party's key is looked up once, warm
            with counting(engine) as statements:
                trace = trace_of(client, regulator, lot_id, direction)
            return len(statements), len(trace["nodes"])

        for key, direction in (("kernel", "backward"), ("harvest", "forward")):
            (few, few_nodes), (many, many_nodes) = cost(small[key], direction), cost(large[key], direction)
            assert many_nodes > few_nodes + 4, key
            assert many == few, (key, direction)
        # One generation more (a part of the kernel split off for a trader) costs one query more.
        trader = make_party(client, role="trader")
        part = deliver(client, large["p"], trader, large["kernel"], 100)
        assert cost(part, "backward")[0] == cost(large["kernel"], "backward")[0] + 1
