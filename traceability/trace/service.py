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

from collections.abc import Iterable, Iterator
from typing import Any

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


_TRANSFER = (
    col(Transfer.id),
    col(Transfer.lot_id),
    col(Transfer.from_party_id),
    col(Transfer.to_party_id),
    col(Transfer.quantity_g),
    col(Transfer.received_g),
    col(Transfer.status),
    col(Transfer.ledger_index),
)


def _dispatch_edges(session: Session, lot_ids: list[str], view: View) -> list[TraceEdge]:
    rows: list[Any] = []
    for chunk in _chunks(lot_ids):  # columns, not ORM objects: a wide trace moves hundreds of lots
        rows += session.execute(select(*_TRANSFER).where(col(Transfer.lot_id).in_(chunk))).all()
    edges: list[TraceEdge] = []
    for transfer_id, lot_id, sender, recipient, quantity_g, received_g, status, _ in sorted(
        rows, key=lambda row: (row.ledger_index is None, row.ledger_index or 0, row.id)
    ):
        shown = view.farmer is None or view.farmer in (sender, recipient)
        edges.append(
            DispatchEdge(
                from_=lot_id,
                to=lot_id,
                kind="dispatch",
                quantity_kg=kilograms(quantity_g),
                received_kg=None if received_g is None else kilograms(received_g),
                transfer_id=transfer_id,
                from_party_id=sender if shown else None,
                to_party_id=recipient if shown else None,
                status=status,
            )
        )
    return edges


_SHIPMENT = (
    col(Shipment.id),
    col(Shipment.shipped_on),
    col(Shipment.container_no),
    col(Shipment.port_of_loading),
    col(Shipment.destination_country),
    col(Shipment.party_id),
)


def _shipments(session: Session, lot_ids: list[str], view: View) -> list[TraceShipment]:
    found: dict[str, TraceShipment] = {}
    for chunk in _chunks(lot_ids):
        stmt = (
            select(col(ShipmentLot.lot_id), *_SHIPMENT)
            .join(Shipment, col(Shipment.id) == col(ShipmentLot.shipment_id))
            .where(col(ShipmentLot.lot_id).in_(chunk))
        )
        for lot_id, shipment_id, shipped_on, container_no, port, country, shipper_id in session.execute(stmt):
            if shipment_id not in found:
                found[shipment_id] = TraceShipment(
                    id=shipment_id,
                    shipped_on=shipped_on,
                    container_no=container_no,
                    port_of_loading=port,
                    destination_country=country,
                    lot_ids=[],
                    shipper_id=view.party(shipper_id),
                )
            found[shipment_id].lot_ids.append(lot_id)
    for shipment in found.values():
        shipment.lot_ids.sort()
    return sorted(found.values(), key=lambda s: (s.shipped_on, s.id))


def _labels(session: Session, lot_ids: list[str]) -> list[TraceLabel]:
    labels: list[TraceLabel] = []
    for chunk in _chunks(lot_ids):
        stmt = select(col(Label.lot_id), col(Label.gtin), col(Label.uri)).where(col(Label.lot_id).in_(chunk))
        labels += [TraceLabel(lot_id=lot_id, gtin=gtin, uri=uri) for lot_id, gtin, uri in session.execute(stmt)]
    return sorted(labels, key=lambda label: label.lot_id)


__all__ = ["trace"]
