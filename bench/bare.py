"""The ceiling the API rows are compared to (SPEC §10): a bare FastAPI app on the same server.

``POST /insert`` stores its body as one row in one durable transaction, and ``GET /static``
answers a fixed 2 KB JSON document. On SQLite the connection is set up as
``traceability.db`` sets up ours (WAL, ``synchronous=FULL``, a busy timeout, ``BEGIN
IMMEDIATE`` for the write, and writers of one process queued on a lock of their own); on
PostgreSQL each insert is committed with the server's defaults (``synchronous_commit``
on). The endpoints are plain ``def`` functions, run in the server's thread pool like our
routers. Serve it with any ASGI server::

    BENCH_BARE_DATABASE_URL=sqlite:///bare.db uvicorn bench.bare:create_app --factory

It knows nothing of the project: only FastAPI and the database drivers.
"""

import json
import os
import sqlite3
import threading
from typing import Any

import psycopg
from fastapi import FastAPI
from fastapi.responses import Response

DATABASE_URL = "BENCH_BARE_DATABASE_URL"
TABLE = "CREATE TABLE IF NOT EXISTS bare_insert (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
PG_TABLE = "CREATE TABLE IF NOT EXISTS bare_insert (id bigserial PRIMARY KEY, body text NOT NULL)"

# About 2 KB: a buyer's page answer is of that size.
STATIC = json.dumps(
    {
        "lot_id": "KRN26-7KQ3M9XA",
        "product": "kernel",
        "grade": "W320",
        "origin": [{"country": "VN", "district": f"district-{n}", "share": "0.0625"} for n in range(16)],
        "farms": 16,
        "harvested": {"from": "2026-02-03", "to": "2026-05-28"},
        "processor": {"id": "P-0000000000", "district": "dong-xoai"},
        "certifications": ["eu_organic", "vietgap"],
        "ledger": {"index": 123456, "checkpoint_size": 123460, "verified": True},
        "notes": "x" * 800,
    },
    separators=(",", ":"),
).encode()
assert 2000 <= len(STATIC) <= 2100, len(STATIC)


class SqliteInserts:
    """One connection per thread, one durable transaction per insert."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()
        self.lock = threading.Lock()  # as traceability.db: one writer of this process at a time
        with sqlite3.connect(path) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(TABLE)

    def _connection(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self.local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=60000"):
                con.execute(f"PRAGMA {pragma}")
            self.local.con = con
        return con

    def insert(self, body: str) -> int:
        con = self._connection()
        with self.lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                row_id = con.execute("INSERT INTO bare_insert (body) VALUES (?)", (body,)).lastrowid
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return int(row_id or 0)


class PostgresInserts:
    """A small pool of psycopg connections, one committed insert each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.idle: list[psycopg.Connection[Any]] = []
        self.lock = threading.Lock()
        with psycopg.connect(url) as con:
            con.execute(PG_TABLE)

    def insert(self, body: str) -> int:
        with self.lock:
            con = self.idle.pop() if self.idle else psycopg.connect(self.url)
        try:
            with con.transaction():
                row = con.execute("INSERT INTO bare_insert (body) VALUES (%s) RETURNING id", (body,)).fetchone()
        except BaseException:
            con.close()
            raise
        with self.lock:
            self.idle.append(con)
        assert row is not None
        return int(row[0])


def inserts(url: str) -> SqliteInserts | PostgresInserts:
    """The store for a SQLAlchemy-style URL: ``sqlite:///path`` or ``postgresql+psycopg://…``."""
    if url.startswith("sqlite:///"):
        return SqliteInserts(url.removeprefix("sqlite:///"))
    return PostgresInserts(url.replace("postgresql+psycopg://", "postgresql://", 1))


def create_app() -> FastAPI:
    """The bare app, on the database named by ``BENCH_BARE_DATABASE_URL``."""
    store = inserts(os.environ[DATABASE_URL])
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/static")
    def static() -> Response:
        return Response(STATIC, media_type="application/json")

    @app.post("/insert", status_code=201)
    def insert(body: dict[str, Any]) -> dict[str, int]:
        return {"id": store.insert(json.dumps(body))}

    @app.get("/ready")
    def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app
