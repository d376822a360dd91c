"""The CBV 2.0 event hash of an EPCIS 2.0 JSON-LD event, its ``eventID``.

The pre-hash string and hash are those of the GS1 reference generator
(``epcis-event-hash-generator`` 1.9.3) for the event alone in a document with
the same ``@context``. That includes behaviour its README does not describe:

- a bare vocabulary word is expanded by matching it against the CBV and GS1
  URIs the event's vocabulary fields expand to, so any value anywhere in the
  event that is the tail of exactly one of them (``"shipping"`` beside
  ``"bizStep": "shipping"``) becomes that URI (in a document of several
  events the reference matches against all of theirs);
- every value goes through the number and GS1 identifier canonicalisation,
  extension values included; only ``eventTime`` and sensor times are
  timestamps;
- ``bizTransactionList``, ``sourceList``, ``destinationList``, ``ilmd`` and
  extension members come after the standard fields, sorted by their text, and
  each business transaction, source or destination hashes its first two
  members in the order they are given;
- an extension member inside ``readPoint``, a quantity element or a sensor
  element stays with its parent only when its namespace ends with ``/``;
  otherwise it is hashed again after the standard fields, under its parent.

The standard EPCIS context is never fetched: the vocabularies it defines are
tables here. Other remote contexts are ignored.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from .identifiers import digital_link
from .vocabulary import (
    BIZ_STEPS,
    BIZ_TRANSACTION_TYPES,
    CBV,
    COMPONENTS,
    DISPOSITIONS,
    EPCIS_CONTEXT,
    ERROR_REASONS,
    GS1_VOC,
    MEASUREMENT_TYPES,
    SENSOR_EXCEPTIONS,
    SOURCE_DESTINATION_TYPES,
    STANDARD_CONTEXTS,
)

__all__ = ["event_hash", "pre_hash"]


def pre_hash(event: Mapping[str, Any], context: Any = None) -> str:
    """The CBV 2.0 pre-hash string of an EPCIS 2.0 JSON-LD event.

    ``context`` is the ``@context`` of the event's document (None: the standard EPCIS context alone).
    As in the reference, the namespaces of ``prefix:`` members come from the objects of a ``@context``
    list, and bare CBV words are expanded only when the list names the standard context.
    """
    context = _read_context(context)
    found: set[str] = set()
    _expanded(event, _EVENT_TERMS if context.standard else {}, context, found)
    tree = _Tree(_tails(frozenset(found)), context.namespaces)
    kind = event.get("type", "")
    name, _, children = _regrouped(
        (tree.tails.get(kind, kind) if isinstance(kind, str) else str(kind), "", tree.node(event)[2])
    )
    ordered, left = _in_order(children, _EVENT_ORDER)
    return "eventType=" + name + ordered + _outside_order(child for child in left if child[0] not in _NOT_HASHED)


def event_hash(event: Mapping[str, Any], context: Any = None) -> str:
    """The CBV 2.0 event hash of an EPCIS 2.0 JSON-LD event: ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    digest = hashlib.sha256(pre_hash(event, context).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


_EXPANDED = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")  # the URIs bare words are matched against
_GEN_DELIMS = ":/?#[]@"  # a context term ending in one of these is a prefix (JSON-LD 1.1)


class _Context(NamedTuple):
    """What a document's ``@context`` contributes to the hash."""

    standard: bool  # the EPCIS context is among its entries
    terms: dict[str, str]  # term -> IRI, for keys and vocabulary values (JSON-LD expansion)
    prefixes: dict[str, str]  # prefix -> IRI, for compact IRIs (JSON-LD expansion)
    namespaces: dict[str, str]  # prefix -> IRI that the hash writes for ``prefix:`` in keys and values

    def expand(self, value: str) -> str:
        """A compact IRI expanded; an absolute or relative IRI as it is."""
        colon = value.find(":")
        if colon <= 0:
            return value
        prefix, suffix = value[:colon], value[colon + 1 :]
        iri = self.prefixes.get(prefix)
        return value if iri is None or suffix.startswith("//") else iri + suffix


def _read_context(context: Any) -> _Context:
    if context is None:
        context = [EPCIS_CONTEXT]
    entries = list(context) if isinstance(context, list | tuple) else [context]
    standard = any(isinstance(entry, str) and entry in STANDARD_CONTEXTS for entry in entries)
    declared = {
        key: value
        for entry in entries
        if isinstance(entry, Mapping)
        for key, value in entry.items()
        if isinstance(value, str) and not key.startswith("@")
    }
    builtin = {"cbv": CBV, "gs1": GS1_VOC} if standard else {}
    prefixes = builtin | {key: value for key, value in declared.items() if value[-1:] in _GEN_DELIMS}
    # The reference reads namespaces from the objects of a @context list only, never from a lone object.
    return _Context(standard, builtin | declared, prefixes, declared if isinstance(context, list | tuple) else {})


class _Term(NamedTuple):
    """How JSON-LD expands the values of a member: as literals, as IRIs or as vocabulary words."""

    kind: str
    words: Mapping[str, str] = {}
    scope: "Mapping[str, _Term] | None" = None  # the property-scoped context of its object values


def _terms(kind: str, names: str) -> dict[str, _Term]:
    return {name: _Term(kind) for name in names.split()}


_EVENT_TERMS: dict[str, _Term] = {
    **_terms("literal", "eventTime recordTime eventTimeZoneOffset action quantity uom ilmd"),
    **_terms("literal", "quantityList childQuantityList inputQuantityList outputQuantityList"),
    **_terms("iri", "id eventID certificationInfo readPoint bizLocation transformationID parentID epcClass"),
    **_terms("iri", "epcList childEPCs inputEPCList outputEPCList"),
    "type": _Term("vocab"),
    "bizStep": _Term("vocab", BIZ_STEPS),
    "disposition": _Term("vocab", DISPOSITIONS),
}
_EVENT_TERMS["persistentDisposition"] = _Term(
    "literal", scope=_EVENT_TERMS | {"set": _Term("vocab", DISPOSITIONS), "unset": _Term("vocab", DISPOSITIONS)}
)
_EVENT_TERMS |= {
    name: _Term("literal", scope=_EVENT_TERMS | {member: _Term("iri"), "type": _Term("vocab", types)})
    for name, member, types in (
        ("sourceList", "source", SOURCE_DESTINATION_TYPES),
        ("destinationList", "destination", SOURCE_DESTINATION_TYPES),
        ("bizTransactionList", "bizTransaction", BIZ_TRANSACTION_TYPES),
    )
}
_SENSOR = (
    _EVENT_TERMS | _terms("iri", "deviceID deviceMetadata rawData dataProcessingMethod") | _terms("literal", "time")
)
_EVENT_TERMS["sensorElementList"] = _Term(
    "literal",
    scope=_SENSOR
    | {
        "sensorMetadata": _Term(
            "literal", scope=_SENSOR | _terms("literal", "startTime endTime") | _terms("iri", "bizRules")
        ),
        "sensorReport": _Term(
            "literal",
            scope=_SENSOR
            | _terms("iri", "coordinateReferenceSystem microorganism chemicalSubstance uriValue")
            | _terms("literal", "value stringValue booleanValue hexBinaryValue minValue maxValue meanValue")
            | _terms("literal", "sDev percRank percValue")
            | {
                "type": _Term("vocab", MEASUREMENT_TYPES),
                "exception": _Term("vocab", SENSOR_EXCEPTIONS),
                "component": _Term("vocab", COMPONENTS),
            },
        ),
    },
)
_EVENT_TERMS["errorDeclaration"] = _Term(
    "literal",
    scope=_EVENT_TERMS
    | {
        "reason": _Term("vocab", ERROR_REASONS),
        "correctiveEventIDs": _Term("iri"),
        "declarationTime": _Term("literal"),
    },
)
_EXTENSION = _Term("literal")


def _expanded(obj: Mapping[str, Any], scope: Mapping[str, _Term], context: _Context, found: set[str]) -> None:
    """Collect the CBV and GS1 URIs that JSON-LD expansion of ``obj`` yields."""
    for key, value in obj.items():
        term = scope.get(key)
        if term is None:
            if key[:1] == "@" or (":" not in key and key not in context.terms):
                continue  # not an IRI: expansion drops the member
            term = _EXTENSION
        if type(value) is str and term.kind == "literal":
            if value.startswith(_EXPANDED):
                found.add(value)
        else:
            _expanded_value(value, term, scope, context, found)


def _expanded_value(value: Any, term: _Term, scope: Mapping[str, _Term], context: _Context, found: set[str]) -> None:
    kind = type(value)
    if kind is str:
        if term.kind == "iri":
            value = context.expand(value)
        elif term.kind == "vocab":
            value = term.words.get(value) or context.terms.get(value) or context.expand(value)
        if value.startswith(_EXPANDED):
            found.add(value)
    elif kind is list or isinstance(value, tuple):
        for item in value:
            _expanded_value(item, term, scope, context, found)
    elif kind is dict or isinstance(value, Mapping):
        _expanded(value, scope if term.scope is None else term.scope, context, found)


@lru_cache(maxsize=512)
def _tails(uris: frozenset[str]) -> dict[str, str]:
    """Each value the reference takes for a bare word: the text after a ``-`` or ``/`` of exactly one URI."""
    owners: dict[str, set[str]] = {}
    for uri in uris:
        for at, char in enumerate(uri):
            if char in "-/":
                owners.setdefault(uri[at + 1 :], set()).add(uri)
    return {tail: next(iter(found)) for tail, found in owners.items() if len(found) == 1}


# A node of the reference's event tree: (name, text, children). A business transaction, source or
# destination is a list of (at most) two nodes instead.
_Node = tuple[str, str, list[Any]]

_SKIPPED_KEYS = frozenset({"#text", "rdfs:comment", "comment"})
_UNSORTED_KEYS = ("bizTransaction", "source", "destination")  # an object holding one keeps its member order
_PAIRED_LISTS = frozenset({"bizTransactionList", "sourceList", "destinationList"})
# JSON member names that are other names in the reference's XML-shaped tree ("quantity" too, when it has members).
_RENAMED = {"inputEPC": "epc", "outputEPC": "epc"} | dict.fromkeys(
    ("inputQuantity", "outputQuantity", "childQuantity"), "quantityElement"
)


class _Tree:
    """Builds the reference's tree of an event: bare words expanded, ``prefix:`` replaced, members sorted."""

    def __init__(self, tails: Mapping[str, str], namespaces: Mapping[str, str]) -> None:
        self.tails = tails
        self.key_namespaces = {prefix: "{" + iri + "}" for prefix, iri in namespaces.items()}
        self.value_namespaces = {prefix: iri.replace("{", "").replace("}", "") for prefix, iri in namespaces.items()}

    def node(self, value: Any) -> _Node:
        kind = type(value)
        if kind is str:
            text = self.tails.get(value, value)
            return "", self._prefixed(text, self.value_namespaces) if ":" in text else text, []
        if kind is dict or (kind is not list and isinstance(value, Mapping)):
            return self._object(value)
        if kind is list or isinstance(value, tuple):
            items = [self.node(item) for item in value]
            if not any(type(item) is str and self.tails.get(item, item) in _UNSORTED_KEYS for item in value):
                items.sort()  # the reference tests a list for those names as it tests an object's keys
            return "", "", items
        return "", str(value), []

    def _object(self, obj: Mapping[str, Any]) -> _Node:
        tails, values = self.tails, self.value_namespaces
        children: list[Any] = []
        for key, value in obj.items():
            if key in _SKIPPED_KEYS or key.startswith("@xmlns"):
                continue
            name = self._prefixed(key, self.key_namespaces) if ":" in key else key
            kind = type(value)
            if kind is str:
                text = tails.get(value, value)
                children.append((name, self._prefixed(text, values) if ":" in text else text, []))
            elif kind is list or isinstance(value, tuple):
                children.extend([(name, item[1], item[2]) for item in self.node(value)[2]])
            else:
                _, text, grandchildren = self.node(value)
                children.append((name, text, grandchildren))
        if "bizTransaction" not in obj and "source" not in obj and "destination" not in obj:
            children.sort()
        if "#text" not in obj:
            return "", "", children
        text = obj["#text"]
        return "", tails.get(text, text) if isinstance(text, str) else str(text), children

    @staticmethod
    def _prefixed(text: str, namespaces: Mapping[str, str]) -> str:
        prefix, _, rest = text.partition(":")
        namespace = namespaces.get(prefix)
        return text if namespace is None else namespace + rest


def _regrouped(node: _Node) -> _Node:
    """The tree in the reference's XML shape: ``fooList`` members become ``foo`` children of one ``fooList``,
    and JSON names their XML names."""
    name, text, children = node
    if not children:
        return (_RENAMED[name], text, children) if name in _RENAMED else node
    kept: list[Any] = []
    lists: dict[str, list[_Node]] = {}
    child_epcs: list[_Node] = []
    for child in children:
        if child[0].endswith("List"):
            lists.setdefault(child[0], []).append(child)
        elif child[0] == "childEPCs":
            child_epcs.append(("epc", child[1], []))
        elif child[2] or child[0] in _RENAMED:
            kept.append(_regrouped(child))
        else:
            kept.append(child)
    for list_name, members in lists.items():
        if list_name in _PAIRED_LISTS:
            kept.append((list_name, "", [list(member[2][:2]) for member in members]))
        else:
            kept.append(_regrouped((list_name, "", [(list_name[:-4], m[1], m[2]) for m in members])))
    if child_epcs:
        kept.append(("childEPCs", "", child_epcs))
    return _RENAMED.get(name, "quantityElement" if name == "quantity" else name), text, kept


class _Field(NamedTuple):
    """A member in the canonical property order, with the order of its own members."""

    name: str
    members: "_Order | None" = None
    timestamp: bool = False


_Order = dict[str, tuple[int, _Field]]  # name -> (position, field)


def _order(*fields: _Field | str) -> _Order:
    named = [
        _Field(f, timestamp="time" in f.lower() and "offset" not in f.lower()) if isinstance(f, str) else f
        for f in fields
    ]
    return {field.name: (position, field) for position, field in enumerate(named)}


_EPCS = _order("epc")
_QUANTITIES = _order(_Field("quantityElement", _order("epcClass", "quantity", "uom")))
_SENSOR_METADATA = "time startTime endTime deviceID deviceMetadata rawData dataProcessingMethod bizRules"
_SENSOR_REPORT = (
    "type exception deviceID deviceMetadata rawData dataProcessingMethod time microorganism chemicalSubstance value "
    "component stringValue booleanValue hexBinaryValue uriValue minValue maxValue meanValue sDev percRank percValue "
    "uom coordinateReferenceSystem"
)
_SENSOR_ELEMENT = _order(
    _Field("sensorMetadata", _order(*_SENSOR_METADATA.split())), _Field("sensorReport", _order(*_SENSOR_REPORT.split()))
)
# bizTransactionList, sourceList and destinationList are in the reference's order too, but it never
# consumes them there: they are hashed with the members outside the order.
_EVENT_ORDER = _order(
    "eventTime",
    "eventTimeZoneOffset",
    "certificationInfo",
    "parentID",
    _Field("epcList", _EPCS),
    _Field("inputEPCList", _EPCS),
    _Field("childEPCs", _EPCS),
    _Field("quantityList", _QUANTITIES),
    _Field("childQuantityList", _QUANTITIES),
    _Field("inputQuantityList", _QUANTITIES),
    _Field("outputEPCList", _EPCS),
    _Field("outputQuantityList", _QUANTITIES),
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    _Field("persistentDisposition", _order("set", "unset")),
    _Field("readPoint", _order("id")),
    _Field("bizLocation", _order("id")),
    _Field("sensorElementList", _order(_Field("sensorElement", _SENSOR_ELEMENT))),
)
_NOT_HASHED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})


