"""The one clock of the domain; seeds and tests pin it to make ledgers reproducible."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_now: ContextVar[Callable[[], datetime] | None] = ContextVar("cashew_clock", default=None)


def now() -> datetime:
    """Current UTC time, whole microseconds, timezone-aware."""
    fixed = _now.get()
    return fixed() if fixed else datetime.now(UTC)


def today() -> date:
    return now().date()


@contextmanager
def frozen(source: Callable[[], datetime]) -> Iterator[None]:
    """Run a block with ``now()`` answered by ``source`` (a fixed or stepping clock)."""
    token = _now.set(source)
    try:
        yield
    finally:
        _now.reset(token)
