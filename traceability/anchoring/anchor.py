"""The one mechanism that anchors records: whoever adds an ``Anchored`` record to a
write session, its ledger entry is appended in the same database transaction.

Services never call the ledger. They add records; ``before_flush`` turns every new
``Anchored`` object into its SPEC §5.2 entry (in the order the objects were added) and
gives it the next index of the write group it belongs to (``traceability.db``). The
group took the sequencing lock and read the log's size once when it began; when it
commits, the entries of all its members are appended in one go and one checkpoint
covering them is signed, in the same transaction, so a proof is available as soon as
any of its writes is acknowledged. A member that fails takes its entries with it.
"""

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import String, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel

from ledger.checkpoint import Signer
from ledger.entry import canonical_json, entry_leaf_hash, make_entry

from .. import clock, ids
from ..db import GROUP, GROUP_HOOKS, Group
from ..types import UtcDateTime
from .store import LedgerCorrupted, SqlLog

QUEUE = "cashew_anchor_queue"
PENDING = "cashew_ledger_pending"
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


@dataclass
class _Pending:
    """A group's entries, appended to the log once, when the group commits."""

    start: int  # the log's size when the group began (read once, under the sequencing lock)
    log: SqlLog  # the view that read it, and appends and signs when the group commits
    leaves: list[bytes] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    signer: Signer | None = None
    mark: int = 0  # len(leaves) when the running member began

    @property
    def next_index(self) -> int:
        return self.start + len(self.leaves)


@event.listens_for(OrmSession, "before_flush")
def _anchor(session: OrmSession, _context: Any, _instances: Any) -> None:
    queue = session.info.pop(QUEUE, [])
    new = session.new  # built on each access: once per flush, not once per object (O(n²) for big flushes)
    pending = [o for o in queue if o in new and o.ledger_index is None]
    if not pending:
        return
    group: Group | None = session.info.get(GROUP)
    if group is None:
        raise RuntimeError("anchored records are written in a write session (open_session(write=True))")
    log: _Pending = group.state[PENDING]
    signer: Signer | None = session.info.get(SIGNER)
    if signer is None:
        raise RuntimeError("a session that appends ledger entries needs a signer in session.info")
    log.signer = log.signer or signer
    for obj in pending:
        obj.recorded_at = obj.recorded_at or clock.now()
        obj.entry_nonce = obj.entry_nonce or ids.new_nonce()
        obj.ledger_index = log.next_index
        log.leaves.append(canonical_json(obj.to_entry()))
        log.kinds.append((obj.entry_type, obj.entry_id()))


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(QUEUE, None)


class _LedgerHooks:
    """The ledger's part in a write group: one sequencing lock, one append, one checkpoint."""

    def opened(self, group: Group) -> None:
        log = SqlLog(group.conn)  # the group's one view of the log: the head is read once, here
        size, _frontier = log.lock()  # PostgreSQL: the head row; SQLite holds the write lock
        group.state[PENDING] = _Pending(start=size, log=log)

    def left(self, group: Group, session: OrmSession, ok: bool) -> None:
        log: _Pending = group.state[PENDING]
        if not ok:  # the member's savepoint is gone: so are its entries (no gap: members run one at a time)
            del log.leaves[log.mark :], log.kinds[log.mark :]
        log.mark = len(log.leaves)

    def committing(self, group: Group) -> None:
        log: _Pending = group.state[PENDING]
        if not log.leaves:
            return
        sql = log.log
        indices = sql.append(log.leaves, log.kinds)
        if indices != list(range(log.start, log.next_index)):
            raise LedgerCorrupted(f"the group's entries got indices {indices[:1]}…, expected from {log.start}")
        assert log.signer is not None
        sql.sign(log.signer, clock.now())


GROUP_HOOKS.append(_LedgerHooks())


def anchoring_info(signer: Signer) -> dict[str, Any]:
    """The ``session.info`` a writing session needs."""
    return {SIGNER: signer}


def text_sha256(text: str) -> str:
    """Free text a person typed, as the ledger may carry it: its SHA-256 (hex); the record keeps the text."""
    return hashlib.sha256(text.encode()).hexdigest()


__all__ = ["Anchored", "Session", "anchoring_info", "text_sha256"]
