"""Trade records (SPEC §6.3): listings, offers and contracts on the exchange; shipments."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored
from ..types import UtcDateTime


class Shipment(Anchored, table=True):
    """A container leaving with held lots; the lots are then shipped and can no longer be used here."""

    __tablename__ = "shipment"
    __table_args__ = (Index("ix_shipment_party_id_ledger_index", "party_id", "ledger_index"),)
    entry_type: ClassVar[str] = "shipment"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    lot_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    container_no: str = Field(max_length=11)
    port_of_loading: str = Field(max_length=5)  # UN/LOCODE
    destination_country: str = Field(max_length=2)
    shipped_on: date
    documents: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "shipment_id": self.id,
            "lot_ids": self.lot_ids,
            "container_no": self.container_no,
            "port_of_loading": self.port_of_loading,
            "destination_country": self.destination_country,
            "shipped_on": self.shipped_on.isoformat(),
            "documents": self.documents,
        }


class ShipmentLot(SQLModel, table=True):
    """Which shipment carried which lot (for finding a lot's shipment)."""

    __tablename__ = "shipment_lot"

    shipment_id: str = Field(foreign_key="shipment.id", primary_key=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", primary_key=True, index=True, max_length=20)  # a lot's shipments


class Listing(Anchored, table=True):
    """A held lot (or part of it) offered on the exchange at a price."""

    __tablename__ = "listing"
    entry_type: ClassVar[str] = "listing"

    id: str = Field(primary_key=True, max_length=32)
    seller_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", index=True, max_length=20)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    price: str = Field(max_length=20)  # decimal as text, per unit
    currency: str = Field(max_length=3)
    unit: str = Field(max_length=2)  # lb or t
    incoterm: str = Field(max_length=3)
    port: str = Field(max_length=5)  # UN/LOCODE
    # State (never in the entry): what is left to sell, and open / closed / withdrawn.
    remaining_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default="open", max_length=12, index=True)

    def entry_by(self) -> str:
        return self.seller_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "listing_id": self.id,
            "lot_id": self.lot_id,
            "quantity_g": self.quantity_g,
            "price": self.price,
            "currency": self.currency,
            "unit": self.unit,
            "incoterm": self.incoterm,
            "port": self.port,
        }


class OfferStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    lapsed = "lapsed"  # its listing was withdrawn


class Offer(SQLModel, table=True):
    """A buyer's offer on a listing; the seller accepts or rejects it (not a ledger record).

    ``seller_id`` is the listing's seller, kept on the offer so that the offers a seller
    received are one range of an index, like the ones a buyer made.
    """

    __tablename__ = "offer"
    __table_args__ = (
        Index("ix_offer_buyer_id_created_at", "buyer_id", "created_at", "id"),
        Index("ix_offer_seller_id_created_at", "seller_id", "created_at", "id"),
        Index("ix_offer_created_at", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=32)
    listing_id: str = Field(foreign_key="listing.id", index=True, max_length=32)
    buyer_id: str = Field(foreign_key="party.id", max_length=32)
    seller_id: str = Field(foreign_key="party.id", max_length=32)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    price: str = Field(max_length=20)
    status: str = Field(default=OfferStatus.pending.value, max_length=12)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class Contract(Anchored, table=True):
    """An accepted offer: a sale of a quantity at a price. Never in a provenance bundle."""

    __tablename__ = "contract"
    __table_args__ = (
        Index("ix_contract_buyer_id_ledger_index", "buyer_id", "ledger_index"),
        Index("ix_contract_seller_id_ledger_index", "seller_id", "ledger_index"),
    )
    entry_type: ClassVar[str] = "contract"

    id: str = Field(primary_key=True, max_length=32)
    listing_id: str = Field(foreign_key="listing.id", index=True, max_length=32)
    offer_id: str = Field(foreign_key="offer.id", unique=True, max_length=32)
    lot_id: str = Field(max_length=20)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    price: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    unit: str = Field(max_length=2)
    buyer_id: str = Field(foreign_key="party.id", max_length=32)
    seller_id: str = Field(foreign_key="party.id", max_length=32)
    transfer_id: str = Field(foreign_key="transfer.id", max_length=32)

    def entry_by(self) -> str:
        return self.seller_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "contract_id": self.id,
            "listing_id": self.listing_id,
            "lot_id": self.lot_id,
            "quantity_g": self.quantity_g,
            "price": self.price,
            "currency": self.currency,
            "unit": self.unit,
            "buyer": self.buyer_id,
            "seller": self.seller_id,
            "transfer_id": self.transfer_id,
        }
