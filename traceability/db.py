"""Engines and sessions for SQLite (embedded) and PostgreSQL (production).

Reads run in their own deferred transactions, beside the writers (WAL on SQLite).

Writes are grouped (group commit): every write session of a process joins the open
*group*, one database transaction on one connection. Its members run one after
another, each in a savepoint of its own: a member that fails rolls back its savepoint
and nothing of it is written, while the others carry on. When a member finishes and
nobody is waiting to join, the group commits (one commit, one fsync for all of them),
and only then is each member's commit acknowledged to its caller. A member that wants
to know more about groups (the ledger appends and signs once per group) registers a
``GroupHooks`` in ``GROUP_HOOKS``.

Across processes and hosts the groups are serialised by the database: on SQLite a
group begins with ``BEGIN IMMEDIATE`` (it holds the write lock from its first read),
after an exclusive ``flock`` of a lock file beside the database, so that waiting
processes queue in the kernel instead of SQLite's sleeping busy handler (unfair, with
multi-second tails); on PostgreSQL the hooks lock a row (the ledger's head).
"""

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session

WRITE = "cashew_write"
GROUP = "cashew_group"
MAX_GROUP = 64  # members per group: bounds the latency a group adds to its first member


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the pragmas and pool this product relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 60})
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 20)  # API worker threads share these
        kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB of pages per connection (default 2 MiB): season reads
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def open_session(engine: Engine, *, write: bool = False, info: dict[str, Any] | None = None) -> Session:
    """A read session (its own deferred transaction), or, with ``write``, a member of the
    process's open write group (see ``WriteSession``)."""
    if write:
        return _sequencer(engine).join(info or {})
    session = Session(engine, expire_on_commit=False)
    if info:
        session.info.update(info)
    return session


@contextmanager
def unit_of_work(engine: Engine, *, info: dict[str, Any] | None = None) -> Iterator[Session]:
    """One write: committed (durably) when the block ends, rolled back on error."""
    session = open_session(engine, write=True, info=info)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# -- groups -------------------------------------------------------------------------------


@dataclass(eq=False)
class Group:
    """One write transaction shared by the members that join it while it is open."""

    conn: Connection
    state: dict[str, Any] = field(default_factory=dict)  # the hooks' own (the ledger's pending entries)
    members: int = 0  # joined so far
    durable: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupHooks(Protocol):
    """What a group tells the parts that write with it (all called on the group's connection)."""

    def opened(self, group: Group) -> None:
        """The transaction has begun, before its first member runs."""

    def left(self, group: Group, session: Session, ok: bool) -> None:
        """A member is done: its savepoint released (``ok``) or rolled back."""

    def committing(self, group: Group) -> None:
        """Just before the group's one commit."""


GROUP_HOOKS: list[GroupHooks] = []


class GroupFailed(RuntimeError):
    """The group this write belonged to could not commit: the write did not happen."""


class WriteSession(Session):
    """A member of a write group, in a savepoint of the group's transaction.

    ``commit`` releases the savepoint, then returns once the group has committed
    durably. A write session commits once; ``rollback`` (or ``close``) gives its turn
    up and writes nothing.
    """

    _sequencer: "_Sequencer | None"
    _group: Group | None
    _settled: Group | None

    def commit(self) -> None:
        group = self._member()
        try:
            super().commit()
        except BaseException:
            self.rollback()
            raise
        self._leave(group, ok=True)
        self.settle(group)

    def rollback(self) -> None:
        super().rollback()
        if self._group is not None:
            self._leave(self._group, ok=False)

    def close(self) -> None:
        if self._group is not None:
            self.rollback()
        super().close()

    def settle(self, group: Group | None = None) -> None:
        """Wait until the group this session was part of has committed (or failed)."""
        group = group or self._settled
        if group is None:
            return
        group.durable.wait()
        if group.error is not None:
            raise GroupFailed(f"the write could not be committed: {group.error}") from group.error

    def _member(self) -> Group:
        if self._group is None:
            raise InvalidRequestError("this write session has already committed or rolled back")
        return self._group

    def _leave(self, group: Group, ok: bool) -> None:
        sequencer, self._group, self._settled = self._sequencer, None, group
        assert sequencer is not None
        sequencer.leave(group, self, ok)


