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
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = ["event_hash", "pre_hash"]

STANDARD_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
STANDARD_CONTEXTS = frozenset({STANDARD_CONTEXT, "https://gs1.github.io/EPCIS/epcis-context.jsonld"})
CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"


def _vocabulary(prefix: str, words: str) -> dict[str, str]:
    return {word: prefix + word for word in words.split()}


BIZ_STEPS = _vocabulary(
    CBV + "BizStep-",
    "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting "
    "decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting "
    "installing killing loading other packing picking receiving removing repackaging repairing replacing reserving "
    "retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping",
)
DISPOSITIONS = _vocabulary(
    CBV + "Disp-",
    "active available completeness_verified completeness_inferred conformant container_closed container_open damaged "
    "destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_instance mismatch_class "
    "mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed "
    "recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown",
)
BIZ_TRANSACTION_TYPES = _vocabulary(
    CBV + "BTT-", "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
SOURCE_DESTINATION_TYPES = _vocabulary(CBV + "SDT-", "owning_party possessing_party location")
MEASUREMENT_TYPES = _vocabulary(
    GS1_VOC,
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude AmountOfSubstance "
    "AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance "
    "Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity "
    "ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency "
    "Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux "
    "LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate "
    "MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux "
    "RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity "
    "SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber",
)
SENSOR_EXCEPTIONS = _vocabulary(GS1_VOC, "ALARM_CONDITION ERROR_CONDITION")
COMPONENTS = _vocabulary(
    CBV + "Comp-",
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude "
    "longitude altitude",
)
ERROR_REASONS = _vocabulary(CBV + "ER-", "did_not_occur incorrect_data")


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
        context = [STANDARD_CONTEXT]
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
    return _digital_link(value) or value


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


# GS1 identifiers: EPC URNs and GS1 Digital Link URIs on any domain, as canonical https://id.gs1.org URIs.
_GS1 = "https://id.gs1.org"
_EPC_CHAR = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
)
_CPI_CHAR = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_DL_CHAR = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_PERCENT = str.maketrans({"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"})


def _digits(width: int, twelve: str = "") -> str:
    """Company prefix (6-12 digits), dot, reference: ``width`` digits together."""
    splits = [rf"\d{{{prefix}}}\.\d{{{width - prefix}}}" for prefix in range(6, 12)]
    return "(?:" + "|".join([*splits, twelve or rf"\d{{12}}\.\d{{{width - 12}}}"]) + ")"


def _chars(char: str, room: int) -> str:
    """Company prefix, dot, then up to ``room`` characters together."""
    return "(?:" + "|".join(rf"\d{{{prefix}}}\.{char}{{1,{room - prefix}}}" for prefix in range(6, 13)) + ")"


def _checked(body: str) -> str:
    """A GS1 key body with its check digit."""
    total = sum(int(digit) * (1 if at % 2 else 3) for at, digit in enumerate(reversed(body)))
    return body + str(-total % 10)


def _body(uri: str, start: int, dot: int, width: int, indicator: bool = False) -> str:
    """The digits of an EPC URN's company prefix and reference (``width`` together), indicator digit first."""
    prefix = uri[start:dot]
    reference = uri[dot + 1 : dot + 1 + width - len(prefix)]
    return reference[:1] + prefix + reference[1:] if indicator else prefix + reference


def _percent(text: str) -> str:
    return text.translate(_PERCENT)


def _gln(uri: str, start: int, dot: int) -> str:
    """A GLN with extension 0 is the GLN; any other extension is AI 254."""
    extension = uri[start + 14 :]
    return "/414/" + _checked(_body(uri, start, dot, 12)) + ("" if extension == "0" else "/254/" + _percent(extension))


def _cpi(uri: str, start: int, dot: int, serial: bool) -> str:
    last = uri.rfind(".")
    cpi = "/8010/" + _percent(uri[start:dot] + uri[dot + 1 : last])
    return cpi + "/8011/" + uri[last + 1 :] if serial else cpi


def _gtin(uri: str, start: int, dot: int) -> str:
    return _checked(_body(uri, start, dot, 13, indicator=True))


def _key12(uri: str, start: int, dot: int, lead: str = "") -> str:
    return _checked(lead + _body(uri, start, dot, 12))


