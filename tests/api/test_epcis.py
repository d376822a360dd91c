"""The EPCIS 2.0 interface (SPEC §9.1): our records as GS1 events, queried and captured.

Exports are checked against GS1's own schema (``../shared/vectors/epcis/``, with the
``jsonschema`` package) and their eventIDs against the reference hash generator; GS1's example
events are captured and queried back; a second instance captures the first one's events and
proves each in its own log.
"""

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from ledger.checkpoint import Verifier, verify_checkpoint
from ledger.verify import verify_inclusion
from tests.api.test_buyer_page import gtin
from tests.factories import deliver, dispatch, farm_lot, ledger_size, make_party, ok, table_counts
from traceability.db import make_engine
from traceability.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")  # the reference generator
BASE = "http://testserver"
PROBLEM = "application/problem+json"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# What each of our records becomes (SPEC §9.1): (type, action, bizStep, disposition).
SHAPES = {
    ("ObjectEvent", "ADD", "commissioning", "active"),  # harvests and imports
    ("ObjectEvent", "OBSERVE", "shipping", "in_transit"),  # dispatches and the container
    ("ObjectEvent", "OBSERVE", "receiving", "in_progress"),
    ("ObjectEvent", "OBSERVE", "inspecting", None),
    ("TransformationEvent", None, "commissioning", "active"),
}


@pytest.fixture
def gs1(shared_vectors: Path) -> Path:
    return shared_vectors / "epcis"


@pytest.fixture
def schema(gs1: Path) -> jsonschema.protocols.Validator:
    loaded = json.loads((gs1 / "EPCIS-JSON-Schema.json").read_text())
    cls = jsonschema.validators.validator_for(loaded)
    return cls(loaded, format_checker=cls.FORMAT_CHECKER)


def reference_hash(event: dict[str, Any], context: Any) -> str:
    """The CBV 2.0 hash of an event as GS1's reference generator computes it."""
    generator = pytest.importorskip("epcis_event_hash_generator.hash_generator")
    reader = pytest.importorskip("epcis_event_hash_generator.json_to_py")
    bare = {k: v for k, v in event.items() if k != "cashew:ledger"}
    document = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-06-15T03:00:00Z",
        "epcisBody": {"eventList": [bare]},
    }
    [found] = generator.epcis_hashes_from_events(reader.event_list_from_epcis_document_json(copy.deepcopy(document)))
    return str(found)


def query(client: TestClient, party: dict[str, Any], **params: Any) -> Any:
    return client.get("/epcis/events", params=params, headers=party["headers"])


def events_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return found


def all_events(client: TestClient, party: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    """Every page, following the ``Link: rel="next"`` headers."""
    found, response = [], query(client, party, **({"perPage": 500} | params))
    while True:
        found += events_of(response)
        link = response.headers.get("link")
        if link is None:
            return found
        assert link.endswith('>; rel="next"')
        url = urlsplit(link[1 : link.index(">")])
        response = client.get(url.path, params=parse_qsl(url.query), headers=party["headers"])


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"epcisException:{kind}" and body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.fixture
def chain(client: TestClient, engine: Engine, season: dict[str, Any]) -> dict[str, Any]:
    """The season (harvests, a delivery, imports, cutting tests, a batch, a container), plus the
    W320 lot labelled and a part of it sent on to a trader: its name is a Digital Link from then on."""
    processor, regulator = season["processor"], season["regulator"]
    kernel = next(
        lot["lot_id"]
        for lot in ok(client.get("/api/v1/lots", headers=processor["headers"]), 200)["items"]
        if lot["grade"] == "LP"
    )
    assert client.get(f"/api/v1/lots/{kernel}/label.svg", headers=processor["headers"]).status_code == 200
    trader = make_party(client, role="trader")
    ok(dispatch(client, processor, kernel, trader, 150))  # the whole lot: it keeps its id
    farmer = make_party(client)
    return {
        "processor": processor,
        "regulator": regulator,
        "trader": trader,
        "stranger": farmer,
        "kernel": kernel,
        "gtin": gtin(engine, processor, grade="LP"),
    }


def test_every_record_is_an_event_valid_under_gs1s_schema_with_the_reference_hash(
    client: TestClient, chain: dict[str, Any], schema: jsonschema.protocols.Validator
) -> None:
    response = query(client, chain["regulator"], perPage=500)
    document = response.json()
    assert response.headers["content-type"] == "application/ld+json"
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schema.iter_errors(document)]
    assert errors == []
    assert document["type"] == "EPCISQueryDocument" and document["@context"][0] == EPCIS_CONTEXT
    events = events_of(response)
    shapes = {(e["type"], e.get("action"), e["bizStep"], e.get("disposition")) for e in events}
    assert shapes == SHAPES
    for event in events:
        assert event["eventID"] == reference_hash(event, document["@context"]), event
        for element in [*event.get("quantityList", ()), *event.get("inputQuantityList", ())]:
            assert element.get("uom", "KGM") == "KGM"
    # Every one of our records in the log has its event, in log order.
    indexes = [e["cashew:ledger"]["index"] for e in events]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    text = response.text
    assert "Nguyễn Văn An" not in text and "Bù Đăng" not in text  # parties by URI, never by name


