"""The buyer's page served from its cache (traceability.buyer.cache): never older than the log.

Each test first has the page served (so that it is cached), then writes, then asks again:
the answer must be what the page says when computed afresh from the database.
"""

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from tests.api.test_buyer_page import CUT_GOOD, CUT_IMPORT, as_json, batch, cutting_test, farm, gtin, harvest, page
from tests.conftest import ROOT
from tests.factories import BU_DANG, Party, deliver, import_lot, make_party, ok
from tests.live import free_port, live_server
from traceability.buyer.cache import pages_for
from traceability.buyer.service import buyer_view
from traceability.db import make_engine, open_session, unit_of_work
from traceability.labels.gtin import gtin_for, make_gtin
from traceability.parties.models import Party as PartyRow
from traceability.settings import Settings

JSON = {"Accept": "application/json"}


@dataclass
class Sector:
    processor: Party
    trader: Party
    kernel: str  # a W320 lot made from a farmer's harvest and an import
    kernel_gtin: str
    raw: str  # an imported raw-nut lot the trader holds, untested
    raw_gtin: str


@pytest.fixture
def sector(client: TestClient, engine: Engine) -> Sector:
    processor = make_party(client, role="processor", name="Công ty Điều Bù Đăng", gs1_company_prefix="8935501")
    trader = make_party(client, role="trader", name="Công ty Thương mại Điều", gs1_company_prefix="8935502")
    farmer = make_party(client)
    harvested = harvest(client, farmer, farm(client, farmer, "Vườn D", "bu-dang", BU_DANG), "2026-03-02", 1000)
    deliver(client, farmer, processor, harvested, 1000)
    imported = import_lot(client, processor, 2000)
    cutting_test(client, processor, imported, CUT_IMPORT)
    kernel = batch(client, processor, [(harvested, 1000), (imported, 2000)], 720)
    raw = import_lot(client, trader, 26000, country="KH")
    return Sector(processor, trader, kernel, gtin(engine, processor), raw, gtin(engine, trader, None, "rcn"))


def fresh(engine: Engine, gtin_: str, lot_id: str) -> dict[str, Any]:
    """The view computed from the database now, without any cache (what the page must say)."""
    with open_session(engine) as session:
        view: dict[str, Any] = buyer_view(session, gtin=gtin_, lot_id=lot_id, base_url="http://testserver").model_dump(
            mode="json"
        )
        return view


def another_farm(client: TestClient) -> None:
    """A write that has nothing to do with any lot on a page: the log grows, nothing else."""
    farmer = make_party(client)
    farm(client, farmer, "Vườn khác", "dong-phu", (BU_DANG[0] + 0.3, BU_DANG[1] - 0.2))


def ship(client: TestClient, party: Party, lot_id: str) -> None:
    body = {
        "lot_ids": [lot_id],
        "container_no": "CMAU7310548",
        "port_of_loading": "VNCLI",
        "destination_country": "NL",
        "documents": [{"type": "bill_of_lading", "sha256": "cd" * 32}],
    }
    ok(client.post("/api/v1/shipments", json=body, headers=party["headers"]))


