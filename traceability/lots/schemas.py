"""How a lot reads (SPEC §6.2)."""

from datetime import date

from pydantic import BaseModel

from ..units import KgOut


class OriginShare(BaseModel):
    country: str
    district: str | None
    district_name: str | None
    farm_id: str | None
    share_pct: KgOut


class ParentRead(BaseModel):
    lot_id: str
    quantity_kg: KgOut


class LotRead(BaseModel):
    lot_id: str
    product: str
    grade: str | None
    quantity_kg: KgOut
    owner_id: str
    status: str
    produced_on: date
    created_by: dict[str, str]
    origin: list[OriginShare]
    certifications: list[str]
    parents: list[ParentRead]
    outturn_lbs: KgOut | None = None
    nut_count_per_kg: int | None = None
