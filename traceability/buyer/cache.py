"""The buyer's page at the cost of a lookup: views computed once per state of the log, and reused.

What a buyer's page says changes only by a write, and every write that changes it appends a
ledger entry (SPEC §5.2). Each request therefore reads the log's state — the head's size and
the latest signed checkpoint's size and root, one indexed read of two rows — and a view
computed at that same state is served as it was computed. The key comes from the database, not
from this process, so any number of workers and hosts sharing one database never serve a view
older than the log.

When the log has grown since a view was computed, the entries appended since are read (one
range read) and searched for the ids the view depends on (``BuyerPage.watched``). If none names
them, only the ledger check is done again: the checked records read again as stored, their
proofs against the new checkpoint in one node lookup. Otherwise, or when more than
``MAX_SCAN`` entries were appended, or the log is not the one the view was checked against, the
view is computed afresh.

A record rewritten behind the application's back (not a write: no entry) is caught by the
page's check the next time the log grows or the view leaves the cache, and by the audit at once.
"""

import base64
import contextlib
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, PoolProxiedConnection, select
from sqlmodel import Session

from ..anchoring.models import LedgerCheckpoint, LedgerEntry
from ..anchoring.store import SqlLog
from ..db import open_session
from ..errors import DomainError
from .schemas import BuyerView
from .service import BuyerPage, buyer_page, normalise_gtin, rechecked

CAPACITY = 1024  # pages kept per database: ~38 KiB each with JSON and both HTML languages, so ~40 MB at most
STRIPES = 64  # locks that let one thread at a time compute a page (pages share them by hash)
MAX_SCAN = 2000  # entries read to decide whether a view still holds; beyond, it is computed afresh

STRING = re.compile(rb'"([^"\\\\]*)"')  # every JSON string of an entry (keys too): ids are plain ASCII
_entry = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
# Two primary-key seeks in one statement, on SQLite and PostgreSQL alike.
STATE_SQL = (
    "SELECT h.size, c.size, c.root_hash, (SELECT count(*) FROM ledger_cosignature s WHERE s.size = c.size) "
    "FROM ledger_head h LEFT JOIN "
    "(SELECT size, root_hash FROM ledger_checkpoint ORDER BY size DESC LIMIT 1) c ON 1 = 1 WHERE h.id = 1"
)


class LogState(NamedTuple):
    """What the log looks like to one read transaction: entries, and the checkpoint that signs them."""

    size: int
    checkpoint_size: int | None
    checkpoint_root: bytes | None
    cosignatures: int = 0  # witnesses' cosignatures of that checkpoint so far (the page names them)


def log_state(conn: Connection) -> LogState:
    """The log's state, read in the connection's transaction (its first statement opens the snapshot)."""
    return _state(conn.exec_driver_sql(STATE_SQL).one())


def peek_state(engine: Engine) -> LogState:
    """The log's state as committed now, in one statement on a pooled connection (no ORM, no transaction
    of SQLAlchemy's: a fifth of the cost of ``log_state``, and this is all a cache hit reads)."""
    raw = engine.raw_connection()
    try:
        return _read_state(raw)
    finally:
        raw.close()  # back to the pool, which ends any transaction the driver opened


def _read_state(conn: PoolProxiedConnection) -> LogState:
    cursor = conn.cursor()
    try:
        cursor.execute(STATE_SQL)
        row = cursor.fetchone()
    finally:
        cursor.close()
    assert row is not None, "the ledger head row is missing"
    return _state(row)


def _state(row: Sequence[Any]) -> LogState:
    return LogState(
        int(row[0]),
        None if row[1] is None else int(row[1]),
        None if row[2] is None else bytes(row[2]),
        int(row[3] or 0),
    )


@dataclass
class CachedPage:
    """A page as served at one state of the log, with its renditions (JSON, HTML per language)."""

    page: BuyerPage
    state: LogState
    renditions: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    @property
    def view(self) -> BuyerView:
        return self.page.view

    def rendition(self, name: str, render: Callable[[BuyerView], bytes]) -> tuple[bytes, str]:
        """The view rendered as ``name`` and its validator (a digest of the bytes), once per cached page."""
        found = self.renditions.get(name)
        if found is None:
            body = render(self.page.view)
            found = self.renditions[name] = (body, etag(body))
        return found


@dataclass
class Stats:
    hits: int = 0
    rechecks: int = 0  # the log grew, nothing the view depends on changed: only the ledger check was redone
    misses: int = 0