class TestAWriteShowsAtOnce:
    def test_a_cutting_test_of_the_lot(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        assert as_json(client, sector.raw_gtin, sector.raw)["raw_nuts"] is None
        cutting_test(client, sector.trader, sector.raw, CUT_IMPORT)
        first = as_json(client, sector.raw_gtin, sector.raw)["raw_nuts"]
        assert first["outturn_lbs"] == 45.0
        cutting_test(client, sector.trader, sector.raw, CUT_GOOD)  # the latest test is the lot's outturn
        view = as_json(client, sector.raw_gtin, sector.raw)
        assert view["raw_nuts"]["outturn_lbs"] == 50.3 and view == fresh(engine, sector.raw_gtin, sector.raw)

    def test_a_cutting_test_of_an_ancestor(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        buyer = make_party(client, role="trader", gs1_company_prefix="8935503")
        part = deliver(client, sector.trader, buyer, sector.raw, 6000)  # split off, then received
        part_gtin = gtin(engine, buyer, None, "rcn")
        assert as_json(client, part_gtin, part)["raw_nuts"] is None
        cutting_test(client, sector.trader, sector.raw, CUT_GOOD)  # on the lot it was split from
        view = as_json(client, part_gtin, part)
        assert view["raw_nuts"]["outturn_lbs"] == 50.3 and view == fresh(engine, part_gtin, part)

    def test_a_label(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        before = as_json(client, sector.kernel_gtin, sector.kernel)["ledger"]
        assert [r["type"] for r in before["records"]] == ["batch"]
        label = client.get(f"/api/v1/lots/{sector.kernel}/label.svg", headers=sector.processor["headers"])
        assert label.status_code == 200
        after = as_json(client, sector.kernel_gtin, sector.kernel)
        assert [r["type"] for r in after["ledger"]["records"]] == ["batch", "label"] and after["ledger"]["verified"]
        assert after["ledger"]["checkpoint_size"] > before["checkpoint_size"]
        assert after == fresh(engine, sector.kernel_gtin, sector.kernel)

    def test_a_shipment(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        sold = deliver(client, sector.processor, sector.trader, sector.kernel, 300)
        assert as_json(client, sector.kernel_gtin, sold)["shipment"] is None
        assert "Hà Lan" not in page(client, sector.kernel_gtin, sold).text
        ship(client, sector.trader, sold)
        view = as_json(client, sector.kernel_gtin, sold)
        assert view["shipment"]["destination_country"] == "NL" and view == fresh(engine, sector.kernel_gtin, sold)
        assert "Hà Lan" in page(client, sector.kernel_gtin, sold).text

    def test_the_lot_leaving_the_holder_whose_gtin_named_it(
        self, client: TestClient, engine: Engine, sector: Sector
    ) -> None:
        """A GTIN names a lot only while its party is in the lot's chain: holder, maker or labeller."""
        buyer = make_party(client, role="trader", gs1_company_prefix="8935503")
        part = deliver(client, sector.trader, buyer, sector.raw, 6000)  # split off by the trader, held by the buyer
        buyer_gtin = gtin(engine, buyer, None, "rcn")
        assert as_json(client, buyer_gtin, part)["lot_id"] == part
        deliver(client, buyer, make_party(client, role="processor"), part, 6000)  # the whole part: custody passes
        assert as_json(client, buyer_gtin, part, 404)["error"] == "not_found"
        assert as_json(client, sector.raw_gtin, part)["lot_id"] == part  # the trader split it off: still its maker

    def test_a_new_checkpoint_is_the_one_checked_against(
        self, client: TestClient, engine: Engine, sector: Sector
    ) -> None:
        pages = pages_for(engine)
        before = as_json(client, sector.kernel_gtin, sector.kernel)
        rechecks = pages.stats.rechecks
        another_farm(client)
        after = as_json(client, sector.kernel_gtin, sector.kernel)
        checkpoint = client.get("/ledger/checkpoint").text.splitlines()
        assert after["ledger"]["checkpoint_size"] == int(checkpoint[1]) > before["ledger"]["checkpoint_size"]
        assert after["ledger"]["verified"] and after == fresh(engine, sector.kernel_gtin, sector.kernel)
        assert {k: v for k, v in after.items() if k != "ledger"} == {k: v for k, v in before.items() if k != "ledger"}
        assert pages.stats.rechecks == rechecks + 1  # only the check was done again, not the whole view
        html = page(client, sector.kernel_gtin, sector.kernel).text
        assert f"{after['ledger']['checkpoint_size']}" in html


class TestTheCheckStaysHonest:
    def test_a_record_rewritten_after_the_page_was_cached(
        self, client: TestClient, engine: Engine, sector: Sector
    ) -> None:
        assert as_json(client, sector.kernel_gtin, sector.kernel)["ledger"]["verified"] is True
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE batch SET loss_g = loss_g + 1 WHERE id = (SELECT created_by_id FROM lot WHERE lot_id = :l)"
                ),
                {"l": sector.kernel},
            )
        another_farm(client)  # the log grows: the checked records are read again and checked anew
        ledger = as_json(client, sector.kernel_gtin, sector.kernel)["ledger"]
        assert ledger["verified"] is False and "is not the entry logged at index" in ledger["problem"]
        assert "Chưa đối chiếu được với sổ cái" in page(client, sector.kernel_gtin, sector.kernel).text

    def test_a_log_replaced_under_the_cache(
        self, client: TestClient, engine: Engine, sector: Sector, database_url: str
    ) -> None:
        """A page is never reused for another log of the same size (a database restored from elsewhere)."""
        view = as_json(client, sector.raw_gtin, sector.raw)
        with engine.begin() as conn:  # a different root for the latest checkpoint's size
            conn.execute(
                text("UPDATE ledger_checkpoint SET root_hash = :r WHERE size = :s"),
                {
                    "r": b"\x00" * 32,
                    "s": view["ledger"]["checkpoint_size"],
                },
            )
        ledger = as_json(client, sector.raw_gtin, sector.raw)["ledger"]
        assert ledger["verified"] is False and ledger == fresh(engine, sector.raw_gtin, sector.raw)["ledger"]


class TestSameAnswers:
    def test_cached_and_uncached_are_identical(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        another_farm(client)
        warm = [page(client, sector.kernel_gtin, sector.kernel, **kw) for kw in ({}, {"params": {"lang": "en"}})]
        warm.append(page(client, sector.kernel_gtin, sector.kernel, headers=JSON))
        another_farm(client)  # the cached page is rechecked, not recomputed
        again = [page(client, sector.kernel_gtin, sector.kernel, **kw) for kw in ({}, {"params": {"lang": "en"}})]
        again.append(page(client, sector.kernel_gtin, sector.kernel, headers=JSON))
        pages_for(engine).clear()  # computed afresh
        cold = [page(client, sector.kernel_gtin, sector.kernel, **kw) for kw in ({}, {"params": {"lang": "en"}})]
        cold.append(page(client, sector.kernel_gtin, sector.kernel, headers=JSON))
        for a, b in zip(again, cold, strict=True):
            assert a.status_code == b.status_code == 200
            assert a.content == b.content and a.headers["etag"] == b.headers["etag"]
        assert again[2].json() == fresh(engine, sector.kernel_gtin, sector.kernel)
        assert warm[2].json()["ledger"]["checkpoint_size"] < again[2].json()["ledger"]["checkpoint_size"]

    def test_a_short_gtin_is_the_same_page(self, client: TestClient, sector: Sector) -> None:
        assert as_json(client, sector.kernel_gtin[1:], sector.kernel) == as_json(
            client, sector.kernel_gtin, sector.kernel
        )


@pytest.fixture
def second_app(settings: Settings, database_url: str) -> Iterator[tuple[TestClient, Engine]]:
    """Another app with its own engine (so its own cache) on the same database: another worker."""
    engine = make_engine(database_url)
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as other:
        yield other, engine
    engine.dispose()


class TestSeveralWorkers:
    def test_a_write_through_another_app(
        self, client: TestClient, engine: Engine, sector: Sector, second_app: tuple[TestClient, Engine]
    ) -> None:
        other, other_engine = second_app
        assert as_json(client, sector.raw_gtin, sector.raw)["raw_nuts"] is None
        assert as_json(other, sector.raw_gtin, sector.raw)["raw_nuts"] is None
        ok(other.post(f"/api/v1/lots/{sector.raw}/quality-tests", json=CUT_IMPORT, headers=sector.trader["headers"]))
        mine, theirs = as_json(client, sector.raw_gtin, sector.raw), as_json(other, sector.raw_gtin, sector.raw)
        assert mine["raw_nuts"]["outturn_lbs"] == 45.0 and mine == theirs
        assert pages_for(engine) is not pages_for(other_engine)

    def test_a_write_while_another_process_serves_the_page(
        self, client: TestClient, engine: Engine, sector: Sector, settings: Settings, tmp_path: Path
    ) -> None:
        port = free_port()
        env = {
            **os.environ,
            "CASHEW_DATABASE_URL": settings.database_url,
            "CASHEW_LOG_KEY_FILE": str(settings.log_key_file),
            "CASHEW_PUBLIC_BASE_URL": settings.public_base_url,
            "CASHEW_LOG_ORIGIN": settings.log_origin,
        }
        cashew = str(Path(sys.executable).parent / "cashew")
        path = f"/01/{sector.raw_gtin}/10/{sector.raw}"
        with live_server([cashew, "serve", "--port", str(port)], port=port, env=env, cwd=ROOT, log=tmp_path / "log"):
            served = httpx.get(f"http://127.0.0.1:{port}{path}", headers=JSON, timeout=10)
            assert served.status_code == 200 and served.json()["raw_nuts"] is None
            cutting_test(client, sector.trader, sector.raw, CUT_GOOD)
            served = httpx.get(f"http://127.0.0.1:{port}{path}", headers=JSON, timeout=10)
            assert served.json()["raw_nuts"]["outturn_lbs"] == 50.3
            assert served.json() == fresh(engine, sector.raw_gtin, sector.raw)


class TestBounded:
    def test_the_cache_keeps_at_most_its_capacity(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        pages = pages_for(engine)
        pages.capacity = 2
        lots = [sector.raw] + [import_lot(client, sector.trader, 1000 + n) for n in range(3)]
        views = [as_json(client, sector.raw_gtin, lot_id) for lot_id in lots]
        assert len(pages) == 2
        misses = pages.stats.misses
        assert as_json(client, sector.raw_gtin, lots[0]) == views[0] == fresh(engine, sector.raw_gtin, lots[0])
        assert pages.stats.misses == misses + 1 and len(pages) == 2  # evicted, computed again

    def test_unknown_pairs_are_not_kept(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        for n in range(5):
            as_json(client, sector.kernel_gtin, f"KRN26-NOSUCH{n}", 404)
        assert len(pages_for(engine)) == 0


class TestNotFoundIsNeverCached:
    def test_a_gtin_assigned_after_a_scan(self, client: TestClient, engine: Engine, sector: Sector) -> None:
        """A GTIN is assigned without a ledger entry (the first label of a grade): the pair then resolves."""
        next_gtin = make_gtin("8935501", 2)  # the processor's second item: W320 was its first
        assert as_json(client, next_gtin, sector.kernel, 404)["error"] == "not_found"
        lot_w240 = batch(client, sector.processor, [(import_lot(client, sector.processor, 1000), 1000)], 200, "W240")
        assert as_json(client, next_gtin, lot_w240, 404)["error"] == "not_found"
        with unit_of_work(engine) as session:
            party = session.get(PartyRow, sector.processor["id"])
            assert party is not None
            assert gtin_for(session, party=party, product="kernel", grade="W240") == next_gtin
        assert as_json(client, next_gtin, lot_w240)["grade"] == "W240"


class TestValidators:
    def test_if_none_match_is_not_modified(self, client: TestClient, sector: Sector) -> None:
        first = page(client, sector.kernel_gtin, sector.kernel, headers=JSON)
        tag = first.headers["etag"]
        assert tag.startswith('"') and first.headers["cache-control"] == "no-cache"
        same = page(client, sector.kernel_gtin, sector.kernel, headers=JSON | {"If-None-Match": tag})
        assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == tag
        html = page(client, sector.kernel_gtin, sector.kernel, headers={"If-None-Match": tag})
        assert html.status_code == 200 and html.headers["etag"] != tag  # another representation
        english = page(client, sector.kernel_gtin, sector.kernel, params={"lang": "en"})
        assert len({tag, html.headers["etag"], english.headers["etag"]}) == 3

    def test_a_write_changes_the_tag(self, client: TestClient, sector: Sector) -> None:
        tag = page(client, sector.raw_gtin, sector.raw, headers=JSON).headers["etag"]
        cutting_test(client, sector.trader, sector.raw, CUT_GOOD)
        changed = page(client, sector.raw_gtin, sector.raw, headers=JSON | {"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        assert changed.json()["raw_nuts"]["outturn_lbs"] == 50.3
