"""The demo that `make run` loads: the parties, farms, inputs and harvests of ``demo_data``,
recorded through the same service functions as the API, in one transaction.

Reproducible: ids and nonces come from ``ids.seeded(DEMO_SEED)`` and ``now()`` from a
stepping clock that walks through the story in order (each record is written on the
day it happened, one minute after the previous call), so two fresh databases end
with the same ledger root. The demo's API keys are fixed and public: demo only.
"""

import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from traceability import clock, ids
from traceability.anchoring import SqlLog, anchoring_info, load_or_create_signer
from traceability.corrections.models import Correction
from traceability.db import make_engine, open_session, unit_of_work
from traceability.labels.models import Label
from traceability.oversight.models import RecallLot
from traceability.parties.models import ApiKey, Party
from traceability.parties.schemas import PartyCreate
from traceability.parties.service import create_party, hash_key
from traceability.processing.models import Batch
from traceability.production.corrections import CorrectionCreate, correct_record
from traceability.production.harvests import record_harvest
from traceability.production.models import Farm, Harvest
from traceability.production.schemas import FarmCreate, FarmInputCreate, HarvestCreate, InputCategory
from traceability.production.service import record_farm, record_farm_input
from traceability.settings import Settings, get_settings
from traceability.trade.models import ShipmentLot

from .demo_data import (
    CORRECTED_FARM,
    CORRECTED_PICKING,
    DEMO_FARMS,
    DEMO_PARTIES,
    DEMO_SEED,
    OVERSIGHT_FARMS,
    REWEIGH_FACTOR,
    REWEIGH_REASON,
    DemoFarm,
    DemoParty,
    PlannedHarvest,
    PlannedInput,
    geometry,
    harvest_plan,
    input_plan,
)
from .demo_oversight import schedule_oversight
from .demo_processing import EXPORTER_EVENT_ID, schedule_processing

__all__ = ["DEMO_PARTIES", "DemoParty", "banner", "load_demo"]

MAKEFILE_ADMIN_TOKEN = "demo-admin-token"
ONBOARDING = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam: the cooperative signs everyone up
VIETNAM = timedelta(hours=7)


class SteppingClock:
    """A clock for ``clock.frozen``: each call answers one minute later; ``advance_to`` jumps ahead."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        answer = self.current
        self.current += timedelta(minutes=1)
        return answer

    def advance_to(self, moment: datetime) -> None:
        self.current = max(self.current, moment)  # never backwards: ledger times only grow


def _local(day: date, hour: int) -> datetime:
    """A Vietnamese local hour on ``day``, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - VIETNAM


@dataclass
class _Story:
    """Every demo event with its moment, replayed in time order."""

    session: Session
    parties: dict[str, Party] = field(default_factory=dict)
    farms: dict[str, Farm] = field(default_factory=dict)
    harvests: dict[str, list[Harvest]] = field(default_factory=dict)
    lots: dict[str, Any] = field(default_factory=dict)  # what the processing chapter made
    events: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.events.append((moment, len(self.events), action))

    def play(self, demo_clock: SteppingClock) -> None:
        for moment, _, action in sorted(self.events, key=lambda e: e[:2]):
            demo_clock.advance_to(moment)
            action()
            self.session.flush()  # anchor now, at this moment (as a request's commit would)


def _add_party(story: _Story, demo: DemoParty) -> None:
    party_in = PartyCreate(
        name=demo.name, role=demo.role, district=demo.district, gs1_company_prefix=demo.gs1_company_prefix
    )
    story.parties[demo.key], _ = create_party(story.session, party_in=party_in, api_key=demo.key)


def _add_farm(story: _Story, farm: DemoFarm) -> None:
    farm_in = FarmCreate(
        name=farm.name,
        district=farm.district,
        commune=farm.commune,
        area_ha=farm.area_ha,
        geometry=geometry(farm),
        planted_year=farm.planted_year,
        variety=farm.variety,
        certifications=[asdict(c) for c in farm.certifications],
    )
    story.farms[farm.code], _ = record_farm(story.session, farmer=story.parties[farm.owner], farm_in=farm_in)
    story.harvests[farm.code] = []


