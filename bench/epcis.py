"""The EPCIS 2.0 interface (SPEC §9.1; §10: pages of 500 events ≤ 200 ms from a season's
database, a 10,000-event capture ≤ 10 s).

Run from the project root::

    .venv/bin/python -m bench.epcis --season DIR     # DIR holds season.db and log.key (cashew seed season)
    .venv/bin/python -m bench.epcis --quick          # a 2,000-farm season generated on the spot

Each measurement runs in a fresh Python process (``bench.harness.in_process``), on a copy of
the season's database migrated to the current schema:

1. ``index``: the event index read from the whole log (``traceability.epcis.export.catch_up``),
   once, as a server does on its first EPCIS request after an upgrade (in the background, answering
   503 meanwhile): wall time, entries/s, events, peak RSS. The copy is then kept for the queries.
2. ``query``: ``GET /epcis/events`` through the app in-process, 500 events a page, the first page
   and then ``--pages`` pages walking the log by their ``nextPageToken`` (a regulator, who sees
   everything); then the same walk filtered (``eventType=TransformationEvent``,
   ``EQ_bizStep=shipping``), one lot's events (``MATCH_anyEPCClass``), and the busiest processor's
   own events (the two-arm visibility query). Median and p95 per page, with the share of the time
   the query and the document's assembly take (``traceability.epcis.query`` without HTTP).
3. ``capture``: ``POST /epcis/capture`` of a 10,000-event document (importers' arrival events, each
   with an extension and a class identifier) into a fresh database: wall time, events/s, the
   process's peak RSS, and beside it in the same process the parts: the schema check
   (fastjsonschema, and jsonschema as the reference), our CBV 2.0 hashes and the reference
   generator's (``epcis-event-hash-generator``, PyLD) on the first ``--reference`` events,
   scaled to 10,000.

Results in ``bench/results/epcis.json``; the Markdown report goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    command_line,
    in_process,
    machine,
    now,
    options,
    peak_rss_mb,
    run,
    save,
    scratch,
    sqlite_url,
    stats_ms,
)

PER_PAGE = 500
BASE_URL = "http://127.0.0.1:8000"
REGULATOR_KEY = "ck_bench_epcis_regulator"
PROCESSOR_KEY = "ck_bench_epcis_processor"


def _settings(folder: str) -> Any:
    from traceability.settings import Settings

    return Settings(
        database_url=sqlite_url(Path(folder) / "season.db"),
        log_key_file=Path(folder) / "log.key",
        public_base_url=BASE_URL,
        _env_file=None,
    )


# -- workers --------------------------------------------------------------------------------------
def w_build(task: dict[str, Any]) -> dict[str, Any]:
    """A small season for --quick (what ``cashew seed season`` writes)."""
    from seeds.season import SeasonSize, generate_season
    from traceability.anchoring import load_or_create_signer
    from traceability.db import make_engine
    from traceability.migrate import upgrade

    settings = _settings(task["folder"])
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    started = now()
    generate_season(engine, signer, SeasonSize(farms=task["farms"], season=2026, seed=1), base_url=BASE_URL)
    engine.dispose()
    return {"build_s": now() - started}


def w_index(task: dict[str, Any]) -> dict[str, Any]:
    from traceability.db import make_engine, open_session
    from traceability.epcis.export import catch_up, count
    from traceability.migrate import upgrade

    settings = _settings(task["folder"])
    started = now()
    upgrade(settings.database_url)
    migrated = now() - started
    engine = make_engine(settings.database_url)
    started = now()
    read = catch_up(engine, BASE_URL)
    seconds = now() - started
    with open_session(engine) as session:
        events = count(session)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return {
        "migrate_s": migrated,
        "entries": read,
        "events": events,
        "index_s": seconds,
        "entries_per_s": read / seconds if seconds else None,
        "peak_rss_mb": peak_rss_mb(),
        "db_mb": os.path.getsize(Path(task["folder"]) / "season.db") / 2**20,
    }


def _keys(engine: Any) -> tuple[str, str | None]:
    """A regulator's key, and one for the processor with the most events (keys are not in the season)."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from traceability import clock
    from traceability.db import unit_of_work
    from traceability.epcis.models import EpcisEvent
    from traceability.parties.models import ApiKey, Party
    from traceability.parties.schemas import PartyCreate
    from traceability.parties.service import create_party, hash_key

    with unit_of_work(engine) as session:
        if session.get(ApiKey, hash_key(REGULATOR_KEY)) is None:
            create_party(
                session,
                party_in=PartyCreate(name="Sở Nông nghiệp (bench)", role="regulator"),
                api_key=REGULATOR_KEY,
            )
        busiest = session.execute(
            select(col(EpcisEvent.party_id), func.count())
            .join(Party, col(Party.id) == col(EpcisEvent.party_id))
            .where(col(Party.role) == "processor")
            .group_by(col(EpcisEvent.party_id))
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        if busiest is None:
            return REGULATOR_KEY, None
        if session.get(ApiKey, hash_key(PROCESSOR_KEY)) is None:
            session.add(ApiKey(key_hash=hash_key(PROCESSOR_KEY), party_id=busiest[0], created_at=clock.now()))
        return REGULATOR_KEY, PROCESSOR_KEY


def _walk(client: Any, key: str, params: dict[str, Any], pages: int) -> dict[str, Any]:
    """The first page and up to ``pages`` more along the Link headers: per-page times."""
    from urllib.parse import parse_qsl, urlsplit

    headers = {"Authorization": f"Bearer {key}"}
    times, counts, response = [], [], None
    path, query = "/epcis/events", {"perPage": PER_PAGE, **params}
    for _ in range(pages + 1):
        started = now()
        response = client.get(path, params=query, headers=headers)
        times.append(now() - started)
        assert response.status_code == 200, response.text[:300]
        counts.append(len(response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]))
        link = response.headers.get("link")
        if link is None:
            break
        url = urlsplit(link[1 : link.index(">")])
        path, query = url.path, dict(parse_qsl(url.query))
    assert response is not None
    return {
        "params": params,
        "pages": len(times),
        "events_per_page": max(counts),
        "first_ms": times[0] * 1000,
        "page_ms": stats_ms(times[1:] or times),
        "bytes_per_page": len(response.content),
    }


