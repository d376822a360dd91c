"""Raising alerts: any pillar calls ``raise_alert`` inside its own write."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from .. import clock
from .models import Alert, AlertKind


def raise_alert(
    session: Session,
    *,
    kind: AlertKind,
    party_id: str | None,
    subject_type: str,
    subject_id: str,
    dedupe_key: str,
    detail: dict[str, Any],
) -> Alert:
    """Raise an alert once per ``dedupe_key``; a repeat refreshes its detail."""
    alert = session.scalars(select(Alert).where(col(Alert.dedupe_key) == dedupe_key)).one_or_none()
    if alert is None:
        alert = Alert(
            kind=kind.value,
            party_id=party_id,
            subject_type=subject_type,
            subject_id=subject_id,
            dedupe_key=dedupe_key,
            detail=detail,
            raised_at=clock.now(),
        )
        session.add(alert)
    else:
        alert.detail = detail
    return alert
