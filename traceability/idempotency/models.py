"""Stored responses of writes made with an ``Idempotency-Key`` (SPEC §4)."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from ..types import UtcDateTime


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    party_id: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=200)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path and canonical body
    status_code: int
    response: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