def test_lots_are_named_by_digital_link_once_labelled_and_found_by_either_name(
    client: TestClient, chain: dict[str, Any]
) -> None:
    kernel, processor = chain["kernel"], chain["processor"]
    plain, labelled = f"{BASE}/lot/{kernel}", f"{BASE}/01/{chain['gtin']}/10/{kernel}"
    for uri in (plain, labelled):
        found = all_events(client, processor, MATCH_anyEPCClass=uri)
        steps = [(e["type"], e["bizStep"]) for e in found]
        assert steps == [("TransformationEvent", "commissioning"), ("ObjectEvent", "shipping")]
    made, sent = all_events(client, processor, MATCH_anyEPCClass=plain)
    assert plain in [o["epcClass"] for o in made["outputQuantityList"]]  # before its label
    assert sent["quantityList"] == [{"epcClass": labelled, "quantity": 150, "uom": "KGM"}]  # after
    assert sent["sourceList"] == [{"type": "owning_party", "source": f"{BASE}/party/{processor['id']}"}]
    assert sent["destinationList"] == [{"type": "owning_party", "destination": f"{BASE}/party/{chain['trader']['id']}"}]
    # The resolver's gs1:epcis link is this query.
    assert all_events(client, processor, MATCH_anyEPC=labelled) == []  # lots are classes with quantities


