"""Lots: a quantity of one product that one party holds, with its origin and parents.

A lot's row is its *current state* (quantity, holder, status); what created or
moved it is recorded by anchored records (harvest, split, batch…), never by
editing history. Origin shares are kept per farm or country so that mixing
(issue of processing) can carry them through any depth by mass.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Float, Index
from sqlmodel import Field, SQLModel

from ..types import UtcDateTime


class Product(StrEnum):
    rcn = "rcn"  # raw cashew nuts, in shell
    kernel = "kernel"
    shell = "shell"
    testa = "testa"
    reject = "reject"


class LotStatus(StrEnum):
    held = "held"
    in_transit = "in_transit"
    consumed = "consumed"
    shipped = "shipped"
    recalled = "recalled"  # reached by a recall (SPEC §6.5): it moves no further; ``recall_lot`` keeps what it was


class Lot(SQLModel, table=True):
    __tablename__ = "lot"
    __table_args__ = (  # GET /lots: a holder's lots, and every lot (regulators), in the order they were made
        Index("ix_lot_owner_id_created_at", "owner_id", "created_at", "lot_id"),
        Index("ix_lot_created_at", "created_at", "lot_id"),
    )

    lot_id: str = Field(primary_key=True, max_length=20)
    product: str = Field(max_length=16)
    grade: str | None = Field(default=None, max_length=16)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    owner_id: str = Field(foreign_key="party.id", max_length=32)
    status: str = Field(default=LotStatus.held.value, max_length=16)  # a few values: no index of its own
    created_by_type: str = Field(max_length=32)  # entry type that produced it: harvest, import, split, batch
    created_by_id: str = Field(max_length=64)
    produced_on: date
    certifications: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class LotOrigin(SQLModel, table=True):
    """One share of a lot's origin: a farm (domestic) or a country (imports)."""

    __tablename__ = "lot_origin"

    id: int | None = Field(default=None, primary_key=True)
    lot_id: str = Field(foreign_key="lot.lot_id", index=True, max_length=20)
    country: str = Field(max_length=2)
    district: str | None = Field(default=None, max_length=40)
    farm_id: str | None = Field(default=None, max_length=32, index=True)
    share: float = Field(sa_column=Column(Float, nullable=False))


class LotParent(SQLModel, table=True):
    __tablename__ = "lot_parent"
    # Forward (what a lot went into: its children) reads by parent; the primary key serves backward.
    __table_args__ = (Index("ix_lot_parent_parent_lot_id", "parent_lot_id", "lot_id"),)

    lot_id: str = Field(foreign_key="lot.lot_id", primary_key=True, max_length=20)
    parent_lot_id: str = Field(foreign_key="lot.lot_id", primary_key=True, max_length=20)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
