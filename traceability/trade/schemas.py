"""What shippers send and read (SPEC §6.3)."""

import re
from datetime import date

import pycountry
from pydantic import BaseModel, Field, field_validator

from ..processing.schemas import Document, LedgerRef, Strict, check_container_no
from ..units import IsoDate


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
