"""Applying Alembic migrations programmatically (``cashew db upgrade``, ``make run``, tests)."""

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(url: str, engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("traceability") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(url: str, engine: Engine | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url, engine), revision)
