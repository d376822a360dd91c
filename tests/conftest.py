"""Fixtures: every database test runs on a real SQLite file and, when
CASHEW_TEST_DATABASE_URL is set (CI sets it), again on a real PostgreSQL.
The provenance bundle fixtures (``log``, ``bundle``) come from ``tests.bundles``."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from api.app import create_app
from traceability.db import make_engine
from traceability.migrate import upgrade
from traceability.models import metadata
from traceability.settings import Settings

pytest_plugins = ["tests.bundles"]

PG_URL = os.environ.get("CASHEW_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
ADMIN_TOKEN = "test-admin-token"
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_report_header() -> str:
    return f"database backends: {', '.join(BACKENDS)}" + (
        "" if PG_URL else " (set CASHEW_TEST_DATABASE_URL for PostgreSQL)"
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "cashew.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(f"sqlite:///{path}", engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own on the same server (``test_gw0``…)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    assert PG_URL
    url = worker_database(PG_URL)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(url, engine)
    engine.dispose()
    return url


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO ledger_head (id, size, frontier) VALUES (1, 0, '')"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "cashew.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_migrated")
    reset_postgres(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        log_origin="test.cashew.local/ledger",
        log_key_file=tmp_path / "keys" / "log.key",
        public_base_url="http://testserver",
        _env_file=None,
    )


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def shared_vectors() -> Path:
    vectors = SHARED / "vectors"
    if not vectors.is_dir():
        pytest.skip(f"test vectors not found at {vectors} (they live beside the repository, in ../shared/vectors)")
    return vectors
