"""Masses, dates and decimals as the API speaks them (SPEC §4) and as entries store them (§5.2)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

from . import clock, rules

KG_PER_LB = Decimal("0.45359237")  # the international pound, exact by definition
M2_PER_HA = 10_000

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?")


def _strict_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("dates are written YYYY-MM-DD")
    return value


def _exact(value: Any) -> Any:
    # A float read from JSON becomes the decimal it was written as (1200.5, not 1200.4999…);
    # that it is a number at all is the schemas' policy (traceability.schemas).
    return Decimal(str(value)) if isinstance(value, float) else value


def _decimal_text(value: str) -> str:
    if not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError('a decimal written as a string of the digits 0-9 and one point, e.g. "2.95"')
    return value


def _moment(value: datetime) -> datetime:
    if value.tzinfo is None:  # "2026-06-01" or a time with no offset: Vietnam's local time
        value = value.replace(tzinfo=clock.VIETNAM_TIME)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: the time must fall within the years 1 to 9999 in UTC") from None


IsoDate = Annotated[date, BeforeValidator(_strict_date)]
DecimalText = Annotated[str, AfterValidator(_decimal_text)]
"""A decimal given as a string (a price): ASCII ``[0-9]+(\\.[0-9]+)?``, never other scripts' digits."""
Moment = Annotated[datetime, AfterValidator(_moment)]
"""An RFC 3339 time a client sends (a filter): read as Vietnam's time without an offset, kept in UTC."""
Kg = Annotated[
    Decimal,
    BeforeValidator(_exact),
    Field(gt=0, max_digits=15, decimal_places=rules.MASS_DECIMALS, description="kilograms, > 0, at most 3 decimals"),
    PlainSerializer(float, return_type=float, when_used="json"),
]
KgOut = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Percent = Annotated[
    Decimal,
    BeforeValidator(_exact),
    Field(ge=0, le=100, max_digits=5, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]


def grams(kg: Decimal) -> int:
    """Requires at most 3 decimals (the schemas enforce it)."""
    return int(kg * 1000)


def kilograms(g: int) -> Decimal:
    return Decimal(g) / 1000


def decimal_text(value: Decimal) -> str:
    """A decimal for an entry: plain notation, no exponent, no trailing zeros ("9.5", "12")."""
    text = format(value.normalize(), "f")
    return text


def hectares(m2: int | float | Decimal) -> Decimal:
    """Square metres as hectares, exactly (a float is taken at its shortest repr)."""
    return Decimal(str(m2) if isinstance(m2, float) else m2) / M2_PER_HA


def square_metres(ha: Decimal) -> int:
    """Hectares as whole square metres (what entries store: ``area_m2``)."""
    return int(ha * M2_PER_HA)
