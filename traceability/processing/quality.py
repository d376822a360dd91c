"""Cutting tests (DOMAIN.md): outturn in lbs of good kernel per 80 kg bag, nuts per kg."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from .. import clock, ids, rules
from ..clock import not_in_future
from ..errors import RuleViolation
from ..lots.lineage import Lineage
from ..lots.models import Lot, LotParent
from ..lots.operations import held_lot
from ..parties.models import Party
from ..units import KG_PER_LB, decimal_text
from .models import QualityTest
from .schemas import QualityTestCreate


def outturn_lbs(
    good_g: Decimal, spotted_g: Decimal, sample_g: Decimal, spotted_factor: Decimal = rules.SPOTTED_FACTOR
) -> Decimal:
    """Pounds of good kernel per 80 kg bag: (good + spotted × factor) / sample × 80 kg in lbs."""
    return (good_g + spotted_g * spotted_factor) / sample_g * rules.BAG_KG / KG_PER_LB


def kernel_recovery(outturn: Decimal) -> Decimal:
    """Share of the nut's mass that is good kernel (45 lbs ≈ 25.5 %, 53 lbs ≈ 30.1 %)."""
    return outturn * KG_PER_LB / rules.BAG_KG


def _check(test_in: QualityTestCreate, outturn: Decimal, per_kg: int) -> list[str]:
    kernels = test_in.good_kernel_g + test_in.spotted_kernel_g + test_in.reject_kernel_g
    problems = []
    if test_in.sample_g < rules.MIN_SAMPLE_G:
        problems.append(f"a cutting test needs a sample of at least {rules.MIN_SAMPLE_G} g (about 1 kg is usual)")
    if kernels > test_in.sample_g:
        problems.append(f"kernels weigh {kernels} g, more than the {test_in.sample_g} g sample they came from")
    if not rules.OUTTURN_MIN_LBS <= outturn <= rules.OUTTURN_MAX_LBS:
        problems.append(f"outturn {outturn:.2f} lbs is outside {rules.OUTTURN_MIN_LBS}–{rules.OUTTURN_MAX_LBS} lbs")
    if not rules.NUT_COUNT_MIN <= per_kg <= rules.NUT_COUNT_MAX:
        problems.append(f"{per_kg} nuts per kg is outside {rules.NUT_COUNT_MIN}–{rules.NUT_COUNT_MAX}")
    if not rules.MOISTURE_MIN_PCT <= test_in.moisture_pct <= rules.MOISTURE_MAX_PCT:
        problems.append(
            f"moisture {test_in.moisture_pct}% is outside {rules.MOISTURE_MIN_PCT}–{rules.MOISTURE_MAX_PCT}%"
        )
    if problems:
        raise RuleViolation(
            "impossible cutting test: " + "; ".join(problems) + ". Check the weights and count.",
            code="impossible_quality_test",
        )
    warnings = []
    if not rules.OUTTURN_WARN_LOW_LBS <= outturn <= rules.OUTTURN_WARN_HIGH_LBS:
        warnings.append(
            f"suspicious_outturn: {outturn:.2f} lbs is unusual (most origins give "
            f"{rules.OUTTURN_WARN_LOW_LBS}–{rules.OUTTURN_WARN_HIGH_LBS})"
        )
    if per_kg > rules.NUT_COUNT_WARN:
        warnings.append(f"small_nuts: {per_kg} nuts per kg is above {rules.NUT_COUNT_WARN}")
    if test_in.moisture_pct > rules.MOISTURE_WARN_PCT:
        warnings.append(
            f"wet_nuts: moisture {test_in.moisture_pct}% is above {rules.MOISTURE_WARN_PCT}%; dry before storage"
        )
    return warnings


