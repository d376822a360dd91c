"""Alembic environment: the URL comes from the caller's config (``cashew db upgrade``)."""

from alembic import context
from sqlalchemy import Connection, pool

from traceability.db import make_engine
from traceability.models import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url", ""), poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by rebuilding it (a "batch"): copy, drop, rename. Dropping a table
            # that other rows refer to (offers, which contracts name) fails while foreign keys are
            # enforced, so they are off during the migrations and checked, all of them, before commit.
            _foreign_keys(connection, "OFF")
        try:
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
        finally:
            if sqlite:
                _foreign_keys(connection, "ON")


def _foreign_keys(connection: Connection, state: str) -> None:
    """``PRAGMA foreign_keys`` on the driver's connection, outside any transaction (inside one it does nothing)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={state}")


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
