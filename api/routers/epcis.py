"""The EPCIS 2.0 interface (SPEC §9.1): query and capture, in the GS1 REST bindings' names.

Every answer here is JSON-LD; every error an RFC 7807 problem (``api.problem``). A caller
needs a party's API key: it reads what it may read of lots (regulators everything), and any
role captures.
"""

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Body, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlmodel import col

from traceability.db import open_session
from traceability.epcis import capture as capturing
from traceability.epcis import query
from traceability.epcis.models import EpcisCapture, EpcisEvent
from traceability.epcis.service import ready
from traceability.epcis.vocabulary import CONTEXT, Names
from traceability.pagination import paginate, utc_of
from traceability.parties.access import own, own_record
from traceability.parties.models import Role

from ..deps import CurrentParty, PageParams, PartyWrite, SessionDep, State, Writer
from ..routing import strict_router

router = strict_router(prefix="/epcis", tags=["epcis"])
Capturer = Annotated[PartyWrite, Writer(*Role)]
LD_JSON = "application/ld+json"
_LD_BODY = {"schema": {"type": "object"}}
JSON_LD: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON-LD (plain JSON when asked for)", "content": {LD_JSON: _LD_BODY}}
}
VERSIONS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
LIMITS = {
    "GS1-EPCIS-Capture-Limit": str(capturing.MAX_EVENTS),
    "GS1-EPCIS-Capture-File-Size-Limit": str(capturing.MAX_BYTES),
}
Behaviour = Annotated[
    str,
    Header(
        alias="GS1-Capture-Error-Behaviour",
        description="`rollback` (default): any invalid event stores nothing; `proceed`: the valid ones are stored",
    ),
]
DocumentBody = Annotated[
    dict[str, Any], Body(description="an EPCISDocument (or EPCISQueryDocument), at most 10,000 events and 20 MB")
]
EventBody = Annotated[dict[str, Any], Body(description="one EPCIS event, with its @context")]
ListParam = Annotated[str | None, Query(description="one value, or several separated by `|`")]
TimeParam = Annotated[str | None, Query(description="RFC 3339 date-time with its offset")]


def _json_ld(request: Request, content: str | dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """JSON-LD, or plain JSON for a client that asks for JSON and not JSON-LD."""
    accept = request.headers.get("accept", "")
    kind = LD_JSON if LD_JSON in accept or "json" not in accept else "application/json"
    sent = VERSIONS | (headers or {})
    if isinstance(content, str):
        return Response(content, media_type=kind, headers=sent)
    return JSONResponse(content, media_type=kind, headers=sent)


def _collection(members: list[str]) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "Collection", "member": members}


@router.get("", summary="The EPCIS resources this server offers", responses=JSON_LD)
def top_level(request: Request, _party: CurrentParty) -> Response:
    return _json_ld(request, _collection(["capture", "events", "eventTypes", "bizSteps"]))


@router.get("/events", summary="Events you may read, filtered as the EPCIS simple event query", responses=JSON_LD)
def events(  # noqa: PLR0913 - the bindings' parameters, declared for the contract
    request: Request,
    state: State,
    party: CurrentParty,
    eventType: ListParam = None,  # noqa: N803 - the bindings' names
    GE_eventTime: TimeParam = None,  # noqa: N803
    LT_eventTime: TimeParam = None,  # noqa: N803
    GE_recordTime: TimeParam = None,  # noqa: N803
    LT_recordTime: TimeParam = None,  # noqa: N803
    EQ_bizStep: ListParam = None,  # noqa: N803
    EQ_eventID: ListParam = None,  # noqa: N803
    MATCH_epc: ListParam = None,  # noqa: N803
    MATCH_anyEPC: ListParam = None,  # noqa: N803
    MATCH_epcClass: ListParam = None,  # noqa: N803
    MATCH_anyEPCClass: ListParam = None,  # noqa: N803
    perPage: Annotated[str | None, Query(description="events per page, 1–500 (default 30)")] = None,  # noqa: N803
    nextPageToken: Annotated[str | None, Query(description="from the previous page's Link header")] = None,  # noqa: N803
) -> Response:
    params = request.query_params.multi_items()
    asked = query.EventQuery.parse(params)
    ready(state.engine, state.settings.public_base_url)
    with open_session(state.engine) as session:
        rows, token = query.page(session, asked, party, Names(state.settings.public_base_url))
    headers = {"Link": asked.next_link(str(request.url.path), params, token)} if token else {}
    return _json_ld(request, query.document(rows), headers)


