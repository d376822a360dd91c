"""Recalls (SPEC §6.5): a lot and everything made from it called back, through the HTTP API.

The chain: a farmer's raw-nut lot R, 1,500 kg of it sent to a factory (split off as R2), which
processes R2 with an imported lot I into kernel K1 (W320), kernel K2 (LP, labelled and shipped)
and shell S; part of K1 (K1a) goes to a trader, another part (K1b) is on the road to a second
trader when the recall comes; K1 is listed, and a buyer's offer waits on it.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import ROOT
from tests.factories import (
    CONTAINER,
    CUTTING_TEST,
    Party,
    deliver,
    dispatch,
    farm_lot,
    import_lot,
    ledger_size,
    lot,
    make_party,
    ok,
    table_counts,
)

CASHEW = str(Path(sys.executable).parent / "cashew")
REASON = "Aflatoxin B1 12 µg/kg in a retained sample of the raw nuts (limit 5 µg/kg)"


def shipment_body(*lot_ids: str) -> dict[str, Any]:
    return {
        "lot_ids": list(lot_ids),
        "container_no": CONTAINER,
        "port_of_loading": "VNCLI",
        "destination_country": "NL",
        "documents": [{"type": "bill_of_lading", "sha256": "cd" * 32}],
    }


@pytest.fixture
def chain(client: TestClient, engine: Engine) -> dict[str, Any]:
    farmer = make_party(client, name="Nguyễn Văn An")
    processor = make_party(
        client, role="processor", name="Công ty Chế biến Điều Lộc Ninh", gs1_company_prefix="8935412"
    )
    trader, on_road, buyer = (make_party(client, role="trader") for _ in range(3))
    raw = farm_lot(client, farmer, 2000)
    r2 = deliver(client, farmer, processor, raw, 1500)
    imported = import_lot(client, processor, 1000, "CI")
    for lot_id in (r2, imported):
        ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", json=CUTTING_TEST, headers=processor["headers"]))
    made = ok(
        client.post(
            "/api/v1/batches",
            headers=processor["headers"],
            json={
                "inputs": [{"lot_id": r2, "quantity_kg": 1500}, {"lot_id": imported, "quantity_kg": 1000}],
                "outputs": [
                    {"product": "kernel", "grade": "W320", "quantity_kg": 600},
                    {"product": "kernel", "grade": "LP", "quantity_kg": 150},
                    {"product": "shell", "quantity_kg": 1500},
                ],
            },
        )
    )
    k1, k2, shell = (o["lot_id"] for o in made["outputs"])
    k1a = deliver(client, processor, trader, k1, 100)
    k1b = ok(dispatch(client, processor, k1, on_road, 50))
    assert client.get(f"/api/v1/lots/{k2}/label.svg", headers=processor["headers"]).status_code == 200
    ok(client.post("/api/v1/shipments", json=shipment_body(k2), headers=processor["headers"]))
    listing = ok(
        client.post(
            "/api/v1/listings",
            headers=processor["headers"],
            json={
                "lot_id": k1,
                "quantity_kg": 300,
                "price": "2.95",
                "currency": "USD",
                "unit": "lb",
                "incoterm": "FOB",
                "port": "VNSGN",
            },
        )
    )
    offer = ok(
        client.post(
            f"/api/v1/listings/{listing['id']}/offers",
            json={"quantity_kg": 100, "price": "2.90"},
            headers=buyer["headers"],
        )
    )
    with engine.connect() as conn:
        gtin = conn.execute(text("SELECT gtin FROM label WHERE lot_id = :l"), {"l": k2}).scalar_one()
    return {
        "farmer": farmer,
        "processor": processor,
        "trader": trader,
        "on_road": on_road,
        "buyer": buyer,
        "regulator": make_party(client, role="regulator", name="Sở Nông nghiệp và Môi trường Đồng Nai"),
        "raw": raw,
        "r2": r2,
        "imported": imported,
        "k1": k1,
        "k2": k2,
        "shell": shell,
        "k1a": k1a,
        "k1b": k1b["lot_id"],
        "k1b_transfer": k1b["id"],
        "offer": offer["id"],
        "gtin": gtin,
    }


def recall(client: TestClient, party: Party, lot_id: str, **body: Any) -> Any:
    return client.post(
        "/api/v1/oversight/recalls", json={"lot_id": lot_id, "reason": REASON} | body, headers=party["headers"]
    )


def downstream(c: dict[str, Any]) -> set[str]:
    return {c[k] for k in ("raw", "r2", "k1", "k2", "shell", "k1a", "k1b")}


class TestRecall:
    def test_reaches_every_lot_made_from_the_lot_and_nothing_else(
        self, client: TestClient, engine: Engine, chain: dict[str, Any]
    ) -> None:
        size = ledger_size(client)
        before = {
            k: lot(client, chain["regulator"], chain[k])["status"] for k in ("raw", "r2", "k2", "k1b", "imported")
        }
        made = ok(recall(client, chain["regulator"], chain["raw"]))
        assert ledger_size(client) == size + 1
        assert made["lot_id"] == chain["raw"] and made["scope"] == "forward" and made["reason"] == REASON
        assert {x["lot_id"] for x in made["lots"]} == downstream(chain)
        previous = {x["lot_id"]: x["previous_status"] for x in made["lots"]}
        assert previous[chain["raw"]] == before["raw"] == "held"
        assert previous[chain["r2"]] == before["r2"] == "consumed"
        assert previous[chain["k2"]] == before["k2"] == "shipped"
        assert previous[chain["k1b"]] == before["k1b"] == "in_transit"
        assert [s["destination_country"] for s in made["shipments"]] == ["NL"]
        for lot_id in downstream(chain):
            assert lot(client, chain["regulator"], lot_id)["status"] == "recalled", lot_id
        assert lot(client, chain["regulator"], chain["imported"])["status"] == before["imported"]  # upstream: untouched
        with engine.connect() as conn:
            leaf = conn.execute(
                text("SELECT leaf_data FROM ledger_entry WHERE idx = :i"), {"i": made["ledger"]["index"]}
            )
            entry = json.loads(leaf.scalar_one())
        assert entry["type"] == "recall" and entry["by"] == chain["regulator"]["id"]
        assert set(entry["data"]) >= {"recall_id", "lot_id", "reason_sha256", "scope"}
        assert REASON not in json.dumps(entry, ensure_ascii=False)  # free text: only its hash is on the ledger

    def test_the_audit_rebuilds_the_recall_entry(self, client: TestClient, chain: dict[str, Any]) -> None:
        ok(recall(client, chain["regulator"], chain["raw"]))
        report = ok(client.post("/api/v1/oversight/audits", headers=chain["regulator"]["headers"]), 200)
        assert report["problems"] == [] and report["clean"] is True

    @pytest.mark.parametrize(
        "write",
        ["dispatch", "split", "batch", "listing", "accept", "shipment", "trader_dispatch", "label"],
    )
    def test_every_move_of_a_recalled_lot_is_refused_and_writes_nothing(
        self, client: TestClient, engine: Engine, chain: dict[str, Any], write: str
    ) -> None:
        ok(recall(client, chain["regulator"], chain["raw"]))
        c, p = chain, chain["processor"]
        attempts = {
            "dispatch": lambda: dispatch(client, c["farmer"], c["raw"], p, 500),
            "split": lambda: dispatch(client, p, c["k1"], c["trader"], 10),
            "batch": lambda: client.post(
                "/api/v1/batches",
                headers=p["headers"],
                json={
                    "inputs": [{"lot_id": c["k1"], "quantity_kg": 100}],
                    "outputs": [{"product": "kernel", "grade": "W240", "quantity_kg": 90}],
                },
            ),
            "listing": lambda: client.post(
                "/api/v1/listings",
                headers=p["headers"],
                json={
                    "lot_id": c["k1"],
                    "quantity_kg": 10,
                    "price": "2.95",
                    "currency": "USD",
                    "unit": "lb",
                    "incoterm": "FOB",
                    "port": "VNSGN",
                },
            ),
            "accept": lambda: client.post(f"/api/v1/offers/{c['offer']}/accept", headers=p["headers"]),
            "shipment": lambda: client.post("/api/v1/shipments", json=shipment_body(c["k1"]), headers=p["headers"]),
            "trader_dispatch": lambda: dispatch(client, c["trader"], c["k1a"], c["buyer"], 100),
            "label": lambda: client.get(f"/api/v1/lots/{c['k1']}/label.svg", headers=p["headers"]),
        }
        size, counts = ledger_size(client), table_counts(engine)
        response = attempts[write]()
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "lot_recalled"
        assert ledger_size(client) == size and table_counts(engine) == counts

    def test_a_recalled_lot_on_the_road_is_still_weighed_in_and_stays_recalled(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        ok(recall(client, chain["regulator"], chain["raw"]))
        on_road = chain["on_road"]
        ok(
            client.post(
                f"/api/v1/transfers/{chain['k1b_transfer']}/receive",
                json={"received_kg": 50},
                headers=on_road["headers"],
            ),
            200,
        )
        arrived = lot(client, on_road, chain["k1b"])
        assert (arrived["owner_id"], arrived["status"]) == (on_road["id"], "recalled")
        assert dispatch(client, on_road, chain["k1b"], chain["buyer"], 50).json()["error"] == "lot_recalled"

    def test_nor_are_recalled_nuts_cut_tested_or_labelled(self, client: TestClient, chain: dict[str, Any]) -> None:
        ok(recall(client, chain["regulator"], chain["raw"]))
        farmer_lot = dispatch(client, chain["farmer"], chain["raw"], chain["processor"], 500)
        assert farmer_lot.json()["error"] == "lot_recalled"
        headers = chain["processor"]["headers"]
        tested = client.post(f"/api/v1/lots/{chain['k1']}/quality-tests", json=CUTTING_TEST, headers=headers)
        assert tested.status_code == 409 and tested.json()["error"] == "lot_recalled"

    def test_each_holder_is_alerted(self, client: TestClient, chain: dict[str, Any]) -> None:
        made = ok(recall(client, chain["regulator"], chain["raw"]))
        alerts = ok(client.get("/api/v1/oversight/alerts?kind=recall", headers=chain["regulator"]["headers"]), 200)
        by_party = {a["party_id"]: a for a in alerts["items"]}
        # The lot on the road is still the sender's: the factory is told, the second trader once it arrives.
        assert set(by_party) == {chain["farmer"]["id"], chain["processor"]["id"], chain["trader"]["id"]}
        assert all(a["subject_id"] == made["id"] and a["detail"]["recall_id"] == made["id"] for a in alerts["items"])
        assert by_party[chain["farmer"]["id"]]["detail"]["lot_ids"] == [chain["raw"]]
        assert by_party[chain["trader"]["id"]]["detail"]["lot_ids"] == [chain["k1a"]]
        factory = set(by_party[chain["processor"]["id"]]["detail"]["lot_ids"])
        assert factory == {chain[k] for k in ("r2", "k1", "k2", "shell", "k1b")}


class TestWhoRecalls:
    def test_the_processor_that_made_a_lot_recalls_it(self, client: TestClient, chain: dict[str, Any]) -> None:
        made = ok(recall(client, chain["processor"], chain["k1"]))  # made by its batch, part of it elsewhere now
        assert {x["lot_id"] for x in made["lots"]} == {chain["k1"], chain["k1a"], chain["k1b"]}
        assert lot(client, chain["regulator"], chain["raw"])["status"] == "held"  # upstream untouched

    def test_the_processor_that_holds_a_lot_recalls_it(self, client: TestClient, chain: dict[str, Any]) -> None:
        ok(recall(client, chain["processor"], chain["r2"]))  # received from the farmer: held (used up) by it

    @pytest.mark.parametrize("who", ["farmer", "trader", "other_processor"])
    def test_others_may_not(self, client: TestClient, engine: Engine, chain: dict[str, Any], who: str) -> None:
        party = make_party(client, role="processor") if who == "other_processor" else chain[who]
        counts = table_counts(engine)
        response = recall(client, party, chain["k1a"] if who == "trader" else chain["raw"])
        assert response.status_code == 403, response.text
        assert table_counts(engine) == counts

    def test_bad_requests(self, client: TestClient, engine: Engine, chain: dict[str, Any]) -> None:
        regulator, counts = chain["regulator"], table_counts(engine)
        assert recall(client, regulator, "RCN26-NOSUCHLOT").status_code == 404
        assert recall(client, regulator, chain["raw"], scope="backward").status_code == 422
        assert recall(client, regulator, chain["raw"], reason="").status_code == 422
        assert (
            client.post("/api/v1/oversight/recalls", json={"lot_id": chain["raw"], "reason": REASON}).status_code == 401
        )
        assert table_counts(engine) == counts

    def test_a_recalled_lot_is_not_recalled_twice_and_a_replay_records_nothing(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        regulator = chain["regulator"]
        headers = regulator["headers"] | {"Idempotency-Key": "recall-raw-1"}
        body = {"lot_id": chain["raw"], "reason": REASON}
        first = ok(client.post("/api/v1/oversight/recalls", json=body, headers=headers))
        size = ledger_size(client)
        assert ok(client.post("/api/v1/oversight/recalls", json=body, headers=headers)) == first
        again = recall(client, regulator, chain["k1"])  # already reached by the first
        assert again.status_code == 409 and again.json()["error"] == "lot_recalled"
        assert ledger_size(client) == size


class TestReadingRecalls:
    def test_regulators_see_every_recall_with_its_lots_and_shipments(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        made = ok(recall(client, chain["regulator"], chain["raw"]))
        listed = ok(client.get("/api/v1/oversight/recalls", headers=chain["regulator"]["headers"]), 200)
        assert listed["items"] == [made] and listed["next_cursor"] is None
        stopped = ok(client.get("/api/v1/lots?status=recalled&limit=100", headers=chain["regulator"]["headers"]), 200)
        assert {x["lot_id"] for x in stopped["items"]} == downstream(chain)
        mine = ok(client.get("/api/v1/lots?status=recalled", headers=chain["trader"]["headers"]), 200)
        assert [x["lot_id"] for x in mine["items"]] == [chain["k1a"]]

    def test_holders_see_the_recalls_that_reach_them_and_only_their_own_lots(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        made = ok(recall(client, chain["regulator"], chain["raw"]))
        mine = ok(client.get("/api/v1/oversight/recalls", headers=chain["trader"]["headers"]), 200)["items"]
        assert [r["id"] for r in mine] == [made["id"]]
        assert [x["lot_id"] for x in mine[0]["lots"]] == [chain["k1a"]] and mine[0]["shipments"] == []
        farmer = ok(client.get("/api/v1/oversight/recalls", headers=chain["farmer"]["headers"]), 200)["items"]
        assert [x["lot_id"] for x in farmer[0]["lots"]] == [chain["raw"]]
        outsider = make_party(client, role="trader")
        assert ok(client.get("/api/v1/oversight/recalls", headers=outsider["headers"]), 200)["items"] == []
        assert client.get("/api/v1/oversight/recalls").status_code == 401

    def test_pages(self, client: TestClient, chain: dict[str, Any]) -> None:
        regulator = chain["regulator"]
        first = ok(recall(client, regulator, chain["k2"]))
        second = ok(recall(client, regulator, chain["shell"]))
        page = ok(client.get("/api/v1/oversight/recalls?limit=1", headers=regulator["headers"]), 200)
        assert [r["id"] for r in page["items"]] == [first["id"]] and page["next_cursor"]
        rest = client.get(
            f"/api/v1/oversight/recalls?limit=1&cursor={page['next_cursor']}", headers=regulator["headers"]
        )
        assert [r["id"] for r in ok(rest, 200)["items"]] == [second["id"]]
        bad = client.get("/api/v1/oversight/recalls?cursor=bm90LWEtbnVtYmVy", headers=regulator["headers"])
        assert bad.status_code == 422


class TestWhatTheBuyerSees:
    def test_the_buyers_page_says_so_first_in_both_languages(self, client: TestClient, chain: dict[str, Any]) -> None:
        page = f"/01/{chain['gtin']}/10/{chain['k2']}"
        assert client.get(page, headers={"Accept": "application/json"}).json()["recall"] is None
        made = ok(recall(client, chain["regulator"], chain["raw"]))
        notice = client.get(page, headers={"Accept": "application/json"}).json()["recall"]
        assert notice["recall_id"] == made["id"] and notice["recalled_lot_id"] == chain["raw"]
        assert notice["recalled_by"] == "Sở Nông nghiệp và Môi trường Đồng Nai"
        for lang in ("vi", "en"):
            html = client.get(f"{page}?lang={lang}").text
            body = html[html.index("<main") :]
            assert "THU HỒI SẢN PHẨM" in body and "PRODUCT RECALL" in body
            first = min(body.index("THU HỒI SẢN PHẨM"), body.index("PRODUCT RECALL"))
            assert first < body.index('id="product"')  # before anything else
            assert "Sở Nông nghiệp và Môi trường Đồng Nai" in body

    def test_the_bundle_carries_the_recall_and_cashew_verify_says_so(
        self, client: TestClient, chain: dict[str, Any], tmp_path: Path
    ) -> None:
        made = ok(recall(client, chain["regulator"], chain["raw"]))
        bundle = ok(client.get(f"/api/v1/lots/{chain['k2']}/provenance"), 200)
        recalls = [r for r in bundle["records"] if r["entry"]["type"] == "recall"]
        assert [r["entry"]["id"] for r in recalls] == [made["id"]]
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        human = subprocess.run([CASHEW, "verify", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert human.returncode == 0, human.stdout + human.stderr
        assert (
            human.stdout.startswith("VALID")
            and f"RECALLED:   recall {made['id']} of lot {chain['raw']}" in human.stdout
        )
        as_json = subprocess.run(
            [CASHEW, "verify", str(path), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        report = json.loads(as_json.stdout)
        assert report["valid"] and report["recalled"]
        assert [r["recall_id"] for r in report["recalls"]] == [made["id"]]

    def test_a_lot_the_recall_does_not_reach_has_no_recall_in_its_bundle(
        self, client: TestClient, chain: dict[str, Any]
    ) -> None:
        ok(recall(client, chain["regulator"], chain["k2"]))
        bundle = ok(client.get(f"/api/v1/lots/{chain['k1']}/provenance"), 200)
        assert not [r for r in bundle["records"] if r["entry"]["type"] == "recall"]
