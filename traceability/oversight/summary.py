"""Sector figures of one season (SPEC §6.4): the summary, the CSV reports and the public
dashboard all read this one computation, so their totals always agree.

A season is a calendar year (the harvest runs January–June). Everything is summed by
the database (grouped by district, country, grade or month), never by loading a
season's records: the cost grows with the number of groups, not of harvests. Harvests
are counted with their corrections applied; received raw nuts are counted by their
Vietnamese share (imports are counted once, when they arrive).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, overload

from sqlalchemy import Integer, and_, case, cast, distinct, extract, func, select
from sqlmodel import Session, col

from ..clock import VIETNAM_TIME
from ..corrections.models import Correction
from ..countries import country_name
from ..lots.models import Lot, LotOrigin
from ..parties.models import Party
from ..places import DISTRICTS
from ..processing.models import Batch, Import, QualityTest, Receipt, Transfer
from ..processing.quality import kernel_recovery
from ..production.models import Farm, Harvest
from ..trade.models import Shipment, ShipmentLot
from ..units import hectares, kilograms

MONTHS = range(1, 13)


def _kg(grams: float | Decimal) -> Decimal:
    return kilograms(int(grams))


def _area(m2: int) -> Decimal:
    """Hectares, to the square metre."""
    return hectares(m2)


@overload
def _numbers(value: dict[str, Any]) -> dict[str, Any]: ...
@overload
def _numbers(value: Any) -> Any: ...
def _numbers(value: Any) -> Any:
    """Masses and areas as JSON numbers (an integer when whole), as every other read gives them."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


@dataclass
class SeasonFigures:
    """The raw sums (grams) one season's summary, reports and dashboard are built from."""

    season: int
    farms_registered: int = 0
    area_registered_m2: int = 0
    harvest_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by district
    harvest_farms: dict[str, int] = field(default_factory=dict)  # harvesting farms by district
    harvest_area_m2: dict[str, int] = field(default_factory=dict)
    domestic_received_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by processor
    imported_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by origin country
    imported_by_party_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kernel_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by grade
    kernel_by_party_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kernel_from_raw_by_party_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    raw_processed_by_party_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    exported_g: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by destination
    shipments: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outturn_sum: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # by testing party
    tests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    monthly: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


def _season_days(season: int) -> tuple[date, date]:
    return date(season, 1, 1), date(season + 1, 1, 1)


def _season_times(season: int) -> tuple[datetime, datetime]:
    """The season in Vietnam's local time (records carry UTC timestamps)."""
    start, end = _season_days(season)
    return (datetime(start.year, 1, 1, tzinfo=VIETNAM_TIME), datetime(end.year, 1, 1, tzinfo=VIETNAM_TIME))


def _month(column: Any) -> Any:
    return cast(extract("month", column), Integer)


def season_figures(session: Session, season: int) -> SeasonFigures:
    figures = SeasonFigures(season=season)
    start, end = _season_days(season)
    farms = session.execute(select(func.count(), func.coalesce(func.sum(col(Farm.area_m2)), 0))).one()
    figures.farms_registered, figures.area_registered_m2 = int(farms[0]), int(farms[1])
    _harvests(session, figures, start, end)
    _received(session, figures)
    _imports(session, figures, start, end)
    _batches(session, figures, start, end)
    _tests(session, figures, start, end)
    _exports(session, figures, start, end)
    return figures


