"""Trade pillar (SPEC §6.3): the exchange (listings, offers, contracts) and shipments."""

from decimal import Decimal
from typing import Annotated, Any

from fastapi.responses import JSONResponse

from traceability.anchoring.schemas import LedgerRef
from traceability.pagination import PageRead
from traceability.parties.models import Role
from traceability.processing.reads import transfer_read
from traceability.trade import exchange, repository
from traceability.trade.models import Contract, Offer, OfferStatus
from traceability.trade.schemas import (
    ContractRead,
    ListingCreate,
    ListingRead,
    OfferCreate,
    OfferRead,
    ShipmentCreate,
    ShipmentRead,
)
from traceability.trade.shipments import record_shipment, shipment_read
from traceability.units import kilograms

from ..deps import CurrentParty, PageParams, PartyWrite, SessionDep, Writer
from ..routing import strict_router

router = strict_router(prefix="/api/v1", tags=["trade"])
Trader = Annotated[PartyWrite, Writer(Role.processor, Role.trader)]
Shipper = Trader


@router.post("/shipments", status_code=201, response_model=ShipmentRead)
def ship(shipment_in: ShipmentCreate, write: Shipper) -> JSONResponse:
    shipment = record_shipment(write.session, shipper=write.party, shipment_in=shipment_in)
    return write.respond(shipment_read(shipment))


@router.get("/shipments", response_model=PageRead[ShipmentRead])
def list_shipments(session: SessionDep, party: CurrentParty, page: PageParams) -> dict[str, Any]:
    """The caller's shipments (regulators: every party's), oldest first."""
    result = repository.list_shipments(session, party=party, **page)
    return {"items": [shipment_read(s) for s in result.items], "next_cursor": result.next_cursor}


@router.get("/shipments/{shipment_id}", response_model=ShipmentRead)
def get_shipment(shipment_id: str, session: SessionDep, party: CurrentParty) -> ShipmentRead:
    return shipment_read(repository.get_shipment(session, party=party, shipment_id=shipment_id))


@router.post("/listings", status_code=201, response_model=ListingRead)
def list_lot(listing_in: ListingCreate, write: Trader) -> JSONResponse:
    listing = exchange.create_listing(write.session, seller=write.party, listing_in=listing_in)
    return write.respond(exchange.listing_read(write.session, listing))


@router.get("/listings")
def search_listings(
    session: SessionDep,
    party: CurrentParty,
    page: PageParams,
    product: str | None = None,
    grade: str | None = None,
    origin: str | None = None,
    certification: str | None = None,
    currency: str | None = None,
    max_price: Decimal | None = None,
    min_price: Decimal | None = None,
) -> dict[str, Any]:
    """Open listings; each shows its lot's origin composition and the raw nuts' outturn."""
    filters = {
        "product": product,
        "grade": grade,
        "origin": origin,
        "certification": certification,
        "currency": currency,
        "max_price": max_price,
        "min_price": min_price,
    }
    result = exchange.search(session, filters=filters, **page)
    return {"items": [exchange.listing_read(session, li) for li in result.items], "next_cursor": result.next_cursor}


@router.get("/listings/{listing_id}", response_model=ListingRead)
def get_listing(listing_id: str, session: SessionDep, party: CurrentParty) -> ListingRead:
    return exchange.listing_read(session, exchange.get_listing(session, listing_id))


@router.post("/listings/{listing_id}/withdraw", response_model=ListingRead)
def withdraw(listing_id: str, write: Trader) -> JSONResponse:
    listing = exchange.withdraw(write.session, seller=write.party, listing_id=listing_id)
    return write.respond(exchange.listing_read(write.session, listing), status_code=200)


@router.post("/listings/{listing_id}/offers", status_code=201, response_model=OfferRead)
def offer(listing_id: str, offer_in: OfferCreate, write: Trader) -> JSONResponse:
    made = exchange.make_offer(write.session, buyer=write.party, listing_id=listing_id, offer_in=offer_in)
    return write.respond(offer_read(made))


@router.post("/offers/{offer_id}/accept")
def accept(offer_id: str, write: Trader) -> JSONResponse:
    """Accept an offer: a contract, and the quantity dispatched to the buyer."""
    contract, transfer = exchange.accept(write.session, seller=write.party, offer_id=offer_id)
    return write.respond({"contract": contract_read(contract), "transfer": transfer_read(transfer)}, status_code=200)


@router.post("/offers/{offer_id}/reject", response_model=OfferRead)
def reject(offer_id: str, write: Trader) -> JSONResponse:
    return write.respond(
        offer_read(exchange.reject(write.session, seller=write.party, offer_id=offer_id)), status_code=200
    )


@router.get("/offers", response_model=PageRead[OfferRead])
def list_offers(
    session: SessionDep,
    party: CurrentParty,
    page: PageParams,
    side: repository.Side | None = None,
    status: OfferStatus | None = None,
) -> dict[str, Any]:
    """Offers the caller made (``side=buyer``) or received on its listings (``side=seller``), both by default,
    oldest first; regulators: every offer."""
    result = repository.list_offers(session, party=party, side=side, status=status, **page)
    return {"items": [offer_read(o) for o in result.items], "next_cursor": result.next_cursor}


@router.get("/contracts", response_model=PageRead[ContractRead])
def list_contracts(session: SessionDep, party: CurrentParty, page: PageParams) -> dict[str, Any]:
    """Contracts where the caller is buyer or seller (regulators: every contract), oldest first."""
    result = repository.list_contracts(session, party=party, **page)
    return {"items": [contract_read(c) for c in result.items], "next_cursor": result.next_cursor}


def offer_read(offer: Offer) -> OfferRead:
    return OfferRead(
        id=offer.id,
        listing_id=offer.listing_id,
        buyer_id=offer.buyer_id,
        quantity_kg=kilograms(offer.quantity_g),
        price=offer.price,
        status=offer.status,
    )


def contract_read(contract: Contract) -> ContractRead:
    return ContractRead(
        id=contract.id,
        listing_id=contract.listing_id,
        lot_id=contract.lot_id,
        quantity_kg=kilograms(contract.quantity_g),
        price=contract.price,
        currency=contract.currency,
        unit=contract.unit,
        buyer_id=contract.buyer_id,
        seller_id=contract.seller_id,
        ledger=LedgerRef(**contract.ledger_ref()),
    )
