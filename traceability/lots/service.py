"""Reading lots: their holder, origin composition and parents."""

from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from ..errors import Forbidden, NotFound
from ..parties.models import Party, Role
from ..production.places import DISTRICTS
from ..units import kilograms
from .models import Lot, LotOrigin, LotParent
from .schemas import LotRead, OriginShare, ParentRead


def get_lot(session: Session, *, party: Party, lot_id: str) -> Lot:
    """A lot its holder (or a regulator) may see; 404 unknown, 403 someone else's."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"no lot {lot_id!r}")
    if party.role != Role.regulator and lot.owner_id != party.id and not _travelling_to(session, lot, party):
        raise Forbidden("this lot is held by another party")
    return lot


def _travelling_to(session: Session, lot: Lot, party: Party) -> bool:
    """The recipient of a lot in transit may read it before weighing it in."""
    from ..processing.models import Transfer

    stmt = select(Transfer.id).where(
        Transfer.lot_id == lot.lot_id, Transfer.to_party_id == party.id, Transfer.status == "in_transit"
    )
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]


def lot_read(session: Session, lot: Lot) -> LotRead:
    from ..processing.quality import latest_tests

    test = latest_tests(session, [lot.lot_id]).get(lot.lot_id) if lot.product == "rcn" else None
    origins = session.exec(select(LotOrigin).where(LotOrigin.lot_id == lot.lot_id).order_by(LotOrigin.id)).scalars()  # type: ignore[call-overload, arg-type]
    parents = session.exec(select(LotParent).where(LotParent.lot_id == lot.lot_id)).scalars()  # type: ignore[call-overload]
    return LotRead(
        lot_id=lot.lot_id,
        product=lot.product,
        grade=lot.grade,
        quantity_kg=kilograms(lot.quantity_g),
        owner_id=lot.owner_id,
        status=lot.status,
        produced_on=lot.produced_on,
        created_by={"type": lot.created_by_type, "id": lot.created_by_id},
        origin=[
            OriginShare(
                country=o.country,
                district=o.district,
                district_name=DISTRICTS[o.district].name if o.district in DISTRICTS else None,
                farm_id=o.farm_id,
                share_pct=round(Decimal(o.share * 100), 2),
            )
            for o in origins
        ],
        certifications=list(lot.certifications),
        parents=[ParentRead(lot_id=p.parent_lot_id, quantity_kg=kilograms(p.quantity_g)) for p in parents],
        outturn_lbs=None if test is None else Decimal(test.outturn_lbs),
        nut_count_per_kg=None if test is None else test.nut_count_per_kg,
    )
