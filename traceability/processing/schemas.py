"""What processors and traders send and read (SPEC §6.2)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from pydantic import BaseModel, Field, field_validator
from stdnum import iso6346

from .. import rules
from ..anchoring.schemas import LedgerRef
from ..schemas import Strict
from ..units import IsoDate, Kg, KgOut


class DispatchCreate(Strict):
    to_party_id: str = Field(min_length=1, max_length=32)
    quantity_kg: Kg


class ReceiveCreate(Strict):
    received_kg: Kg


class TransferRead(BaseModel):
    id: str
    lot_id: str
    from_party_id: str
    to_party_id: str
    quantity_kg: KgOut
    received_kg: KgOut | None
    status: str
    split_from: str | None = None
    warnings: list[str] = Field(default_factory=list)
    ledger: LedgerRef


class Document(Strict):
    type: str = Field(description=f"one of {', '.join(sorted(rules.DOCUMENT_TYPES))}")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the document file")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in rules.DOCUMENT_TYPES:
            raise ValueError(f"unknown document type; use one of {', '.join(sorted(rules.DOCUMENT_TYPES))}")
        return value


def check_container_no(value: str) -> str:
    """ISO 6346: owner code, category, serial and a valid check digit (e.g. CSQU3054383)."""
    compact = value.replace(" ", "").replace("-", "").upper()
    if not compact.isascii() or not iso6346.is_valid(compact):
        raise ValueError("not an ISO 6346 container number with a valid check digit (e.g. CSQU3054383)")
    return compact


class ImportCreate(Strict):
    quantity_kg: Kg
    origin_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, not VN")
    supplier: str = Field(min_length=1, max_length=200)
    container_no: str
    arrived_on: IsoDate | None = None
    documents: list[Document] = Field(default_factory=list, max_length=30)
    epcis_event_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="the exporter's EPCIS event for these nuts (a shipping or commissioning event), "
        "captured first through POST /epcis/capture; the import's own event then names it",
    )

    _container = field_validator("container_no")(lambda cls, v: check_container_no(v))

    @field_validator("origin_country")
    @classmethod
    def _country(cls, value: str) -> str:
        if pycountry.countries.get(alpha_2=value) is None:
            raise ValueError(f"{value} is not an ISO 3166-1 alpha-2 country code")
        if value == "VN":
            raise ValueError("an import comes from another country; Vietnamese nuts enter through harvests")
        return value


class ImportRead(BaseModel):
    id: str
    lot_id: str
    product: str = "rcn"
    quantity_kg: KgOut
    origin_country: str
    origin_country_name: str
    supplier: str
    container_no: str
    arrived_on: date
    documents: list[dict[str, str]]
    epcis_event_id: str | None = None
    ledger: LedgerRef


class QualityTestCreate(Strict):
    sample_g: Decimal = Field(gt=0, le=100_000, max_digits=9, decimal_places=1)
    nut_count: int = Field(gt=0, le=100_000)
    good_kernel_g: Decimal = Field(ge=0, max_digits=9, decimal_places=1)
    spotted_kernel_g: Decimal = Field(default=Decimal(0), ge=0, max_digits=9, decimal_places=1)
    reject_kernel_g: Decimal = Field(default=Decimal(0), ge=0, max_digits=9, decimal_places=1)
    moisture_pct: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    tested_on: IsoDate | None = None


class QualityTestRead(BaseModel):
    id: str
    lot_id: str
    tested_on: date
    sample_g: KgOut
    nut_count: int
    outturn_lbs: KgOut
    kernel_recovery_pct: KgOut
    nut_count_per_kg: int
    moisture_pct: KgOut
    spotted_factor: KgOut
    warnings: list[str] = Field(default_factory=list)
    ledger: LedgerRef


class BatchInput(Strict):
    lot_id: str = Field(min_length=1, max_length=20)
    quantity_kg: Kg


class BatchOutput(Strict):
    product: str = Field(pattern=r"^(kernel|shell|testa|reject)$")
    grade: str | None = None
    quantity_kg: Kg


class BatchCreate(Strict):
    inputs: list[BatchInput] = Field(min_length=1, max_length=500)
    outputs: list[BatchOutput] = Field(min_length=1, max_length=50)
    loss_kg: Decimal = Field(default=Decimal(0), ge=0, max_digits=15, decimal_places=3)
    processed_on: IsoDate | None = None


class BatchOutputRead(BaseModel):
    lot_id: str
    product: str
    grade: str | None
    quantity_kg: KgOut


class BatchRead(BaseModel):
    id: str
    processed_on: date
    inputs: list[dict[str, Any]]
    outputs: list[BatchOutputRead]
    loss_kg: KgOut
    raw_input_kg: KgOut
    kernel_kg: KgOut
    kernel_ratio: KgOut | None
    max_kernel_kg: KgOut | None
    warnings: list[str] = Field(default_factory=list)
    ledger: LedgerRef