class _Sequencer:
    """Hands out the turn on a process's write group, and commits groups."""

    def __init__(self, engine: Engine):
        self.engine = weakref.ref(engine)  # the engine keeps its sequencer alive, not the other way round
        self.cond = threading.Condition()
        self.busy = False  # a member holds the turn
        self.waiting = 0
        self.group: Group | None = None
        # SQLite: one writing group per process at a time, and across processes a kernel queue.
        self.db_lock = threading.Lock() if is_sqlite(engine) else None
        self.lock_fd = _lock_file(engine)

    def join(self, info: dict[str, Any]) -> WriteSession:
        with self.cond:
            self.waiting += 1
            while self.busy:
                self.cond.wait()
            self.waiting -= 1
            self.busy = True
        if self.group is None:
            try:
                self.group = self._open()
            except BaseException:
                self._handoff()
                raise
        group = self.group
        group.members += 1
        session = WriteSession(bind=group.conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        session.info.update(info)
        session.info[GROUP] = group
        session._sequencer, session._group, session._settled = self, group, None
        try:
            session.connection()  # the member's savepoint
        except BaseException:
            session.rollback()
            raise
        return session

    def leave(self, group: Group, session: Session, ok: bool) -> None:
        """Called with the turn held: the member is done; commit the group if nobody waits."""
        try:
            for hooks in GROUP_HOOKS:
                hooks.left(group, session, ok)
        except BaseException as exc:  # the group's pending state is unusable: fail it as a whole
            self.group = None
            self._handoff()
            self._fail(group, exc)
            return
        with self.cond:
            if self.waiting and group.members < MAX_GROUP:
                self.busy = False
                self.cond.notify()
                return
            self.group = None  # the next member opens the next group, beside this commit
            self.busy = False
            self.cond.notify()
        self._commit(group)

    def _handoff(self) -> None:
        with self.cond:
            self.busy = False
            self.cond.notify()

    def _open(self) -> Group:
        if self.db_lock is not None:
            self.db_lock.acquire()
        try:
            if self.lock_fd is not None:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
            try:
                engine = self.engine()
                assert engine is not None, "a sequencer lives only as long as its engine"
                conn = engine.connect().execution_options(**{WRITE: True})
                try:
                    conn.begin()
                    group = Group(conn)
                    for hooks in GROUP_HOOKS:
                        hooks.opened(group)
                    return group
                except BaseException:
                    conn.close()
                    raise
            except BaseException:
                if self.lock_fd is not None:
                    fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
                raise
        except BaseException:
            if self.db_lock is not None:
                self.db_lock.release()
            raise

    def _commit(self, group: Group) -> None:
        try:
            for hooks in GROUP_HOOKS:
                hooks.committing(group)
            group.conn.commit()
        except BaseException as exc:
            self._fail(group, exc)
            return
        self._close(group)
        group.durable.set()

    def _fail(self, group: Group, exc: BaseException) -> None:
        group.error = exc
        self._discard(group)
        group.durable.set()

    def _discard(self, group: Group) -> None:
        try:
            group.conn.rollback()
        finally:
            self._close(group)
        if self.group is group:
            self.group = None

    def _close(self, group: Group) -> None:
        try:
            group.conn.close()
        finally:
            if self.lock_fd is not None:
                fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            if self.db_lock is not None:
                self.db_lock.release()


def _lock_file(engine: Engine) -> int | None:
    """An open descriptor of ``<database>-writer`` (SQLite files only), kept for the process's life."""
    database = engine.url.database if is_sqlite(engine) else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


_sequencers: "weakref.WeakKeyDictionary[Engine, _Sequencer]" = weakref.WeakKeyDictionary()
_sequencers_lock = threading.Lock()


def _sequencer(engine: Engine) -> _Sequencer:
    with _sequencers_lock:
        found = _sequencers.get(engine)
        if found is None:
            found = _sequencers[engine] = _Sequencer(engine)
            if found.lock_fd is not None:
                weakref.finalize(engine, os.close, found.lock_fd)
        return found


def settle(session: Session) -> None:
    """Wait until the write group a (finished) write session was part of has committed."""
    if isinstance(session, WriteSession):
        session.settle()


def waiting_writers(engine: Engine) -> int:
    """Write sessions of this process waiting for their turn in the open group."""
    sequencer = _sequencers.get(engine)
    return 0 if sequencer is None else sequencer.waiting
