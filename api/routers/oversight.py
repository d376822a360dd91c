"""State oversight (SPEC §6.4): alerts, inspections, the integrity audit, sector figures, reports;
and recalls (§6.5).

Every endpoint is for regulators only, but recalls: a processor recalls a lot it holds or
made, and every party reads the recalls that reach its lots. Regulators write nothing but
inspections, acknowledgements, audits and recalls.
"""

from typing import Annotated, Any

from fastapi import Path, Query, Response
from fastapi.responses import JSONResponse

from ledger.checkpoint import Verifier
from traceability import clock
from traceability.audit import audit_database
from traceability.oversight import recalls, service
from traceability.oversight.reports import report_csv
from traceability.oversight.schemas import (
    AcknowledgementCreate,
    AlertRead,
    InspectionCreate,
    InspectionRead,
    RecallCreate,
    RecallRead,
)
from traceability.oversight.summary import summary
from traceability.parties.models import Party, Role
from traceability.units import Moment

from ..deps import CurrentParty, PageParams, PartyWrite, RequireRole, SessionDep, State, Writer
from ..routing import strict_router

router = strict_router(prefix="/api/v1/oversight", tags=["oversight"])
Regulator = Annotated[Party, RequireRole(Role.regulator)]
RegulatorWrite = Annotated[PartyWrite, Writer(Role.regulator)]
RecallWrite = Annotated[PartyWrite, Writer(Role.regulator, Role.processor)]
Season = Annotated[
    int | None,
    Query(ge=2000, le=2100, description="a calendar year; the harvest runs January–June (default: this year)"),
]


def season_or_now(season: int | None) -> int:
    return season if season is not None else clock.today().year


@router.get("/summary")
def season_summary(session: SessionDep, _: Regulator, season: Season = None) -> dict[str, Any]:
    """Sector figures of a season: farms, harvest by district, raw nuts received, kernel by grade, exports."""
    return summary(session, season_or_now(season))


@router.get(
    "/reports/{name}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a header row and a TOTAL row"}},
)
def report(name: str, session: SessionDep, _: Regulator, season: Season = None) -> Response:
    """``production_by_district``, ``processing_by_party`` or ``exports``; totals equal the summary's."""
    year = season_or_now(season)
    body = report_csv(session, name, year)
    return Response(
        body.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{year}.csv"'},
    )


@router.post("/audits")
def audit(state: State, _: Regulator) -> dict[str, Any]:
    """Rebuild every entry from the stored records, recompute the tree, check every checkpoint;
    each problem found raises a ``ledger_integrity`` alert."""
    return audit_database(state.engine, Verifier.from_vkey(state.signer.vkey)).to_dict()


@router.get("/alerts")
def alerts(
    session: SessionDep,
    _: Regulator,
    page: PageParams,
    kind: str | None = None,
    party_id: str | None = None,
    since: Moment | None = None,
    acknowledged: bool | None = None,
) -> dict[str, Any]:
    """Anomalies raised when records were written, oldest first; filter by ``kind``, ``party_id``, ``since``
    (no offset: Vietnam's time) and ``acknowledged`` (``false``: the ones still to look at)."""
    result = service.list_alerts(session, kind=kind, party_id=party_id, since=since, acknowledged=acknowledged, **page)
    return {"items": service.alert_reads(session, result.items), "next_cursor": result.next_cursor}


AlertId = Annotated[int, Path(ge=1, le=service.MAX_ALERT_ID)]


@router.get("/alerts/{alert_id}", response_model=AlertRead)
def alert(alert_id: AlertId, session: SessionDep, _: Regulator) -> AlertRead:
    return service.alert_reads(session, [service.get_alert(session, alert_id)])[0]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(alert_id: AlertId, ack_in: AcknowledgementCreate, write: RegulatorWrite) -> JSONResponse:
    """Record what a regulator found about an alert (an entry); once per alert."""
    read = service.acknowledge(write.session, regulator=write.party, alert_id=alert_id, ack_in=ack_in)
    return write.respond(read, status_code=200)


@router.post("/inspections", status_code=201, response_model=InspectionRead)
def inspect(inspection_in: InspectionCreate, write: RegulatorWrite) -> JSONResponse:
    """An inspection of a party: date, result (pass, fail, conditional), findings; an entry."""
    inspection = service.record_inspection(write.session, regulator=write.party, inspection_in=inspection_in)
    return write.respond(service.inspection_read(inspection))


@router.get("/inspections")
def inspections(party_id: str, session: SessionDep, _: Regulator, page: PageParams) -> dict[str, Any]:
    """A party's inspections."""
    result = service.inspections_of(session, party_id=party_id, **page)
    return {"items": [service.inspection_read(i) for i in result.items], "next_cursor": result.next_cursor}


@router.post("/recalls", status_code=201, response_model=RecallRead)
def recall(recall_in: RecallCreate, write: RecallWrite) -> JSONResponse:
    """Recall a lot and everything made from it (a regulator, or the processor that holds or made the lot):
    one ``recall`` entry; every lot of its forward trace becomes ``recalled`` (no further dispatch, batch,
    listing, sale or shipment: 409 ``lot_recalled``); each holder gets an alert of kind ``recall``."""
    record = recalls.record_recall(write.session, party=write.party, recall_in=recall_in)
    return write.respond(recalls.recall_reads(write.session, [record], party=write.party)[0])


@router.get("/recalls")
def recall_list(session: SessionDep, party: CurrentParty, page: PageParams) -> dict[str, Any]:
    """Recalls, oldest first, with the lots and shipments they reach: all of them for regulators; for
    anyone else those it made or that reach a lot it holds (then only its own lots and shipments)."""
    result = recalls.list_recalls(session, party=party, **page)
    return {"items": recalls.recall_reads(session, result.items, party=party), "next_cursor": result.next_cursor}