def test_each_event_names_its_entry_so_a_consumer_can_prove_it(client: TestClient, chain: dict[str, Any]) -> None:
    events = all_events(client, chain["regulator"])
    checkpoint = verify_checkpoint(
        client.get("/ledger/checkpoint").text,
        Verifier.from_vkey(client.get("/ledger/key").json()["vkey"]),
        client.get("/ledger/key").json()["origin"],
    )
    for event in events[:: max(len(events) // 6, 1)]:
        ref = event["cashew:ledger"]
        proof = ok(client.get("/ledger/proof/inclusion", params={"index": ref["index"], "size": checkpoint.size}), 200)
        assert proof["leaf_hash"] == ref["leafHash"]
        leaf = base64.b64decode(ref["leafHash"])
        verify_inclusion(
            leaf, ref["index"], checkpoint.size, [base64.b64decode(h) for h in proof["proof"]], checkpoint.root_hash
        )


def test_filters_and_pages(client: TestClient, chain: dict[str, Any]) -> None:
    regulator = chain["regulator"]
    everything = all_events(client, regulator)
    by_pages = all_events(client, regulator, perPage=2)
    assert [e["eventID"] for e in by_pages] == [e["eventID"] for e in everything]
    first = query(client, regulator, perPage=2)
    assert len(events_of(first)) == 2 and "perPage=2" in first.headers["link"]
    transformations = events_of(query(client, regulator, eventType="TransformationEvent"))
    assert [e["type"] for e in transformations] == ["TransformationEvent"]
    steps = events_of(query(client, regulator, EQ_bizStep="receiving|inspecting", perPage=100))
    assert {e["bizStep"] for e in steps} == {"receiving", "inspecting"}
    full = events_of(query(client, regulator, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-receiving"))
    assert [e["bizStep"] for e in full] == ["receiving"]
    one = everything[3]
    assert events_of(query(client, regulator, EQ_eventID=one["eventID"])) == [one]
    assert events_of(query(client, regulator, GE_eventTime="2027-01-01T00:00:00Z")) == []
    assert len(events_of(query(client, regulator, LT_eventTime="2027-01-01T00:00:00+07:00", perPage=500))) == len(
        everything
    )
    single = client.get(f"/epcis/events/{quote(one['eventID'], safe='')}", headers=regulator["headers"])
    assert events_of(single) == [one]
    types = ok(client.get("/epcis/eventTypes", headers=regulator["headers"]), 200)
    assert types["member"] == ["ObjectEvent", "TransformationEvent"]
    steps_held = ok(client.get("/epcis/bizSteps", headers=regulator["headers"]), 200)["member"]
    assert steps_held == ["commissioning", "inspecting", "receiving", "shipping"]


@pytest.mark.parametrize(
    "params",
    [
        {"EQ_color": "red"},
        {"perPage": "0"},
        {"perPage": "501"},
        {"perPage": "ten"},
        {"GE_eventTime": "yesterday"},
        {"GE_eventTime": "2026-01-01T00:00:00"},  # no offset
        {"nextPageToken": "not-a-token!"},
        {"eventType": ""},
        {"EQ_disposition": "active"},  # a parameter of the bindings this server does not read
    ],
)
def test_bad_queries_are_400_problems(client: TestClient, chain: dict[str, Any], params: dict[str, str]) -> None:
    problem(query(client, chain["regulator"], **params), 400, "QueryParameterException")


def test_a_parameter_given_twice_is_a_400_problem(client: TestClient, chain: dict[str, Any]) -> None:
    response = client.get("/epcis/events?perPage=1&perPage=2", headers=chain["regulator"]["headers"])
    problem(response, 400, "QueryParameterException")


def test_a_party_reads_its_own_events_and_its_custody_moves_only(client: TestClient, chain: dict[str, Any]) -> None:
    trader, stranger = chain["trader"], chain["stranger"]
    everything = all_events(client, chain["regulator"])
    batch = next(e for e in everything if e["type"] == "TransformationEvent")
    received = all_events(client, trader)
    assert [(e["bizStep"], e["destinationList"][0]["destination"]) for e in received] == [
        ("shipping", f"{BASE}/party/{trader['id']}")
    ]
    assert all_events(client, stranger) == []
    for party in (trader, stranger):
        response = client.get(f"/epcis/events/{quote(batch['eventID'], safe='')}", headers=party["headers"])
        problem(response, 404, "NoSuchResourceException")
        assert events_of(query(client, party, EQ_eventID=batch["eventID"])) == []
    problem(client.get("/epcis/events"), 401, "SecurityException")
    assert ok(client.get("/epcis/eventTypes", headers=trader["headers"]), 200)["member"] == ["ObjectEvent"]


def test_a_farmer_never_sees_a_processors_batch(client: TestClient) -> None:
    farmer, processor = make_party(client), make_party(client, role="processor")
    received = deliver(client, farmer, processor, farm_lot(client, farmer, 1000), 1000)
    body = {
        "inputs": [{"lot_id": received, "quantity_kg": 1000}],
        "outputs": [
            {"product": "kernel", "grade": "W240", "quantity_kg": 220},
            {"product": "shell", "quantity_kg": 700},
        ],
    }
    ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))
    seen = [(e["type"], e["bizStep"]) for e in all_events(client, farmer)]
    assert seen == [("ObjectEvent", "commissioning"), ("ObjectEvent", "shipping"), ("ObjectEvent", "receiving")]
    theirs = [(e["type"], e["bizStep"]) for e in all_events(client, processor)]
    assert theirs == [*seen[1:], ("TransformationEvent", "commissioning")]


# -- capture -------------------------------------------------------------------------------------


def document(events: list[dict[str, Any]], context: Any = EPCIS_CONTEXT) -> dict[str, Any]:
    return {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-06-15T03:00:00Z",
        "epcisBody": {"eventList": events},
    }


def examples(gs1: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(gs1.glob("example-*.json")):
        yield path.stem, json.loads(path.read_text())


def observation(n: int, **more: Any) -> dict[str, Any]:
    """An importer's event: a container of raw nuts seen at the port of Cát Lái."""
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-05-0{1 + n % 9}T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [],
        "action": "OBSERVE",
        "bizStep": "arriving",
        "disposition": "in_progress",
        "quantityList": [
            {"epcClass": f"urn:epc:class:lgtin:4012345.012345.CI-{n}", "quantity": 26000 + n, "uom": "KGM"}
        ],
        "readPoint": {"id": "urn:epc:id:sgln:8935000.00001.0"},
    } | more


def capture(client: TestClient, party: dict[str, Any], body: Any, **headers: str) -> Any:
    return client.post("/epcis/capture", json=body, headers=party["headers"] | headers)


def test_gs1s_examples_are_captured_and_come_back_from_queries(client: TestClient, gs1: Path) -> None:
    importer = make_party(client, role="processor")
    for name, example in examples(gs1):
        context = example.pop("@context")
        response = capture(client, importer, document([example], context))
        assert response.status_code == 202, (name, response.text)
        job = ok(client.get(response.headers["location"], headers=importer["headers"]), 200)
        assert (job["running"], job["success"], job["storedCount"], job["errors"]) == (False, True, 1, []), name
        [back] = events_of(query(client, importer, EQ_eventID=example["eventID"]))
        assert back["cashew:ledger"]["index"] >= 0 and back["recordTime"]
        for key, value in example.items():
            assert back[key] == value, (name, key)
    assert {e["type"] for e in all_events(client, importer)} == {
        "ObjectEvent",
        "AggregationEvent",
        "TransformationEvent",
    }
    # The class an example counts is found by MATCH_anyEPCClass, its EPCs by MATCH_epc.
    found = all_events(client, importer, MATCH_anyEPCClass="urn:epc:class:lgtin:4012345.012345.998877")
    assert [e["type"] for e in found] == ["AggregationEvent"]
    assert len(all_events(client, importer, MATCH_epc="urn:epc:id:sgtin:0614141.107346.2017")) == 2


def test_one_event_is_captured_by_post_events(client: TestClient, gs1: Path) -> None:
    importer = make_party(client, role="trader")
    example = json.loads((gs1 / "example-ObjectEvent.json").read_text())
    response = client.post("/epcis/events", json=example, headers=importer["headers"])
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/epcis/events/{quote(example['eventID'], safe='')}"
    assert (
        events_of(client.get(response.headers["location"], headers=importer["headers"]))[0]["eventID"]
        == example["eventID"]
    )
    problem(
        client.post("/epcis/events", json=example, headers=importer["headers"]), 409, "ResourceAlreadyExistsException"
    )
    problem(
        client.post("/epcis/events", json=document([example]), headers=importer["headers"]), 400, "ValidationException"
    )


def test_one_bad_event_stores_nothing_under_rollback_and_only_itself_under_proceed(
    client: TestClient, engine: Engine
) -> None:
    importer = make_party(client, role="processor")
    bad = observation(3, action="MOVE")  # not an action of EPCIS
    body = document([observation(1), observation(2), bad, observation(4)])
    before, rows = ledger_size(client), table_counts(engine)
    refused = problem(capture(client, importer, body), 400, "ValidationException")
    assert any(f["loc"][:4] == ["body", "epcisBody", "eventList", "2"] for f in refused["fields"]), refused
    assert ledger_size(client) == before and table_counts(engine) == rows
    explicit = capture(client, importer, body, **{"GS1-Capture-Error-Behaviour": "rollback"})
    problem(explicit, 400, "ValidationException")
    assert ledger_size(client) == before
    # proceed: a schema-invalid document is still refused whole; an event that cannot be stored is skipped.
    taken = observation(5, eventID="urn:uuid:6f0c5c8e-0d0a-4a8e-9e55-3c1f6b7d0001")
    assert capture(client, importer, document([taken])).status_code == 202
    clash = observation(6, eventID=taken["eventID"])  # the same eventID for another event
    proceed = capture(client, importer, document([observation(7), clash]), **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert proceed.status_code == 202, proceed.text
    job = proceed.json()
    assert (job["success"], job["storedCount"], len(job["errors"])) == (False, 1, 1)
    assert "already names another event" in job["errors"][0]["title"]
    assert ledger_size(client) == before + 2
    rolled = capture(client, importer, document([observation(8), clash]))
    problem(rolled, 400, "ValidationException")
    assert ledger_size(client) == before + 2
    problem(capture(client, importer, body, **{"GS1-Capture-Error-Behaviour": "maybe"}), 400, "ValidationException")


def test_an_event_already_stored_is_not_stored_again(client: TestClient) -> None:
    importer = make_party(client, role="processor")
    body = document([observation(1), observation(2)])
    first = capture(client, importer, body).json()
    size = ledger_size(client)
    again = capture(client, importer, body | {"creationDate": "2026-06-16T03:00:00Z"}).json()
    assert (first["storedCount"], again["storedCount"], again["duplicateCount"], again["success"]) == (2, 0, 2, True)
    assert ledger_size(client) == size
    twice = capture(client, importer, document([observation(3), observation(3)])).json()
    assert (twice["storedCount"], twice["duplicateCount"]) == (1, 1)
    # The same event with its eventID given, or in another key order, is the same event.
    named = observation(1, eventID=first_id(client, importer, 1))
    assert capture(client, importer, document([dict(reversed(named.items()))])).json()["duplicateCount"] == 1


def first_id(client: TestClient, party: dict[str, Any], n: int) -> str:
    uri = observation(n)["quantityList"][0]["epcClass"]
    [found] = all_events(client, party, MATCH_anyEPCClass=uri)
    event_id: str = found["eventID"]
    assert event_id.startswith("ni:///sha-256;") and event_id.endswith("?ver=CBV2.0")
    return event_id


def test_capture_limits_are_413_problems(client: TestClient) -> None:
    importer = make_party(client, role="processor")
    options = client.options("/epcis/capture")
    assert options.status_code == 204
    assert options.headers["gs1-epcis-capture-limit"] == "10000"
    assert options.headers["gs1-epcis-capture-file-size-limit"] == "20000000"
    size = ledger_size(client)
    many = document([observation(i % 9) for i in range(10_001)])
    problem(capture(client, importer, many), 413, "CaptureLimitExceededException")
    padded = document([observation(1, **{"cashew:note": "x" * 20_000_000})])
    problem(capture(client, importer, padded), 413, "CaptureLimitExceededException")
    assert ledger_size(client) == size


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"type": "EPCISDocument"},
        {"type": "Invoice", "epcisBody": {}},
        document([{"type": "ObjectEvent"}]),
        document([observation(1)], context="https://example.com/my-context.jsonld"),
        document([observation(1, **{"@context": ["https://example.com/other.jsonld"]})]),
    ],
)
def test_documents_that_are_not_valid_are_refused_whole(client: TestClient, body: Any) -> None:
    importer = make_party(client, role="processor")
    size = ledger_size(client)
    problem(capture(client, importer, body), 400, "ValidationException")
    assert ledger_size(client) == size


