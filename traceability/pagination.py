"""Keyset pagination shared by every list (SPEC §4: ``limit`` ≤ 500, opaque ``cursor``).

A list is ordered by a unique key: one column, or a tuple of columns read most
significant first (``(Lot.created_at, Lot.lot_id)``). The cursor holds the key of the
last row served, so a page starts where the previous one ended whatever was written in
between: with a key that grows with every new record, a client paging through a list
sees each record that existed when it began exactly once.
"""

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, and_, or_, select, union
from sqlmodel import Session

from .errors import RuleViolation

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_INDEX = 2**63 - 1  # a BIGINT on every database

T = TypeVar("T")
Parse = Callable[[str], Any]


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


class PageRead(BaseModel, Generic[T]):
    """A page of a list as the API answers it (SPEC §4)."""

    items: list[T]
    next_cursor: str | None


def _invalid() -> RuleViolation:
    return RuleViolation("the cursor is not one this API returned; start again without it", code="invalid_cursor")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise _invalid() from None
    if any(ord(c) < 0x20 for c in text):  # no database compares a NUL the same way, PostgreSQL refuses it
        raise _invalid()
    return text


def index_of(text: str) -> int:
    """A ledger index read from a cursor (parse for keys on ``ledger_index``)."""
    value = int(text)
    if not 0 <= value <= MAX_INDEX:
        raise ValueError(text)
    return value


def utc_of(text: str) -> datetime:
    """A time read from a cursor (parse for keys on ``created_at``): RFC 3339 with its offset."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(text)
    return value


def _columns(key: Any) -> tuple[Any, ...]:
    return tuple(key) if isinstance(key, tuple) else (key,)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _after(columns: tuple[Any, ...], cursor: str | None, parse: Parse | Sequence[Parse]) -> tuple[Any, ...] | None:
    """The key values a cursor holds, read by ``parse`` (one function, or one per column)."""
    text = decode_cursor(cursor)
    if text is None:
        return None
    parsers = tuple(parse) if isinstance(parse, Sequence) else (parse,) * len(columns)
    try:
        raw = [text] if len(columns) == 1 else json.loads(text)
        if not isinstance(raw, list) or len(raw) != len(columns) or not all(isinstance(v, str) for v in raw):
            raise ValueError(text)
        return tuple(p(v) for p, v in zip(parsers, raw, strict=True))
    except (ValueError, OverflowError, RecursionError):
        raise _invalid() from None


def _cursor(columns: tuple[Any, ...], row: Any) -> str:
    values = [_text(getattr(row, c.key)) for c in columns]
    text = values[0] if len(values) == 1 else json.dumps(values)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _ranged(stmt: Select[Any], columns: tuple[Any, ...], after: tuple[Any, ...] | None, limit: int) -> Select[Any]:
    """``stmt`` from just after ``after``, in key order, ``limit`` rows. The first column is a plain
    range (``>=``), which an index ending in the key columns scans from; the rest break its ties."""
    if after is not None:
        if len(columns) == 1:
            stmt = stmt.where(columns[0] > after[0])
        else:
            later = [
                and_(*(c == v for c, v in zip(columns[:i], after[:i], strict=True)), columns[i] > after[i])
                for i in range(len(columns))
            ]
            stmt = stmt.where(columns[0] >= after[0], or_(*later))
    return stmt.order_by(*columns).limit(limit)


def _page(rows: list[Any], columns: tuple[Any, ...], limit: int) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _cursor(columns, rows[-1]) if more else None)


def paginate(
    session: Session,
    stmt: Select[Any],
    key: Any,
    *,
    limit: int,
    cursor: str | None,
    parse: Parse | Sequence[Parse] = str,
) -> Page:
    """Rows of ``stmt`` ordered by the unique ``key`` (a column or a tuple of columns), after ``cursor``.

    ``parse`` reads a key value back from the cursor's text: one function, or one per column.
    """
    columns = _columns(key)
    after = _after(columns, cursor, parse)
    return _page(list(session.scalars(_ranged(stmt, columns, after, limit + 1))), columns, limit)


def paginate_union(
    session: Session,
    stmts: Sequence[Select[Any]],
    key: Any,
    *,
    limit: int,
    cursor: str | None,
    parse: Parse | Sequence[Parse] = str,
) -> Page:
    """Rows of one table that any of ``stmts`` selects, each once, ordered by ``key``, after ``cursor``
    (one statement: ``paginate``).

    Each statement is read as its own range (the first ``limit + 1`` rows after the cursor,
    along its own index) and the database merges those few rows: a party's records in two
    roles (holder and sender, buyer and seller) are one list without a scan of either.
    Requires every statement to select the same table's entity, with no duplicate rows.
    """
    if len(stmts) == 1:
        return paginate(session, stmts[0], key, limit=limit, cursor=cursor, parse=parse)
    columns = _columns(key)
    after = _after(columns, cursor, parse)
    entity = stmts[0].column_descriptions[0]["entity"]
    pk = columns[0].table.primary_key.columns.values()
    wanted = [*columns, *(c for c in pk if c.key not in {k.key for k in columns})]
    arms = [_ranged(s.with_only_columns(*wanted), columns, after, limit + 1).subquery() for s in stmts]
    merged = union(*(select(*(arm.c[c.key] for c in pk)) for arm in arms)).subquery()
    stmt = select(entity).where(and_(*(c == merged.c[c.key] for c in pk)))
    return _page(list(session.scalars(_ranged(stmt, columns, None, limit + 1))), columns, limit)