def _schedule_farm(story: _Story, farm: DemoFarm, registered: datetime) -> None:
    story.at(registered, partial(_add_farm, story, farm))
    for planned_input in input_plan(farm):
        story.at(_local(planned_input.applied_on, 16), partial(_add_input, story, farm, planned_input))
    for planned in harvest_plan(farm):
        story.at(_local(planned.harvested_on, 17), partial(_add_harvest, story, farm, planned))


def _add_input(story: _Story, farm: DemoFarm, planned: PlannedInput) -> None:
    input_in = FarmInputCreate(
        farm_id=story.farms[farm.code].id,
        category=InputCategory(planned.category),
        product=planned.product,
        product_name=planned.product_name,
        quantity=planned.quantity,
        unit=planned.unit,
        applied_on=planned.applied_on,
        notes=planned.notes,
    )
    record_farm_input(story.session, farmer=story.parties[farm.owner], input_in=input_in)


def _add_harvest(story: _Story, farm: DemoFarm, planned: PlannedHarvest) -> None:
    harvest_in = HarvestCreate(
        farm_id=story.farms[farm.code].id,
        harvested_on=planned.harvested_on,
        quantity_kg=planned.quantity_kg,
        moisture_pct=planned.moisture_pct,
        notes=planned.notes,
    )
    harvest, _lot, _warnings = record_harvest(story.session, farmer=story.parties[farm.owner], harvest_in=harvest_in)
    story.harvests[farm.code].append(harvest)


def _correct_picking(story: _Story, farm: DemoFarm) -> None:
    harvest = story.harvests[farm.code][CORRECTED_PICKING]
    reweighed = (harvest_plan(farm)[CORRECTED_PICKING].quantity_kg * REWEIGH_FACTOR).quantize(Decimal("0.1"))
    correction_in = CorrectionCreate(entry_id=harvest.id, changes={"quantity_kg": reweighed}, reason=REWEIGH_REASON)
    correct_record(story.session, party=story.parties[farm.owner], correction_in=correction_in)


def _write_story(session: Session, base_url: str) -> _Story:
    story = _Story(session)
    for n, demo in enumerate(DEMO_PARTIES):
        story.at(ONBOARDING + timedelta(minutes=5 * n), partial(_add_party, story, demo))
    for n, farm in enumerate(DEMO_FARMS):
        _schedule_farm(story, farm, _local(ONBOARDING.date() + timedelta(days=7 + 2 * n), 9))
    corrected = next(f for f in DEMO_FARMS if f.code == CORRECTED_FARM)
    reweighed_on = harvest_plan(corrected)[CORRECTED_PICKING].harvested_on + timedelta(days=1)
    story.at(_local(reweighed_on, 10), partial(_correct_picking, story, corrected))
    schedule_processing(story, [(farm.code, farm.owner) for farm in DEMO_FARMS], base_url)
    for n, farm in enumerate(OVERSIGHT_FARMS):  # registered a fortnight after the cooperative's farms
        _schedule_farm(story, farm, _local(ONBOARDING.date() + timedelta(days=30 + 2 * n), 9))
    schedule_oversight(story, base_url)
    return story


def _demo_present(session: Session) -> bool:
    return session.get(ApiKey, hash_key(DEMO_PARTIES[0].key)) is not None


def load_demo(settings: Settings) -> bool:
    """Load the demo into ``settings.database_url``; False (and nothing written) if it is already there.

    Requires a migrated database (``cashew db upgrade``).
    """
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    engine = make_engine(settings.database_url)
    demo_clock = SteppingClock(ONBOARDING)
    try:
        with (
            ids.seeded(DEMO_SEED),
            clock.frozen(demo_clock),
            unit_of_work(engine, info=anchoring_info(signer)) as session,
        ):
            SqlLog(session.connection()).lock()  # two loaders at once: the second waits, then sees the demo
            if _demo_present(session):
                return False
            _write_story(session, settings.public_base_url).play(demo_clock)
        _alter_behind_the_ledger(engine, signer)
        return True
    finally:
        engine.dispose()


TAMPERED_FARM = "Vườn điều Lộc Thái"
TAMPERED_DOSE = "0.1"


