"""Trade records (SPEC §6.3): shipments of containers."""

from datetime import date
from typing import Any, ClassVar

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored


class Shipment(Anchored, table=True):
    """A container leaving with held lots; the lots are then shipped and can no longer be used here."""

    __tablename__ = "shipment"
    entry_type: ClassVar[str] = "shipment"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    lot_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    container_no: str = Field(max_length=11)
    port_of_loading: str = Field(max_length=5)  # UN/LOCODE
    destination_country: str = Field(max_length=2)
    shipped_on: date
    documents: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {"shipment_id": self.id, "lot_ids": self.lot_ids, "container_no": self.container_no,
                "port_of_loading": self.port_of_loading, "destination_country": self.destination_country,
                "shipped_on": self.shipped_on.isoformat(), "documents": self.documents}


class ShipmentLot(SQLModel, table=True):
    """Which shipment carried which lot (for finding a lot's shipment)."""

    __tablename__ = "shipment_lot"

    shipment_id: str = Field(foreign_key="shipment.id", primary_key=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", primary_key=True, max_length=20)