def _harvests(session: Session, figures: SeasonFigures, start: date, end: date) -> None:
    """Summed per farm and month first, then per district: the join with ``farm`` is made once per
    farm, not once per harvest."""
    in_season = and_(col(Harvest.harvested_on) >= start, col(Harvest.harvested_on) < end)
    month = _month(col(Harvest.harvested_on))
    per_farm = (
        select(col(Harvest.farm_id), month.label("month"), func.sum(col(Harvest.quantity_g)).label("grams"))
        .where(in_season)
        .group_by(col(Harvest.farm_id), month)
        .subquery()
    )
    rows = session.execute(
        select(col(Farm.district), per_farm.c.month, func.sum(per_farm.c.grams))
        .join(per_farm, per_farm.c.farm_id == col(Farm.id))
        .group_by(col(Farm.district), per_farm.c.month)
    ).all()
    for district, m, grams in rows:
        figures.harvest_g[district] += int(grams)
        figures.monthly["harvest"][int(m)] += int(grams)
    harvested = select(col(Harvest.id)).where(col(Harvest.farm_id) == col(Farm.id), in_season).exists()
    harvesting = (
        select(col(Farm.district), func.count(), func.sum(col(Farm.area_m2)))
        .where(harvested)
        .group_by(col(Farm.district))
    )
    for district, count, area in session.execute(harvesting).all():
        figures.harvest_farms[district], figures.harvest_area_m2[district] = int(count), int(area)
    _harvest_corrections(session, figures, start, end)


def _harvest_corrections(session: Session, figures: SeasonFigures, start: date, end: date) -> None:
    """Replace each corrected harvest's stored quantity and day by its corrected ones."""
    fixes: dict[str, list[Correction]] = defaultdict(list)
    for fix in session.scalars(
        select(Correction).where(col(Correction.record_type) == "harvest").order_by(col(Correction.ledger_index))
    ):
        fixes[fix.corrects].append(fix)
    if not fixes:
        return
    rows = session.execute(
        select(Harvest, col(Farm.district))
        .join(Farm, col(Farm.id) == col(Harvest.farm_id))
        .where(col(Harvest.id).in_(list(fixes)))
    ).all()
    for harvest, district in rows:
        now = harvest.entry_data()
        for fix in fixes[harvest.id]:
            now.update(fix.changes)
        for day, grams, sign in (
            (harvest.harvested_on, harvest.quantity_g, -1),
            (date.fromisoformat(now["harvested_on"]), int(now["quantity_g"]), 1),
        ):
            if start <= day < end:
                figures.harvest_g[district] += sign * grams
                figures.monthly["harvest"][day.month] += sign * grams


def _local_month(column: Any, season: int) -> Any:
    """The month (1–12) of a UTC timestamp in Vietnam's local time, as one portable CASE."""
    bounds = [datetime(season + (m == 12), m % 12 + 1, 1, tzinfo=VIETNAM_TIME) for m in MONTHS]
    return case(*[(column < bound, m) for m, bound in zip(MONTHS, bounds, strict=True)], else_=12)


def _received(session: Session, figures: SeasonFigures) -> None:
    """Raw nuts weighed in by processors in the season, by their Vietnamese share."""
    since, until = _season_times(figures.season)
    vn_share = (  # per received lot, not over every lot ever made
        select(func.coalesce(func.sum(col(LotOrigin.share)), 0.0))
        .where(col(LotOrigin.lot_id) == col(Transfer.lot_id), col(LotOrigin.country) == "VN")
        .scalar_subquery()
    )
    month = _local_month(col(Receipt.recorded_at), figures.season)
    stmt = (
        select(col(Receipt.party_id), month, func.sum(col(Receipt.received_g) * vn_share))
        .join(Transfer, col(Transfer.id) == col(Receipt.transfer_id))
        .join(Lot, col(Lot.lot_id) == col(Transfer.lot_id))
        .join(Party, col(Party.id) == col(Receipt.party_id))
        .where(
            col(Lot.product) == "rcn",
            col(Party.role) == "processor",
            col(Receipt.recorded_at) >= since,
            col(Receipt.recorded_at) < until,
        )
        .group_by(col(Receipt.party_id), month)
    )
    for party_id, m, grams in session.execute(stmt).all():
        figures.domestic_received_g[party_id] += int(grams)
        figures.monthly["received"][int(m)] += int(grams)


