"""Settings read from the environment (prefix ``CASHEW_``) and an optional ``.env`` file."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of SPEC §3; tests build their own instance instead of touching the cache."""

    model_config = SettingsConfigDict(env_prefix="CASHEW_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./data/cashew.db"
    admin_token: str | None = None
    log_origin: str = "cashew.local/ledger"
    log_key_file: Path = Path("./data/log.key")
    public_base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 1_000_000
    witness_policy: Path | None = None  # the witnesses asked to cosign checkpoints, and the quorum (SPEC §5.7)


@lru_cache
def get_settings() -> Settings:
    return Settings()
