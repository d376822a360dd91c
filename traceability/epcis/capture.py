"""``POST /epcis/capture``: events from other systems, validated whole, then anchored (SPEC §9.1).

The document is checked against GS1's EPCIS 2.0 JSON Schema (shipped beside this module)
before anything is stored: a compiled validator decides, and only when it refuses does
``jsonschema`` list every reason with its place. Each event is then hashed (CBV 2.0,
without any ``cashew:ledger`` member it carries: that was the sender's ledger, ours gives
its own) and stored once: an event whose hash is already here is counted as a duplicate,
an eventID already naming another event is an error. Under ``rollback`` (the default) any
error stores nothing; under ``proceed`` the valid events are stored and the errors listed.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
import jsonschema
import rfc8785
from sqlalchemy import insert, select
from sqlmodel import Session, col

from .. import clock, ids
from ..errors import BadRequest, Conflict, TooLarge
from ..parties.models import Party
from .export import catch_up_in, compact, identifiers, index_rows
from .hashing import event_hash
from .models import CapturedEvent, EpcisCapture, EpcisEpc, EpcisEvent
from .vocabulary import EVENT_TYPES, LEDGER_MEMBER, STANDARD_CONTEXTS, Names, bare_word

MAX_EVENTS = 10_000
MAX_BYTES = 20_000_000
BEHAVIOURS = ("rollback", "proceed")
MAX_LISTED = 50  # errors listed in one answer
_CHUNK = 500  # identifiers per IN (…) when looking up what is already stored


class CaptureRefused(BadRequest):
    """The document (or, under ``rollback``, one of its events) is not valid: nothing was stored."""

    def __init__(self, detail: str, errors: list[dict[str, Any]]):
        super().__init__(detail, code="validation_failed", fields=errors[:MAX_LISTED])


class CaptureTooLarge(TooLarge):
    """More events than a capture takes (413)."""

    def __init__(self, count: int):
        super().__init__(
            f"the document holds {count} events; a capture takes at most {MAX_EVENTS}: split it",
            code="capture_limit_exceeded",
        )


@cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema/EPCIS-JSON-Schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _fast() -> Any:
    return fastjsonschema.compile(_schema())


@cache
def _explaining() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(_schema())
    validator: jsonschema.protocols.Validator = cls(_schema(), format_checker=cls.FORMAT_CHECKER)
    return validator


def schema_errors(document: Any) -> list[dict[str, Any]]:
    """What GS1's schema finds wrong with a document or event (none: it is valid)."""
    try:
        _fast()(document)
        return []
    except fastjsonschema.JsonSchemaException as first:
        found = [_error(list(e.absolute_path), e.message) for e in _explaining().iter_errors(document)]
        return found or [_error([], str(first))]


def _error(loc: Sequence[str | int], msg: str) -> dict[str, Any]:
    return {"loc": ["body", *(str(p) for p in loc)], "msg": msg}


@dataclass(frozen=True)
class Incoming:
    """A document's events, read: where each sits and the context it was written in."""

    context: list[Any]
    events: list[Any]
    place: tuple[str, ...]  # the path of the event list in the document

    @classmethod
    def read(cls, body: Any) -> "Incoming":
        if not isinstance(body, dict):
            raise CaptureRefused("the body must be an EPCISDocument (a JSON object)", [_error([], "not an object")])
        kind = body.get("type")
        if kind == "EPCISDocument":
            place: tuple[str, ...] = ("epcisBody", "eventList")
        elif kind == "EPCISQueryDocument":
            place = ("epcisBody", "queryResults", "resultsBody", "eventList")
        elif kind in EVENT_TYPES:
            return cls(_as_list(body.get("@context")), [body], ())
        else:
            raise CaptureRefused(
                f"the body's type must be EPCISDocument (or EPCISQueryDocument, or one event), not {kind!r}",
                [_error(["type"], "unexpected document type")],
            )
        found: Any = body
        for key in place:
            found = found.get(key) if isinstance(found, dict) else None
        events = found if isinstance(found, list) else []
        return cls(_as_list(body.get("@context")), events, place)

    def where(self, i: int) -> list[str | int]:
        return [*self.place, i] if self.place else []


