"""The alert table: one row per anomaly, raised in the same transaction as the record that shows it."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ..types import UtcDateTime


class AlertKind(StrEnum):
    farm_yield_high = "farm_yield_high"
    plot_overlap = "plot_overlap"
    batch_yield_high = "batch_yield_high"
    batch_yield_low = "batch_yield_low"
    transit_loss = "transit_loss"
    origin_claim_exceeds_input = "origin_claim_exceeds_input"
    certificate_expired = "certificate_expired"
    ledger_integrity = "ledger_integrity"
    recall = "recall"  # a lot the party holds was recalled


class Alert(SQLModel, table=True):
    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    party_id: str | None = Field(default=None, max_length=32, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    dedupe_key: str = Field(max_length=200, unique=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raised_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False, index=True))
