"""What regulators send and read (SPEC §6.4)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..anchoring.schemas import LedgerRef
from ..schemas import FreeText, Strict
from ..units import IsoDate
from .models import InspectionResult


class InspectionCreate(Strict):
    party_id: str = Field(min_length=1, max_length=32)
    inspected_on: IsoDate
    result: InspectionResult
    findings: FreeText = Field(min_length=1, max_length=10_000)


class InspectionRead(BaseModel):
    id: str
    party_id: str
    inspector_id: str
    inspected_on: date
    result: str
    findings: str
    ledger: LedgerRef


class AcknowledgementCreate(Strict):
    note: FreeText = Field(min_length=1, max_length=2_000, description="what was checked or done about the alert")


class AcknowledgementRead(BaseModel):
    id: str
    regulator_id: str
    note: str
    acknowledged_at: datetime
    ledger: LedgerRef


class AlertRead(BaseModel):
    id: int
    kind: str
    party_id: str | None
    subject_type: str
    subject_id: str
    detail: dict[str, Any]
    raised_at: datetime
    acknowledgement: AcknowledgementRead | None