def _imports(session: Session, figures: SeasonFigures, start: date, end: date) -> None:
    stmt = (
        select(
            col(Import.origin_country),
            col(Import.party_id),
            _month(col(Import.arrived_on)),
            func.sum(col(Import.quantity_g)),
        )
        .where(col(Import.arrived_on) >= start, col(Import.arrived_on) < end)
        .group_by(col(Import.origin_country), col(Import.party_id), _month(col(Import.arrived_on)))
    )
    for country, party_id, month, grams in session.execute(stmt).all():
        figures.imported_g[country] += int(grams)
        figures.imported_by_party_g[party_id] += int(grams)
        figures.monthly["imported"][int(month)] += int(grams)


def _batches(session: Session, figures: SeasonFigures, start: date, end: date) -> None:
    """Kernel by grade: batch outputs are a JSON list, so this reads the season's batches
    (a factory records a few a day: thousands a season, not millions)."""
    stmt = select(col(Batch.party_id), col(Batch.processed_on), col(Batch.inputs), col(Batch.outputs)).where(
        col(Batch.processed_on) >= start, col(Batch.processed_on) < end
    )
    rows = session.execute(stmt).all()
    input_ids = {i["lot_id"] for *_, inputs, _ in rows for i in inputs}
    rcn = (
        set(session.scalars(select(col(Lot.lot_id)).where(col(Lot.lot_id).in_(input_ids), col(Lot.product) == "rcn")))
        if input_ids
        else set()
    )
    for party_id, day, inputs, outputs in rows:
        raw = sum(i["quantity_g"] for i in inputs if i["lot_id"] in rcn)
        figures.raw_processed_by_party_g[party_id] += raw
        for output in outputs:
            if output["product"] == "kernel":
                figures.kernel_g[output["grade"] or "-"] += output["quantity_g"]
                figures.kernel_by_party_g[party_id] += output["quantity_g"]
                if raw:  # kernel made from raw nuts, not re-graded kernel
                    figures.kernel_from_raw_by_party_g[party_id] += output["quantity_g"]
                figures.monthly["kernel"][day.month] += output["quantity_g"]


def _tests(session: Session, figures: SeasonFigures, start: date, end: date) -> None:
    stmt = select(col(QualityTest.party_id), col(QualityTest.outturn_lbs)).where(
        col(QualityTest.tested_on) >= start, col(QualityTest.tested_on) < end
    )
    for party_id, outturn in session.execute(stmt).all():
        figures.outturn_sum[party_id] += Decimal(outturn)
        figures.tests[party_id] += 1


def _exports(session: Session, figures: SeasonFigures, start: date, end: date) -> None:
    stmt = (
        select(
            col(Shipment.destination_country),
            _month(col(Shipment.shipped_on)),
            func.count(distinct(col(Shipment.id))),
            func.sum(col(Lot.quantity_g)),
        )
        .join(ShipmentLot, col(ShipmentLot.shipment_id) == col(Shipment.id))
        .join(Lot, col(Lot.lot_id) == col(ShipmentLot.lot_id))
        .where(col(Shipment.shipped_on) >= start, col(Shipment.shipped_on) < end)
        .group_by(col(Shipment.destination_country), _month(col(Shipment.shipped_on)))
    )
    for country, month, count, grams in session.execute(stmt).all():
        figures.exported_g[country] += int(grams)
        figures.shipments[country] += int(count)
        figures.monthly["exported"][int(month)] += int(grams)


# --- the summary (JSON) ----------------------------------------------------------------


def _ratio(numerator: float | Decimal, denominator: float | Decimal, places: str = "0.0001") -> str | None:
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places))) if denominator else None


def yield_t_per_ha(grams: int, area_m2: int) -> str | None:
    """Tonnes per hectare, two decimals (None without an area)."""
    return _ratio(Decimal(grams) / 1_000_000, hectares(area_m2), "0.01")


