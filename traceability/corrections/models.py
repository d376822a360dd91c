"""Corrections: the only way a recorded value changes (SPEC §4, §6.1)."""

from typing import Any, ClassVar

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field

from ..anchoring import Anchored


class Correction(Anchored, table=True):
    __tablename__ = "correction"
    entry_type: ClassVar[str] = "correction"

    id: str = Field(primary_key=True, max_length=32)
    corrects: str = Field(index=True, max_length=64)  # the corrected record's entry id
    record_type: str = Field(max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    changes: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # in entry form (grams, strings)
    reason: str = Field(sa_column=Column(Text, nullable=False))  # free text stays off the ledger

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {"corrects": self.corrects, "record_type": self.record_type, "changes": self.changes}
