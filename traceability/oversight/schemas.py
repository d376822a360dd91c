"""What regulators send and read (SPEC §6.4), and recalls (§6.5)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..anchoring.schemas import LedgerRef
from ..schemas import FreeText, Strict
from ..units import IsoDate, KgOut
from .models import InspectionResult, RecallScope


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


class RecallCreate(Strict):
    lot_id: str = Field(min_length=1, max_length=20, description="the lot found unsafe: it and everything made from it")
    reason: FreeText = Field(
        min_length=1, max_length=2_000, description="what was found (kept in the record; the ledger has its SHA-256)"
    )
    scope: RecallScope = RecallScope.forward


class RecalledLot(BaseModel):
    lot_id: str
    product: str
    grade: str | None
    quantity_kg: KgOut
    holder_id: str | None  # None when the reader may not see who holds it
    previous_status: str  # what the lot was when the recall reached it: held, in_transit, consumed, shipped


class RecalledShipment(BaseModel):
    shipment_id: str
    container_no: str
    destination_country: str
    shipped_on: date


class RecallRead(BaseModel):
    id: str
    lot_id: str
    party_id: str
    scope: str
    reason: str
    recalled_at: datetime
    lots: list[RecalledLot]
    shipments: list[RecalledShipment]
    ledger: LedgerRef