def w_query(task: dict[str, Any]) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from sqlalchemy import select
    from sqlmodel import col

    from api.app import create_app
    from traceability.db import make_engine, open_session
    from traceability.epcis import query
    from traceability.epcis.models import EpcisEpc
    from traceability.epcis.vocabulary import Names
    from traceability.parties.models import Party, Role

    settings = _settings(task["folder"])
    engine = make_engine(settings.database_url)
    regulator, processor = _keys(engine)
    with open_session(engine) as session:
        lot_uri = (
            session.scalars(
                select(col(EpcisEpc.uri)).where(col(EpcisEpc.uri).like(f"{BASE_URL}/01/%")).limit(1)
            ).first()
            or session.scalars(select(col(EpcisEpc.uri)).limit(1)).one()
        )
    pages = task["pages"]
    rows = {}
    with TestClient(create_app(settings, engine)) as client:
        rows["all"] = _walk(client, regulator, {}, pages)
        rows["transformations"] = _walk(client, regulator, {"eventType": "TransformationEvent"}, pages)
        rows["shipping"] = _walk(client, regulator, {"EQ_bizStep": "shipping"}, pages)
        rows["one_lot"] = _walk(client, regulator, {"MATCH_anyEPCClass": lot_uri}, 0)
        if processor is not None:
            rows["processor_own"] = _walk(client, processor, {}, pages)
    # The same first page without HTTP: the query, and the document's assembly.
    with open_session(engine) as session:
        party = session.scalars(select(Party).where(col(Party.role) == Role.regulator)).first()
        assert party is not None
        asked = query.EventQuery.parse([("perPage", str(PER_PAGE))])
        times, assembly = [], []
        for _ in range(10):
            started = now()
            found, _token = query.page(session, asked, party, Names(BASE_URL))
            middle = now()
            query.document(found)
            times.append(middle - started)
            assembly.append(now() - middle)
    engine.dispose()
    return {"rows": rows, "service_query_ms": stats_ms(times), "service_document_ms": stats_ms(assembly)}