class BuyerPages:
    """A bounded LRU of buyer's pages for one database, safe to share between threads."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self.stats = Stats()
        self._pages: OrderedDict[tuple[str, str, str], CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(STRIPES)]
        self._own = threading.Lock()  # the connection of ``rendered``, one caller at a time
        self._conn: PoolProxiedConnection | None = None

    def __len__(self) -> int:
        return len(self._pages)

    def page(self, engine: Engine, *, gtin: str, lot_id: str, base_url: str) -> CachedPage:
        """The page of a (GTIN, lot) pair as of the log's state now; NotFound for an unknown pair (never
        cached: a pair may start to resolve without any entry, when a GTIN is first assigned).

        A hit costs one statement (``peek_state``); anything else is read in one read transaction.
        """
        key = (normalise_gtin(gtin), lot_id, base_url)
        cached = self._lookup(key)
        if cached is not None and cached.state == peek_state(engine):
            self.stats.hits += 1
            return cached
        # One computation of a page at a time: when a write changes the state, the clients waiting for
        # the page wait for one recheck instead of each doing it.
        with self._stripes[hash(key) % STRIPES], open_session(engine) as session:
            cached = self._lookup(key)
            state = log_state(session.connection())  # the transaction's first statement: its snapshot
            if cached is not None and cached.state == state:
                self.stats.hits += 1
                return cached
            page = None if cached is None else _still_holds(session, cached, state)
            if page is not None:
                self.stats.rechecks += 1
            else:
                self.stats.misses += 1
                checkpoint = _checkpoint(session, state)
                page = buyer_page(session, gtin=gtin, lot_id=lot_id, base_url=base_url, checkpoint=checkpoint)
            fresh = CachedPage(page, state)
            with self._lock:
                self._pages[key] = fresh
                self._pages.move_to_end(key)
                while len(self._pages) > self.capacity:
                    self._pages.popitem(last=False)
            return fresh

    def rendered(
        self, engine: Engine, *, gtin: str, lot_id: str, base_url: str, names: Sequence[str]
    ) -> list[tuple[bytes, str]] | None:
        """The renditions ``names`` of the page, if all were already rendered at the log's state now; else None.

        Never waits: the state is read on a connection of the cache's own (given up, None, when another
        caller has it or it fails), so this is cheap enough for an event loop on SQLite.
        """
        try:
            key = (normalise_gtin(gtin), lot_id, base_url)
        except DomainError:
            return None
        cached = self._lookup(key)
        if cached is None or any(name not in cached.renditions for name in names):
            return None
        found = [cached.renditions[name] for name in names]
        if not self._own.acquire(blocking=False):
            return None
        try:
            if self._conn is None:  # taken from the pool once and kept: never waits for the pool again
                self._conn = engine.raw_connection()
                self._conn.detach()
            state = _read_state(self._conn)
        except Exception:  # whatever went wrong, the ordinary path will meet it and say so
            self._drop_connection()
            return None
        finally:
            self._own.release()
        if cached.state != state:
            return None
        self.stats.hits += 1
        return found

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close; it is dropped anyway
                conn.close()

    def _lookup(self, key: tuple[str, str, str]) -> CachedPage | None:
        with self._lock:
            cached = self._pages.get(key)
            if cached is not None:
                self._pages.move_to_end(key)
            return cached

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def etag(body: bytes) -> str:
    """A strong validator of one rendition: it changes whenever a byte of it does."""
    return '"' + base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:18]).decode() + '"'


def _checkpoint(session: Session, state: LogState) -> LedgerCheckpoint | None:
    """The checkpoint ``state`` names (read by its size, so that the check is against exactly it)."""
    if state.checkpoint_size is None:
        return None
    return SqlLog(session.connection()).checkpoint_at(state.checkpoint_size)


def _still_holds(session: Session, cached: CachedPage, state: LogState) -> BuyerPage | None:
    """The cached page with its ledger check redone against ``state``'s checkpoint, if no entry appended
    since it was computed names what it depends on; None when it must be computed afresh."""
    old = cached.state
    if state.size < old.size or state.size - old.size > MAX_SCAN:
        return None  # another log (a restored database), or too much to read
    if old.checkpoint_size is not None:
        then = SqlLog(session.connection()).checkpoint_at(old.checkpoint_size)
        if then is None or bytes(then.root_hash) != old.checkpoint_root:
            return None  # not the log the page was checked against
    if state.size > old.size:
        rows = session.connection().execute(
            select(_entry.c.leaf_data).where(_entry.c.idx >= old.size, _entry.c.idx < state.size)
        )
        watched = cached.page.watched
        for (leaf,) in rows:
            if not watched.isdisjoint(s.decode(errors="replace") for s in STRING.findall(bytes(leaf))):
                return None
    return rechecked(session, cached.page, _checkpoint(session, state))


_by_engine: WeakKeyDictionary[Engine, BuyerPages] = WeakKeyDictionary()
_by_engine_lock = threading.Lock()


def pages_for(engine: Engine) -> BuyerPages:
    """The cache of buyer's pages of one database (one per engine, so per process and database)."""
    with _by_engine_lock:
        pages = _by_engine.get(engine)
        if pages is None:
            pages = _by_engine[engine] = BuyerPages()
        return pages


__all__ = [
    "CAPACITY",
    "MAX_SCAN",
    "BuyerPages",
    "CachedPage",
    "LogState",
    "etag",
    "log_state",
    "pages_for",
    "peek_state",
]
