"""The ledger's storage in the application database (the SQL side of ``ledger.store.LogStore``).

Sequencing: every append first locks the single ``ledger_head`` row
(``SELECT … FOR UPDATE``; on SQLite the write transaction already holds the
database's write lock from ``BEGIN IMMEDIATE``). Indices are therefore handed
out one transaction at a time, with no gap and no fork, on any number of
processes and hosts; the lock is released by the same commit that stores the
records and their entries.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select, update

from ledger.checkpoint import Checkpoint, Signer, sign_checkpoint
from ledger.hashing import leaf_hash
from ledger.tree import NodeID, append_leaf, frontier_root, root

from .models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode

HASH = 32
NODES_PER_QUERY = 200
# The Core tables (SQLModel sets ``__table__`` without declaring it; the metadata's tables are typed).
_head = LedgerHead.metadata.tables[LedgerHead.__tablename__]
_entry = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_node = LedgerNode.metadata.tables[LedgerNode.__tablename__]
_checkpoint = LedgerCheckpoint.metadata.tables[LedgerCheckpoint.__tablename__]


@lru_cache(maxsize=256)
def _nodes_sql(mark: str, count: int) -> str:
    """Point lookups of ``count`` nodes, built once per count (an OR of primary-key equalities:
    SQLite turns a row-value ``IN`` into a full scan, and SQLAlchemy would rebuild the expression
    on every proof)."""
    where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * count)
    return f"SELECT level, idx, hash FROM ledger_node WHERE {where}"


class LedgerCorrupted(RuntimeError):
    """The stored nodes disagree with the head: refuse to sign anything."""


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + HASH] for i in range(0, len(frontier), HASH)]


class SqlLog:
    """A ``LogStore`` over one SQLAlchemy connection (inside the caller's transaction)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"

    # -- reading ---------------------------------------------------------------
    def size(self) -> int:
        return int(self.conn.execute(select(_head.c.size).where(_head.c.id == 1)).scalar_one())

    def get_nodes(self, ids: Sequence[NodeID]) -> list[bytes]:
        found = self._lookup(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise LedgerCorrupted(f"ledger nodes missing from storage: {missing[:5]}")
        return [found[i] for i in ids]

    def stored_nodes(self, ids: Sequence[NodeID]) -> list[bytes | None]:
        """Like ``get_nodes``, with None for a node that is not stored (the audit reports it)."""
        found = self._lookup(ids)
        return [found.get(i) for i in ids]

    def _lookup(self, ids: Sequence[NodeID]) -> dict[NodeID, bytes]:
        wanted = list(dict.fromkeys(ids))
        found: dict[NodeID, bytes] = {}
        for start in range(0, len(wanted), NODES_PER_QUERY):  # SQLite caps an expression's depth at 1,000
            chunk = wanted[start : start + NODES_PER_QUERY]
            params = tuple(v for node in chunk for v in node)
            rows = self.conn.exec_driver_sql(_nodes_sql(self._mark, len(chunk)), params)
            found.update(((lv, ix), bytes(h)) for lv, ix, h in rows)
        return found

    def nodes_at(self, level: int, start: int, end: int) -> list[bytes]:
        """Hashes of nodes (level, start..end-1), in order (a tile is one such range)."""
        rows = self.conn.execute(
            select(_node.c.hash)
            .where(_node.c.level == level, _node.c.idx >= start, _node.c.idx < end)
            .order_by(_node.c.idx)
        )
        return [bytes(h) for (h,) in rows]

    def leaf_data(self, index: int) -> bytes:
        return bytes(self.conn.execute(select(_entry.c.leaf_data).where(_entry.c.idx == index)).scalar_one())

    def root(self, size: int | None = None) -> bytes:
        return root(self, self.size() if size is None else size)

    # -- writing ---------------------------------------------------------------
    def head(self) -> tuple[int, list[bytes]]:
        """(size, frontier) as stored, without taking the sequencing lock."""
        row = self.conn.execute(select(_head.c.size, _head.c.frontier).where(_head.c.id == 1)).one()
        return int(row.size), _split(bytes(row.frontier))

    def lock(self) -> tuple[int, list[bytes]]:
        """Take the sequencing lock for this transaction; return (size, frontier)."""
        row = self.conn.execute(select(_head.c.size, _head.c.frontier).where(_head.c.id == 1).with_for_update()).one()
        return int(row.size), _split(bytes(row.frontier))

    def append(self, leaves: Sequence[bytes], kinds: Sequence[tuple[str, str]] | None = None) -> list[int]:
        """Append leaf data (with optional (type, record_id) labels); return their indices."""
        size, frontier = self.lock()
        entries: list[tuple[int, str, str, bytes]] = []
        nodes: list[tuple[int, int, bytes]] = []
        for offset, data in enumerate(leaves):
            entry_type, record_id = kinds[offset] if kinds else ("", "")
            entries.append((size, entry_type, record_id, data))
            frontier, created = append_leaf(frontier, size, leaf_hash(data))
            nodes.extend((lv, ix, h) for (lv, ix), h in created)
            size += 1
        if entries:
            m = self._mark
            # Plain tuples through the driver's executemany: several times faster than ORM/Core dicts for bulk loads.
            self.conn.exec_driver_sql(
                f"INSERT INTO ledger_entry (idx, type, record_id, leaf_data) VALUES ({m}, {m}, {m}, {m})", entries
            )
            self.conn.exec_driver_sql(f"INSERT INTO ledger_node (level, idx, hash) VALUES ({m}, {m}, {m})", nodes)
            self.conn.execute(update(_head).where(_head.c.id == 1).values(size=size, frontier=b"".join(frontier)))
        return [e[0] for e in entries]

    # -- checkpoints -------------------------------------------------------------
    def latest_checkpoint(self) -> LedgerCheckpoint | None:
        row = self.conn.execute(select(_checkpoint).order_by(_checkpoint.c.size.desc()).limit(1)).first()
        return LedgerCheckpoint(**row._mapping) if row else None

    def checkpoint_at(self, size: int) -> LedgerCheckpoint | None:
        row = self.conn.execute(select(_checkpoint).where(_checkpoint.c.size == size)).first()
        return LedgerCheckpoint(**row._mapping) if row else None

    def sign(self, signer: Signer, at: datetime) -> LedgerCheckpoint:
        """Sign the current head, after checking the stored nodes give the head's root.

        Requires the sequencing lock (call inside the appending transaction).
        Never signs a size below the latest checkpoint, nor a second root for one size.
        """
        size, frontier = self.lock()
        expected = frontier_root(frontier)
        computed = root(self, size)
        if computed != expected:
            raise LedgerCorrupted(f"stored nodes give root {computed.hex()} but the head says {expected.hex()}")
        latest = self.latest_checkpoint()
        if latest is not None and (latest.size > size or (latest.size == size and latest.root_hash != computed)):
            raise LedgerCorrupted(f"refusing to sign size {size}: checkpoint at size {latest.size} exists")
        if latest is not None and latest.size == size:
            return latest
        note = sign_checkpoint(Checkpoint(signer.name, size, computed), signer)
        values: dict[str, Any] = {"size": size, "root_hash": computed, "note": note, "signed_at": at}
        self.conn.execute(_checkpoint.insert().values(**values))
        return LedgerCheckpoint(**values)

    def checkpoint_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(_checkpoint)).scalar_one())


__all__ = ["LedgerCorrupted", "SqlLog"]
