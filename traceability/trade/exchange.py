"""The exchange (SPEC §6.3): listings of held lots, offers, and contracts that dispatch the goods.

Writes are serialised by the ledger's sequencing lock (taken first by every API write), so two
sellers' clerks accepting offers for the last kilograms at the same moment cannot both win.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from .. import clock, ids
from ..errors import Conflict, Forbidden, NotFound, RuleViolation
from ..lots.lineage import ancestry
from ..lots.models import Lot, LotOrigin, LotStatus
from ..lots.operations import held_lot
from ..pagination import Page, paginate
from ..parties.models import Party
from ..processing.custody import dispatch
from ..processing.origin import claim_origin
from ..processing.quality import raw_nut_figures
from ..processing.schemas import DispatchCreate
from ..units import grams, kilograms
from .models import Contract, Listing, Offer
from .schemas import ListingCreate, ListingRead, OfferCreate

OPEN = "open"


def _listed_g(session: Session, lot_id: str) -> int:
    stmt = select(func.coalesce(func.sum(col(Listing.remaining_g)), 0)).where(
        col(Listing.lot_id) == lot_id, col(Listing.status) == OPEN
    )
    return int(session.scalars(stmt).one())


def create_listing(session: Session, *, seller: Party, listing_in: ListingCreate) -> Listing:
    """Offer a held lot (or part of it) for sale; open listings never add up to more than is held."""
    lot = held_lot(session, party=seller, lot_id=listing_in.lot_id)
    quantity_g = grams(listing_in.quantity_kg)
    if quantity_g + _listed_g(session, lot.lot_id) > lot.quantity_g:
        raise RuleViolation(
            f"lot {lot.lot_id} holds {kilograms(lot.quantity_g)} kg and "
            f"{kilograms(_listed_g(session, lot.lot_id))} kg of it is already listed",
            code="more_than_held",
        )
    listing = Listing(
        id=ids.new_id("LS"),
        seller_id=seller.id,
        lot_id=lot.lot_id,
        quantity_g=quantity_g,
        remaining_g=quantity_g,
        price=listing_in.price,
        currency=listing_in.currency,
        unit=listing_in.unit,
        incoterm=listing_in.incoterm,
        port=listing_in.port,
    )
    session.add(listing)
    session.flush()
    claim_origin(session, lot)
    return listing


def _refresh(session: Session, listing: Listing) -> Listing:
    """A listing closes when its quantity is sold or its lot has left the seller."""
    if listing.status == OPEN:
        lot = session.get(Lot, listing.lot_id)
        gone = lot is None or lot.owner_id != listing.seller_id or lot.status in (LotStatus.consumed, LotStatus.shipped)
        if gone or listing.remaining_g == 0:
            listing.status = "closed"
    return listing


def get_listing(session: Session, listing_id: str) -> Listing:
    listing = session.get(Listing, listing_id, with_for_update=True)
    if listing is None:
        raise NotFound(f"no listing {listing_id!r}")
    return _refresh(session, listing)


def withdraw(session: Session, *, seller: Party, listing_id: str) -> Listing:
    listing = get_listing(session, listing_id)
    if listing.seller_id != seller.id:
        raise Forbidden("only the seller withdraws a listing")
    if listing.status != OPEN:
        raise Conflict(f"listing {listing_id} is already {listing.status}", code="listing_not_open")
    listing.status = "withdrawn"
    for offer in session.scalars(
        select(Offer).where(col(Offer.listing_id) == listing.id, col(Offer.status) == "pending")
    ):
        offer.status = "lapsed"
    session.flush()
    return listing


def search(session: Session, *, filters: dict[str, Any], limit: int, cursor: str | None) -> Page:
    """Open listings by product, grade, origin country, certification and price."""
    stmt = (
        select(Listing)
        .join(Lot, col(Lot.lot_id) == col(Listing.lot_id))
        .where(
            col(Listing.status) == OPEN,
            col(Lot.status) == LotStatus.held.value,
            col(Lot.owner_id) == col(Listing.seller_id),
        )
    )
    if filters.get("product"):
        stmt = stmt.where(col(Lot.product) == filters["product"])
    if filters.get("grade"):
        stmt = stmt.where(col(Lot.grade) == filters["grade"])
    if filters.get("currency"):
        stmt = stmt.where(col(Listing.currency) == filters["currency"])
    if filters.get("origin"):
        from_origin = select(col(LotOrigin.lot_id)).where(col(LotOrigin.country) == filters["origin"])
        stmt = stmt.where(col(Listing.lot_id).in_(from_origin))
    page = paginate(session, stmt, col(Listing.id), limit=limit, cursor=cursor)
    items = [li for li in page.items if _matches(session, li, filters)]
    return Page(items, page.next_cursor)


def _matches(session: Session, listing: Listing, filters: dict[str, Any]) -> bool:
    lot = session.get(Lot, listing.lot_id)
    assert lot is not None
    if filters.get("certification") and filters["certification"] not in lot.certifications:
        return False
    price = Decimal(listing.price)
    if filters.get("max_price") is not None and price > filters["max_price"]:
        return False
    return not (filters.get("min_price") is not None and price < filters["min_price"])


def listing_read(session: Session, listing: Listing) -> ListingRead:
    lot = session.get(Lot, listing.lot_id)
    assert lot is not None
    origins = session.scalars(select(LotOrigin).where(col(LotOrigin.lot_id) == lot.lot_id))
    shares: dict[tuple[str, str | None], float] = {}
    for o in origins:  # farms are not shown to buyers: country and district only
        shares[(o.country, o.district)] = shares.get((o.country, o.district), 0.0) + o.share
    figures = raw_nut_figures(session, ancestry(session, lot.lot_id))  # the same figure the buyer's page shows
    outturn = None if figures is None else round(Decimal(str(figures.outturn_lbs)), 2)
    return ListingRead(
        id=listing.id,
        seller_id=listing.seller_id,
        lot_id=lot.lot_id,
        product=lot.product,
        grade=lot.grade,
        quantity_kg=kilograms(listing.quantity_g),
        remaining_kg=kilograms(listing.remaining_g),
        price=listing.price,
        currency=listing.currency,
        unit=listing.unit,
        incoterm=listing.incoterm,
        port=listing.port,
        status=listing.status,
        origin=[
            {"country": c, "district": d, "share_pct": round(s * 100, 2)}
            for (c, d), s in sorted(shares.items(), key=lambda kv: -kv[1])
        ],
        certifications=list(lot.certifications),
        outturn_lbs=outturn,
    )


def make_offer(session: Session, *, buyer: Party, listing_id: str, offer_in: OfferCreate) -> Offer:
    listing = get_listing(session, listing_id)
    if listing.seller_id == buyer.id:
        raise RuleViolation("you cannot buy from yourself", code="own_listing")
    if listing.status != OPEN:
        raise Conflict(f"listing {listing_id} is {listing.status}; it takes no offers", code="listing_not_open")
    quantity_g = grams(offer_in.quantity_kg)
    if quantity_g > listing.remaining_g:
        raise RuleViolation(f"only {kilograms(listing.remaining_g)} kg is still listed", code="more_than_listed")
    offer = Offer(
        id=ids.new_id("OF"),
        listing_id=listing.id,
        buyer_id=buyer.id,
        seller_id=listing.seller_id,
        quantity_g=quantity_g,
        price=offer_in.price,
        created_at=clock.now(),
    )
    session.add(offer)
    session.flush()
    return offer


def _seller_offer(session: Session, seller: Party, offer_id: str) -> tuple[Offer, Listing]:
    offer = session.get(Offer, offer_id, with_for_update=True)
    if offer is None:
        raise NotFound(f"no offer {offer_id!r}")
    listing = get_listing(session, offer.listing_id)
    if listing.seller_id != seller.id:
        raise Forbidden("only the seller answers an offer")
    if offer.status != "pending":
        raise Conflict(f"offer {offer_id} is already {offer.status}", code=f"offer_{offer.status}")
    return offer, listing


def accept(session: Session, *, seller: Party, offer_id: str) -> tuple[Contract, Any]:
    """Accept an offer: a contract, and the quantity dispatched to the buyer (split off if part of the lot)."""
    offer, listing = _seller_offer(session, seller, offer_id)
    if listing.status != OPEN:
        raise Conflict(f"listing {listing.id} is {listing.status}", code="listing_not_open")
    if offer.quantity_g > listing.remaining_g:
        raise Conflict(
            f"only {kilograms(listing.remaining_g)} kg is still listed; the offer wants "
            f"{kilograms(offer.quantity_g)} kg",
            code="more_than_listed",
        )
    transfer, _ = dispatch(
        session,
        sender=seller,
        lot_id=listing.lot_id,
        dispatch_in=DispatchCreate(to_party_id=offer.buyer_id, quantity_kg=kilograms(offer.quantity_g)),
    )
    contract = Contract(
        id=ids.new_id("CT"),
        listing_id=listing.id,
        offer_id=offer.id,
        lot_id=transfer.lot_id,
        quantity_g=offer.quantity_g,
        price=offer.price,
        currency=listing.currency,
        unit=listing.unit,
        buyer_id=offer.buyer_id,
        seller_id=seller.id,
        transfer_id=transfer.id,
    )
    session.add(contract)
    offer.status = "accepted"
    listing.remaining_g -= offer.quantity_g
    _refresh(session, listing)
    session.flush()
    return contract, transfer


def reject(session: Session, *, seller: Party, offer_id: str) -> Offer:
    offer, _ = _seller_offer(session, seller, offer_id)
    offer.status = "rejected"
    session.flush()
    return offer
