"""``origin_claim_exceeds_input`` (DOMAIN.md, Origin): a processor's kernel that leaves it as
Vietnamese cannot exceed what its domestic raw nuts could yield at their tested recovery.

Output lots carry their inputs' origin by *mass*, so a batch that mixes low-outturn
domestic nuts with high-outturn imported ones gives "Vietnamese" kernel beyond what the
Vietnamese nuts hold. Each batch is counted once, when the first lot made from it (or
split off it) is labelled or listed: its Vietnamese kernel is the claim, its domestic raw
nuts × their latest cutting test's recovery the capacity (untested nuts at the 32 %
ceiling, so that a missing test never raises an alert by itself). An alert is raised in
the same transaction when the processor's claims add up to more than its capacity.
"""

from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session, col

from .. import clock, rules
from ..alerts import AlertKind, raise_alert
from ..lots.models import Lot, LotOrigin, LotParent
from ..units import kilograms
from .models import Batch, OriginClaim
from .quality import kernel_recovery, latest_tests

DOMESTIC = "VN"
MAX_SPLIT_DEPTH = 64


def vn_share(session: Session, lot_id: str) -> Decimal:
    return vn_shares(session, [lot_id])[lot_id]


def vn_shares(session: Session, lot_ids: list[str]) -> dict[str, Decimal]:
    """The Vietnamese share of each lot's origin (0.0 for a lot with none), summed by the database
    in one grouped query: a batch's figures name a few dozen lots."""
    stmt = (
        select(col(LotOrigin.lot_id), func.sum(LotOrigin.share))
        .where(col(LotOrigin.lot_id).in_(set(lot_ids)), col(LotOrigin.country) == DOMESTIC)
        .group_by(col(LotOrigin.lot_id))
    )
    found = {lot_id: Decimal(str(share)) for lot_id, share in session.execute(stmt)}
    return {lot_id: found.get(lot_id, Decimal("0.0")) for lot_id in lot_ids}


def making_batch(session: Session, lot: Lot) -> str | None:
    """The batch that made a lot, through any number of splits; None for lots no batch made."""
    current: Lot | None = lot
    for _ in range(MAX_SPLIT_DEPTH):
        if current is None or current.created_by_type not in ("batch", "split"):
            return None
        if current.created_by_type == "batch":
            return current.created_by_id
        parent = session.scalars(
            select(col(LotParent.parent_lot_id)).where(col(LotParent.lot_id) == current.lot_id)
        ).first()
        current = session.get(Lot, parent) if parent else None
    return None


def _batch_figures(session: Session, batch_id: str) -> tuple[int, int]:
    """(Vietnamese kernel made, what the batch's domestic raw nuts could give) in grams."""
    batch = session.get(Batch, batch_id)
    assert batch is not None
    kernels = [(o["lot_id"], o["quantity_g"]) for o in batch.outputs if o["product"] == "kernel"]
    input_ids = [i["lot_id"] for i in batch.inputs]
    stmt = select(col(Lot.lot_id), col(Lot.product)).where(col(Lot.lot_id).in_(input_ids))
    products = {lot_id: product for lot_id, product in session.execute(stmt)}
    raw = [(i["lot_id"], i["quantity_g"]) for i in batch.inputs if products.get(i["lot_id"]) == "rcn"]
    shares = vn_shares(session, [lot_id for lot_id, _ in kernels + raw])
    claimed = sum(Decimal(quantity_g) * shares[lot_id] for lot_id, quantity_g in kernels)
    tests = latest_tests(session, [lot_id for lot_id, _ in raw])
    capacity = Decimal(0)
    for lot_id, quantity_g in raw:
        test = tests.get(lot_id)
        recovery = kernel_recovery(Decimal(test.outturn_lbs)) if test else rules.UNTESTED_MAX_KERNEL_RATIO
        capacity += quantity_g * shares[lot_id] * recovery
    return int(claimed), int(capacity)


def claim_origin(session: Session, lot: Lot) -> None:
    """Called when a lot is labelled or listed: count its batch's Vietnamese kernel once."""
    if lot.product != "kernel":
        return
    batch_id = making_batch(session, lot)
    if batch_id is None or session.get(OriginClaim, batch_id) is not None:
        return
    batch = session.get(Batch, batch_id)
    assert batch is not None
    claimed_g, capacity_g = _batch_figures(session, batch_id)
    session.add(
        OriginClaim(
            batch_id=batch_id,
            processor_id=batch.party_id,
            claimed_g=claimed_g,
            capacity_g=capacity_g,
            first_lot_id=lot.lot_id,
            claimed_at=clock.now(),
        )
    )
    session.flush()
    total_claimed, total_capacity = session.execute(
        select(func.sum(col(OriginClaim.claimed_g)), func.sum(col(OriginClaim.capacity_g))).where(
            col(OriginClaim.processor_id) == batch.party_id
        )
    ).one()
    if claimed_g == 0 or total_claimed <= total_capacity:
        return
    raise_alert(
        session,
        kind=AlertKind.origin_claim_exceeds_input,
        party_id=batch.party_id,
        subject_type="lot",
        subject_id=lot.lot_id,
        dedupe_key=f"origin_claim:{batch.party_id}:{batch_id}",
        detail={
            "processor_id": batch.party_id,
            "batch_id": batch_id,
            "lot_id": lot.lot_id,
            "claimed_vn_kernel_kg": str(kilograms(int(total_claimed))),
            "domestic_capacity_kg": str(kilograms(int(total_capacity))),
            "excess_kg": str(kilograms(int(total_claimed - total_capacity))),
        },
    )
