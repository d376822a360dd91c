"""Oversight records: regulators' acknowledgements of alerts, inspections, and recalls."""

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored, text_sha256


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


class RecallScope(StrEnum):
    forward = "forward"  # the lot and every lot, carton and shipment any part of it went into


class Recall(Anchored, table=True):
    """A lot called back (SPEC §6.5): every lot of its forward trace stops where it is.

    The reason is free text a person typed: the record keeps it, the entry carries its SHA-256.
    """

    __tablename__ = "recall"
    entry_type: ClassVar[str] = "recall"

    id: str = Field(primary_key=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", index=True, max_length=20)
    party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    scope: str = Field(default=RecallScope.forward.value, max_length=16)
    reason: str = Field(sa_column=Column(Text, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "recall_id": self.id,
            "lot_id": self.lot_id,
            "reason_sha256": text_sha256(self.reason),
            "scope": self.scope,
        }


class RecallLot(SQLModel, table=True):
    """A lot a recall reached, with the status it had (what the recall stopped: held, in transit, shipped…)."""

    __tablename__ = "recall_lot"

    recall_id: str = Field(foreign_key="recall.id", primary_key=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", primary_key=True, index=True, max_length=20)
    previous_status: str = Field(max_length=16)
