"""Keyset pagination shared by every list (SPEC §4: ``limit`` ≤ 500, opaque ``cursor``)."""

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session

from .errors import RuleViolation

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise RuleViolation(
            "the cursor is not one this API returned; start again without it", code="invalid_cursor"
        ) from None


def paginate(
    session: Session, stmt: Select[Any], key: Any, *, limit: int, cursor: str | None, parse: Callable[[str], Any] = str
) -> Page:
    """Rows of ``stmt`` ordered by the unique column ``key`` (a string, or what ``parse`` reads), after ``cursor``."""
    after = decode_cursor(cursor)
    if after is not None:
        try:
            stmt = stmt.where(key > parse(after))
        except ValueError:
            raise RuleViolation(
                "the cursor is not one this API returned; start again without it", code="invalid_cursor"
            ) from None
    rows = list(session.scalars(stmt.order_by(key).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        base64.urlsafe_b64encode(str(getattr(rows[-1], key.key)).encode()).decode().rstrip("=") if more else None
    )
    return Page(rows, next_cursor)