def _as_list(context: Any) -> list[Any]:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def _context_errors(context: list[Any], loc: list[str | int]) -> list[dict[str, Any]]:
    """A context is the EPCIS 2.0 context and inline prefix definitions: a remote context other
    than GS1's cannot be read here (the server fetches nothing), so its prefixes would hash wrong."""
    unknown = [c for c in context if isinstance(c, str) and c not in STANDARD_CONTEXTS]
    return [
        _error([*loc, "@context"], f"remote context {c!r} cannot be read; define its prefixes inline") for c in unknown
    ]


@dataclass
class _Event:
    position: int
    event: dict[str, Any]
    context: list[Any]
    content_hash: str
    event_id: str
    event_time: datetime


def _prepared(incoming: Incoming) -> Iterator[_Event | dict[str, Any]]:
    """Each event hashed and timed, or the error that keeps it out."""
    for i, raw in enumerate(incoming.events):
        event = {k: v for k, v in raw.items() if k != LEDGER_MEMBER}
        own = _as_list(event.pop("@context", None))  # kept, with the document's, beside the event
        context = [*incoming.context, *own]
        if errors := _context_errors(own, incoming.where(i)):
            yield errors[0]
            continue
        if too_long := _too_long(event):
            yield _error(incoming.where(i), too_long)
            continue
        try:
            at = datetime.fromisoformat(str(event["eventTime"]).replace("Z", "+00:00"))
            digest = event_hash(event, context)
        except (ValueError, KeyError, TypeError) as exc:
            yield _error(incoming.where(i), f"the event cannot be read: {exc}")
            continue
        yield _Event(i, event, context, digest, str(event.get("eventID") or digest), at)


# What the index keeps of an event, and how long each may be (the columns' widths).
_WIDTHS = {"eventID": 255, "type": 64, "bizStep": 255}
MAX_URI = 512


def _too_long(event: dict[str, Any]) -> str | None:
    for name, width in _WIDTHS.items():
        if isinstance(event.get(name), str) and len(event[name]) > width:
            return f"{name} is longer than {width} characters"
    for _field, uri in identifiers(event):
        if len(uri) > MAX_URI:
            return f"an identifier is longer than {MAX_URI} characters: {uri[:40]}…"
    return None


