"""Raising alerts: idempotent, keyed by what they are about."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from .. import clock
from .models import Alert, AlertKind


def raise_alert(
    session: Session, *, kind: AlertKind, party_id: str | None, subject_type: str, subject_id: str,
    dedupe_key: str, detail: dict[str, Any],
) -> Alert:
    """Raise an alert once per ``dedupe_key``; a repeat refreshes its detail."""
    alert = session.exec(select(Alert).where(Alert.dedupe_key == dedupe_key)).scalar_one_or_none()  # type: ignore[call-overload]
    if alert is None:
        alert = Alert(kind=kind.value, party_id=party_id, subject_type=subject_type, subject_id=subject_id,
                      dedupe_key=dedupe_key, detail=detail, raised_at=clock.now())
        session.add(alert)
    else:
        alert.detail = detail
    return alert


def alerts_for(session: Session, *, subject_id: str) -> list[Alert]:
    return list(session.exec(select(Alert).where(Alert.subject_id == subject_id).order_by(Alert.id)).scalars())  # type: ignore[call-overload]
