"""What farmers send and read (SPEC §6.1)."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from ..anchoring.schemas import LedgerRef
from ..places import normalise_district
from ..schemas import FreeText, Strict
from ..units import IsoDate, Kg, KgOut, Percent
from .inputs import OTHER, check_category, product_code


class Scheme(StrEnum):
    organic_eu = "organic-eu"
    organic_us = "organic-us"
    vietgap = "vietgap"
    globalgap = "globalgap"
    rainforest_alliance = "rainforest-alliance"
    fairtrade = "fairtrade"


class InputCategory(StrEnum):
    fertilizer = "fertilizer"
    manure = "manure"
    pesticide = "pesticide"
    fungicide = "fungicide"
    herbicide = "herbicide"
    other = "other"


class CertificationIn(Strict):
    scheme: Scheme
    certificate_no: str = Field(min_length=1, max_length=80)
    valid_from: IsoDate
    valid_to: IsoDate

    @model_validator(mode="after")
    def _dates(self) -> "CertificationIn":
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class FarmCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(description="legacy district of Bình Phước, code or name (e.g. bu-dang or Bù Đăng)")
    commune: str = Field(min_length=1, max_length=100)
    area_ha: Decimal = Field(gt=0, le=1000, max_digits=10, decimal_places=4)
    geometry: dict[str, Any] = Field(description="GeoJSON Point or Polygon, WGS84 [lon, lat]")
    planted_year: int | None = Field(default=None, ge=1950, le=2100)
    variety: str | None = Field(default=None, max_length=60)
    certifications: list[CertificationIn] = Field(default_factory=list, max_length=20)

    _district = field_validator("district")(lambda cls, v: normalise_district(v))


class CertificationRead(BaseModel):
    scheme: str
    certificate_no: str
    valid_from: date
    valid_to: date


class CorrectionRead(BaseModel):
    id: str
    changes: dict[str, Any]
    reason: str
    recorded_at: str
    ledger: LedgerRef


class FarmRead(BaseModel):
    id: str
    owner_id: str
    name: str
    district: str
    district_name: str
    legacy_province: str
    province: str
    commune: str
    area_ha: KgOut
    geometry: dict[str, Any]
    computed_area_ha: KgOut | None
    planted_year: int | None
    variety: str | None
    certifications: list[CertificationRead]
    warnings: list[str] = Field(default_factory=list)
    corrections: list[CorrectionRead] = Field(default_factory=list)
    ledger: LedgerRef


class HarvestCreate(Strict):
    farm_id: str = Field(min_length=1, max_length=32)
    harvested_on: IsoDate
    quantity_kg: Kg
    moisture_pct: Percent | None = Field(
        default=None, description="optional (most farmers own no meter; the cutting test measures it); 4–30 when given"
    )
    notes: FreeText | None = Field(default=None, max_length=2000)


class HarvestRead(BaseModel):
    id: str
    farm_id: str
    lot_id: str
    product: str = "rcn"
    harvested_on: date
    season: int
    quantity_kg: KgOut
    moisture_pct: KgOut | None
    notes: str | None
    warnings: list[str] = Field(default_factory=list)
    corrections: list[CorrectionRead] = Field(default_factory=list)
    ledger: LedgerRef


class FarmInputCreate(Strict):
    farm_id: str = Field(min_length=1, max_length=32)
    category: InputCategory
    product: str = Field(
        min_length=1,
        max_length=60,
        description="a code of GET /api/v1/farm-input-products (urea, potassium_chloride, lambda_cyhalothrin…), "
        "or other",
    )
    product_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="the product as named on its bag or bottle (required for other); the ledger holds only its SHA-256",
    )
    quantity: Kg | None = None
    unit: str | None = Field(default=None, pattern=r"^(kg|l|g|ml|t)$")
    applied_on: IsoDate
    notes: FreeText | None = Field(default=None, max_length=2000)

    _product = field_validator("product")(lambda cls, v: product_code(v))

    @model_validator(mode="after")
    def _consistent(self) -> "FarmInputCreate":
        if (self.quantity is None) != (self.unit is None):
            raise ValueError("give quantity and unit together")
        if self.product == OTHER and self.product_name is None:
            raise ValueError("say which product it was in product_name when product is other")
        check_category(self.product, self.category.value)
        return self


class FarmInputRead(BaseModel):
    id: str
    farm_id: str
    category: str
    product: str
    product_name: str | None
    quantity: KgOut | None
    unit: str | None
    applied_on: date
    notes: str | None
    corrections: list[CorrectionRead] = Field(default_factory=list)
    ledger: LedgerRef
