"""What custody moves and batches do to lots: check holding, take mass, create lots with
their origin blended by mass and their certification claims intersected."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import insert, select
from sqlmodel import Session, col

from .. import clock, ids
from ..errors import Conflict, Forbidden, NotFound, RuleViolation
from ..parties.models import Party
from ..units import kilograms
from .models import Lot, LotOrigin, LotParent, LotStatus

OriginKey = tuple[str, str | None, str | None]  # (country, district, farm_id)
PRODUCT_CODES = {"rcn": "RCN", "kernel": "KRN", "shell": "SHL", "testa": "TST", "reject": "REJ"}


def held_lot(session: Session, *, party: Party, lot_id: str, for_update: bool = True, recalled_ok: bool = False) -> Lot:
    """A lot the caller holds now: 404 unknown, 403 someone else's, 409 in transit or used up, and 409
    ``lot_recalled`` once a recall reached it (unless ``recalled_ok``: testing recalled nuts is allowed)."""
    lot = session.get(Lot, lot_id, with_for_update=for_update)
    if lot is None:
        raise NotFound(f"no lot {lot_id!r}")
    if lot.owner_id != party.id:
        raise Forbidden(f"lot {lot_id} is held by another party")
    if lot.status == LotStatus.recalled:
        raise Conflict(
            f"lot {lot_id} is recalled: it may not be dispatched, processed, listed, sold or shipped "
            "(GET /api/v1/oversight/recalls says why and by whom)",
            code="lot_recalled",
        )
    if lot.status != LotStatus.held:
        raise Conflict(
            f"lot {lot_id} is {lot.status.replace('_', ' ')}; only a held lot can be used", code="lot_not_held"
        )
    return lot


def take(lot: Lot, quantity_g: int) -> None:
    """Remove mass from a held lot; never more than it holds."""
    if quantity_g > lot.quantity_g:
        raise RuleViolation(
            f"lot {lot.lot_id} holds {kilograms(lot.quantity_g)} kg; {kilograms(quantity_g)} kg is more than that",
            code="more_than_held",
        )
    lot.quantity_g -= quantity_g
    if lot.quantity_g == 0:
        lot.status = LotStatus.consumed.value


def blend(session: Session, parts: Sequence[tuple[str, int]]) -> dict[OriginKey, float]:
    """Origin shares of a mix of lots, weighted by the mass taken from each."""
    total = sum(q for _, q in parts)
    shares: dict[OriginKey, float] = defaultdict(float)
    lot_ids = [lot_id for lot_id, _ in parts]
    rows = session.scalars(select(LotOrigin).where(col(LotOrigin.lot_id).in_(lot_ids)))
    by_lot: dict[str, list[LotOrigin]] = defaultdict(list)
    for row in rows:
        by_lot[row.lot_id].append(row)
    for lot_id, quantity in parts:
        for origin in by_lot[lot_id]:
            shares[(origin.country, origin.district, origin.farm_id)] += origin.share * quantity / total
    return dict(shares)


def common_certifications(lots: Sequence[Lot]) -> list[str]:
    """A claim survives a mix only if every input carries it."""
    claims = set(lots[0].certifications) if lots else set()
    for lot in lots[1:]:
        claims &= set(lot.certifications)
    return sorted(claims)


def new_lot_id(product: str, year: int) -> str:
    return ids.new_id(f"{PRODUCT_CODES[product]}{year % 100:02d}", 8)  # e.g. KRN26-7KQ3M9XA


def create_lot(
    session: Session,
    *,
    product: str,
    grade: str | None,
    quantity_g: int,
    owner_id: str,
    created_by: tuple[str, str],
    produced_on: date,
    certifications: list[str],
    origin: dict[OriginKey, float],
    parents: Sequence[tuple[str, int]] = (),
    lot_id: str | None = None,
    status: str = LotStatus.held.value,
) -> Lot:
    lot = Lot(
        lot_id=lot_id or new_lot_id(product, produced_on.year),
        product=product,
        grade=grade,
        quantity_g=quantity_g,
        owner_id=owner_id,
        status=status,
        created_by_type=created_by[0],
        created_by_id=created_by[1],
        produced_on=produced_on,
        certifications=certifications,
        created_at=clock.now(),
    )
    session.add(lot)
    session.flush()
    # A batch's outputs each carry one origin row per farm and one parent row per input: hundreds of rows,
    # inserted in one statement each rather than as ORM objects.
    origins = [
        {"lot_id": lot.lot_id, "country": country, "district": district, "farm_id": farm_id, "share": share}
        for (country, district, farm_id), share in sorted(origin.items(), key=lambda kv: -kv[1])
    ]
    if origins:
        session.execute(insert(LotOrigin), origins)
    if parents:
        session.execute(
            insert(LotParent), [{"lot_id": lot.lot_id, "parent_lot_id": p, "quantity_g": q} for p, q in parents]
        )
    return lot
