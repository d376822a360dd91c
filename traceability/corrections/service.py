"""Applying and recording corrections: reads show corrected values and keep the history."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from .. import ids
from .models import Correction


def corrections_for(session: Session, record_ids: Iterable[str]) -> dict[str, list[Correction]]:
    """Corrections of each record, oldest first."""
    wanted = list(record_ids)
    found: dict[str, list[Correction]] = defaultdict(list)
    if not wanted:
        return found
    stmt = select(Correction).where(col(Correction.corrects).in_(wanted)).order_by(col(Correction.ledger_index))
    for correction in session.scalars(stmt):
        found[correction.corrects].append(correction)
    return found


def corrected(values: dict[str, Any], corrections: Iterable[Correction]) -> dict[str, Any]:
    """The entry-form values after every correction, in ledger order."""
    current = dict(values)
    for correction in corrections:
        current.update(correction.changes)
    return current


def add_correction(
    session: Session, *, party_id: str, record_type: str, corrects: str, changes: dict[str, Any], reason: str
) -> Correction:
    correction = Correction(
        id=ids.new_id("C"),
        corrects=corrects,
        record_type=record_type,
        party_id=party_id,
        changes=changes,
        reason=reason,
    )
    session.add(correction)
    return correction