def test_capture_jobs_are_their_capturers(client: TestClient) -> None:
    importer, other = make_party(client, role="processor"), make_party(client, role="trader")
    location = capture(client, importer, document([observation(1)])).headers["location"]
    problem(client.get(location, headers=other["headers"]), 403, "SecurityException")
    problem(client.get("/epcis/capture/CAP-NOSUCHJOB", headers=importer["headers"]), 404, "NoSuchResourceException")
    problem(client.post("/epcis/capture", json=document([observation(1)])), 401, "SecurityException")
    jobs = ok(client.get("/epcis/capture", headers=importer["headers"]), 200)["items"]
    assert [j["captureID"] for j in jobs] == [location.rsplit("/", 1)[1]]
    assert all_events(client, other) == []  # a captured event is its capturer's (and the regulators')


@pytest.fixture
def second(tmp_path: Path, sqlite_template: Path) -> Iterator[TestClient]:
    """Another instance of the platform, with a database and a log key of its own."""
    path = tmp_path / "second.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        database_url=f"sqlite:///{path}",
        admin_token="test-admin-token",
        log_origin="second.cashew.local/ledger",
        log_key_file=tmp_path / "second" / "log.key",
        public_base_url="https://second.example",
        _env_file=None,
    )
    engine = make_engine(settings.database_url)
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as instance:
        yield instance
    engine.dispose()


