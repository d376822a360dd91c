"""The one clock of the domain; seeds and tests pin it to make ledgers reproducible."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone

from .errors import RuleViolation

VIETNAM_TIME = timezone(timedelta(hours=7))  # no daylight saving in Vietnam

_now: ContextVar[Callable[[], datetime] | None] = ContextVar("cashew_clock", default=None)


def now() -> datetime:
    """Current UTC time, whole microseconds, timezone-aware."""
    fixed = _now.get()
    return fixed() if fixed else datetime.now(UTC)


def today() -> date:
    return now().date()


def local_today() -> date:
    """Today in Vietnam: the date a farmer or a clerk writes on a form."""
    return now().astimezone(VIETNAM_TIME).date()


def not_in_future(day: date, field: str) -> None:
    """Dates are the farmer's local dates: 'today' is today in Vietnam, not in UTC."""
    if day > local_today():
        raise RuleViolation(f"{field} {day.isoformat()} is in the future", code="date_in_future")


@contextmanager
def frozen(source: Callable[[], datetime]) -> Iterator[None]:
    """Run a block with ``now()`` answered by ``source`` (a fixed or stepping clock)."""
    token = _now.set(source)
    try:
        yield
    finally:
        _now.reset(token)
