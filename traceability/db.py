"""Engines and sessions for SQLite (embedded) and PostgreSQL (production).

Write transactions are serialised by the ledger's head row (see
``anchoring.store``). On SQLite a write transaction also starts with
``BEGIN IMMEDIATE`` so that it holds the write lock from its first read:
a deferred transaction that reads, then writes, could otherwise fail with
"database is locked" instead of waiting its turn. Reads stay deferred and
run beside the writer thanks to WAL.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

WRITE = "cashew_write"


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


_writer_locks: dict[int, threading.Lock] = {}


def _writer_lock(engine: Engine) -> threading.Lock:
    return _writer_locks.setdefault(id(engine), threading.Lock())


def open_session(engine: Engine, *, write: bool = False, info: dict[str, Any] | None = None) -> Session:
    """A session whose first statement opens a (write) transaction.

    On SQLite, writers of one process first queue on a lock of their own: SQLite's
    busy handler makes waiting writers sleep and poll, which is unfair and gives
    multi-second tails under load. The lock is released when the transaction ends.
    """
    session = Session(engine, expire_on_commit=False)
    if info:
        session.info.update(info)
    if write:
        if is_sqlite(engine):
            lock = _writer_lock(engine)
            lock.acquire()
            session.info[_HELD] = lock
        try:
            session.connection(execution_options={WRITE: True})
        except BaseException:
            if (held := session.info.pop(_HELD, None)) is not None:
                held.release()
            session.close()
            raise
    return session


_HELD = "cashew_writer_lock"


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: Any) -> None:
    if transaction.parent is None and (lock := session.info.pop(_HELD, None)) is not None:
        lock.release()


@contextmanager
def unit_of_work(engine: Engine, *, info: dict[str, Any] | None = None) -> Iterator[Session]:
    """One write transaction: commit when the block ends, roll back on error."""
    session = open_session(engine, write=True, info=info)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
