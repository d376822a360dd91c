"""Processing records (SPEC §6.2): custody moves, imports, cutting tests, batches.

Each class is anchored: its entry is rebuilt from its immutable columns. Mutable
state (a transfer's status, what it received) lives in columns the entry never
reads, and every change of state is itself an anchored record (receipt, cancel).
"""

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored
from ..types import UtcDateTime


class Split(Anchored, table=True):
    """A part of a lot split off into a new lot; the parent keeps the rest."""

    __tablename__ = "split"
    entry_type: ClassVar[str] = "split"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", index=True, max_length=20)
    new_lot_id: str = Field(unique=True, max_length=20)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {"lot_id": self.lot_id, "new_lot_id": self.new_lot_id, "quantity_g": self.quantity_g}


class Transfer(Anchored, table=True):
    """A lot sent to another party; custody passes when the recipient receives it."""

    __tablename__ = "transfer"
    entry_type: ClassVar[str] = "dispatch"

    id: str = Field(primary_key=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", index=True, max_length=20)
    from_party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    to_party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    # State, changed only by an anchored Receipt or TransferCancel:
    status: str = Field(default="in_transit", max_length=16)
    received_g: int | None = Field(default=None, sa_column=Column(BigInteger))

    def entry_by(self) -> str:
        return self.from_party_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "transfer_id": self.id,
            "lot_id": self.lot_id,
            "from": self.from_party_id,
            "to": self.to_party_id,
            "quantity_g": self.quantity_g,
        }


class Receipt(Anchored, table=True):
    __tablename__ = "receipt"
    entry_type: ClassVar[str] = "receipt"

    id: str = Field(primary_key=True, max_length=32)
    transfer_id: str = Field(foreign_key="transfer.id", unique=True, max_length=32)
    lot_id: str = Field(max_length=20)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    received_g: int = Field(sa_column=Column(BigInteger, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {"transfer_id": self.transfer_id, "lot_id": self.lot_id, "received_g": self.received_g}


class TransferCancel(Anchored, table=True):
    """The sender called back a transfer that had not been received."""

    __tablename__ = "transfer_cancel"
    entry_type: ClassVar[str] = "dispatch_cancel"

    id: str = Field(primary_key=True, max_length=32)
    transfer_id: str = Field(foreign_key="transfer.id", unique=True, max_length=32)
    lot_id: str = Field(max_length=20)
    party_id: str = Field(foreign_key="party.id", max_length=32)

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {"transfer_id": self.transfer_id, "lot_id": self.lot_id}


class Import(Anchored, table=True):
    """Imported raw nuts: a lot whose origin is a country, not a farm."""

    __tablename__ = "import"
    entry_type: ClassVar[str] = "import"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    lot_id: str = Field(unique=True, max_length=20)
    origin_country: str = Field(max_length=2)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    container_no: str = Field(max_length=11)
    supplier: str = Field(max_length=200)  # a company name; kept off the ledger all the same
    arrived_on: date
    documents: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The exporter's EPCIS event for these nuts, captured here before (SPEC §9.1), if the importer named one.
    epcis_event_id: str | None = Field(default=None, sa_column=Column(String(255)))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        data = {
            "lot_id": self.lot_id,
            "origin_country": self.origin_country,
            "quantity_g": self.quantity_g,
            "container_no": self.container_no,
            "arrived_on": self.arrived_on.isoformat(),
            "documents": self.documents,
        }
        if self.epcis_event_id is not None:
            data["epcis_event_id"] = self.epcis_event_id
        return data


class QualityTest(Anchored, table=True):
    """A cutting test on a raw-nut sample (DOMAIN.md, Raw cashew nuts)."""

    __tablename__ = "quality_test"
    __table_args__ = (Index("ix_quality_test_party_id_ledger_index", "party_id", "ledger_index"),)
    entry_type: ClassVar[str] = "quality_test"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", index=True, max_length=20)
    tested_on: date
    sample_g: str = Field(max_length=12)
    nut_count: int
    good_kernel_g: str = Field(max_length=12)  # decimals as text
    spotted_kernel_g: str = Field(max_length=12)
    reject_kernel_g: str = Field(max_length=12)
    moisture_pct: str = Field(max_length=8)
    spotted_factor: str = Field(max_length=8)
    outturn_lbs: str = Field(max_length=8)
    nut_count_per_kg: int

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "outturn_lbs": self.outturn_lbs,
            "nut_count_per_kg": self.nut_count_per_kg,
            "moisture_pct": self.moisture_pct,
            "sample_g": self.sample_g,
            "tested_on": self.tested_on.isoformat(),
        }


class Batch(Anchored, table=True):
    """Raw nuts (or kernels) turned into graded kernels and by-products."""

    __tablename__ = "batch"
    __table_args__ = (Index("ix_batch_party_id_ledger_index", "party_id", "ledger_index"),)
    entry_type: ClassVar[str] = "batch"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    processed_on: date
    inputs: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))  # [{lot_id, quantity_g}]
    outputs: list[dict[str, Any]] = Field(
        sa_column=Column(JSON, nullable=False)
    )  # [{lot_id, product, grade, quantity_g}]
    loss_g: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "batch_id": self.id,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "loss_g": self.loss_g,
            "processed_on": self.processed_on.isoformat(),
        }


class OriginClaim(SQLModel, table=True):
    """A batch whose kernel has left its processor as Vietnamese (labelled or listed), with
    what its domestic nuts could give: the running check of ``origin_claim_exceeds_input``."""

    __tablename__ = "origin_claim"

    batch_id: str = Field(foreign_key="batch.id", primary_key=True, max_length=32)
    processor_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    claimed_g: int = Field(sa_column=Column(BigInteger, nullable=False))  # Vietnamese share of the kernel made
    capacity_g: int = Field(sa_column=Column(BigInteger, nullable=False))  # domestic nuts × tested recovery
    first_lot_id: str = Field(max_length=20)  # the lot whose label or listing made the claim
    claimed_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
