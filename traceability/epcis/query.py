"""``GET /epcis/events``: the EPCIS 2.0 simple event query over the index (SPEC §9.1).

Filters are the REST bindings' query-string parameters (lists separated by ``|``); events
come in ledger order, ``perPage`` at a time, the next page announced by a token that holds
the last index served. A party sees the events it recorded and the custody moves it is the
other side of; a regulator sees all.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, or_, select
from sqlmodel import Session, col

from .. import clock
from ..errors import BadRequest, NotFound, RuleViolation
from ..pagination import index_of, paginate_union
from ..parties.models import Party, Role
from .export import CLASS_FIELDS, EPC_FIELDS, compact
from .models import EpcisEpc, EpcisEvent
from .vocabulary import CONTEXT, LEDGER_MEMBER, SCHEMA_VERSION, Names, bare_word

DEFAULT_PER_PAGE, MAX_PER_PAGE = 30, 500
_MATCH = {
    "MATCH_epc": ("epcList", "childEPCs"),
    "MATCH_parentID": ("parentID",),
    "MATCH_inputEPC": ("inputEPCList",),
    "MATCH_outputEPC": ("outputEPCList",),
    "MATCH_anyEPC": (*EPC_FIELDS, "parentID"),
    "MATCH_epcClass": ("quantityList", "childQuantityList"),
    "MATCH_inputEPCClass": ("inputQuantityList",),
    "MATCH_outputEPCClass": ("outputQuantityList",),
    "MATCH_anyEPCClass": CLASS_FIELDS,
}
_LISTS = ("eventType", "EQ_bizStep", "EQ_eventID", *_MATCH)
_TIMES = {
    "GE_eventTime": (EpcisEvent.event_time, True),
    "LT_eventTime": (EpcisEvent.event_time, False),
    "GE_recordTime": (EpcisEvent.record_time, True),
    "LT_recordTime": (EpcisEvent.record_time, False),
}
PARAMETERS = frozenset({*_LISTS, *_TIMES, "perPage", "nextPageToken"})


def _problem(detail: str, code: str = "invalid_query") -> BadRequest:
    return BadRequest(detail, code=code)


@dataclass(frozen=True)
class EventQuery:
    """A query read from the query string: what it filters on, and the page asked for."""

    filters: Mapping[str, Any]
    per_page: int
    token: str | None

    @classmethod
    def parse(cls, params: Sequence[tuple[str, str]]) -> "EventQuery":
        seen: dict[str, str] = {}
        for name, value in params:
            if name not in PARAMETERS:
                known = ", ".join(sorted(PARAMETERS))
                raise _problem(f"unknown or unsupported query parameter {name!r}; this server reads {known}")
            if name in seen:
                raise _problem(f"query parameter {name!r} is given twice; give it once (lists are separated by '|')")
            seen[name] = value
        filters: dict[str, Any] = {}
        for name in _LISTS:
            if name in seen:
                values = [v for v in seen[name].split("|") if v]
                if not values:
                    raise _problem(f"{name} is empty; give one value or several separated by '|'")
                filters[name] = values
        for name in _TIMES:
            if name in seen:
                filters[name] = _time(name, seen[name])
        return cls(filters, _per_page(seen.get("perPage")), seen.get("nextPageToken") or None)

    def statement(self, names: Names) -> Select[Any]:
        stmt = select(EpcisEvent)
        f = self.filters
        if "eventType" in f:
            stmt = stmt.where(col(EpcisEvent.event_type).in_(f["eventType"]))
        if "EQ_bizStep" in f:
            stmt = stmt.where(col(EpcisEvent.biz_step).in_([bare_word(v) for v in f["EQ_bizStep"]]))
        if "EQ_eventID" in f:
            stmt = stmt.where(col(EpcisEvent.event_id).in_(f["EQ_eventID"]))
        for name, (column, lower) in _TIMES.items():
            if name in f:
                stmt = stmt.where(column >= f[name] if lower else column < f[name])
        for name, fields in _MATCH.items():
            if name in f:
                uris = f[name]
                lots = [lot for lot in (names.lot_of(u) for u in uris) if lot is not None]
                named = (
                    or_(col(EpcisEpc.uri).in_(uris), col(EpcisEpc.lot_id).in_(lots))
                    if lots
                    else col(EpcisEpc.uri).in_(uris)
                )
                inner = select(col(EpcisEpc.ledger_index)).where(col(EpcisEpc.kind).in_(fields), named)
                stmt = stmt.where(col(EpcisEvent.ledger_index).in_(inner))
        return stmt

    def next_link(self, path: str, params: Sequence[tuple[str, str]], token: str) -> str:
        """The ``Link`` header value announcing the next page: the same query, from ``token``."""
        kept = [(k, v) for k, v in params if k != "nextPageToken"]
        return f'<{path}?{urlencode([*kept, ("nextPageToken", token)])}>; rel="next"'


def _time(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _problem(f"{name} must be an RFC 3339 date-time such as 2026-03-14T08:00:00Z, not {value!r}") from None
    if parsed.tzinfo is None:
        raise _problem(f"{name} needs a time zone offset (Z or +07:00): {value!r}")
    return parsed


def _per_page(value: str | None) -> int:
    if value is None:
        return DEFAULT_PER_PAGE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PER_PAGE:
        raise _problem(f"perPage must be a whole number from 1 to {MAX_PER_PAGE}, not {value!r}")
    return int(value)


def _visible(stmt: Select[Any], party: Party) -> list[Select[Any]]:
    if party.role == Role.regulator:
        return [stmt]
    return [stmt.where(col(EpcisEvent.party_id) == party.id), stmt.where(col(EpcisEvent.counterparty_id) == party.id)]


def page(session: Session, query: EventQuery, party: Party, names: Names) -> tuple[list[EpcisEvent], str | None]:
    """The page of events the query asks for, and the token of the next one (None: the last)."""
    arms = _visible(query.statement(names), party)
    try:
        found = paginate_union(
            session, arms, col(EpcisEvent.ledger_index), limit=query.per_page, cursor=query.token, parse=index_of
        )
    except RuleViolation:
        raise _problem("nextPageToken is not one this server gave; start again without it", "invalid_token") from None
    return found.items, found.next_cursor


def one(session: Session, event_id: str, party: Party) -> EpcisEvent:
    """An event by its eventID, if the party may see it (404 otherwise: nothing is said of others')."""
    stmt = select(EpcisEvent).where(col(EpcisEvent.event_id) == event_id)
    for arm in _visible(stmt, party):
        event: EpcisEvent | None = session.scalars(arm).first()
        if event is not None:
            return event
    raise NotFound(f"no event {event_id!r} that you may read; GET /epcis/events lists yours")


def served(row: EpcisEvent) -> str:
    """The event's JSON as served: the stored event with its ``cashew:ledger`` reference."""
    reference = compact({"index": row.ledger_index, "leafHash": row.leaf_hash})
    return f'{row.body[:-1]},"{LEDGER_MEMBER}":{reference}}}'


def document(rows: Sequence[EpcisEvent]) -> str:
    """An ``EPCISQueryDocument`` holding the events, as JSON text."""
    head = {
        "@context": CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": clock.now().isoformat().replace("+00:00", "Z"),
    }
    events = ",".join(served(r) for r in rows)
    results = '{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[' + events + "]}}"
    return compact(head)[:-1] + ',"epcisBody":{"queryResults":' + results + "}}"


def vocabulary(session: Session, party: Party, column: Any) -> list[str]:
    """The distinct values of ``column`` among the events the party may see."""
    found: set[str] = set()
    for arm in _visible(select(EpcisEvent), party):
        found |= {v for v in session.scalars(arm.with_only_columns(column).distinct()) if v is not None}
    return sorted(found)
