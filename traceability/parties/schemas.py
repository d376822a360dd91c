"""What comes in and goes out for parties."""

import re

from pydantic import BaseModel, Field, field_validator

from ..places import normalise_district
from ..schemas import Strict
from .models import Role


class PartyCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    district: str | None = None
    country: str = Field(default="VN", pattern=r"^[A-Z]{2}$")
    gs1_company_prefix: str | None = Field(default=None, description="GS1 company prefix, 6–12 digits (Vietnam: 893…)")

    @field_validator("district")
    @classmethod
    def _district(cls, value: str | None) -> str | None:
        return None if value is None else normalise_district(value)

    @field_validator("gs1_company_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]{6,12}", value):
            raise ValueError("a GS1 company prefix is 6 to 12 digits")
        return value


class PartyRead(BaseModel):
    id: str
    name: str
    role: Role
    district: str | None
    country: str
    gs1_company_prefix: str | None


class PartyCreated(PartyRead):
    api_key: str = Field(description="Shown once; only its hash is stored")