_Converter = Callable[[str, int, int], str]
_DOUBLE_DOT = r"\d{12}\.\."  # the reference's pattern for a 12-digit company prefix of GRAI and GDTI
# EPC URN scheme -> (pattern after "urn:epc:<scheme>:", path of the canonical URI); start is the index
# after the scheme, dot the index of the URN's first ".".
_SCHEMES: dict[str, tuple[str, _Converter]] = {
    "id:sgtin": (
        _digits(13) + rf"\.{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: f"/01/{_gtin(u, s, d)}/21/" + _percent(u[s + 15 :]),
    ),
    "id:sscc": (_digits(17) + "$", lambda u, s, d: "/00/" + _checked(_body(u, s, d, 17, indicator=True))),
    "id:sgln": (_digits(12) + rf"\.{_EPC_CHAR}{{1,20}}$", _gln),
    "id:grai": (
        _digits(12, _DOUBLE_DOT) + rf"\.{_EPC_CHAR}{{1,16}}$",
        lambda u, s, d: "/8003/" + _key12(u, s, d, lead="0") + _percent(u[s + 14 :]),
    ),
    "id:giai": (_chars(_EPC_CHAR, 30) + "$", lambda u, s, d: "/8004/" + u[s:d] + _percent(u[d + 1 :])),
    "id:gsrn": (_digits(17) + "$", lambda u, s, d: "/8018/" + _checked(u[s:d] + u[d + 1 :])),
    "id:gsrnp": (_digits(17) + "$", lambda u, s, d: "/8017/" + _checked(u[s:d] + u[d + 1 :])),
    "id:gdti": (
        _digits(12, _DOUBLE_DOT) + rf"{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: "/253/" + _key12(u, s, d) + _percent(u[s + 14 :]),
    ),
    "id:cpi": (_chars(_CPI_CHAR, 30) + r"\.\d{1,12}$", lambda u, s, d: _cpi(u, s, d, serial=True)),
    "id:sgcn": (_digits(12) + r"\.\d{1,12}$", lambda u, s, d: "/255/" + _key12(u, s, d) + u[s + 14 :]),
    "id:ginc": (_chars(_EPC_CHAR, 30) + "$", lambda u, s, d: "/401/" + u[s:d] + _percent(u[d + 1 :])),
    "id:gsin": (_digits(16) + "$", lambda u, s, d: "/402/" + _checked(u[s:d] + u[d + 1 :])),
    "id:itip": (
        _digits(13) + rf"\.\d{{2}}\.\d{{2}}\.{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: f"/8006/{_gtin(u, s, d)}{u[s + 15 : s + 17]}{u[s + 18 : s + 20]}/21/" + _percent(u[s + 21 :]),
    ),
    "id:upui": (
        _digits(13) + rf"\.{_EPC_CHAR}{{1,28}}$",
        lambda u, s, d: f"/01/{_gtin(u, s, d)}/235/" + _percent(u[s + 15 :]),
    ),
    "id:pgln": (_digits(12) + "$", lambda u, s, d: "/417/" + _key12(u, s, d)),
    "class:lgtin": (
        _digits(13) + rf"\.{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: f"/01/{_gtin(u, s, d)}/10/" + _percent(u[s + 15 :]),
    ),
    "idpat:sgtin": (_digits(13) + r"\.\*$", lambda u, s, d: "/01/" + _gtin(u, s, d)),
    "idpat:grai": (_digits(12, _DOUBLE_DOT) + r"\.\*$", lambda u, s, d: "/8003/" + _key12(u, s, d, lead="0")),
    "idpat:gdti": (_digits(12, _DOUBLE_DOT) + r"\.\*$", lambda u, s, d: "/253/" + _key12(u, s, d)),
    "idpat:sgcn": (_digits(12, _DOUBLE_DOT) + r"\.\*$", lambda u, s, d: "/255/" + _key12(u, s, d)),
    "idpat:cpi": (_chars(_CPI_CHAR, 30) + r"\.\*$", lambda u, s, d: _cpi(u, s, d, serial=False)),
    "idpat:itip": (
        _digits(13) + r"\.\d{2}\.\d{2}\.\*$",
        lambda u, s, d: f"/8006/{_gtin(u, s, d)}{u[s + 15 : s + 17]}{u[s + 18 : s + 20]}",
    ),
    "idpat:upui": (_digits(13) + r"\.\*$", lambda u, s, d: "/01/" + _gtin(u, s, d)),
}
_EPC_URNS = {
    scheme: (re.compile(re.escape(f"urn:epc:{scheme}:") + pattern), len(f"urn:epc:{scheme}:"), convert)
    for scheme, (pattern, convert) in _SCHEMES.items()
}

