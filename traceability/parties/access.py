"""Whose records a party reads: its own, or, for a regulator, everyone's (SPEC §6.5)."""

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlmodel import Session

from ..errors import Forbidden, NotFound
from .models import Party, Role

T = TypeVar("T")


def own(stmt: Select[Any], owner: Any, party: Party) -> Select[Any]:
    """``stmt`` narrowed to rows whose ``owner`` column is the party, unless it is a regulator."""
    return stmt if party.role == Role.regulator else stmt.where(owner == party.id)


def own_record(
    session: Session, model: type[T], record_id: str, *, owner: str, party: Party, what: str, listed: str
) -> T:
    """The record ``record_id`` of ``model`` if the party owns it (its ``owner`` attribute) or is a
    regulator: 404 unknown (naming ``listed``, the list to look in), 403 someone else's."""
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(f"no {what} {record_id!r}; GET {listed} lists yours")
    if party.role != Role.regulator and getattr(record, owner) != party.id:
        raise Forbidden(f"this {what} belongs to another party")
    return record
