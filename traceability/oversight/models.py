"""Oversight records: alerts raised when a record is written (same transaction), their
acknowledgements, inspections, and the running origin-claim check."""

import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored
from ..types import UtcDateTime


class AlertKind(StrEnum):
    farm_yield_high = "farm_yield_high"
    plot_overlap = "plot_overlap"
    batch_yield_high = "batch_yield_high"
    batch_yield_low = "batch_yield_low"
    transit_loss = "transit_loss"
    origin_claim_exceeds_input = "origin_claim_exceeds_input"
    certificate_expired = "certificate_expired"
    ledger_integrity = "ledger_integrity"


class Alert(SQLModel, table=True):
    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    party_id: str | None = Field(default=None, max_length=32, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    dedupe_key: str = Field(max_length=200, unique=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raised_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False, index=True))


class InspectionResult(StrEnum):
    passed = "pass"
    failed = "fail"
    conditional = "conditional"


class Inspection(Anchored, table=True):
    """A regulator's inspection of a party; the findings stay off the ledger, their hash is on it."""

    __tablename__ = "inspection"
    entry_type: ClassVar[str] = "inspection"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    inspector_id: str = Field(foreign_key="party.id", max_length=32)
    inspected_on: date
    result: str = Field(max_length=12)
    findings: str = Field(sa_column=Column(Text, nullable=False))

    def entry_by(self) -> str:
        return self.inspector_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "inspection_id": self.id,
            "party_id": self.party_id,
            "result": self.result,
            "inspected_on": self.inspected_on.isoformat(),
            "findings_sha256": text_sha256(self.findings),
        }


class Acknowledgement(Anchored, table=True):
    """A regulator has looked at an alert and says what was done; anchored so it cannot be quietly undone."""

    __tablename__ = "alert_acknowledgement"
    entry_type: ClassVar[str] = "alert_acknowledgement"

    id: str = Field(primary_key=True, max_length=32)
    alert_id: int = Field(foreign_key="alert.id", unique=True)
    regulator_id: str = Field(foreign_key="party.id", max_length=32)
    kind: str = Field(max_length=40)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    note: str = Field(sa_column=Column(Text, nullable=False))

    def entry_by(self) -> str:
        return self.regulator_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "note_sha256": text_sha256(self.note),
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


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
