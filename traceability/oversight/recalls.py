"""Recalls (SPEC §6.5): a lot found unsafe is called back with everything made from it.

A recall is one ledger entry (``recall``: no personal data, the reason as its SHA-256). In
the same transaction every lot of the recalled lot's forward trace — its splits, the batches
it went into and their outputs, through any depth, whether held, on the road, used up or
shipped — takes the status ``recalled`` (``recall_lot`` keeps the status it had), and each
holder is told by an alert of kind ``recall``. From then on no custody move, batch, listing,
sale or shipment uses those lots (``lots.operations.held_lot`` refuses them with 409
``lot_recalled``); the buyer's page of each says so first, and their bundles carry the entry.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from .. import ids
from ..alerts.models import AlertKind
from ..alerts.service import raise_alert
from ..anchoring.schemas import LedgerRef
from ..errors import Conflict, Forbidden, NotFound
from ..lots.lineage import IN_CHUNK, descent
from ..lots.models import Lot, LotStatus
from ..pagination import Page, paginate
from ..parties.models import Party, Role
from ..trace.access import maker
from ..trade.models import Shipment, ShipmentLot
from ..units import kilograms
from .models import Recall, RecallLot
from .schemas import RecallCreate, RecalledLot, RecalledShipment, RecallRead

ALERT_LOTS = 200  # lot ids an alert names; its detail also counts them all


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def may_recall(session: Session, party: Party, lot: Lot) -> bool:
    """Regulators recall any lot; a processor the lots it holds or made."""
    if party.role == Role.regulator:
        return True
    if party.role != Role.processor:
        return False
    return lot.owner_id == party.id or maker(session, lot.created_by_type, lot.created_by_id) == party.id


def record_recall(session: Session, *, party: Party, recall_in: RecallCreate) -> Recall:
    """Recall a lot and its forward trace; 404 unknown lot, 403 not allowed, 409 already recalled."""
    lot = session.get(Lot, recall_in.lot_id)
    if lot is None:
        raise NotFound(f"no lot {recall_in.lot_id!r}")
    if not may_recall(session, party, lot):
        raise Forbidden("a lot is recalled by a regulator, or by the processor that holds or made it")
    if lot.status == LotStatus.recalled:
        raise Conflict(f"lot {lot.lot_id} is already recalled", code="lot_recalled")
    lot_ids = [d.lot_id for d in descent(session, lot.lot_id).lots()]
    recall = Recall(
        id=ids.new_id("RC"), lot_id=lot.lot_id, party_id=party.id, scope=recall_in.scope.value, reason=recall_in.reason
    )
    session.add(recall)
    session.flush()  # the entry, and the row recall_lot refers to
    holders: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(lot_ids):
        # Locked (PostgreSQL) so that no move of these lots commits between the read and the update.
        stmt = select(col(Lot.lot_id), col(Lot.status), col(Lot.owner_id)).where(col(Lot.lot_id).in_(chunk))
        rows = session.execute(stmt.with_for_update()).all()
        session.execute(
            insert(RecallLot), [{"recall_id": recall.id, "lot_id": r[0], "previous_status": r[1]} for r in rows]
        )
        session.execute(
            update(Lot).where(col(Lot.lot_id).in_(chunk)).values(status=LotStatus.recalled.value),
            execution_options={"synchronize_session": "fetch"},
        )
        for lot_id, _status, owner_id in rows:
            holders[owner_id].append(lot_id)
    for holder_id, held in sorted(holders.items()):
        raise_alert(
            session,
            kind=AlertKind.recall,
            party_id=holder_id,
            subject_type="recall",
            subject_id=recall.id,
            dedupe_key=f"recall:{recall.id}:{holder_id}",
            detail={
                "recall_id": recall.id,
                "recalled_lot_id": lot.lot_id,
                "lots": len(held),
                "lot_ids": sorted(held)[:ALERT_LOTS],
            },
        )
    session.flush()
    return recall


def list_recalls(session: Session, *, party: Party, limit: int, cursor: str | None) -> Page:
    """Recalls, oldest first: all of them for regulators; for anyone else the ones it made or that reach
    a lot it holds."""
    stmt = select(Recall)
    if party.role != Role.regulator:
        reaching = (
            select(col(RecallLot.recall_id))
            .join(Lot, col(Lot.lot_id) == col(RecallLot.lot_id))
            .where(col(Lot.owner_id) == party.id)
        )
        stmt = stmt.where((col(Recall.party_id) == party.id) | col(Recall.id).in_(reaching))
    return paginate(session, stmt, col(Recall.ledger_index), limit=limit, cursor=cursor, parse=int)


def recall_reads(session: Session, recalls: Sequence[Recall], *, party: Party) -> list[RecallRead]:
    """Each recall with the lots and shipments it reached. A regulator, or the party that recalled,
    sees them all; anyone else only the lots it holds and the shipments it sent."""
    if not recalls:
        return []
    by_recall: dict[str, list[RecalledLot]] = defaultdict(list)
    lots_of: dict[str, list[str]] = defaultdict(list)
    stmt = (
        select(
            col(RecallLot.recall_id),
            col(RecallLot.previous_status),
            col(Lot.lot_id),
            col(Lot.product),
            col(Lot.grade),
            col(Lot.quantity_g),
            col(Lot.owner_id),
        )
        .join(Lot, col(Lot.lot_id) == col(RecallLot.lot_id))
        .where(col(RecallLot.recall_id).in_([r.id for r in recalls]))
        .order_by(col(RecallLot.recall_id), col(Lot.lot_id))
    )
    everything = {r.id for r in recalls if party.role == Role.regulator or r.party_id == party.id}
    for recall_id, previous, lot_id, product, grade, quantity_g, owner_id in session.execute(stmt).all():
        lots_of[recall_id].append(lot_id)
        if recall_id not in everything and owner_id != party.id:
            continue
        by_recall[recall_id].append(
            RecalledLot(
                lot_id=lot_id,
                product=product,
                grade=grade,
                quantity_kg=kilograms(quantity_g),
                holder_id=owner_id,
                previous_status=previous,
            )
        )
    shipments = _shipments(session, lots_of)
    return [
        RecallRead(
            id=r.id,
            lot_id=r.lot_id,
            party_id=r.party_id,
            scope=r.scope,
            reason=r.reason,
            recalled_at=_at(r),
            lots=by_recall[r.id],
            shipments=[_shipment_read(s) for s in shipments[r.id] if r.id in everything or s.party_id == party.id],
            ledger=LedgerRef(**r.ledger_ref()),
        )
        for r in recalls
    ]


def _at(recall: Recall) -> datetime:
    assert recall.recorded_at is not None, "a recall is anchored"
    return recall.recorded_at


def _shipments(session: Session, lots_of: dict[str, list[str]]) -> dict[str, list[Shipment]]:
    """The shipments that carried a lot each recall reached."""
    recall_of: dict[str, set[str]] = defaultdict(set)
    for recall_id, lot_ids in lots_of.items():
        for lot_id in lot_ids:
            recall_of[lot_id].add(recall_id)
    found: dict[str, dict[str, Shipment]] = defaultdict(dict)
    for chunk in _chunks(sorted(recall_of)):
        stmt = (
            select(Shipment, col(ShipmentLot.lot_id))
            .join(ShipmentLot, col(ShipmentLot.shipment_id) == col(Shipment.id))
            .where(col(ShipmentLot.lot_id).in_(chunk))
        )
        for shipment, lot_id in session.execute(stmt).all():
            for recall_id in recall_of[lot_id]:
                found[recall_id][shipment.id] = shipment
    result: dict[str, list[Shipment]] = defaultdict(list)
    result.update((k, sorted(v.values(), key=lambda s: s.ledger_index or 0)) for k, v in found.items())
    return result


def _shipment_read(shipment: Shipment) -> RecalledShipment:
    return RecalledShipment(
        shipment_id=shipment.id,
        container_no=shipment.container_no,
        destination_country=shipment.destination_country,
        shipped_on=shipment.shipped_on,
    )


__all__ = ["list_recalls", "may_recall", "recall_reads", "record_recall"]
