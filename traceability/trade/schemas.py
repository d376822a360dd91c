"""What shippers send and read (SPEC §6.3)."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from pydantic import BaseModel, Field, field_validator

from ..anchoring.schemas import LedgerRef
from ..processing.schemas import Document, check_container_no
from ..schemas import Strict
from ..units import IsoDate, Kg, KgOut


def check_country(value: str) -> str:
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValueError(f"{value} is not an ISO 3166-1 alpha-2 country code")
    return value


class ShipmentCreate(Strict):
    lot_ids: list[str] = Field(min_length=1, max_length=200)
    container_no: str
    port_of_loading: str = Field(description="UN/LOCODE, e.g. VNSGN (Hồ Chí Minh City), VNCLI (Cát Lái)")
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")
    shipped_on: IsoDate | None = None
    documents: list[Document] = Field(default_factory=list, max_length=30)

    _container = field_validator("container_no")(lambda cls, v: check_container_no(v))
    _country = field_validator("destination_country")(lambda cls, v: check_country(v))

    @field_validator("port_of_loading")
    @classmethod
    def _locode(cls, value: str) -> str:
        value = value.replace(" ", "").upper()
        if not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", value):
            raise ValueError("a UN/LOCODE is a country code and three letters or digits 2–9, e.g. VNSGN")
        check_country(value[:2])
        return value

    @field_validator("lot_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a lot is listed twice")
        return value


class ShipmentRead(BaseModel):
    id: str
    lot_ids: list[str]
    container_no: str
    port_of_loading: str
    destination_country: str
    destination_country_name: str
    shipped_on: date
    documents: list[dict[str, str]]
    ledger: LedgerRef


INCOTERMS = ("EXW", "FOB", "CFR", "CIF")


def check_price(value: str) -> str:
    """A positive decimal written as a string of ASCII digits ("2.95"), at most 6 decimals."""
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,6})?", value) or Decimal(value) <= 0:
        raise ValueError('a price is a positive decimal written as a string, e.g. "2.95"')
    return value


class ListingCreate(Strict):
    lot_id: str = Field(min_length=1, max_length=20)
    quantity_kg: Kg
    price: str = Field(description='per unit, a decimal string, e.g. "2.95"')
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    unit: str = Field(pattern=r"^(lb|t)$")
    incoterm: str = Field(pattern=r"^(EXW|FOB|CFR|CIF)$")
    port: str = Field(description="UN/LOCODE of the delivery port, e.g. VNSGN")

    _price = field_validator("price")(lambda cls, v: check_price(v))
    _port = field_validator("port")(lambda cls, v: ShipmentCreate._locode(v))

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if pycountry.currencies.get(alpha_3=value) is None:
            raise ValueError(f"{value} is not an ISO 4217 currency code")
        return value


class OfferCreate(Strict):
    quantity_kg: Kg
    price: str

    _price = field_validator("price")(lambda cls, v: check_price(v))


class ListingRead(BaseModel):
    id: str
    seller_id: str
    lot_id: str
    product: str
    grade: str | None
    quantity_kg: KgOut
    remaining_kg: KgOut
    price: str
    currency: str
    unit: str
    incoterm: str
    port: str
    status: str
    origin: list[dict[str, Any]]
    certifications: list[str]
    outturn_lbs: KgOut | None


class OfferRead(BaseModel):
    id: str
    listing_id: str
    buyer_id: str
    quantity_kg: KgOut
    price: str
    status: str


class ContractRead(BaseModel):
    id: str
    listing_id: str
    lot_id: str
    quantity_kg: KgOut
    price: str
    currency: str
    unit: str
    buyer_id: str
    seller_id: str
    ledger: LedgerRef
