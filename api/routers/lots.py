"""Lots (SPEC §6.2, §6.5): the lots a party holds or held, one lot, and its trace both ways."""

from typing import Annotated, Any

from fastapi import Query

from traceability.lots.models import LotStatus, Product
from traceability.lots.schemas import LotRead
from traceability.pagination import PageRead
from traceability.processing.reads import get_lot, lot_read
from traceability.processing.repository import list_lots
from traceability.trace.schemas import Direction, TraceRead
from traceability.trace.service import trace
from traceability.units import IsoDate

from ..deps import CurrentParty, PageParams, SessionDep
from ..routing import strict_router

router = strict_router(prefix="/api/v1/lots", tags=["lots"])
TRACE = """The lot's graph: `backward`, every lot it was made from; `forward`, every lot, carton
label and shipment that any part of it went into ("one step back, one step forward",
Circular 02/2024/TT-BKHCN), through any number of steps.

- `nodes`: the lot first, then the others by `generation` (steps from the lot).
- `edges`: a split or batch is an edge from the parent lot (`from`) to the lot made from it
  (`to`), with what was drawn from the parent. A dispatch makes no new lot: each transfer of a
  lot of the graph is an edge with `from` = `to` = that lot, `kind` `dispatch`, its
  `transfer_id`, `from_party_id`, `to_party_id`, `status` (`in_transit`, `received`,
  `cancelled`) and the kilograms sent and received.
- `shipments`: every container holding a lot of the graph (no price); `labels`: every carton
  label of a lot of the graph, with its GS1 Digital Link URI.

Who sees what: regulators every lot; processors and traders both directions of a lot they hold
or held (hold now, sent, received, or made); farmers the forward trace of lots from their own
harvests, with no other party's id (`holder_id`, the parties of moves between others and
shipments' `shipper_id` are null). Anyone else: 403."""


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


@router.get("/{lot_id}/trace", response_model=TraceRead, description=TRACE)
def read_trace(
    lot_id: str,
    session: SessionDep,
    party: CurrentParty,
    direction: Annotated[
        Direction, Query(description="`backward` (the default: what it was made from) or `forward` (where it went)")
    ] = Direction.backward,
) -> TraceRead:
    """Follow a lot back to its harvests and imports, or forward to every lot, label and shipment."""
    return trace(session, party=party, lot_id=lot_id, direction=direction)
