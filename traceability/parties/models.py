"""Parties (farmers, processors, traders, regulators) and their API keys."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from ..types import UtcDateTime


class Role(StrEnum):
    farmer = "farmer"
    processor = "processor"
    trader = "trader"
    regulator = "regulator"


class Party(SQLModel, table=True):
    __tablename__ = "party"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    role: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    district: str | None = Field(default=None, max_length=40)
    country: str = Field(default="VN", max_length=2)
    gs1_company_prefix: str | None = Field(default=None, max_length=12, unique=True, index=True)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    key_hash: str = Field(primary_key=True, max_length=64)  # hex SHA-256 of the key
    party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
