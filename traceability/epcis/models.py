"""EPCIS tables: the events the server serves, the identifiers they name, captures and their anchors.

``epcis_event`` holds every event the EPCIS interface answers with, ours and captured, one row
per ledger entry it stands for: our own records' events are derived from their entries
(``traceability.epcis.export``), a captured event has an ``epcis_event`` entry of its own
(``CapturedEvent``). The table is an index over the log, never a source of truth: each row
can be rebuilt from its entry (ours) or checked against it (captured, by its SHA-256).
"""

import hashlib
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored
from ..types import UtcDateTime


class EpcisEvent(SQLModel, table=True):
    __tablename__ = "epcis_event"
    __table_args__ = (
        Index("ix_epcis_event_party_index", "party_id", "ledger_index"),
        Index("ix_epcis_event_counterparty_index", "counterparty_id", "ledger_index"),
        Index("ix_epcis_event_type_index", "event_type", "ledger_index"),
        Index("ix_epcis_event_step_index", "biz_step", "ledger_index"),
    )

    ledger_index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    event_id: str = Field(sa_column=Column(String(255), nullable=False, unique=True))
    # The CBV 2.0 hash of the event as stored: its eventID for ours, and for a captured event the
    # hash we computed (the sender's eventID may be a UUID, or a hash of another algorithm's).
    content_hash: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    event_type: str = Field(sa_column=Column(String(64), nullable=False))
    biz_step: str | None = Field(default=None, sa_column=Column(String(255)))
    event_time: datetime = Field(sa_column=Column(UtcDateTime, nullable=False, index=True))
    record_time: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    party_id: str = Field(max_length=32)  # who recorded it (our entry's ``by``, or who captured it)
    counterparty_id: str | None = Field(default=None, max_length=32)  # the other side of a custody move
    leaf_hash: str = Field(max_length=44)  # base64 of the entry's leaf hash: ``cashew:ledger.leafHash``
    body: str = Field(sa_column=Column(Text, nullable=False))  # the event's JSON, without ``cashew:ledger``


class EpcisEpc(SQLModel, table=True):
    """An identifier an event names, with the field that names it (``epcList``, ``quantityList``…).
    ``lot_id`` is set when the URI is one of this server's names for a lot (either form)."""

    __tablename__ = "epcis_epc"
    __table_args__ = (Index("ix_epcis_epc_uri", "uri"), Index("ix_epcis_epc_lot", "lot_id"))

    ledger_index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    uri: str = Field(sa_column=Column(String(512), primary_key=True))
    kind: str = Field(sa_column=Column(String(24), primary_key=True))  # the field: epcList, quantityList…
    lot_id: str | None = Field(default=None, max_length=20)


class EpcisCursor(SQLModel, table=True):
    """How far the log has been read into ``epcis_event``: the index of the next entry to read."""

    __tablename__ = "epcis_cursor"

    id: int = Field(default=1, primary_key=True)
    next_index: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class EpcisCapture(SQLModel, table=True):
    """A capture job (``POST /epcis/capture``) and its outcome."""

    __tablename__ = "epcis_capture"

    id: str = Field(primary_key=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    behaviour: str = Field(max_length=8)  # rollback | proceed
    success: bool
    events: int  # events in the document
    stored: int  # events stored by this capture
    duplicates: int  # events already stored before (by their hash), not stored again
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class CapturedEvent(Anchored, table=True):
    """An event another system sent, anchored in the log (SPEC §9.1: an ``epcis_event`` entry)."""

    __tablename__ = "epcis_captured"
    entry_type: ClassVar[str] = "epcis_event"

    id: str = Field(primary_key=True, max_length=32)
    capture_id: str = Field(foreign_key="epcis_capture.id", index=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    event_id: str = Field(sa_column=Column(String(255), nullable=False))
    event_type: str = Field(sa_column=Column(String(64), nullable=False))
    biz_step: str | None = Field(default=None, sa_column=Column(String(255)))
    # The event as stored, in its RFC 8785 form (``epcis_event`` serves a copy, keys in the sender's order).
    body: str = Field(sa_column=Column(Text, nullable=False))

    def entry_by(self) -> str:
        return self.party_id

    @property
    def sha256(self) -> str:
        """Of the event's canonical JSON (RFC 8785), as stored: what its entry commits to."""
        return hashlib.sha256(self.body.encode()).hexdigest()

    def entry_data(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "biz_step": self.biz_step,
            "sha256": self.sha256,
        }
