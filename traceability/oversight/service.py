"""Alerts (raised idempotently, listed, acknowledged) and inspections."""

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from .. import clock, ids
from ..alerts.models import Alert, AlertKind
from ..anchoring.schemas import LedgerRef
from ..errors import Conflict, NotFound, RuleViolation
from ..pagination import Page, paginate
from ..parties.models import Party
from .models import Acknowledgement, Inspection
from .schemas import AcknowledgementCreate, AcknowledgementRead, AlertRead, InspectionCreate, InspectionRead


def list_alerts(
    session: Session,
    *,
    kind: str | None,
    party_id: str | None,
    since: datetime | None,
    limit: int,
    cursor: str | None,
    acknowledged: bool | None = None,
) -> Page:
    """Alerts, oldest first, filtered by kind, party, time raised and whether a regulator has acknowledged them."""
    if kind is not None and kind not in AlertKind.__members__:
        raise RuleViolation(f"unknown alert kind {kind!r}; one of {', '.join(AlertKind)}", code="invalid_kind")
    stmt = select(Alert)
    if kind is not None:
        stmt = stmt.where(col(Alert.kind) == kind)
    if party_id is not None:
        stmt = stmt.where(col(Alert.party_id) == party_id)
    if acknowledged is not None:
        acked = col(Alert.id).in_(select(col(Acknowledgement.alert_id)))
        stmt = stmt.where(acked if acknowledged else ~acked)
    if since is not None:
        if since.tzinfo is None:  # "2026-06-01" or a time with no offset: Vietnam's local time
            since = since.replace(tzinfo=clock.VIETNAM_TIME)
        stmt = stmt.where(col(Alert.raised_at) >= since)
    return paginate(session, stmt, col(Alert.id), limit=limit, cursor=cursor, parse=alert_id_of)


MAX_ALERT_ID = 2**31 - 1  # an INTEGER column on every database


def alert_id_of(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_ALERT_ID:
        raise ValueError(text)
    return value


def alert_reads(session: Session, alerts: list[Alert]) -> list[AlertRead]:
    acks: dict[int | None, Acknowledgement] = (
        {
            a.alert_id: a
            for a in session.scalars(
                select(Acknowledgement).where(col(Acknowledgement.alert_id).in_([a.id for a in alerts]))
            )
        }
        if alerts
        else {}
    )
    return [_alert_read(a, acks.get(a.id)) for a in alerts]


def _alert_read(alert: Alert, ack: Acknowledgement | None) -> AlertRead:
    assert alert.id is not None
    return AlertRead(
        id=alert.id,
        kind=alert.kind,
        party_id=alert.party_id,
        subject_type=alert.subject_type,
        subject_id=alert.subject_id,
        detail=alert.detail,
        raised_at=alert.raised_at,
        acknowledgement=_ack_read(ack) if ack else None,
    )


def _ack_read(ack: Acknowledgement) -> AcknowledgementRead:
    assert ack.recorded_at is not None
    return AcknowledgementRead(
        id=ack.id,
        regulator_id=ack.regulator_id,
        note=ack.note,
        acknowledged_at=ack.recorded_at,
        ledger=LedgerRef(**ack.ledger_ref()),
    )


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def acknowledge(session: Session, *, regulator: Party, alert_id: int, ack_in: AcknowledgementCreate) -> AlertRead:
    """A regulator's note on an alert, once: an entry, so it cannot be quietly withdrawn."""
    alert = get_alert(session, alert_id)
    if session.scalars(select(Acknowledgement).where(col(Acknowledgement.alert_id) == alert_id)).first() is not None:
        raise Conflict(f"alert {alert_id} is already acknowledged", code="already_acknowledged")
    session.add(
        Acknowledgement(
            id=ids.new_id("ACK"),
            alert_id=alert_id,
            regulator_id=regulator.id,
            kind=alert.kind,
            subject_type=alert.subject_type,
            subject_id=alert.subject_id,
            note=ack_in.note,
        )
    )
    session.flush()
    return alert_reads(session, [alert])[0]


def _known_party(session: Session, party_id: str) -> Party:
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party {party_id!r}")
    return party


def record_inspection(session: Session, *, regulator: Party, inspection_in: InspectionCreate) -> Inspection:
    _known_party(session, inspection_in.party_id)
    clock.not_in_future(inspection_in.inspected_on, "inspected_on")
    inspection = Inspection(
        id=ids.new_id("INS"),
        party_id=inspection_in.party_id,
        inspector_id=regulator.id,
        inspected_on=inspection_in.inspected_on,
        result=inspection_in.result.value,
        findings=inspection_in.findings,
    )
    session.add(inspection)
    session.flush()
    return inspection


def inspections_of(session: Session, *, party_id: str, limit: int, cursor: str | None) -> Page:
    _known_party(session, party_id)
    return paginate(
        session,
        select(Inspection).where(col(Inspection.party_id) == party_id),
        col(Inspection.id),
        limit=limit,
        cursor=cursor,
    )


def inspection_read(inspection: Inspection) -> InspectionRead:
    return InspectionRead(
        id=inspection.id,
        party_id=inspection.party_id,
        inspector_id=inspection.inspector_id,
        inspected_on=inspection.inspected_on,
        result=inspection.result,
        findings=inspection.findings,
        ledger=LedgerRef(**inspection.ledger_ref()),
    )
