"""Lots (SPEC §6.2, §6.5): the lots a party holds or held, and one lot."""

from typing import Any

from traceability.lots.models import LotStatus, Product
from traceability.lots.schemas import LotRead
from traceability.pagination import PageRead
from traceability.processing.reads import get_lot, lot_read
from traceability.processing.repository import list_lots
from traceability.units import IsoDate

from ..deps import CurrentParty, PageParams, SessionDep
from ..routing import strict_router

router = strict_router(prefix="/api/v1/lots", tags=["lots"])


@router.get("", response_model=PageRead[LotRead])
def lots(
    session: SessionDep,
    party: CurrentParty,
    page: PageParams,
    product: Product | None = None,
    grade: str | None = None,
    status: LotStatus | None = None,
    held: bool | None = None,
    since: IsoDate | None = None,
) -> dict[str, Any]:
    """Lots the caller holds or held (it dispatched them), oldest first; regulators: every lot.

    ``held=true``: in the caller's custody now; ``held=false``: held before and passed on.
    ``since``: created (harvested, imported, split off or made by a batch) on or after that
    day, Vietnam's time.
    """
    result = list_lots(
        session, party=party, product=product, grade=grade, status=status, held=held, since=since, **page
    )
    return {"items": [lot_read(session, lot) for lot in result.items], "next_cursor": result.next_cursor}


@router.get("/{lot_id}", response_model=LotRead)
def read_lot(lot_id: str, session: SessionDep, party: CurrentParty) -> LotRead:
    return lot_read(session, get_lot(session, party=party, lot_id=lot_id))