def _alter_behind_the_ledger(engine: Engine, signer: Any) -> None:
    """What the integrity audit is for: someone lowers a pesticide dose of Tâm's farm directly in
    the database, then the department's audit finds it (a ``ledger_integrity`` alert)."""
    from sqlalchemy import update

    from ledger.checkpoint import Verifier
    from traceability.audit import audit_database
    from traceability.production.models import FarmInput

    with unit_of_work(engine) as session:
        farm_id = session.scalars(select(col(Farm.id)).where(col(Farm.name) == TAMPERED_FARM)).one()
        session.exec(
            update(FarmInput)
            .where(col(FarmInput.farm_id) == farm_id, col(FarmInput.category) == "pesticide")
            .values(quantity=TAMPERED_DOSE)
        )
    audit_database(engine, Verifier.from_vkey(signer.vkey))


# --- The banner of `make run` ----------------------------------------------------------
_PROCESSOR = next(p for p in DEMO_PARTIES if p.role.value == "processor")
_FARMER = next(p for p in DEMO_PARTIES if p.key == next(f.owner for f in DEMO_FARMS if f.code == CORRECTED_FARM))


@dataclass(frozen=True)
class _DemoLinks:
    harvest_id: str
    farm_id: str
    kernel_lot_id: str | None
    buyer_page: str | None
    shipped_lot_id: str | None
    recalled_page: str | None  # the buyer's page of a carton the demo's recall reached


def _demo_links(engine: Engine) -> _DemoLinks | None:
    """The re-weighed harvest (it shows a correction) and the organic W320 kernel made from that farmer's nuts."""
    with open_session(engine) as session:
        key = session.get(ApiKey, hash_key(_FARMER.key))
        if key is None:
            return None
        stmt = (
            select(Correction)
            .where(col(Correction.party_id) == key.party_id, col(Correction.record_type) == "harvest")
            .order_by(col(Correction.ledger_index))
            .limit(1)
        )
        correction = session.scalars(stmt).first()
        harvest = None if correction is None else session.get(Harvest, correction.corrects)
        first_batch = session.scalars(select(Batch).order_by(col(Batch.ledger_index)).limit(1)).first()
    if harvest is None:
        return None
    kernel = next((o["lot_id"] for o in first_batch.outputs if o["grade"] == "W320"), None) if first_batch else None
    with open_session(engine) as session:
        label = session.scalars(select(Label).where(col(Label.lot_id) == kernel)).first() if kernel else None
        shipped = session.scalars(select(col(ShipmentLot.lot_id)).order_by(col(ShipmentLot.lot_id)).limit(1)).first()
        recalled = session.scalars(
            select(col(Label.uri))
            .join(RecallLot, col(RecallLot.lot_id) == col(Label.lot_id))
            .order_by(col(Label.ledger_index))
            .limit(1)
        ).first()
    return _DemoLinks(harvest.id, harvest.farm_id, kernel, label.uri if label else None, shipped, recalled)


def _curl(*parts: str) -> str:
    return "  curl " + " ".join(shlex.quote(p) if not p.startswith("-") else p for p in parts)


def _farmer_day(base_url: str, key: str, farm_id: str) -> list[str]:
    auth = f"Authorization: Bearer {key}"
    today = datetime.now(UTC).date().isoformat()  # the real date: a date in the future is refused
    farm = (
        '{"name": "Vườn điều mới", "district": "bu-dang", "commune": "Đức Liễu", "area_ha": 1.5, '
        '"geometry": {"type": "Point", "coordinates": [107.262, 11.781]}, "variety": "PN1"}'
    )
    harvest = f'{{"farm_id": "{farm_id}", "harvested_on": "{today}", "quantity_kg": 180.5, "moisture_pct": 9.5}}'
    return [
        "A farmer's day (register a farm, log a harvest safely twice, read the lot):",
        _curl("-X", "POST", f"{base_url}/api/v1/farms", "-H", auth, "-H", "Content-Type: application/json", "-d", farm),
        _curl(
            "-X",
            "POST",
            f"{base_url}/api/v1/harvests",
            "-H",
            auth,
            "-H",
            "Content-Type: application/json",
            "-H",
            f"Idempotency-Key: demo-harvest-{today}",
            "-d",
            harvest,
        ),
        _curl(f"{base_url}/api/v1/lots/<lot_id from the answer>", "-H", auth),
    ]


