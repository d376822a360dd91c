"""Lots (SPEC §6.2, read side for now)."""

from traceability.lots.schemas import LotRead
from traceability.processing.reads import get_lot, lot_read

from ..deps import CurrentParty, SessionDep
from ..routing import strict_router

router = strict_router(prefix="/api/v1/lots", tags=["lots"])


@router.get("/{lot_id}", response_model=LotRead)
def read_lot(lot_id: str, session: SessionDep, party: CurrentParty) -> LotRead:
    return lot_read(session, get_lot(session, party=party, lot_id=lot_id))
