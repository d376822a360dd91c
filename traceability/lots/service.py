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
    if party.role != Role.regulator and lot.owner_id != party.id:
        raise Forbidden("this lot is held by another party")
    return lot


def lot_read(session: Session, lot: Lot) -> LotRead:
    origins = session.exec(select(LotOrigin).where(LotOrigin.lot_id == lot.lot_id).order_by(LotOrigin.id)).scalars()  # type: ignore[call-overload, arg-type]
    parents = session.exec(select(LotParent).where(LotParent.lot_id == lot.lot_id)).scalars()  # type: ignore[call-overload]
    return LotRead(
        lot_id=lot.lot_id, product=lot.product, grade=lot.grade, quantity_kg=kilograms(lot.quantity_g),
        owner_id=lot.owner_id, status=lot.status, produced_on=lot.produced_on,
        created_by={"type": lot.created_by_type, "id": lot.created_by_id},
        origin=[OriginShare(country=o.country, district=o.district,
                            district_name=DISTRICTS[o.district].name if o.district in DISTRICTS else None,
                            farm_id=o.farm_id, share_pct=round(Decimal(o.share * 100), 2)) for o in origins],
        certifications=list(lot.certifications),
        parents=[ParentRead(lot_id=p.parent_lot_id, quantity_kg=kilograms(p.quantity_g)) for p in parents],
    )