def arrivals(n: int) -> dict[str, Any]:
    """An importer's EPCIS document: ``n`` containers of raw nuts arriving at Cát Lái."""
    events = [
        {
            "type": "ObjectEvent",
            "eventTime": f"2026-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "epcList": [],
            "action": "OBSERVE",
            "bizStep": "arriving",
            "disposition": "in_progress",
            "quantityList": [
                {"epcClass": f"urn:epc:class:lgtin:6180000.00001.B{i:06d}", "quantity": 19000 + i, "uom": "KGM"}
            ],
            "readPoint": {"id": "urn:epc:id:sgln:8935000.00001.0"},
            "bizTransactionList": [{"type": "bol", "bizTransaction": f"urn:epcglobal:cbv:bt:6180000000013:BL{i:07d}"}],
            "example:container": f"MSCU{i:07d}",
        }
        for i in range(n)
    ]
    return {
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"example": "https://importer.example/epcis/"},
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-06-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }


def w_capture(task: dict[str, Any]) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from traceability.db import make_engine, unit_of_work
    from traceability.epcis import capture as capturing
    from traceability.epcis.hashing import event_hash
    from traceability.migrate import upgrade
    from traceability.parties.schemas import PartyCreate
    from traceability.parties.service import create_party

    settings = _settings(task["folder"])
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with unit_of_work(engine) as session:
        _party, key = create_party(session, party_in=PartyCreate(name="Importer (bench)", role="processor"))
    document = arrivals(task["events"])
    body = json.dumps(document).encode()
    with TestClient(create_app(settings, engine)) as client:
        started = now()
        response = client.post(
            "/epcis/capture",
            content=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        seconds = now() - started
    assert response.status_code == 202, response.text[:500]
    job = response.json()
    assert job["storedCount"] == task["events"], job
    rss = peak_rss_mb()
    # The parts, in the same process: schema check, and hashes (ours, and the reference's on a sample).
    started = now()
    assert capturing.schema_errors(document) == []
    fast = now() - started
    started = now()
    assert list(capturing._explaining().iter_errors(document)) == []
    explaining = now() - started
    events, context = document["epcisBody"]["eventList"], document["@context"]
    started = now()
    for event in events:
        event_hash(event, context)
    ours = now() - started
    sample = events[: task["reference"]]
    reference = None
    try:
        from epcis_event_hash_generator import hash_generator, json_to_py

        started = now()
        for event in sample:
            doc = dict(document, epcisBody={"eventList": [dict(event)]})
            hash_generator.epcis_hashes_from_events(
                json_to_py.event_list_from_epcis_document_json(json.loads(json.dumps(doc)))
            )
        reference = (now() - started) / len(sample) * len(events)
    except ImportError:
        pass
    engine.dispose()
    return {
        "events": task["events"],
        "bytes": len(body),
        "capture_s": seconds,
        "events_per_s": task["events"] / seconds,
        "peak_rss_mb": rss,
        "schema_fastjsonschema_s": fast,
        "schema_jsonschema_s": explaining,
        "hash_ours_s": ours,
        "hash_reference_s_scaled": reference,
        "reference_sample": len(sample),
    }


# -- driving --------------------------------------------------------------------------------------
def drive(args: argparse.Namespace) -> None:
    if args.quick:
        args.farms, args.pages, args.events, args.reference = min(args.farms, 300), 3, 1000, 20
    started = time.time()
    results: dict[str, Any] = {
        "command": command_line(),
        "machine": machine("fastapi", "sqlalchemy", "fastjsonschema", "jsonschema"),
        "load_average": os.getloadavg(),
    }
    with scratch("epcis", keep=args.keep) as folder:
        season = folder / "season"
        season.mkdir()
        if args.season is not None:
            for name in ("season.db", "log.key"):
                shutil.copyfile(args.season / name, season / name)
            results["season"] = str(args.season)
        else:
            results["build"] = in_process("epcis", {"worker": "build", "folder": str(season), "farms": args.farms})
            results["season"] = f"generated: {args.farms} farms"
        results["index"] = in_process("epcis", {"worker": "index", "folder": str(season)}, "index")
        results["query"] = in_process("epcis", {"worker": "query", "folder": str(season), "pages": args.pages}, "query")
        fresh = folder / "capture"
        fresh.mkdir()
        task = {"worker": "capture", "folder": str(fresh), "events": args.events, "reference": args.reference}
        results["capture"] = in_process("epcis", task, "capture")
    results["load_average_after"] = os.getloadavg()
    save(results, args.json, report, started)


def report(r: dict[str, Any]) -> str:
    ix, q, c = r["index"], r["query"], r["capture"]
    lines = [
        f"# EPCIS 2.0 interface — {r['season']}",
        "",
        f"Command: `{r['command']}`",
        "",
        "| the index read from the log (once) | figure |",
        "|---|--:|",
        f"| entries read | {ix['entries']:,} |",
        f"| events | {ix['events']:,} |",
        f"| wall time | {ix['index_s']:.1f} s ({ix['entries_per_s']:,.0f} entries/s) |",
        f"| peak RSS | {ix['peak_rss_mb']:.0f} MB |",
        f"| database after | {ix['db_mb']:,.0f} MB |",
        "",
        f"| `GET /epcis/events`, {PER_PAGE} a page (target ≤ 200 ms) "
        "| pages | events/page | first | median | p95 | bytes/page |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, row in q["rows"].items():
        s = row["page_ms"]
        lines.append(
            f"| {name} `{row['params'] or ''}` | {row['pages']} | {row['events_per_page']} | {row['first_ms']:.0f} ms "
            f"| {s['median_ms']:.0f} ms | {s['p95_ms']:.0f} ms | {row['bytes_per_page']:,} |"
        )
    lines += [
        "",
        f"Without HTTP, the first page: the query {q['service_query_ms']['median_ms']:.1f} ms, the document's "
        f"assembly {q['service_document_ms']['median_ms']:.1f} ms (medians of 10).",
        "",
        f"| `POST /epcis/capture`, {c['events']:,} events ({c['bytes'] / 2**20:.1f} MB) (target ≤ 10 s) | figure |",
        "|---|--:|",
        f"| wall time | {c['capture_s']:.2f} s ({c['events_per_s']:,.0f} events/s) |",
        f"| peak RSS of the process | {c['peak_rss_mb']:.0f} MB |",
        f"| schema check, fastjsonschema (what capture runs) | {c['schema_fastjsonschema_s']:.2f} s |",
        "| schema check, jsonschema (the reference; capture runs it only to explain a refusal) "
        f"| {c['schema_jsonschema_s']:.2f} s |",
        f"| CBV 2.0 hashes, ours | {c['hash_ours_s']:.2f} s |",
    ]
    if c["hash_reference_s_scaled"] is not None:
        lines.append(
            f"| CBV 2.0 hashes, epcis-event-hash-generator (PyLD; {c['reference_sample']} events, scaled) "
            f"| {c['hash_reference_s_scaled']:.1f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = options("epcis", __doc__)
    parser.add_argument("--season", type=Path, help="a folder with season.db and log.key (cashew seed season)")
    parser.add_argument("--farms", type=int, default=2000, help="the season generated without --season")
    parser.add_argument("--pages", type=int, default=20, help="pages walked after the first (default 20)")
    parser.add_argument("--events", type=int, default=10_000, help="events in the captured document")
    parser.add_argument("--reference", type=int, default=200, help="events hashed by the reference generator")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    run(parser, drive, {"build": w_build, "index": w_index, "query": w_query, "capture": w_capture})


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
