"""Masses, dates and decimals as the API speaks them (SPEC §4) and as entries store them (§5.2)."""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from . import rules

KG_PER_LB = Decimal("0.45359237")  # the international pound, exact by definition
M2_PER_HA = 10_000

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _strict_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("dates are written YYYY-MM-DD")
    return value


def _number(value: Any) -> Any:
    # JSON numbers only: a string or a boolean for a mass is a client bug worth reporting.
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError("must be a JSON number")
    return Decimal(str(value)) if isinstance(value, float) else value


IsoDate = Annotated[date, BeforeValidator(_strict_date)]
Kg = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0, max_digits=15, decimal_places=rules.MASS_DECIMALS, description="kilograms, > 0, at most 3 decimals"),
    PlainSerializer(float, return_type=float, when_used="json"),
]
KgOut = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Percent = Annotated[
    Decimal,
    BeforeValidator(_number),
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
