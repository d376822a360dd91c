"""Processing batches (SPEC §6.2): outputs never outweigh inputs, kernel never exceeds what
the raw nuts' measured outturn can give, and each output lot carries its inputs' origin."""

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from .. import clock, ids, rules
from ..alerts.models import AlertKind
from ..alerts.service import raise_alert
from ..clock import not_in_future
from ..errors import RuleViolation
from ..lots.models import Lot
from ..lots.operations import blend, common_certifications, create_lot, held_lot, take
from ..parties.models import Party
from ..units import grams, kilograms
from .models import Batch
from .quality import kernel_recovery, latest_tests
from .schemas import BatchCreate, BatchOutput


def _grade(output: BatchOutput) -> str | None:
    if output.product != "kernel":
        if output.grade is not None:
            raise RuleViolation(f"{output.product} has no grade; leave grade empty", code="invalid_grade")
        return None
    if output.grade not in rules.KERNEL_GRADES:
        raise RuleViolation(
            f"kernel grade {output.grade!r} is not an AFI/TCVN 4850 grade ({', '.join(sorted(rules.KERNEL_GRADES))})",
            code="invalid_grade",
        )
    return output.grade


def _inputs(session: Session, processor: Party, batch_in: BatchCreate) -> list[tuple[Lot, int]]:
    wanted: dict[str, int] = defaultdict(int)
    for item in batch_in.inputs:
        wanted[item.lot_id] += grams(item.quantity_kg)
    # One locking read for every input (a run takes hundreds of lots); the checks below find them in the session
    # (which holds them only while they are referenced: hence the name kept until the end).
    _loaded = session.scalars(select(Lot).where(col(Lot.lot_id).in_(list(wanted))).with_for_update()).all()
    lots = []
    for lot_id, quantity_g in wanted.items():
        lot = held_lot(session, party=processor, lot_id=lot_id, for_update=False)
        if quantity_g > lot.quantity_g:
            take(lot, quantity_g)  # raises more_than_held with the figures
        lots.append((lot, quantity_g))
    return lots


def max_kernel_g(session: Session, raw: list[tuple[str, int]], *, before: int | None = None) -> Decimal:
    """The most kernel these raw nuts (lot id, grams) can give: tested recovery (+ tolerance) or 32 % if
    untested; ``before``: by the tests recorded before that ledger index."""
    tests = latest_tests(session, [lot_id for lot_id, _ in raw], before=before)
    limit = Decimal(0)
    for lot_id, quantity_g in raw:
        test = tests.get(lot_id)
        ratio = (
            kernel_recovery(Decimal(test.outturn_lbs)) + rules.TESTED_RECOVERY_TOLERANCE
            if test
            else rules.UNTESTED_MAX_KERNEL_RATIO
        )
        limit += quantity_g * min(ratio, rules.UNTESTED_MAX_KERNEL_RATIO)
    return limit


def yield_band_warning(ratio: Decimal | None) -> str | None:
    """The warning of a kernel ratio outside the usual band (its alert's kind first), or None."""
    if ratio is None or rules.KERNEL_RATIO_LOW <= ratio <= rules.KERNEL_RATIO_HIGH:
        return None
    kind = AlertKind.batch_yield_high if ratio > rules.KERNEL_RATIO_HIGH else AlertKind.batch_yield_low
    band = f"{rules.KERNEL_RATIO_LOW:.0%}–{rules.KERNEL_RATIO_HIGH:.0%}"
    return f"{kind}: kernel is {ratio:.1%} of the raw nuts, outside the usual {band}; regulators are told"


def _check_yield(
    session: Session,
    processor: Party,
    batch_id: str,
    raw: list[tuple[str, int]],
    kernel_g: int,
) -> tuple[Decimal | None, Decimal | None, list[str]]:
    raw_g = sum(q for _, q in raw)
    if not raw_g or not kernel_g:
        return None, None, []
    limit = max_kernel_g(session, raw)
    if kernel_g > limit:
        raise RuleViolation(
            f"{kilograms(kernel_g)} kg of kernel is more than these raw nuts can give "
            f"({kilograms(int(limit))} kg at their tested outturn, "
            f"or {rules.UNTESTED_MAX_KERNEL_RATIO:.0%} of untested nuts)",
            code="yield_impossible",
        )
    ratio = Decimal(kernel_g) / raw_g
    warning = yield_band_warning(ratio)
    if warning is None:
        return ratio, limit, []
    raise_alert(
        session,
        kind=AlertKind.batch_yield_high if ratio > rules.KERNEL_RATIO_HIGH else AlertKind.batch_yield_low,
        party_id=processor.id,
        subject_type="batch",
        subject_id=batch_id,
        dedupe_key=f"batch_yield:{batch_id}",
        detail={"batch_id": batch_id, "kernel_ratio": f"{ratio:.4f}", "raw_input_g": raw_g, "kernel_g": kernel_g},
    )
    return ratio, limit, [warning]