def test_our_events_captured_by_another_instance_keep_their_ids_and_are_provable_there(
    client: TestClient, chain: dict[str, Any], second: TestClient
) -> None:
    exported = query(client, chain["regulator"], perPage=500).json()
    ours = events_of(query(client, chain["regulator"], perPage=500))
    importer = make_party(second, role="processor")
    response = second.post("/epcis/capture", json=exported, headers=importer["headers"])
    assert response.status_code == 202, response.text
    assert response.json()["storedCount"] == len(ours)
    theirs = all_events(second, importer)
    assert [e["eventID"] for e in theirs] == [e["eventID"] for e in ours]
    key = second.get("/ledger/key").json()
    checkpoint = verify_checkpoint(
        second.get("/ledger/checkpoint").text, Verifier.from_vkey(key["vkey"]), key["origin"]
    )
    for event in theirs:
        ref = event["cashew:ledger"]
        proof = ok(second.get("/ledger/proof/inclusion", params={"index": ref["index"], "size": checkpoint.size}), 200)
        assert proof["leaf_hash"] == ref["leafHash"]
        verify_inclusion(
            base64.b64decode(ref["leafHash"]),
            ref["index"],
            checkpoint.size,
            [base64.b64decode(h) for h in proof["proof"]],
            checkpoint.root_hash,
        )
    # And back: the first instance already holds every one of them.
    back = client.post(
        "/epcis/capture",
        json=second.get("/epcis/events", params={"perPage": 500}, headers=importer["headers"]).json(),
        headers=chain["processor"]["headers"],
    )
    assert back.status_code == 202, back.text
    assert (back.json()["storedCount"], back.json()["duplicateCount"]) == (0, len(ours))