def _in_order(children: list[Any], order: _Order) -> tuple[str, list[Any]]:
    """The pre-hash of the members named in ``order``, and the members (or parts of members) left over."""
    extensions: list[Any] = []
    if len(children) > 1 and not any("eventTime" in child[0] or "action" in child[0] for child in children):
        extensions = [child for child in children if "{" in child[0] and "/}" in child[0]]
        if extensions:
            children = [child for child in children if not ("{" in child[0] and "/}" in child[0])]
    slots: dict[int, list[str]] = {}
    left: list[Any] = []
    for child in children:
        entry = order.get(child[0])
        if entry is None:
            left.append(child)
            continue
        position, field = entry
        name, text, grandchildren = child
        inner, rest = ("", grandchildren) if field.members is None else _in_order(grandchildren, field.members)
        value = text.strip() if text else ""
        if value:
            value = "=" + (_timestamp(value) if field.timestamp else _canonical(value))
        if value or inner:
            slots.setdefault(position, []).append(name + value + inner)
        if rest:
            left.append((name, text, rest))
    parts = ["".join(sorted(slots[position])) for position in sorted(slots)]
    if extensions:
        parts.append(_outside_order(extensions))
    return "".join(parts), left


def _outside_order(children: Iterable[Any]) -> str:
    """The pre-hash of members outside the canonical order: ``name=value`` and children, sorted."""
    texts = []
    sort = True
    for child in children:
        if isinstance(child, list):
            texts.append(_outside_order(child))
            continue
        name, text, grandchildren = child
        sort = sort and name not in _UNSORTED_KEYS
        value = text.strip()
        value = "=" + _canonical(value) if value else ""
        texts.append(name + value + _outside_order(grandchildren) if grandchildren else name + value)
    if sort:
        texts.sort()
    return "".join(texts)


