"""Farms, their certifications, harvests and farm inputs (SPEC §6.1).

Anchored records are immutable: a mistake is fixed by a ``Correction`` and reads
apply the corrections on top of the stored values.
"""

import hashlib
from datetime import date
from typing import Any, ClassVar

import rfc8785
from sqlalchemy import JSON, BigInteger, Column, Float, Index, Text
from sqlmodel import Field

from ..anchoring import Anchored, text_sha256


class Farm(Anchored, table=True):
    __tablename__ = "farm"
    entry_type: ClassVar[str] = "farm"

    id: str = Field(primary_key=True, max_length=32)
    owner_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    name: str = Field(max_length=200)
    legacy_province: str = Field(max_length=60)
    district: str = Field(max_length=40, index=True)  # legacy district code, see places.py
    province: str = Field(max_length=60)  # current province
    commune: str = Field(max_length=100)
    area_m2: int = Field(sa_column=Column(BigInteger, nullable=False))
    geometry: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    computed_area_m2: int | None = Field(default=None, sa_column=Column(BigInteger))
    min_lon: float = Field(sa_column=Column(Float, nullable=False, index=True))
    min_lat: float = Field(sa_column=Column(Float, nullable=False))
    max_lon: float = Field(sa_column=Column(Float, nullable=False))
    max_lat: float = Field(sa_column=Column(Float, nullable=False))
    planted_year: int | None = None
    variety: str | None = Field(default=None, max_length=60)

    def entry_by(self) -> str:
        return self.owner_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "farm_id": self.id,
            "district": self.district,
            "province": self.province,
            "area_m2": self.area_m2,
            "geometry_sha256": geometry_sha256(self.geometry),
        }


def geometry_sha256(geometry: dict[str, Any]) -> str:
    """Hex SHA-256 of the RFC 8785 form of the GeoJSON geometry (SPEC §5.2, ``farm``)."""
    return hashlib.sha256(rfc8785.dumps(geometry)).hexdigest()


class Certification(Anchored, table=True):
    """A farm's certificate (organic, VietGAP…), anchored so that claims on lots can be checked."""

    __tablename__ = "certification"
    entry_type: ClassVar[str] = "certification"

    id: str = Field(primary_key=True, max_length=32)
    farm_id: str = Field(foreign_key="farm.id", index=True, max_length=32)
    owner_id: str = Field(max_length=32)
    scheme: str = Field(max_length=40)
    certificate_no: str = Field(max_length=80)
    valid_from: date
    valid_to: date

    def entry_by(self) -> str:
        return self.owner_id

    def entry_data(self) -> dict[str, Any]:
        return {
            "farm_id": self.farm_id,
            "scheme": self.scheme,
            "certificate_no": self.certificate_no,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
        }


class Harvest(Anchored, table=True):
    __tablename__ = "harvest"
    __table_args__ = (Index("ix_harvest_farmer_id_ledger_index", "farmer_id", "ledger_index"),)
    entry_type: ClassVar[str] = "harvest"

    id: str = Field(primary_key=True, max_length=32)
    farm_id: str = Field(foreign_key="farm.id", index=True, max_length=32)
    farmer_id: str = Field(foreign_key="party.id", max_length=32)
    lot_id: str = Field(unique=True, max_length=20)
    harvested_on: date = Field(index=True)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    moisture_pct: str | None = Field(default=None, max_length=8)  # decimal as text, e.g. "9.5"; None: not measured
    notes: str | None = Field(default=None, sa_column=Column(Text))  # free text stays off the ledger

    def entry_by(self) -> str:
        return self.farmer_id

    def entry_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "farm_id": self.farm_id,
            "lot_id": self.lot_id,
            "quantity_g": self.quantity_g,
            "harvested_on": self.harvested_on.isoformat(),
        }
        if self.moisture_pct is not None:
            data["moisture_pct"] = self.moisture_pct
        return data


class FarmInput(Anchored, table=True):
    __tablename__ = "farm_input"
    entry_type: ClassVar[str] = "farm_input"

    id: str = Field(primary_key=True, max_length=32)
    farm_id: str = Field(foreign_key="farm.id", index=True, max_length=32)
    farmer_id: str = Field(foreign_key="party.id", max_length=32)
    category: str = Field(max_length=20)
    product: str = Field(max_length=120)  # a code of production.inputs (free text in records made before the list)
    product_name: str | None = Field(default=None, sa_column=Column(Text))  # free text: its SHA-256 is on the ledger
    quantity: str | None = Field(default=None, max_length=20)  # decimal as text
    unit: str | None = Field(default=None, max_length=10)
    applied_on: date
    notes: str | None = Field(default=None, sa_column=Column(Text))

    def entry_by(self) -> str:
        return self.farmer_id

    def entry_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "farm_id": self.farm_id,
            "category": self.category,
            "product": self.product,
            "applied_on": self.applied_on.isoformat(),
        }
        if self.product_name is not None:
            data["text_sha256"] = text_sha256(self.product_name)
        if self.quantity is not None:
            data |= {"quantity": self.quantity, "unit": self.unit}
        return data