def test_an_import_names_the_exporters_captured_event(client: TestClient) -> None:
    importer, other = make_party(client, role="processor"), make_party(client, role="processor")
    shipped = observation(
        1, bizStep="shipping", disposition="in_transit", eventID="urn:uuid:3b1c6a52-1111-4c3e-9d0e-aa0000000001"
    )
    assert capture(client, importer, document([shipped])).status_code == 202
    body = {
        "quantity_kg": 26000,
        "origin_country": "CI",
        "supplier": "Abidjan Cashew Export SA",
        "container_no": "CSQU3054383",
        "documents": [],
    }
    size = ledger_size(client)
    for party, event_id in ((importer, "urn:uuid:no-such-event"), (other, shipped["eventID"])):
        refused = client.post("/api/v1/lots/import", json=body | {"epcis_event_id": event_id}, headers=party["headers"])
        assert refused.status_code == 404, refused.text
        assert ledger_size(client) == size
    made = ok(
        client.post(
            "/api/v1/lots/import", json=body | {"epcis_event_id": shipped["eventID"]}, headers=importer["headers"]
        )
    )
    assert made["epcis_event_id"] == shipped["eventID"]
    [commissioned] = all_events(client, importer, MATCH_anyEPCClass=f"{BASE}/lot/{made['lot_id']}")
    assert commissioned["cashew:exporterEvent"] == shipped["eventID"]
    assert commissioned["ilmd"] == {"cbvmda:countryOfOrigin": "CI"}


def test_the_audit_holds_captured_events_to_their_entries(client: TestClient, engine: Engine) -> None:
    importer, regulator = make_party(client, role="processor"), make_party(client, role="regulator")
    assert capture(client, importer, document([observation(1), observation(2)])).status_code == 202
    audit = ok(client.post("/api/v1/oversight/audits", headers=regulator["headers"]), 200)
    assert audit["clean"] and audit["problems"] == []
    with engine.begin() as conn:  # someone rewrites a captured event behind the application's back
        conn.execute(text("UPDATE epcis_captured SET body = replace(body, '26001', '21001')"))
    [found] = ok(client.post("/api/v1/oversight/audits", headers=regulator["headers"]), 200)["problems"]
    assert found["record_type"] == "epcis_event"
