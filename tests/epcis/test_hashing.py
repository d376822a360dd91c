"""The CBV 2.0 event hash against GS1's vectors and the reference generator.

The reference, ``epcis-event-hash-generator`` 1.9.3, expands JSON-LD with PyLD
and loads the standard EPCIS contexts from files it ships; the network is shut
while it runs, so a document that made it fetch anything would fail here.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from epcis_event_hash_generator import hash_generator, json_to_py

from tests.conftest import SHARED
from traceability.epcis import vocabulary
from traceability.epcis.hashing import event_hash, pre_hash
from traceability.epcis.vocabulary import EPCIS_CONTEXT as STANDARD_CONTEXT

# The reference opens its bundled contexts with a deprecated importlib.resources call.
pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")

EPCIS_VECTORS = SHARED / "vectors" / "epcis"
HASH_VECTORS = EPCIS_VECTORS / "event-hash"
BASE = "https://cashew.example.vn"
CONTEXT = [STANDARD_CONTEXT, {"cashew": f"{BASE}/ns/cashew#"}]


@contextmanager
def _offline() -> Iterator[None]:
    refusal = OSError("the reference generator tried the network")
    with (
        mock.patch.object(socket, "getaddrinfo", side_effect=refusal),
        mock.patch.object(socket.socket, "connect", side_effect=refusal),
    ):
        yield


def reference(events: list[dict[str, Any]], context: Any) -> tuple[list[str], list[str]]:
    """The reference's pre-hashes and hashes of ``events``, given in one EPCIS document."""
    document = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-01T00:00:00Z",
        "epcisBody": {"eventList": copy.deepcopy(events)},
    }
    json_to_py._namespaces.clear()  # it keeps the prefixes of every document it has read in this global
    with _offline():
        tree = json_to_py.event_list_from_epcis_document_json(document)
        prehashes: list[str] = hash_generator.derive_prehashes_from_events(tree)
    assert len(prehashes) == len(events), "the reference could not hash every event"
    return prehashes, hash_generator.calculate_hashes_from_pre_hashes(prehashes)


def _vector(path: Path) -> Any:
    if not path.is_file():
        pytest.skip(f"test vectors not found: {path} (they live beside the repository, in ../shared/vectors)")
    return json.loads(path.read_text(encoding="utf-8"))


def _files(folder: Path, pattern: str) -> list[Path]:
    """The vector files, or one path that is not there, whose test then skips."""
    return sorted(folder.glob(pattern)) or [folder / pattern]


class TestHashVectors:
    @pytest.mark.parametrize("path", _files(HASH_VECTORS, "*.jsonld"), ids=lambda path: path.name)
    def test_every_event_hashes_to_its_line(self, path: Path) -> None:
        document = _vector(path)
        expected = path.with_suffix(".hashes").read_text(encoding="utf-8").split()
        events = document["epcisBody"]["eventList"]
        assert [event_hash(event, document["@context"]) for event in events] == expected

    @pytest.mark.parametrize("path", _files(HASH_VECTORS, "*.jsonld"), ids=lambda path: path.name)
    def test_the_reference_reproduces_them_offline(self, path: Path) -> None:
        document = _vector(path)
        expected = path.with_suffix(".hashes").read_text(encoding="utf-8").split()
        assert reference(document["epcisBody"]["eventList"], document["@context"])[1] == expected


class TestGS1Examples:
    @pytest.mark.parametrize("path", _files(EPCIS_VECTORS, "example-*.json"), ids=lambda path: path.stem)
    def test_hash_equals_the_references(self, path: Path) -> None:
        event = _vector(path)
        context = event.pop("@context")  # in a document, the context is the document's
        (expected_pre_hash,), (expected,) = reference([event], context)
        assert pre_hash(event, context) == expected_pre_hash
        assert event_hash(event, context) == expected


LOT = f"{BASE}/lot/LOT-7KQ3M9XA2B"
LOT_WITH_GTIN = f"{BASE}/01/08930000000019/10/LOT-4MZ8TQ1WCE"
BATCH_OUTPUT = f"{BASE}/01/08930000000026/10/B-9H2K5RXQ"
FARMER, PROCESSOR, TRADER = (f"{BASE}/party/P-{suffix}" for suffix in ("7KQ3M9XA2B", "0F4H8M2Q6T", "ZX91C3V7B5"))


def _quantity(epc_class: str, kg: float | str) -> dict[str, Any]:
    return {"epcClass": epc_class, "quantity": kg, "uom": "KGM"}


def _parties(source: str, destination: str) -> dict[str, Any]:
    return {
        "sourceList": [{"type": "owning_party", "source": source}],
        "destinationList": [{"type": "owning_party", "destination": destination}],
    }