@lru_cache(maxsize=8192)
def _canonical(value: str) -> str:
    """A value as the reference writes it: CBV URNs as web URIs, numbers without trailing zeros, GS1 keys canonical."""
    if "urn:epcglobal:cbv:" in value:
        for urn, uri in _CBV_URNS:
            value = value.replace(urn, uri)
    value = _number(value)
    return digital_link(value) or value


_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)


def _number(value: str) -> str:
    """``"51.20"`` -> ``"51.2"``, ``"1e3"`` -> ``"1000"``: whatever Python's ``float`` reads as a number."""
    if value[:1].isalpha() and value[:1] not in "iInN":  # float() reads nothing else that starts with a letter
        return value
    try:
        number = float(value)
        whole = int(number)
    except (ValueError, OverflowError):  # not a number, or NaN or infinity
        return value
    return str(whole) if whole == number else str(number)


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d?)-(\d\d?)"
    r"(?:[Tt ](\d\d?)(?::(\d\d?)(?:[.,](\d+)|:(\d\d?)(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d\d):?(\d\d)?)?)?"
)


@lru_cache(maxsize=1024)
def _timestamp(value: str) -> str:
    """An ISO 8601 timestamp in UTC at millisecond precision (``…T10:00:30.000Z``); anything else as it is.

    Microseconds round half to even and a fraction of a minute counts whole seconds only, as in the
    reference. A timestamp without offset is taken as UTC (the reference takes the host's zone).
    """
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return value
    year, month, day, hour, minute = (int(part or 0) for part in match.groups()[:5])
    minute_fraction, second, fraction, _, sign, offset_hours, offset_minutes = match.groups()[5:]
    if minute_fraction:
        second = str(int(60 * (Decimal(f"{minute}.{minute_fraction}") % 1)))
    offset = timedelta(hours=int(offset_hours or 0), minutes=int(offset_minutes or 0))
    microseconds = int((fraction or "").ljust(6, "0")[:6])
    try:
        moment = datetime(
            year, month, day, hour, minute, int(second or 0), tzinfo=timezone(-offset if sign == "-" else offset)
        )
        utc = (moment + timedelta(microseconds=round(microseconds, -3))).astimezone(UTC)
    except (ValueError, OverflowError):
        return value
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
        f"{utc.microsecond // 1000:03d}Z"
    )
