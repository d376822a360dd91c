"""The one mechanism that anchors records: whoever adds an ``Anchored`` record to a
session, its ledger entry is appended by the same flush, in the same transaction.

Services never call the ledger. They add records; ``before_flush`` turns every new
``Anchored`` object into its SPEC §5.2 entry (in the order the objects were added),
appends the leaves under the sequencing lock and writes each index back onto its
record. ``before_commit`` then signs a checkpoint covering the new entries, so a
proof is available as soon as the write is acknowledged.
"""

import base64
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import String, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel

from ledger.checkpoint import Signer
from ledger.entry import canonical_json, entry_leaf_hash, make_entry

from .. import clock, ids
from ..types import UtcDateTime
from .store import SqlLog

QUEUE = "cashew_anchor_queue"
APPENDED = "cashew_anchor_appended"
SIGNER = "cashew_signer"


class Anchored(SQLModel):
    """Mixin for every record that must have exactly one ledger entry."""

    entry_type: ClassVar[str]
    if TYPE_CHECKING:  # each table declares its own primary key column (a mixin's field would come first)
        id: str

    ledger_index: int | None = Field(default=None, unique=True, index=True)
    recorded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    entry_nonce: str | None = Field(default=None, sa_type=String(32))

    def entry_id(self) -> str:
        return str(self.id)

    def entry_by(self) -> str:
        raise NotImplementedError

    def entry_data(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_entry(self) -> dict[str, Any]:
        """The entry, rebuilt from the stored record (the audit compares it to the leaf)."""
        assert self.recorded_at is not None and self.entry_nonce is not None, "record not anchored yet"
        at = self.recorded_at if self.recorded_at.tzinfo else self.recorded_at.replace(tzinfo=UTC)
        return make_entry(
            type=self.entry_type,
            id=self.entry_id(),
            at=at,
            by=self.entry_by(),
            data=self.entry_data(),
            nonce=self.entry_nonce,
        )

    def ledger_ref(self) -> dict[str, Any]:
        """``{"index", "leaf_hash"}`` as every anchoring write returns it (SPEC §4)."""
        return {"index": self.ledger_index, "leaf_hash": base64.b64encode(entry_leaf_hash(self.to_entry())).decode()}


@event.listens_for(OrmSession, "after_attach")
def _queue(session: OrmSession, obj: object) -> None:
    if isinstance(obj, Anchored) and obj.ledger_index is None:
        session.info.setdefault(QUEUE, []).append(obj)


@event.listens_for(OrmSession, "before_flush")
def _anchor(session: OrmSession, _context: Any, _instances: Any) -> None:
    queue = session.info.pop(QUEUE, [])
    new = session.new  # built on each access: once per flush, not once per object (O(n²) for big flushes)
    pending = [o for o in queue if o in new and o.ledger_index is None]
    if not pending:
        return
    leaves, kinds = [], []
    for obj in pending:
        obj.recorded_at = obj.recorded_at or clock.now()
        obj.entry_nonce = obj.entry_nonce or ids.new_nonce()
        leaves.append(canonical_json(obj.to_entry()))
        kinds.append((obj.entry_type, obj.entry_id()))
    indices = SqlLog(session.connection()).append(leaves, kinds)
    for obj, index in zip(pending, indices, strict=True):
        obj.ledger_index = index
    session.info[APPENDED] = True


@event.listens_for(OrmSession, "before_commit")
def _sign(session: OrmSession) -> None:
    session.flush()
    if not session.info.pop(APPENDED, False):
        return
    signer: Signer | None = session.info.get(SIGNER)
    if signer is None:
        raise RuntimeError("a session that appends ledger entries needs a signer in session.info")
    SqlLog(session.connection()).sign(signer, clock.now())


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(QUEUE, None)
    session.info.pop(APPENDED, None)


def anchoring_info(signer: Signer) -> dict[str, Any]:
    """The ``session.info`` a writing session needs."""
    return {SIGNER: signer}


def text_sha256(text: str) -> str:
    """Free text a person typed, as the ledger may carry it: its SHA-256 (hex); the record keeps the text."""
    return hashlib.sha256(text.encode()).hexdigest()


__all__ = ["Anchored", "Session", "anchoring_info", "text_sha256"]