# The shapes of SPEC §9.1: harvest, a harvest of a lot with a GTIN, dispatch, receipt, quality test,
# batch and shipment.
PLATFORM_EVENTS: dict[str, dict[str, Any]] = {
    "harvest": {
        "type": "ObjectEvent",
        "eventTime": "2024-03-01T08:15:00.000Z",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [],
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [_quantity(LOT, 1250.5)],
    },
    "harvest_gtin": {
        "type": "ObjectEvent",
        "eventTime": "2024-03-02T09:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [_quantity(LOT_WITH_GTIN, 20), _quantity(LOT, "3.50")],
    },
    "dispatch": {
        "type": "ObjectEvent",
        "eventTime": "2024-03-03T10:00:00.123456Z",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "quantityList": [_quantity(LOT, 500)],
        **_parties(FARMER, PROCESSOR),
    },
    "receipt": {
        "type": "ObjectEvent",
        "eventTime": "2024-03-04T10:00:00Z",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "quantityList": [_quantity(LOT, 498.2)],
        **_parties(FARMER, PROCESSOR),
    },
    "quality_test": {
        "type": "ObjectEvent",
        "eventTime": "2024-03-05T10:00:00Z",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [_quantity(LOT, 2)],
        "cashew:quality": {"outturnLbs": "51.20", "nutCount": 180, "moisturePct": "9.0", "passed": True},
    },
    "batch": {
        "type": "TransformationEvent",
        "eventTime": "2024-03-06T10:00:00Z",
        "eventTimeZoneOffset": "+07:00",
        "inputQuantityList": [_quantity(LOT, 400), _quantity(LOT_WITH_GTIN, 100)],
        "outputQuantityList": [_quantity(BATCH_OUTPUT, 110.4)],
        "transformationID": f"{BASE}/batch/B-9H2K5RXQ",
        "bizStep": "commissioning",
    },
    "shipment": {
        "type": "ObjectEvent",
        "eventTime": "2024-03-07T10:00:00Z",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "quantityList": [_quantity(BATCH_OUTPUT, 110.4)],
        "bizTransactionList": [{"type": "bol", "bizTransaction": f"{BASE}/shipment/SH-2024-0007"}],
        "cashew:container": "MSKU1234565",
        **_parties(PROCESSOR, TRADER),
    },
}