def banner(base_url: str, settings: Settings | None = None, *, witness_vkey: str | None = None) -> str:
    """What `make run` prints: where to look, who the demo parties are, and their API keys (and the
    demo witness's key, when the server runs one)."""
    settings = settings or get_settings()
    base_url = base_url.rstrip("/")
    engine = make_engine(settings.database_url)
    try:
        links = _demo_links(engine)
    except SQLAlchemyError:
        links = None  # no schema yet: the banner still tells what to run
    finally:
        engine.dispose()
    lines = [
        f"Cashew traceability demo — {base_url}",
        f"  The app            {base_url}/app/  (phone-first; paste a key below, e.g. {_FARMER.key})",
        f"  API docs           {base_url}/docs",
        f"  Dashboard          {base_url}/dashboard  (public; ?lang=en for English)",
        f"  Ledger checkpoint  {base_url}/ledger/checkpoint",
    ]
    if links is None:
        lines.append("  (demo data not loaded: run `cashew seed demo`)")
    else:
        lines += [
            f"  A harvest          {base_url}/api/v1/harvests/{links.harvest_id}  "
            f"(key of {_FARMER.name}; re-weighed: see corrections)"
        ]
        if links.buyer_page:
            lines += [f"  Buyer's page (QR)  {links.buyer_page}   (?lang=en for English)"]
        if links.kernel_lot_id:
            lines += [
                f"  Its kernels        {base_url}/api/v1/lots/{links.kernel_lot_id}  "
                f"(key of {_PROCESSOR.name}: organic W320, 100% Bù Đăng)"
            ]
            bundle = f"{base_url}/api/v1/lots/{links.kernel_lot_id}/provenance"
            lines += [f"  Provenance bundle  {bundle}", f"  Verify it offline  .venv/bin/cashew verify {bundle}"]
            if witness_vkey:
                lines += [
                    f"  Witnessed          {witness_vkey}   (the Department's witness cosigns every checkpoint)",
                    f"  Verify with it     .venv/bin/cashew verify {bundle} --witness {witness_vkey}",
                ]
        if links.shipped_lot_id:
            lines += [
                f"  Shipped to the NL  {base_url}/api/v1/lots/{links.shipped_lot_id}/provenance  "
                "(bought on the exchange, container from Cát Lái)"
            ]
        if links.recalled_page:
            lines += [
                f"  A recalled carton  {links.recalled_page}   (aflatoxin in a Lộc Ninh raw-nut lot, found after "
                "it was processed: the page says so first)"
            ]
    if links is not None:
        regulator = next(p for p in DEMO_PARTIES if p.role.value == "regulator")
        lines += [
            "",
            f"State oversight (key of {regulator.name}):",
            _curl(f"{base_url}/api/v1/oversight/alerts", "-H", f"Authorization: Bearer {regulator.key}"),
            _curl(f"{base_url}/api/v1/oversight/recalls", "-H", f"Authorization: Bearer {regulator.key}"),
            f"  Season figures     {base_url}/api/v1/oversight/summary?season=2026",
            f"  CSV reports        {base_url}/api/v1/oversight/reports/production_by_district.csv "
            "(also processing_by_party, exports)",
            "  Integrity audit    .venv/bin/cashew audit   (the demo altered one farm input by SQL: it is found)",
            "",
            "GS1 EPCIS 2.0 (every record as an event, each with its ledger index; key of the regulator):",
            _curl(
                f"{base_url}/epcis/events?EQ_bizStep=shipping&perPage=5", "-H", f"Authorization: Bearer {regulator.key}"
            ),
            _curl(
                f"{base_url}/epcis/events/{quote(EXPORTER_EVENT_ID, safe='')}",
                "-H",
                f"Authorization: Bearer {regulator.key}",
            )
            + "   (the Ivorian exporter's event, captured and named on the import)",
        ]
    lines += ["", "Demo parties (send 'Authorization: Bearer <key>'):"]
    lines += [f"  {p.role.value:<10} {p.name:<42} {p.key}" for p in DEMO_PARTIES]
    token = settings.admin_token
    lines += [
        "",
        "Admin token (only creates parties, POST /api/v1/parties): "
        + (
            "not set; set CASHEW_ADMIN_TOKEN to open party administration"
            if not token
            else f"{token} (the Makefile's default CASHEW_ADMIN_TOKEN)"
            if token == MAKEFILE_ADMIN_TOKEN
            else "the value of CASHEW_ADMIN_TOKEN"
        ),
    ]
    if links is not None:
        lines += ["", *_farmer_day(base_url, _FARMER.key, links.farm_id)]
    return "\n".join(lines) + "\n"