@router.get("/events/{event_id:path}", summary="One event, by its eventID (percent-encoded)", responses=JSON_LD)
def event(request: Request, state: State, party: CurrentParty, event_id: str) -> Response:
    ready(state.engine, state.settings.public_base_url)
    with open_session(state.engine) as session:
        row = query.one(session, event_id, party)
    return _json_ld(request, query.document([row]))


@router.post("/events", status_code=201, summary="Capture one event (synchronous)")
def capture_event(state: State, write: Capturer, body: EventBody) -> Response:
    done = capturing.capture(
        write.session,
        party=write.party,
        body=body,
        behaviour="rollback",
        base_url=state.settings.public_base_url,
        single=True,
    )
    [stored] = done.events
    answer = write.respond(json.loads(query.served(stored)), 201)
    answer.headers["Location"] = f"/epcis/events/{quote(stored.event_id, safe='')}"
    return answer


@router.options("/capture", status_code=204, summary="What the capture interface takes")
def capture_options() -> Response:
    allowed = {"Allow": "OPTIONS, GET, POST", "GS1-Capture-Error-Behaviour": ", ".join(capturing.BEHAVIOURS)}
    return Response(status_code=204, headers=VERSIONS | LIMITS | allowed)


@router.post("/capture", status_code=202, summary="Capture a document of events")
def capture(state: State, write: Capturer, body: DocumentBody, behaviour: Behaviour = "rollback") -> Response:
    done = capturing.capture(
        write.session, party=write.party, body=body, behaviour=behaviour, base_url=state.settings.public_base_url
    )
    answer = write.respond(capturing.job_read(done.job), 202)
    answer.headers["Location"] = f"/epcis/capture/{done.job.id}"
    return answer


@router.get("/capture", summary="Your capture jobs, newest last")
def capture_jobs(session: SessionDep, party: CurrentParty, page: PageParams) -> dict[str, Any]:
    stmt = own(select(EpcisCapture), col(EpcisCapture.party_id), party)
    key = (col(EpcisCapture.created_at), col(EpcisCapture.id))
    found = paginate(session, stmt, key, **page, parse=(utc_of, str))
    return {"items": [capturing.job_read(j) for j in found.items], "next_cursor": found.next_cursor}


@router.get("/capture/{capture_id}", summary="A capture job and its outcome")
def capture_job(session: SessionDep, party: CurrentParty, capture_id: str) -> dict[str, Any]:
    job = own_record(
        session, EpcisCapture, capture_id, owner="party_id", party=party, what="capture job", listed="/epcis/capture"
    )
    return capturing.job_read(job)


@router.get("/eventTypes", summary="The event types among the events you may read", responses=JSON_LD)
def event_types(request: Request, state: State, party: CurrentParty) -> Response:
    ready(state.engine, state.settings.public_base_url)
    with open_session(state.engine) as session:
        return _json_ld(request, _collection(query.vocabulary(session, party, col(EpcisEvent.event_type))))


@router.get("/bizSteps", summary="The business steps among the events you may read", responses=JSON_LD)
def biz_steps(request: Request, state: State, party: CurrentParty) -> Response:
    ready(state.engine, state.settings.public_base_url)
    with open_session(state.engine) as session:
        return _json_ld(request, _collection(query.vocabulary(session, party, col(EpcisEvent.biz_step))))