def record_quality_test(
    session: Session, *, party: Party, lot_id: str, test_in: QualityTestCreate
) -> tuple[QualityTest, list[str]]:
    """A cutting test on a held raw-nut lot; impossible tests are refused, suspicious ones warned."""
    lot = held_lot(session, party=party, lot_id=lot_id, for_update=False)
    if lot.product != "rcn":
        raise RuleViolation(f"cutting tests are for raw nuts; lot {lot_id} is {lot.product}", code="not_raw_nuts")
    tested_on = test_in.tested_on or clock.today()
    not_in_future(tested_on, "tested_on")
    outturn = outturn_lbs(test_in.good_kernel_g, test_in.spotted_kernel_g, test_in.sample_g)
    per_kg = int((Decimal(test_in.nut_count) / test_in.sample_g * 1000).to_integral_value(ROUND_HALF_UP))
    warnings = _check(test_in, outturn, per_kg)
    test = QualityTest(
        id=ids.new_id("Q"),
        party_id=party.id,
        lot_id=lot.lot_id,
        tested_on=tested_on,
        sample_g=decimal_text(test_in.sample_g),
        nut_count=test_in.nut_count,
        good_kernel_g=decimal_text(test_in.good_kernel_g),
        spotted_kernel_g=decimal_text(test_in.spotted_kernel_g),
        reject_kernel_g=decimal_text(test_in.reject_kernel_g),
        moisture_pct=decimal_text(test_in.moisture_pct),
        spotted_factor=decimal_text(rules.SPOTTED_FACTOR),
        outturn_lbs=f"{outturn:.2f}",
        nut_count_per_kg=per_kg,
    )
    session.add(test)
    session.flush()
    return test, warnings


def latest_tests(session: Session, lot_ids: list[str], *, before: int | None = None) -> dict[str, QualityTest]:
    """The latest cutting test of each lot (a lot keeps all its tests; the latest is its outturn).

    A lot split off another carries the same nuts, so without a test of its own it
    takes its parent's (through any number of splits). ``before``: only the tests
    recorded before that ledger index (what a record written then saw).
    """
    found: dict[str, QualityTest] = {}
    wanted = {lot_id: lot_id for lot_id in lot_ids}  # lot asked for -> lot whose test it takes
    while wanted:
        stmt = (
            select(QualityTest)
            .where(col(QualityTest.lot_id).in_(set(wanted.values())))
            .order_by(col(QualityTest.ledger_index))
        )
        if before is not None:
            stmt = stmt.where(col(QualityTest.ledger_index) < before)
        tests = {t.lot_id: t for t in session.scalars(stmt)}
        for asked, source in list(wanted.items()):
            if source in tests:
                found[asked] = tests[source]
                del wanted[asked]
        wanted = _split_parents(session, wanted)
    return found


def _split_parents(session: Session, wanted: dict[str, str]) -> dict[str, str]:
    if not wanted:
        return {}
    rows = session.execute(
        select(col(Lot.lot_id), col(LotParent.parent_lot_id))
        .join(LotParent, col(LotParent.lot_id) == col(Lot.lot_id))
        .where(col(Lot.lot_id).in_(set(wanted.values())), col(Lot.created_by_type) == "split")
    ).all()
    parent: dict[str, str] = dict(rows)
    return {asked: parent[source] for asked, source in wanted.items() if source in parent}


@dataclass(frozen=True)
class RawNutFigures:
    """Mass-weighted figures of the raw nuts a lot was made from (unrounded: readers round for display)."""

    outturn_lbs: float
    nut_count_per_kg: float
    tested_share: float  # share of the raw nuts that had a cutting test


def raw_nut_figures(session: Session, lineage: Lineage) -> RawNutFigures | None:
    """Latest cutting tests of the raw nuts as they went into the factory, weighted by their share of the lot."""
    inputs = lineage.inputs_of("rcn")
    tests = latest_tests(session, [i.lot_id for i in inputs])
    tested = [(i.share, tests[i.lot_id]) for i in inputs if i.lot_id in tests and i.share > 0]
    weight, total = sum(s for s, _ in tested), sum(i.share for i in inputs)
    if not tested or weight <= 0:
        return None
    return RawNutFigures(
        outturn_lbs=sum(s * float(t.outturn_lbs) for s, t in tested) / weight,
        nut_count_per_kg=sum(s * t.nut_count_per_kg for s, t in tested) / weight,
        tested_share=weight / total,
    )
