"""Custody (SPEC §6.2): split off a part, dispatch, receive, cancel.

A lot in transit stays with its sender (status ``in_transit``) until the recipient
weighs it in; then custody and the received quantity pass together.
"""

from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from .. import ids, rules
from ..alerts.models import AlertKind
from ..alerts.service import raise_alert
from ..errors import Conflict, Forbidden, NotFound, RuleViolation
from ..lots.models import Lot, LotStatus
from ..lots.operations import blend, create_lot, held_lot, take
from ..parties.models import Party, Role
from ..units import grams, kilograms
from .models import Receipt, Split, Transfer, TransferCancel
from .schemas import DispatchCreate, ReceiveCreate

RECIPIENT_ROLES = (Role.processor, Role.trader)


def split_lot(session: Session, *, party: Party, lot: Lot, quantity_g: int) -> Lot:
    """Split ``quantity_g`` off a held lot into a new lot with the same product, origin and claims."""
    take(lot, quantity_g)
    split = Split(
        id=ids.new_id("S"), party_id=party.id, lot_id=lot.lot_id, new_lot_id=_child_id(lot), quantity_g=quantity_g
    )
    session.add(split)
    return create_lot(
        session,
        lot_id=split.new_lot_id,
        product=lot.product,
        grade=lot.grade,
        quantity_g=quantity_g,
        owner_id=party.id,
        created_by=("split", split.id),
        produced_on=lot.produced_on,
        certifications=list(lot.certifications),
        origin=blend(session, [(lot.lot_id, quantity_g)]),
        parents=[(lot.lot_id, quantity_g)],
    )


def _child_id(lot: Lot) -> str:
    prefix = lot.lot_id.split("-")[0]
    return ids.new_id(prefix, 8)


def dispatch(
    session: Session, *, sender: Party, lot_id: str, dispatch_in: DispatchCreate
) -> tuple[Transfer, str | None]:
    """Send (part of) a held lot; a part is split off first. Returns the transfer and the parent lot if split."""
    lot = held_lot(session, party=sender, lot_id=lot_id)
    recipient = session.get(Party, dispatch_in.to_party_id)
    if recipient is None:
        raise NotFound(f"no party {dispatch_in.to_party_id!r} to send to")
    if recipient.id == sender.id:
        raise RuleViolation("a lot cannot be dispatched to its own holder", code="dispatch_to_self")
    if recipient.role not in RECIPIENT_ROLES:
        raise RuleViolation(
            f"lots are dispatched to processors and traders, not to a {recipient.role}", code="invalid_recipient"
        )
    quantity_g = grams(dispatch_in.quantity_kg)
    split_from = None
    if quantity_g < lot.quantity_g:
        split_from, lot = lot.lot_id, split_lot(session, party=sender, lot=lot, quantity_g=quantity_g)
    elif quantity_g > lot.quantity_g:
        take(lot, quantity_g)  # raises more_than_held
    lot.status = LotStatus.in_transit.value
    transfer = Transfer(
        id=ids.new_id("T"), lot_id=lot.lot_id, from_party_id=sender.id, to_party_id=recipient.id, quantity_g=quantity_g
    )
    session.add(transfer)
    session.flush()
    return transfer, split_from


def get_transfer(session: Session, *, party: Party, transfer_id: str) -> Transfer:
    transfer = session.get(Transfer, transfer_id, with_for_update=True)
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id!r}")
    if party.id not in (transfer.from_party_id, transfer.to_party_id) and party.role != Role.regulator:
        raise Forbidden("this transfer is between other parties")
    return transfer


def _in_transit(transfer: Transfer) -> None:
    if transfer.status != "in_transit":
        raise Conflict(f"transfer {transfer.id} is already {transfer.status}", code=f"transfer_{transfer.status}")


def _arrived(lot: Lot) -> str:
    """A lot's status once its transfer ends: held again, unless a recall reached it on the road
    (the recipient still weighs it in, or the sender takes it back: recalled nuts must be somewhere)."""
    return lot.status if lot.status == LotStatus.recalled else LotStatus.held.value


def receive(
    session: Session, *, recipient: Party, transfer_id: str, receive_in: ReceiveCreate
) -> tuple[Transfer, list[str]]:
    """The recipient weighs the lot in: custody and the received quantity pass; a loss over 2 % is flagged."""
    transfer = get_transfer(session, party=recipient, transfer_id=transfer_id)
    if transfer.to_party_id != recipient.id:
        raise Forbidden("only the recipient receives a transfer")
    _in_transit(transfer)
    received_g = grams(receive_in.received_kg)
    sent = Decimal(transfer.quantity_g)
    if received_g > sent * (1 + rules.TRANSIT_GAIN_TOLERANCE):
        raise RuleViolation(
            f"{receive_in.received_kg} kg received is more than the {kilograms(transfer.quantity_g)} kg sent "
            f"(beyond the {rules.TRANSIT_GAIN_TOLERANCE * 100}% scale tolerance); weigh again",
            code="received_more_than_sent",
        )
    lot = session.get(Lot, transfer.lot_id, with_for_update=True)
    assert lot is not None
    lot.owner_id, lot.quantity_g, lot.status = recipient.id, received_g, _arrived(lot)
    transfer.status, transfer.received_g = "received", received_g
    session.add(
        Receipt(
            id=ids.new_id("R"), transfer_id=transfer.id, lot_id=lot.lot_id, party_id=recipient.id, received_g=received_g
        )
    )
    loss = (sent - received_g) / sent
    warnings = []
    if loss > rules.TRANSIT_LOSS_FLAG:
        raise_alert(
            session,
            kind=AlertKind.transit_loss,
            party_id=transfer.from_party_id,
            subject_type="transfer",
            subject_id=transfer.id,
            dedupe_key=f"transit_loss:{transfer.id}",
            detail={
                "transfer_id": transfer.id,
                "lot_id": lot.lot_id,
                "sent_g": transfer.quantity_g,
                "received_g": received_g,
                "loss_pct": f"{loss * 100:.2f}",
                "from": transfer.from_party_id,
                "to": recipient.id,
            },
        )
        warnings.append(f"transit_loss: {loss * 100:.2f}% of the mass was lost in transit; regulators are told")
    session.flush()
    return transfer, warnings


def cancel(session: Session, *, sender: Party, transfer_id: str) -> Transfer:
    """The sender calls back a transfer not yet received; the lot is held again."""
    transfer = get_transfer(session, party=sender, transfer_id=transfer_id)
    if transfer.from_party_id != sender.id:
        raise Forbidden("only the sender cancels a transfer")
    _in_transit(transfer)
    lot = session.get(Lot, transfer.lot_id, with_for_update=True)
    assert lot is not None
    lot.status = _arrived(lot)
    transfer.status = "cancelled"
    session.add(TransferCancel(id=ids.new_id("TC"), transfer_id=transfer.id, lot_id=lot.lot_id, party_id=sender.id))
    session.flush()
    return transfer


def transfers_of(session: Session, *, party: Party, status: str | None = None) -> list[Transfer]:
    stmt = select(Transfer).where((col(Transfer.from_party_id) == party.id) | (col(Transfer.to_party_id) == party.id))
    if status:
        stmt = stmt.where(col(Transfer.status) == status)
    return list(session.scalars(stmt.order_by(col(Transfer.ledger_index))))


__all__ = ["cancel", "dispatch", "receive", "split_lot", "transfers_of"]
