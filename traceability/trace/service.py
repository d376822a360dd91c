"""A lot's trace (SPEC §6.5): one step back, one step forward, and every step after.

The graph comes from the lineage walk (``lots.lineage``: one query per generation); then a
fixed number of queries read, for all the graph's lots at once, their current state, their
transfers, the shipments that carried them and their carton labels (``IN`` lists of at most
``lineage.IN_CHUNK`` ids). A trace's cost grows with its generations, never with one query
per lot.

Splits and batches are edges from the parent lot to the lot made from it. A dispatch makes
no lot: each transfer of a lot of the graph is an edge from the lot to itself, with the
transfer, its parties and its status.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlmodel import Session, col

from ..labels.models import Label
from ..lots.lineage import IN_CHUNK, LineageLot, Link, ancestry, descent
from ..lots.models import Lot
from ..parties.models import Party
from ..processing.models import Transfer
from ..trade.models import Shipment, ShipmentLot
from ..units import kilograms
from .access import View, view_of
from .schemas import (
    CreatedBy,
    Direction,
    DispatchEdge,
    LineageEdge,
    TraceEdge,
    TraceLabel,
    TraceNode,
    TraceRead,
    TraceShipment,
)


def trace(session: Session, *, party: Party, lot_id: str, direction: Direction) -> TraceRead:
    """The lot's graph in ``direction``, as ``party`` may see it (see ``access``).

    Raises NotFound for an unknown lot and Forbidden when the caller may not follow it.
    """
    view = view_of(session, party=party, lot_id=lot_id, direction=direction)
    graph = ancestry(session, lot_id) if direction == Direction.backward else descent(session, lot_id)
    lots = list(graph.lots())
    lot_ids = [lot.lot_id for lot in lots]
    return TraceRead(
        lot_id=lot_id,
        direction=direction,
        nodes=_nodes(session, lots, view),
        edges=_lineage_edges(lots, graph.links, direction) + _dispatch_edges(session, lot_ids, view),
        shipments=_shipments(session, lot_ids, view),
        labels=_labels(session, lot_ids),
    )


def _chunks(lot_ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(lot_ids), IN_CHUNK):
        yield lot_ids[start : start + IN_CHUNK]


def _nodes(session: Session, lots: list[LineageLot], view: View) -> list[TraceNode]:
    state: dict[str, tuple[int, str]] = {}
    for chunk in _chunks([lot.lot_id for lot in lots]):
        stmt = select(col(Lot.lot_id), col(Lot.quantity_g), col(Lot.status)).where(col(Lot.lot_id).in_(chunk))
        state.update({lot_id: (quantity_g, status) for lot_id, quantity_g, status in session.execute(stmt)})
    return [
        TraceNode(
            lot_id=lot.lot_id,
            product=lot.product,
            grade=lot.grade,
            quantity_kg=kilograms(state[lot.lot_id][0]),
            holder_id=view.party(lot.owner_id),
            status=state[lot.lot_id][1],
            generation=lot.generation,
            created_by=CreatedBy(type=lot.created_by_type, id=lot.created_by_id),
        )
        for lot in lots
    ]


def _lineage_edges(lots: list[LineageLot], links: Iterable[Link], direction: Direction) -> list[TraceEdge]:
    """Parent → child for every link, ordered by the generation of the end farther from the traced lot."""
    by_id = {lot.lot_id: lot for lot in lots}

    def order(link: Link) -> tuple[int, str, str]:
        far = link.parent_lot_id if direction == Direction.backward else link.lot_id
        return by_id[far].generation, link.parent_lot_id, link.lot_id

    return [
        LineageEdge(
            from_=link.parent_lot_id,
            to=link.lot_id,
            kind="split" if by_id[link.lot_id].created_by_type == "split" else "batch",
            quantity_kg=kilograms(link.quantity_g),
        )
        for link in sorted(links, key=order)
    ]


def _dispatch_edges(session: Session, lot_ids: list[str], view: View) -> list[TraceEdge]:
    transfers: list[Transfer] = []
    for chunk in _chunks(lot_ids):
        transfers += session.scalars(select(Transfer).where(col(Transfer.lot_id).in_(chunk)))
    edges: list[TraceEdge] = []
    for t in sorted(transfers, key=lambda t: (t.ledger_index is None, t.ledger_index or 0, t.id)):
        shown = view.farmer is None or view.farmer in (t.from_party_id, t.to_party_id)
        edges.append(
            DispatchEdge(
                from_=t.lot_id,
                to=t.lot_id,
                kind="dispatch",
                quantity_kg=kilograms(t.quantity_g),
                received_kg=None if t.received_g is None else kilograms(t.received_g),
                transfer_id=t.id,
                from_party_id=t.from_party_id if shown else None,
                to_party_id=t.to_party_id if shown else None,
                status=t.status,
            )
        )
    return edges


def _shipments(session: Session, lot_ids: list[str], view: View) -> list[TraceShipment]:
    found: dict[str, Shipment] = {}
    carried: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(lot_ids):
        stmt = (
            select(Shipment, col(ShipmentLot.lot_id))
            .join(ShipmentLot, col(ShipmentLot.shipment_id) == col(Shipment.id))
            .where(col(ShipmentLot.lot_id).in_(chunk))
        )
        for shipment, lot_id in session.execute(stmt).all():
            found[shipment.id] = shipment
            carried[shipment.id].append(lot_id)
    return [
        TraceShipment(
            id=s.id,
            shipped_on=s.shipped_on,
            container_no=s.container_no,
            port_of_loading=s.port_of_loading,
            destination_country=s.destination_country,
            lot_ids=sorted(carried[s.id]),
            shipper_id=view.party(s.party_id),
        )
        for s in sorted(found.values(), key=lambda s: (s.shipped_on, s.id))
    ]


def _labels(session: Session, lot_ids: list[str]) -> list[TraceLabel]:
    labels: list[TraceLabel] = []
    for chunk in _chunks(lot_ids):
        stmt = select(col(Label.lot_id), col(Label.gtin), col(Label.uri)).where(col(Label.lot_id).in_(chunk))
        labels += [TraceLabel(lot_id=lot_id, gtin=gtin, uri=uri) for lot_id, gtin, uri in session.execute(stmt)]
    return sorted(labels, key=lambda label: label.lot_id)


__all__ = ["trace"]
