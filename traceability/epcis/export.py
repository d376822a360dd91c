"""Our records as EPCIS 2.0 events (SPEC §9.1), derived from their ledger entries.

An event is a function of its entry and of the log before it: the lot a label names is
called by its Digital Link URI in the events after the label's entry, by ``/lot/{id}``
before. Once derived, an event is kept in ``epcis_event`` with its hash as ``eventID``;
``catch_up`` reads the entries the index has not seen yet, a chunk per transaction, each
transaction a member of the write group (so no two processes read the same entries).
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlmodel import Session, col

from ledger.hashing import leaf_hash

from ..anchoring.models import LedgerEntry, LedgerHead
from ..anchoring.service import b64
from ..db import unit_of_work
from ..labels.models import Label
from ..processing.models import Transfer
from .hashing import event_hash
from .models import EpcisCursor, EpcisEpc, EpcisEvent
from .vocabulary import CONTEXT, TIME_ZONE, UOM_KG, Names

CHUNK = 2000
EPC_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def kilograms(grams: int) -> int | float:
    """Grams as the JSON number of kilograms EPCIS quantities carry (``1200.5``, ``2000``)."""
    kg = Decimal(grams) / 1000
    return int(kg) if kg == kg.to_integral_value() else float(kg)


@dataclass
class _Context:
    """What the events of one chunk need besides their entries, read once per chunk."""

    names: Names
    labels: dict[str, tuple[int, str]]  # lot id → (label's ledger index, its Digital Link URI)
    transfers: dict[str, tuple[str, str]]  # transfer id → (from, to)

    def lot(self, lot_id: str, index: int) -> str:
        label = self.labels.get(lot_id)
        return label[1] if label is not None and label[0] < index else self.names.lot(lot_id)

    def quantity(self, lot_id: str, index: int, grams: int | None = None) -> dict[str, Any]:
        element: dict[str, Any] = {"epcClass": self.lot(lot_id, index)}
        if grams is not None:
            element |= {"quantity": kilograms(grams), "uom": UOM_KG}
        return element

    def custody(self, sender: str, recipient: str) -> dict[str, Any]:
        party = self.names.party
        return {
            "sourceList": [{"type": "owning_party", "source": party(sender)}],
            "destinationList": [{"type": "owning_party", "destination": party(recipient)}],
        }


@dataclass
class Derived:
    """An entry's event and what the index keeps of it."""

    event: dict[str, Any]
    party_id: str
    counterparty_id: str | None = None


Mapper = Callable[[_Context, int, dict[str, Any]], Derived]


def _object(
    action: str, step: str, disposition: str | None, quantities: list[dict[str, Any]], **more: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "ObjectEvent", "epcList": [], "action": action, "bizStep": step}
    if disposition:
        event["disposition"] = disposition
    return event | {"quantityList": quantities} | more