def _stored(session: Session, column: Any, values: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Stored events whose ``column`` is among ``values``: value → (eventID, content hash)."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        stmt = select(column, col(EpcisEvent.event_id), col(EpcisEvent.content_hash)).where(column.in_(chunk))
        found |= {v: (e, h) for v, e, h in session.execute(stmt)}
    return found


def _sorted_out(
    session: Session, incoming: Incoming, prepared: list[_Event]
) -> tuple[list[_Event], int, list[dict[str, Any]]]:
    """The events to store, the number of duplicates, and the errors of eventIDs taken by other events."""
    by_hash = _stored(session, col(EpcisEvent.content_hash), [p.content_hash for p in prepared])
    by_id = _stored(session, col(EpcisEvent.event_id), [p.event_id for p in prepared])
    fresh: list[_Event] = []
    duplicates, errors = 0, []
    hashes: set[str] = set()
    taken: dict[str, str] = {}  # eventID → content hash, within the document
    for p in prepared:
        if p.content_hash in by_hash or p.content_hash in hashes:
            duplicates += 1
            continue
        other = by_id.get(p.event_id)
        if (other is not None and other[1] != p.content_hash) or taken.get(
            p.event_id, p.content_hash
        ) != p.content_hash:
            errors.append(_error(incoming.where(p.position), f"eventID {p.event_id!r} already names another event"))
            continue
        hashes.add(p.content_hash)
        taken[p.event_id] = p.content_hash
        fresh.append(p)
    return fresh, duplicates, errors


def _kept(p: _Event, recorded: str) -> dict[str, Any]:
    """The event as it is kept: with its eventID, our recordTime, and the prefixes of its context."""
    event = dict(p.event)
    event.setdefault("eventID", p.event_id)
    event["recordTime"] = recorded
    extra = [c for c in p.context if not (isinstance(c, str) and c in STANDARD_CONTEXTS)]
    if extra:  # the prefixes its extensions use, wherever it is served
        event = {"@context": extra if len(extra) > 1 else extra[0]} | event
    return event


@dataclass(frozen=True)
class Captured:
    job: EpcisCapture
    events: list[EpcisEvent]  # the events this capture stored, in document order


def capture(
    session: Session, *, party: Party, body: Any, behaviour: str, base_url: str, single: bool = False
) -> Captured:
    """Validate and store a document's events (or one event, ``single``); the capture job.

    Raises ``CaptureRefused`` when nothing may be stored: the document is not valid, or (under
    ``rollback``) an event is not; ``Conflict`` for a single event already stored."""
    if behaviour not in BEHAVIOURS:
        raise BadRequest(
            f"GS1-Capture-Error-Behaviour must be rollback or proceed, not {behaviour!r}", code="invalid_behaviour"
        )
    incoming = Incoming.read(body)
    if single and incoming.place:
        raise CaptureRefused("POST /epcis/events takes one event; send documents to /epcis/capture", [])
    if len(incoming.events) > MAX_EVENTS:
        raise CaptureTooLarge(len(incoming.events))
    if invalid := schema_errors(body) + _context_errors(incoming.context, []):
        raise CaptureRefused(
            f"the document does not validate against the EPCIS 2.0 schema: {invalid[0]['msg']}", invalid
        )
    catch_up_in(session, base_url)  # our own events are known before any is compared with them
    prepared: list[_Event] = []
    errors: list[dict[str, Any]] = []
    for item in _prepared(incoming):
        if isinstance(item, _Event):
            prepared.append(item)
        else:
            errors.append(item)
    fresh, duplicates, taken = _sorted_out(session, incoming, prepared)
    errors += taken
    if single and duplicates:
        raise Conflict(f"event {prepared[0].event_id!r} is already stored", code="event_exists")
    if errors and (behaviour == "rollback" or single):
        raise CaptureRefused(
            f"{len(errors)} of {len(incoming.events)} events cannot be stored: {errors[0]['msg']}", errors
        )
    now = clock.now()
    job = EpcisCapture(
        id=ids.new_id("CAP"),
        party_id=party.id,
        created_at=now,
        finished_at=now,
        behaviour=behaviour,
        success=not errors,
        events=len(incoming.events),
        stored=len(fresh),
        duplicates=duplicates,
        errors=[
            {"type": "epcisException:ValidationException", "title": e["msg"], "instance": "/".join(e["loc"][1:])}
            for e in errors[:MAX_LISTED]
        ],
    )
    session.add(job)
    session.flush()
    return Captured(job, _store(session, party, job, fresh, Names(base_url), now))


def _store(
    session: Session, party: Party, job: EpcisCapture, fresh: list[_Event], names: Names, now: datetime
) -> list[EpcisEvent]:
    recorded = now.isoformat().replace("+00:00", "Z")
    kept = [_kept(p, recorded) for p in fresh]
    records = [
        CapturedEvent(
            id=ids.new_id("EV", 12),
            capture_id=job.id,
            party_id=party.id,
            event_id=p.event_id,
            event_type=str(p.event["type"]),
            biz_step=bare_word(p.event["bizStep"]) if isinstance(p.event.get("bizStep"), str) else None,
            body=rfc8785.dumps(event).decode(),
        )
        for p, event in zip(fresh, kept, strict=True)
    ]
    session.add_all(records)
    session.flush()  # gives each its ledger index
    events: list[dict[str, Any]] = []
    epcs: list[dict[str, Any]] = []
    for p, event, record in zip(fresh, kept, records, strict=True):
        assert record.ledger_index is not None
        events.append(
            {
                "ledger_index": record.ledger_index,
                "event_id": p.event_id,
                "content_hash": p.content_hash,
                "event_type": record.event_type,
                "biz_step": record.biz_step,
                "event_time": p.event_time,
                "record_time": now,
                "party_id": party.id,
                "counterparty_id": None,
                "leaf_hash": record.ledger_ref()["leaf_hash"],
                "body": compact(event),
            }
        )
        epcs.extend(index_rows(record.ledger_index, p.event, names.lot_of))
    if events:
        session.execute(insert(EpcisEvent), events)
    if epcs:
        session.execute(insert(EpcisEpc), epcs)
    return [EpcisEvent.model_validate(e) for e in events]


def job_read(job: EpcisCapture) -> dict[str, Any]:
    """A capture job as the REST bindings show it."""
    return {
        "captureID": job.id,
        "createdAt": job.created_at.isoformat().replace("+00:00", "Z"),
        "finishedAt": job.finished_at.isoformat().replace("+00:00", "Z") if job.finished_at else None,
        "running": job.finished_at is None,
        "success": job.success,
        "captureErrorBehaviour": job.behaviour,
        "errors": job.errors,
        "eventCount": job.events,
        "storedCount": job.stored,
        "duplicateCount": job.duplicates,
    }