def record_batch(
    session: Session, *, processor: Party, batch_in: BatchCreate
) -> tuple[Batch, dict[str, Decimal | None], list[str]]:
    """Turn held lots into output lots, after the mass balance and yield checks."""
    processed_on = batch_in.processed_on or clock.today()
    not_in_future(processed_on, "processed_on")
    outputs = [(o, _grade(o), grams(o.quantity_kg)) for o in batch_in.outputs]
    inputs = _inputs(session, processor, batch_in)
    input_g = sum(q for _, q in inputs)
    loss_g = grams(batch_in.loss_kg)
    output_g = sum(q for _, _, q in outputs)
    if output_g + loss_g > input_g:
        raise RuleViolation(
            f"outputs ({kilograms(output_g)} kg) and stated loss ({kilograms(loss_g)} kg) weigh more "
            f"than the inputs ({kilograms(input_g)} kg)",
            code="mass_balance_violation",
        )
    batch_id = ids.new_id("B")
    kernel_g = sum(q for o, _, q in outputs if o.product == "kernel")
    raw = [(lot.lot_id, q) for lot, q in inputs if lot.product == "rcn"]
    ratio, limit, warnings = _check_yield(session, processor, batch_id, raw, kernel_g)
    parts = [(lot.lot_id, q) for lot, q in inputs]
    origin = blend(session, parts)
    claims = common_certifications([lot for lot, _ in inputs])
    for lot, quantity_g in inputs:
        take(lot, quantity_g)
    batch = Batch(
        id=batch_id,
        party_id=processor.id,
        processed_on=processed_on,
        loss_g=loss_g,
        inputs=[{"lot_id": lot_id, "quantity_g": q} for lot_id, q in parts],
        outputs=[],
    )
    made = []
    for output, grade, quantity_g in outputs:
        lot = create_lot(
            session,
            product=output.product,
            grade=grade,
            quantity_g=quantity_g,
            owner_id=processor.id,
            created_by=("batch", batch_id),
            produced_on=processed_on,
            certifications=claims,
            origin=origin,
            parents=parts,
        )
        made.append({"lot_id": lot.lot_id, "product": output.product, "grade": grade, "quantity_g": quantity_g})
    batch.outputs = made
    session.add(batch)
    session.flush()
    return batch, _figures(raw, kernel_g, ratio, limit), warnings


def _figures(
    raw: list[tuple[str, int]], kernel_g: int, ratio: Decimal | None, limit: Decimal | None
) -> dict[str, Decimal | None]:
    return {
        "raw_input_g": Decimal(sum(q for _, q in raw)),
        "kernel_g": Decimal(kernel_g),
        "kernel_ratio": ratio,
        "max_kernel_g": limit,
    }


def recorded_figures(session: Session, batch: Batch) -> tuple[dict[str, Decimal | None], list[str]]:
    """The yield figures and warnings ``record_batch`` answered for a stored batch: from its
    inputs, outputs and the cutting tests recorded before it, so a batch reads the same later."""
    input_ids = [i["lot_id"] for i in batch.inputs]
    products = {
        lot_id: product
        for lot_id, product in session.execute(
            select(col(Lot.lot_id), col(Lot.product)).where(col(Lot.lot_id).in_(input_ids))
        )
    }
    raw = [(i["lot_id"], i["quantity_g"]) for i in batch.inputs if products.get(i["lot_id"]) == "rcn"]
    kernel_g = sum(o["quantity_g"] for o in batch.outputs if o["product"] == "kernel")
    raw_g = sum(q for _, q in raw)
    if not raw_g or not kernel_g:
        return _figures(raw, kernel_g, None, None), []
    ratio = Decimal(kernel_g) / raw_g
    limit = max_kernel_g(session, raw, before=batch.ledger_index)
    warning = yield_band_warning(ratio)
    return _figures(raw, kernel_g, ratio, limit), [] if warning is None else [warning]