def _harvest(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    ilmd = {"cbvmda:countryOfOrigin": "VN", "cbvmda:harvestStartDate": data["harvested_on"]}
    quantities = [ctx.quantity(data["lot_id"], index, data["quantity_g"])]
    return Derived(_object("ADD", "commissioning", "active", quantities, ilmd=ilmd), entry["by"])


def _import(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    quantities = [ctx.quantity(data["lot_id"], index, data["quantity_g"])]
    ilmd = {"cbvmda:countryOfOrigin": data["origin_country"]}
    more = {"cashew:exporterEvent": data["epcis_event_id"]} if "epcis_event_id" in data else {}
    return Derived(_object("ADD", "commissioning", "active", quantities, ilmd=ilmd, **more), entry["by"])


def _dispatch(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    quantities = [ctx.quantity(data["lot_id"], index, data["quantity_g"])]
    event = _object("OBSERVE", "shipping", "in_transit", quantities, **ctx.custody(data["from"], data["to"]))
    return Derived(event, entry["by"], data["to"])


def _receipt(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    sender, recipient = ctx.transfers[data["transfer_id"]]
    quantities = [ctx.quantity(data["lot_id"], index, data["received_g"])]
    event = _object("OBSERVE", "receiving", "in_progress", quantities, **ctx.custody(sender, recipient))
    return Derived(event, entry["by"], sender)


def _cancel(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    sender, recipient = ctx.transfers[data["transfer_id"]]
    quantities = [ctx.quantity(data["lot_id"], index)]
    event = _object("OBSERVE", "void_shipping", "active", quantities, **ctx.custody(sender, recipient))
    return Derived(event, entry["by"], recipient)


def _quality_test(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    result = {
        "cashew:outturnLbs": data["outturn_lbs"],
        "cashew:nutCountPerKg": data["nut_count_per_kg"],
        "cashew:moisturePct": data["moisture_pct"],
    }
    event = _object(
        "OBSERVE", "inspecting", None, [ctx.quantity(data["lot_id"], index)], **{"cashew:cuttingTest": result}
    )
    return Derived(event, entry["by"])


def _batch(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    event = {
        "type": "TransformationEvent",
        "inputQuantityList": [ctx.quantity(i["lot_id"], index, i["quantity_g"]) for i in data["inputs"]],
        "outputQuantityList": [ctx.quantity(o["lot_id"], index, o["quantity_g"]) for o in data["outputs"]],
        "transformationID": ctx.names.batch(data["batch_id"]),
        "bizStep": "commissioning",
        "disposition": "active",
    }
    return Derived(event, entry["by"])


def _shipment(ctx: _Context, index: int, entry: dict[str, Any]) -> Derived:
    data = entry["data"]
    quantities = [ctx.quantity(lot_id, index) for lot_id in data["lot_ids"]]
    more = {
        "sourceList": [{"type": "owning_party", "source": ctx.names.party(entry["by"])}],
        "cashew:container": data["container_no"],
        "cashew:destinationCountry": data["destination_country"],
    }
    return Derived(_object("OBSERVE", "shipping", "in_transit", quantities, **more), entry["by"])


MAPPERS: dict[str, Mapper] = {
    "harvest": _harvest,
    "import": _import,
    "dispatch": _dispatch,
    "receipt": _receipt,
    "dispatch_cancel": _cancel,
    "quality_test": _quality_test,
    "batch": _batch,
    "shipment": _shipment,
}


def lot_ids(entry: dict[str, Any]) -> set[str]:
    data = entry["data"]
    found = {data["lot_id"]} if "lot_id" in data else set()
    found |= set(data.get("lot_ids", ()))
    for part in (*data.get("inputs", ()), *data.get("outputs", ())):
        found.add(part["lot_id"])
    return found


def identifiers(event: dict[str, Any]) -> list[tuple[str, str]]:
    """``(field, uri)`` for every EPC and EPC class the event names, each once."""
    found: dict[tuple[str, str], None] = {}
    for name in EPC_FIELDS:
        for uri in event.get(name) or ():
            if isinstance(uri, str):
                found[(name, uri)] = None
    if isinstance(event.get("parentID"), str):
        found[("parentID", event["parentID"])] = None
    for name in CLASS_FIELDS:
        for element in event.get(name) or ():
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                found[(name, element["epcClass"])] = None
    return list(found)


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def index_rows(index: int, event: dict[str, Any], lot_of: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """The ``epcis_epc`` rows of an event at ``index``; ``lot_of`` gives the lot of a URI of ours."""
    return [
        {"ledger_index": index, "uri": uri, "kind": name, "lot_id": lot_of(uri)} for name, uri in identifiers(event)
    ]


def derive(ctx: _Context, row: LedgerEntry, entry: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``epcis_event`` and ``epcis_epc`` rows of one of our entries (``entry``: its leaf, parsed)."""
    made = MAPPERS[row.type](ctx, row.idx, entry)
    event = {"type": made.event.pop("type"), "eventTime": entry["at"], "eventTimeZoneOffset": TIME_ZONE} | made.event
    event_id = event_hash(event, CONTEXT)
    stored = {"type": event["type"], "eventID": event_id, "recordTime": entry["at"]} | event
    uris = {ctx.lot(lot_id, row.idx): lot_id for lot_id in lot_ids(entry)}
    at = datetime.fromisoformat(entry["at"])
    record = {
        "ledger_index": row.idx,
        "event_id": event_id,
        "content_hash": event_id,
        "event_type": event["type"],
        "biz_step": event.get("bizStep"),
        "event_time": at,
        "record_time": at,
        "party_id": made.party_id,
        "counterparty_id": made.counterparty_id,
        "leaf_hash": b64(leaf_hash(row.leaf_data)),
        "body": compact(stored),
    }
    return record, index_rows(row.idx, event, uris.get)


def _context(session: Session, names: Names, parsed: Sequence[dict[str, Any]]) -> _Context:
    lots = set().union(*(lot_ids(p) for p in parsed)) if parsed else set()
    transfers = {p["data"]["transfer_id"] for p in parsed if p["type"] in ("receipt", "dispatch_cancel")}
    labels = {
        lot_id: (index, uri)
        for lot_id, index, uri in session.execute(
            select(col(Label.lot_id), col(Label.ledger_index), col(Label.uri)).where(col(Label.lot_id).in_(lots))
        )
    }
    moves = {
        t: (a, b)
        for t, a, b in session.execute(
            select(col(Transfer.id), col(Transfer.from_party_id), col(Transfer.to_party_id)).where(
                col(Transfer.id).in_(transfers)
            )
        )
    }
    return _Context(names, labels, moves)


def behind(session: Session) -> int:
    """How many entries of the log the index has not read yet."""
    size = session.scalar(select(col(LedgerHead.size))) or 0
    cursor = session.scalar(select(col(EpcisCursor.next_index))) or 0
    return max(size - cursor, 0)


def _read_chunk(session: Session, names: Names) -> int:
    """Index the next chunk of entries; the number read (0: nothing was left)."""
    start = session.scalar(select(col(EpcisCursor.next_index)))
    if start is None:
        session.add(EpcisCursor(id=1, next_index=0))
        session.flush()
        start = 0
    size = session.scalar(select(col(LedgerHead.size))) or 0
    end = min(size, start + CHUNK)
    if end <= start:
        return 0
    moved = session.execute(update(EpcisCursor).where(col(EpcisCursor.next_index) == start).values(next_index=end))
    if getattr(moved, "rowcount", 0) != 1:  # another process read it meanwhile
        return 0
    entries = list(
        session.scalars(
            select(LedgerEntry)
            .where(col(LedgerEntry.idx) >= start, col(LedgerEntry.idx) < end, col(LedgerEntry.type).in_(MAPPERS))
            .order_by(col(LedgerEntry.idx))
        )
    )
    if entries:
        parsed = [json.loads(e.leaf_data) for e in entries]
        ctx = _context(session, names, parsed)
        events, epcs = [], []
        for entry, leaf in zip(entries, parsed, strict=True):
            record, rows = derive(ctx, entry, leaf)
            events.append(record)
            epcs.extend(rows)
        session.execute(insert(EpcisEvent), events)
        if epcs:
            session.execute(insert(EpcisEpc), epcs)
    return end - start


def catch_up(engine: Engine, base_url: str, *, limit: int | None = None) -> int:
    """Index every entry written before the call (at most ``limit``); the number read."""
    names, done = Names(base_url), 0
    while limit is None or done < limit:
        with unit_of_work(engine) as session:
            read = _read_chunk(session, names)
        if not read:
            return done
        done += read
    return done


def catch_up_in(session: Session, base_url: str) -> None:
    """Index every entry before the session's own writes, inside the session (a capture's)."""
    names = Names(base_url)
    while _read_chunk(session, names):
        pass


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EpcisEvent)) or 0
