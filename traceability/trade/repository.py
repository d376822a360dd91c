"""What trade lists (SPEC §6.5): shipments, offers made and received, contracts.

Each list is one range of an index per part the caller plays (shipper, buyer, seller),
merged when it plays two; regulators read every party's records in the same order.
Anchored records are listed in ledger order, offers (not anchored) by ``created_at``
then ``id``.
"""

from typing import Literal

from sqlalchemy import select
from sqlmodel import Session, col

from ..pagination import Page, index_of, paginate, paginate_union, utc_of
from ..parties.access import own, own_record
from ..parties.models import Party, Role
from .models import Contract, Offer, OfferStatus, Shipment

Side = Literal["buyer", "seller"]
OFFER_ORDER = (col(Offer.created_at), col(Offer.id))


def list_shipments(session: Session, *, party: Party, limit: int, cursor: str | None) -> Page:
    """The caller's shipments (regulators: every party's), in ledger order."""
    stmt = own(select(Shipment), col(Shipment.party_id), party)
    return paginate(session, stmt, col(Shipment.ledger_index), limit=limit, cursor=cursor, parse=index_of)


def get_shipment(session: Session, *, party: Party, shipment_id: str) -> Shipment:
    """A shipment its shipper (or a regulator) may see; 404 unknown, 403 someone else's."""
    return own_record(
        session, Shipment, shipment_id, owner="party_id", party=party, what="shipment", listed="/api/v1/shipments"
    )


def list_offers(
    session: Session,
    *,
    party: Party,
    side: Side | None = None,
    status: OfferStatus | None = None,
    limit: int,
    cursor: str | None,
) -> Page:
    """Offers the caller made (``side="buyer"``) or received on its listings (``"seller"``), or both,
    oldest first. Regulators list every offer; ``side`` is still about the caller's own part."""
    offers = select(Offer) if status is None else select(Offer).where(col(Offer.status) == status.value)
    made = offers.where(col(Offer.buyer_id) == party.id)
    received = offers.where(col(Offer.seller_id) == party.id)
    if side is not None:
        stmts = [made if side == "buyer" else received]
    elif party.role == Role.regulator:
        stmts = [offers]
    else:
        stmts = [made, received]
    return paginate_union(session, stmts, OFFER_ORDER, limit=limit, cursor=cursor, parse=(utc_of, str))


def list_contracts(session: Session, *, party: Party, limit: int, cursor: str | None) -> Page:
    """Contracts where the caller is buyer or seller (regulators: every contract), in ledger order."""
    key = col(Contract.ledger_index)
    if party.role == Role.regulator:
        return paginate(session, select(Contract), key, limit=limit, cursor=cursor, parse=index_of)
    bought = select(Contract).where(col(Contract.buyer_id) == party.id)
    sold = select(Contract).where(col(Contract.seller_id) == party.id)
    return paginate_union(session, [bought, sold], key, limit=limit, cursor=cursor, parse=index_of)