def mean_outturn(outturn_sum: Decimal, tests: int) -> str | None:
    """The mean of ``tests`` cutting tests' outturns, lbs with two decimals (None without a test)."""
    return f"{outturn_sum / tests:.2f}" if tests else None


def district_rows(figures: SeasonFigures) -> list[dict[str, Any]]:
    rows = []
    for code in sorted(set(figures.harvest_g) | set(figures.harvest_farms), key=lambda c: -figures.harvest_g.get(c, 0)):
        area_m2 = figures.harvest_area_m2.get(code, 0)
        grams = figures.harvest_g.get(code, 0)
        rows.append(
            {
                "district": code,
                "name": DISTRICTS[code].name if code in DISTRICTS else code,
                "farms": figures.harvest_farms.get(code, 0),
                "area_ha": _area(area_m2),
                "quantity_kg": _kg(grams),
                "yield_t_per_ha": yield_t_per_ha(grams, area_m2),
            }
        )
    return rows


def summary(session: Session, season: int) -> dict[str, Any]:
    """The sector in figures for one season; every total is zero (and every mean null) for an empty one."""
    f = season_figures(session, season)
    harvest_g = sum(f.harvest_g.values())
    area_m2 = sum(f.harvest_area_m2.values())
    tests = sum(f.tests.values())
    raw_g, kernel_from_raw_g = sum(f.raw_processed_by_party_g.values()), sum(f.kernel_from_raw_by_party_g.values())
    outturn = mean_outturn(sum(f.outturn_sum.values(), Decimal(0)), tests)
    return _numbers(
        {
            "season": season,
            "farms": {
                "registered": f.farms_registered,
                "registered_area_ha": _area(f.area_registered_m2),
                "harvesting": sum(f.harvest_farms.values()),
                "harvesting_area_ha": _area(area_m2),
            },
            "harvest": {
                "total_kg": _kg(harvest_g),
                "by_district": district_rows(f),
                "mean_yield_t_per_ha": yield_t_per_ha(harvest_g, area_m2),
            },
            "raw_nuts_received": {
                "domestic_kg": _kg(sum(f.domestic_received_g.values())),
                "imported_kg": _kg(sum(f.imported_g.values())),
                "imported_by_country": [
                    {"country": c, "name": country_name(c), "quantity_kg": _kg(g)}
                    for c, g in sorted(f.imported_g.items(), key=lambda kv: -kv[1])
                ],
            },
            "kernel": {
                "total_kg": _kg(sum(f.kernel_g.values())),
                "by_grade": [
                    {"grade": g, "quantity_kg": _kg(q)} for g, q in sorted(f.kernel_g.items(), key=lambda kv: -kv[1])
                ],
            },
            "processing": {
                "cutting_tests": tests,
                "mean_outturn_lbs": outturn,
                "mean_recovery": _ratio(kernel_recovery(Decimal(outturn)), 1) if outturn is not None else None,
                "raw_nuts_processed_kg": _kg(raw_g),
                "kernel_ratio": _ratio(kernel_from_raw_g, raw_g),
            },
            "exports": {
                "total_kg": _kg(sum(f.exported_g.values())),
                "shipments": sum(f.shipments.values()),
                "by_destination": [
                    {"country": c, "name": country_name(c), "shipments": f.shipments[c], "quantity_kg": _kg(g)}
                    for c, g in sorted(f.exported_g.items(), key=lambda kv: -kv[1])
                ],
            },
            "monthly": [
                {
                    "month": f"{season}-{m:02d}",
                    **{
                        flow: _kg(f.monthly[flow][m])
                        for flow in ("harvest", "received", "imported", "kernel", "exported")
                    },
                }
                for m in MONTHS
            ],
        }
    )


def seasons_with_harvests(session: Session) -> list[int]:
    """The seasons that have any harvest, most recent first."""
    year = cast(extract("year", col(Harvest.harvested_on)), Integer)
    return [int(y) for y in session.scalars(select(year).distinct().order_by(year.desc()))]