_DL_KEYS = "01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc"
_DL_KEYS += "|402|gsin|8003|grai|8004|giai"
_DIGITAL_LINK = re.compile(
    rf"https?:(?://(?:[^/?#]*@)?[^/?#:]*(?::[^/?#]*)?)?(?:[^?#]*/(?:{_DL_KEYS})/\d{{4}}[^/]+|/[A-Za-z_-]{{10}}$)"
)
_DL_KEY = re.compile(rf"/(?:{_DL_KEYS})/\d{{4}}[^/]")
_SHORT_NAMES = tuple(
    (f"/{name}/", f"/{ai}/")
    for name, ai in (
        ("gtin", "01"), ("itip", "8006"), ("cpid", "8010"), ("gln", "414"), ("party", "417"), ("gsrnp", "8017"),
        ("gsrn", "8018"), ("gcn", "255"), ("sscc", "00"), ("gdti", "253"), ("ginc", "401"), ("gsin", "402"),
        ("grai", "8003"), ("giai", "8004"), ("cpv", "22"), ("lot", "10"), ("ser", "21"),
    )
)  # fmt: skip
# The reference leaves the dots of id.gs1.org unescaped in its patterns.
_ON_GS1 = re.compile(r"https://id.gs1.org/(?:01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/\d{4}[^/]+")
# The keys the reference looks for, in its order, to move a URI onto id.gs1.org.
_KEY_SEARCH = "00 01 253 255 401 402 414 417 8003 8004 8006 8010 8017 8018"
_PRIMARY_KEYS = tuple(f"/{key}/" for key in _KEY_SEARCH.split())
_GTIN_DIGITS = tuple((re.compile(rf"https://id.gs1.org/01/\d{{{n}}}"), "0" * (14 - n)) for n in (14, 13, 12, 8))
_ITEM = r"https://id.gs1.org/(?:8006/\d{18}|01/\d{14})"
_CPV_LAST = re.compile(rf"{_ITEM}/22/{_DL_CHAR}{{0,20}}$")
_CPV_BEFORE = re.compile(rf"{_ITEM}/22/[/{_DL_CHAR[1:-1]}]{{0,20}}$")
_LOT_AND_SERIAL = re.compile(rf"{_ITEM}/10/{_DL_CHAR}{{0,20}}/21/{_DL_CHAR}{{0,20}}$")
_CPI_DL_CHAR = r"[\x23\x2D\x2F\x30-\x39\x41-\x5A]"
_CANONICAL_DL = re.compile(
    r"https://id.gs1.org/(?:"
    + "|".join(
        (
            r"00/\d{18}",
            rf"01/\d{{14}}(?:/21/{_DL_CHAR}{{0,20}}|/10/{_DL_CHAR}{{0,20}}|/235/{_DL_CHAR}{{0,28}})?",
            rf"253/\d{{13}}{_DL_CHAR}{{0,17}}",
            r"255/\d{13}\d{0,12}",
            rf"401/{_DL_CHAR}{{0,30}}",
            r"402/\d{17}",
            rf"414/\d{{13}}(?:/254/{_DL_CHAR}{{0,20}})?",
            r"417/\d{13}",
            rf"8003/\d{{14}}{_DL_CHAR}{{0,16}}",
            rf"8004/{_DL_CHAR}{{0,30}}",
            rf"8006/\d{{18}}(?:/21/{_DL_CHAR}{{0,20}}|/10/{_DL_CHAR}{{0,20}})?",
            rf"8010/{_CPI_DL_CHAR}{{0,30}}(?:/8011/\d{{0,12}})?",
            r"8017/\d{18}",
            r"8018/\d{18}",
        )
    )
    + ")$"
)


def _digital_link(value: str) -> str | None:
    """The canonical GS1 Digital Link URI of an EPC URN or of a Digital Link URI on any domain, or None."""
    if "." not in value:
        return None
    if value.startswith("urn:epc:"):
        end = value.find(":", value.find(":", 8) + 1)
        urn = _EPC_URNS.get(value[8:end]) if end > 0 else None
        if urn is None or urn[0].match(value) is None:
            return None
        return _GS1 + urn[2](value, urn[1], value.index("."))
    # The pattern's other branch (a path of ten letters) never yields a valid URI; finding a key first is faster.
    if _DL_KEY.search(value) is None or _DIGITAL_LINK.match(value) is None:
        return None
    return _constrained(value)


def _constrained(uri: str) -> str | None:
    """A Digital Link URI on id.gs1.org, without query, CPV or a lot beside a serial, if it is then valid."""
    uri = uri.split("?", 1)[0]
    for name, ai in _SHORT_NAMES:
        uri = uri.replace(name, ai)
    if _ON_GS1.match(uri) is None:
        at = next((at for key in _PRIMARY_KEYS if (at := uri.find(key)) != -1), -1)
        if at != -1:
            uri = _GS1 + uri[at:]
    for digits, zeros in _GTIN_DIGITS:
        if digits.match(uri):
            uri = uri.replace("/01/", "/01/" + zeros) if zeros else uri
            break
    cpv = uri[uri.find("/22/") + 4 :]
    if _CPV_LAST.match(uri):
        uri = uri[: uri.find("/22/")] + cpv[cpv.find("/") : -1]
    if _CPV_BEFORE.match(uri):
        uri = uri[: uri.find("/22/")] + cpv[cpv.find("/") :]
    if _LOT_AND_SERIAL.match(uri):
        lot = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + lot[lot.find("/") :]
    return uri if _CANONICAL_DL.match(uri) else None
