"""The demo data: loaded through the services, idempotent, and the same ledger on every machine."""

import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from seeds.demo import banner, load_demo
from seeds.demo_data import DEMO_FARMS, DEMO_PARTIES, OVERSIGHT_FARMS, harvest_plan, input_plan
from traceability import clock
from traceability.anchoring import SqlLog
from traceability.anchoring.models import LedgerCheckpoint
from traceability.db import make_engine
from traceability.production.models import Farm, Harvest
from traceability.settings import Settings

from .factories import auth, ledger_size, table_counts

FARMERS = [p for p in DEMO_PARTIES if p.role == "farmer"]
ALL_FARMS = DEMO_FARMS + OVERSIGHT_FARMS


def latest_checkpoint(url: str) -> LedgerCheckpoint:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            checkpoint = SqlLog(conn).latest_checkpoint()
    finally:
        engine.dispose()
    assert checkpoint is not None
    return checkpoint


def checkpoint_chain(url: str) -> list[tuple[int, str, bytes | None]]:
    """Every stored checkpoint: its size, note and link."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT size, note, link FROM ledger_checkpoint"))
            return sorted((size, note, None if link is None else bytes(link)) for size, note, link in rows)
    finally:
        engine.dispose()


class TestLoadDemo:
    def test_every_party_works_with_its_printed_key(self, settings: Settings, client: TestClient) -> None:
        assert load_demo(settings) is True
        for party in DEMO_PARTIES:
            me = client.get("/api/v1/parties/me", headers=auth(party.key))
            assert me.status_code == 200, me.text
            assert (me.json()["name"], me.json()["role"]) == (party.name, party.role.value)
        roles = {p.role.value for p in DEMO_PARTIES}
        assert roles == {"farmer", "regulator", "processor", "trader"} and len(FARMERS) >= 4
        processor = next(p for p in DEMO_PARTIES if p.role == "processor")
        prefix = client.get("/api/v1/parties/me", headers=auth(processor.key)).json()["gs1_company_prefix"]
        assert prefix.startswith("893")

    def test_farms_are_the_households_and_regulators_see_all(self, settings: Settings, client: TestClient) -> None:
        load_demo(settings)
        for farmer in FARMERS:
            farms = client.get("/api/v1/farms", headers=auth(farmer.key)).json()["items"]
            assert sorted(f["name"] for f in farms) == sorted(f.name for f in ALL_FARMS if f.owner == farmer.key)
            assert 1 <= len(farms) <= 2
        regulator = next(p for p in DEMO_PARTIES if p.role == "regulator")
        farms = client.get("/api/v1/farms", headers=auth(regulator.key)).json()["items"]
        assert len(farms) == len(ALL_FARMS)
        polygons = [f for f in farms if f["geometry"]["type"] == "Polygon"]
        assert len(polygons) >= 2 and all(f["area_ha"] > 4 for f in polygons)
        assert {f["district"] for f in farms} == {"bu-dang", "bu-gia-map", "phu-rieng", "dong-phu", "loc-ninh"}
        assert any(f["certifications"] for f in farms)

    def test_records_and_ledger_entries_match_the_plans(
        self, settings: Settings, client: TestClient, engine: Engine
    ) -> None:
        load_demo(settings)
        counts = table_counts(engine)
        harvests = sum(len(harvest_plan(f)) for f in ALL_FARMS)
        inputs = sum(len(input_plan(f)) for f in ALL_FARMS)
        certificates = sum(len(f.certifications) for f in ALL_FARMS)
        tam = sum(len(harvest_plan(f)) for f in OVERSIGHT_FARMS if f.owner == "ck_demo_farmer_tam")
        # four batches: five kernel grades, shell and testa each; two parts for the trader; three imports
        kernels_and_byproducts = 4 * 7 + 2
        assert (counts["farm"], counts["harvest"], counts["lot"], counts["farm_input"], counts["correction"]) == (
            len(ALL_FARMS),
            harvests,
            harvests + 3 + kernels_and_byproducts,
            inputs,
            1,
        )
        cooperative = (
            harvests - tam - sum(len(harvest_plan(f)) for f in OVERSIGHT_FARMS if f.owner != "ck_demo_farmer_tam")
        )
        # Đồng Xoài: every cooperative lot delivered (dispatch + receipt), one import (and its exporter's EPCIS
        # event, captured), a cutting test per farm and the import, two batches, a label for each of 10 kernel
        # lots; two listings, each sold (split, dispatch, contract, receipt); one shipment
        processing = 2 * cooperative + 1 + 1 + (len(DEMO_FARMS) + 1) + 2 + 10 + 2 * 5 + 1
        # Lộc Ninh: Tâm's lots delivered and each cut-tested, two imports (tested), two batches, ten labels,
        # two shipments; the department: one acknowledgement, two inspections, one recall
        oversight = 2 * tam + 2 + (tam + 2) + 2 + 10 + 2 + 1 + 2 + 1
        assert ledger_size(client) == len(ALL_FARMS) + certificates + harvests + inputs + 1 + processing + oversight
        assert (counts["inspection"], counts["alert_acknowledgement"], counts["recall"]) == (2, 1, 1)
        # The recall reaches Tâm's delivered lot and the blend's seven outputs (five kernel grades, shell, testa).
        assert counts["recall_lot"] == 1 + 7

    def test_the_alerts_show_every_kind_regulators_watch(self, settings: Settings, client: TestClient) -> None:
        load_demo(settings)
        regulator = next(p for p in DEMO_PARTIES if p.role == "regulator")
        alerts = client.get("/api/v1/oversight/alerts", headers=auth(regulator.key)).json()["items"]
        assert sorted(a["kind"] for a in alerts) == sorted(
            [
                "farm_yield_high",
                "plot_overlap",
                "batch_yield_high",
                "transit_loss",
                "origin_claim_exceeds_input",
                "certificate_expired",
                "ledger_integrity",
                "recall",
            ]
        )
        assert [a["kind"] for a in alerts if a["acknowledgement"]] == ["transit_loss"]
        audit = client.post("/api/v1/oversight/audits", headers=auth(regulator.key)).json()
        (problem,) = audit["problems"]  # the one farm input the demo altered behind the ledger
        assert problem["record_type"] == "farm_input"
        (integrity,) = [a for a in alerts if a["kind"] == "ledger_integrity"]
        assert (integrity["subject_id"], integrity["detail"]["ledger_index"]) == (
            problem["record_id"],
            problem["ledger_index"],
        )

    def test_harvests_are_realistic_and_in_the_past(self, settings: Settings, engine: Engine) -> None:
        load_demo(settings)
        with Session(engine) as session:
            farms = {f.id: f for f in session.scalars(select(Farm))}
            harvests = list(session.scalars(select(Harvest)))
        for harvest in harvests:
            assert date(2026, 2, 1) <= harvest.harvested_on <= date(2026, 5, 31)
            assert harvest.harvested_on <= datetime.now(UTC).date()
            assert harvest.moisture_pct is not None and 8 <= Decimal(harvest.moisture_pct) <= 12
            assert harvest.recorded_at is not None and harvest.recorded_at.date() >= harvest.harvested_on
        for farm_id, farm in farms.items():
            pickings = [h.quantity_g for h in harvests if h.farm_id == farm_id]
            t_per_ha = Decimal(sum(pickings)) / 1_000_000 / (Decimal(farm.area_m2) / 10_000)
            assert 2 <= len(pickings) <= 4
            if farm.name == OVERSIGHT_FARMS[0].name:  # the farm too good to be true: flagged, not refused
                assert Decimal("2.5") < t_per_ha <= Decimal("4"), t_per_ha
            else:
                assert Decimal("0.99") <= t_per_ha <= Decimal("2.2"), (farm.name, t_per_ha)

    def test_the_clock_and_ids_are_released_afterwards(self, settings: Settings) -> None:
        load_demo(settings)
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


class TestIdempotent:
    def test_second_load_writes_nothing(self, settings: Settings, client: TestClient, engine: Engine) -> None:
        assert load_demo(settings) is True
        counts, size = table_counts(engine), ledger_size(client)
        assert load_demo(settings) is False
        assert table_counts(engine) == counts
        assert ledger_size(client) == size


class TestDeterministic:
    def test_two_fresh_databases_give_the_same_signed_root(
        self, settings: Settings, sqlite_template: Path, tmp_path: Path
    ) -> None:
        """The test database (SQLite, or PostgreSQL when configured) against another fresh SQLite file."""
        other_db = tmp_path / "other.db"
        shutil.copy(sqlite_template, other_db)
        other = settings.model_copy(update={"database_url": f"sqlite:///{other_db}"})
        assert load_demo(settings) and load_demo(other)
        first, second = latest_checkpoint(settings.database_url), latest_checkpoint(other.database_url)
        assert first.size == second.size > 0
        assert first.root_hash == second.root_hash
        assert first.note == second.note  # same key, same checkpoint: Ed25519 signatures are deterministic
        chain, other_chain = checkpoint_chain(settings.database_url), checkpoint_chain(other.database_url)
        assert chain == other_chain and chain  # and so are the links: every one is stored, and the same
        assert all(link is not None for _, _, link in chain)


class TestBanner:
    def test_banner_lists_urls_keys_and_a_lot_the_farmer_can_read(self, settings: Settings, client: TestClient) -> None:
        load_demo(settings)
        text = banner("http://127.0.0.1:8000/", settings)
        for path in ("/app/", "/docs", "/dashboard", "/ledger/checkpoint"):
            assert f"http://127.0.0.1:8000{path}" in text
        assert "ck_demo_farmer_hung" in next(line for line in text.splitlines() if "/app/" in line)
        for party in DEMO_PARTIES:
            assert party.name in text and party.key in text
        assert "CASHEW_ADMIN_TOKEN" in text and text.count("curl ") == 7 and "Idempotency-Key" in text
        assert "/api/v1/oversight/alerts" in text and "cashew audit" in text
        regulator = auth(next(p.key for p in DEMO_PARTIES if p.role == "regulator"))
        epcis = [w.strip("'") for w in text.split() if "/epcis/events" in w]
        shipping = client.get(epcis[0].removeprefix("http://127.0.0.1:8000"), headers=regulator).json()
        assert {e["bizStep"] for e in shipping["epcisBody"]["queryResults"]["resultsBody"]["eventList"]} == {"shipping"}
        exporter = client.get(epcis[1].removeprefix("http://127.0.0.1:8000"), headers=regulator)
        [event] = exporter.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert event["eventID"].startswith("urn:uuid:") and event["bizLocation"]["id"].startswith("urn:epc:id:sgln:618")
        harvest_url = next(w for w in text.split() if "/api/v1/harvests/" in w)
        harvest = client.get(harvest_url.removeprefix("http://127.0.0.1:8000"), headers=auth(FARMERS[0].key))
        assert harvest.status_code == 200 and harvest.json()["corrections"], harvest.text
        lot_url = next(w for w in text.split() if "/api/v1/lots/KRN" in w)
        lot = client.get(lot_url.removeprefix("http://127.0.0.1:8000"), headers=auth("ck_demo_processor"))
        assert lot.status_code == 200, lot.text
        assert lot.json()["grade"] == "W320" and lot.json()["certifications"] == ["organic-eu"]
        assert {o["district"] for o in lot.json()["origin"]} == {"bu-dang"}
        page_url = next(w for w in text.split() if "/01/" in w)
        page = client.get(page_url.removeprefix(settings.public_base_url), headers={"Accept": "application/json"})
        assert page.status_code == 200, page.text
        assert page.json()["lot_id"] == lot.json()["lot_id"] and page.json()["ledger"]["verified"] is True
        assert page.json()["recall"] is None
        recalled_url = next(w for w in text.split()[text.split().index("recalled") :] if "/01/" in w)
        recalled = client.get(
            recalled_url.removeprefix(settings.public_base_url), headers={"Accept": "application/json"}
        )
        assert recalled.status_code == 200 and recalled.json()["recall"]["recalled_by_role"] == "regulator"
        assert "/api/v1/oversight/recalls" in text

    def test_banner_without_demo_says_how_to_load_it(self, settings: Settings, client: TestClient) -> None:
        text = banner("http://127.0.0.1:8000", settings)
        assert "cashew seed demo" in text and "ck_demo_" in text

    def test_banner_without_database_still_prints(self, settings: Settings, tmp_path: Path) -> None:
        empty = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'none' / 'cashew.db'}"})
        assert "cashew seed demo" in banner("http://127.0.0.1:8000", empty)