def _changed(event: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    parent: Any = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return changed


# (event, member, new value): each a change the hash must see.
CHANGES: list[tuple[str, tuple[str | int, ...], Any]] = [
    ("harvest", ("eventTime",), "2024-03-01T08:15:00.001Z"),
    ("harvest", ("eventTimeZoneOffset",), "+08:00"),
    ("harvest", ("action",), "OBSERVE"),
    ("harvest", ("bizStep",), "receiving"),
    ("harvest", ("disposition",), "in_progress"),
    ("harvest", ("quantityList", 0, "quantity"), 1250.4),
    ("harvest", ("quantityList", 0, "uom"), "LBR"),
    ("harvest", ("quantityList", 0, "epcClass"), f"{BASE}/lot/LOT-7KQ3M9XA2C"),
    ("harvest", ("readPoint",), {"id": f"{BASE}/farm/FARM-7KQ3M9XA2B"}),
    ("harvest_gtin", ("quantityList", 0, "epcClass"), f"{BASE}/01/08930000000019/10/LOT-4MZ8TQ1WCF"),
    ("dispatch", ("sourceList", 0, "source"), TRADER),
    ("dispatch", ("destinationList", 0, "destination"), TRADER),
    ("dispatch", ("destinationList", 0, "type"), "possessing_party"),
    ("quality_test", ("cashew:quality", "outturnLbs"), "51.30"),
    ("quality_test", ("cashew:quality", "passed"), False),
    ("quality_test", ("cashew:note",), "re-tested"),
    ("batch", ("inputQuantityList", 1, "quantity"), 101),
    ("batch", ("outputQuantityList", 0, "quantity"), 110.5),
    ("batch", ("transformationID",), f"{BASE}/batch/B-9H2K5RXR"),
    ("batch", ("type",), "ObjectEvent"),
    ("shipment", ("bizTransactionList", 0, "bizTransaction"), f"{BASE}/shipment/SH-2024-0008"),
    ("shipment", ("bizTransactionList", 0, "type"), "po"),
    ("shipment", ("cashew:container",), "MSKU1234570"),
]


class TestPlatformEvents:
    @pytest.mark.parametrize("name", sorted(PLATFORM_EVENTS))
    def test_hash_equals_the_references(self, name: str) -> None:
        event = PLATFORM_EVENTS[name]
        (expected_pre_hash,), (expected,) = reference([event], CONTEXT)
        assert pre_hash(event, CONTEXT) == expected_pre_hash
        assert event_hash(event, CONTEXT) == expected

    def test_all_of_them_in_one_document_hash_as_the_reference_hashes_them(self) -> None:
        events = list(PLATFORM_EVENTS.values())
        assert [event_hash(event, CONTEXT) for event in events] == reference(events, CONTEXT)[1]

    @pytest.mark.parametrize(
        ("name", "path", "value"), CHANGES, ids=[f"{n}:{'.'.join(map(str, p))}" for n, p, _ in CHANGES]
    )
    def test_a_change_to_a_hashed_member_changes_the_hash(
        self, name: str, path: tuple[str | int, ...], value: Any
    ) -> None:
        event = PLATFORM_EVENTS[name]
        changed = _changed(event, path, value)
        assert event_hash(changed, CONTEXT) != event_hash(event, CONTEXT)
        assert event_hash(changed, CONTEXT) == reference([changed], CONTEXT)[1][0]

    @pytest.mark.parametrize(
        ("member", "value"),
        [
            ("eventID", "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"),
            ("recordTime", "2024-03-03T11:00:00Z"),
            ("errorDeclaration", {"declarationTime": "2024-03-04T00:00:00Z", "reason": "incorrect_data"}),
        ],
    )
    def test_event_id_record_time_and_error_declaration_are_not_hashed(self, member: str, value: Any) -> None:
        event = PLATFORM_EVENTS["dispatch"]
        assert event_hash(_changed(event, (member,), value), CONTEXT) == event_hash(event, CONTEXT)
        changed = _changed(_changed(event, ("eventID",), "ni:///sha-256;1?ver=CBV2.0"), (member,), value)
        assert event_hash(changed, CONTEXT) == event_hash(event, CONTEXT)


class TestSameEventOtherSpelling:
    """What the hash is there for: one event, however it is written, has one hash."""

    def test_offset_and_precision_of_the_event_time(self) -> None:
        event = PLATFORM_EVENTS["receipt"]
        for spelling in ("2024-03-04T17:00:00+07:00", "2024-03-04T10:00:00.000Z", "2024-03-04T10:00:00.0004Z"):
            assert event_hash(_changed(event, ("eventTime",), spelling), CONTEXT) == event_hash(event, CONTEXT)

    def test_digital_link_on_our_domain_or_on_id_gs1_org_or_as_an_epc_class(self) -> None:
        event = PLATFORM_EVENTS["harvest_gtin"]
        lot = "LOT-4MZ8TQ1WCE"
        for spelling in (
            f"https://id.gs1.org/01/08930000000019/10/{lot}",
            f"{BASE}/gtin/08930000000019/lot/{lot}?17=250301",
            f"urn:epc:class:lgtin:893000.0000001.{lot}",
        ):
            changed = _changed(event, ("quantityList", 0, "epcClass"), spelling)
            assert event_hash(changed, CONTEXT) == event_hash(event, CONTEXT)

    def test_member_order_quantity_list_order_and_trailing_zeros(self) -> None:
        event = PLATFORM_EVENTS["harvest_gtin"]
        reordered = dict(reversed(list(event.items())))
        reordered["quantityList"] = [dict(reversed(list(q.items()))) for q in reversed(event["quantityList"])]
        reordered["quantityList"][0]["quantity"] = "3.5"
        assert event_hash(reordered, CONTEXT) == event_hash(event, CONTEXT)

    def test_bare_word_full_uri_and_cbv_urn(self) -> None:
        event = PLATFORM_EVENTS["dispatch"]
        for spelling in ("https://ref.gs1.org/cbv/BizStep-shipping", "urn:epcglobal:cbv:bizstep:shipping"):
            assert event_hash(_changed(event, ("bizStep",), spelling), CONTEXT) == event_hash(event, CONTEXT)

    def test_non_gs1_uris_pass_unchanged(self) -> None:
        text = pre_hash(PLATFORM_EVENTS["dispatch"], CONTEXT)
        assert f"epcClass={LOT}" in text and f"source={FARMER}" in text and f"destination={PROCESSOR}" in text


class TestWhatTheReferenceDoes:
    """Behaviour of the reference that its README does not describe; the hash follows it."""

    def test_a_third_member_of_a_business_transaction_is_not_hashed(self) -> None:
        event = PLATFORM_EVENTS["shipment"]
        sealed = _changed(event, ("bizTransactionList", 0, "cashew:seal"), "SEAL-0042")
        assert event_hash(sealed, CONTEXT) == event_hash(event, CONTEXT) == reference([sealed], CONTEXT)[1][0]

    def test_the_member_order_of_a_source_counts(self) -> None:
        event = PLATFORM_EVENTS["dispatch"]
        swapped = _changed(event, ("sourceList", 0), {"source": FARMER, "type": "owning_party"})
        assert event_hash(swapped, CONTEXT) != event_hash(event, CONTEXT)
        assert event_hash(swapped, CONTEXT) == reference([swapped], CONTEXT)[1][0]

    def test_a_word_of_the_events_vocabulary_in_an_extension_becomes_its_uri(self) -> None:
        event = _changed(PLATFORM_EVENTS["quality_test"], ("cashew:quality", "stage"), "inspecting")
        text = pre_hash(event, CONTEXT)
        assert "stage=https://ref.gs1.org/cbv/BizStep-inspecting" in text
        assert text == reference([event], CONTEXT)[0][0]

    def test_other_events_of_a_document_change_that_in_the_reference(self) -> None:
        event = _changed(PLATFORM_EVENTS["quality_test"], ("cashew:quality", "stage"), "shipping")
        alone, beside_a_dispatch = reference([event], CONTEXT), reference([PLATFORM_EVENTS["dispatch"], event], CONTEXT)
        assert event_hash(event, CONTEXT) == alone[1][0] != beside_a_dispatch[1][1]

    def test_an_extension_of_read_point_stays_there_only_if_its_namespace_ends_with_a_slash(self) -> None:
        context = [*CONTEXT, {"ex": "https://ns.example.com/epcis/"}]
        read_point = {"id": f"{BASE}/farm/FARM-7KQ3M9XA2B", "cashew:plot": "PL-3", "ex:plot": "PL-3"}
        event = _changed(PLATFORM_EVENTS["harvest"], ("readPoint",), read_point)
        text = pre_hash(event, context)
        assert f"readPointid={BASE}/farm/FARM-7KQ3M9XA2B{{https://ns.example.com/epcis/}}plot=PL-3" in text
        assert f"readPoint{{{BASE}/ns/cashew#}}plot=PL-3" in text
        assert text == reference([event], context)[0][0]

    def test_it_cannot_hash_a_business_transaction_without_type(self) -> None:
        untyped = {"bizTransaction": f"{BASE}/shipment/SH-2024-0007"}
        event = _changed(PLATFORM_EVENTS["shipment"], ("bizTransactionList", 0), untyped)
        with pytest.raises(IndexError):
            reference([event], CONTEXT)
        assert f"bizTransactionListbizTransaction={BASE}/shipment/SH-2024-0007" in pre_hash(event, CONTEXT)


class TestVocabularyTables:
    """The bare words the module expands are the standard context's, read here from GS1's copy."""

    @staticmethod
    def _expanded(terms: dict[str, str]) -> dict[str, str]:
        prefixes = {"cbv:": vocabulary.CBV, "gs1:": vocabulary.GS1_VOC}
        return {
            word: next(iri + curie[4:] for p, iri in prefixes.items() if curie.startswith(p))
            for word, curie in terms.items()
        }

    def test_every_scoped_vocabulary(self) -> None:
        context = _vector(EPCIS_VECTORS / "epcis-context.jsonld")["@context"]
        report = context["sensorElementList"]["@context"]["sensorReport"]["@context"]
        sources = context["sourceList"]["@context"]["type"]["@context"]
        assert self._expanded(context["bizStep"]["@context"]) == vocabulary.BIZ_STEPS
        assert self._expanded(context["disposition"]["@context"]) == vocabulary.DISPOSITIONS
        assert self._expanded(context["persistentDisposition"]["@context"][0]) == vocabulary.DISPOSITIONS
        assert (
            self._expanded(context["bizTransactionList"]["@context"]["type"]["@context"])
            == vocabulary.BIZ_TRANSACTION_TYPES
        )
        assert self._expanded(sources) == vocabulary.SOURCE_DESTINATION_TYPES
        assert (
            self._expanded(context["destinationList"]["@context"]["type"]["@context"])
            == vocabulary.SOURCE_DESTINATION_TYPES
        )
        assert self._expanded(report["type"]["@context"]) == vocabulary.MEASUREMENT_TYPES
        assert self._expanded(report["exception"]["@context"]) == vocabulary.SENSOR_EXCEPTIONS
        assert self._expanded(report["component"]["@context"]) == vocabulary.COMPONENTS
        assert self._expanded(context["errorDeclaration"]["@context"]["reason"]["@context"]) == vocabulary.ERROR_REASONS
