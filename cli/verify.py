"""``cashew verify`` (to be written)."""

from pathlib import Path


def run_verify(source: str, *, vkey: str | None, since: Path | None, as_json: bool) -> int:
    raise NotImplementedError
