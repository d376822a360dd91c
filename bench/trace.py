"""The trace of a lot (SPEC §6.5; §10: ≤ 50 ms either direction for a 200-harvest kernel lot),
on the graphs that make a trace wide.

Run from the project root::

    .venv/bin/python -m bench.trace [--harvests 200] [--batches 50] [--repeat 50]

Each row is a function that builds its graph on a fresh SQLite file through the domain
services (as the seeds do) and names the lot to trace:

- ``kernel_from_harvests``: ``--harvests`` farms with one harvest each, delivered whole to one
  processor (``bench.batches.build``), one batch into five kernel grades, shell and testa; the
  kernel lots are labelled and shipped in one container. Traced: its W320 lot.
- ``harvest_into_batches``: one farmer's harvest sent to one processor in ``--batches`` parts
  (each split off first), each part its own batch (kernel and shell), every kernel lot
  labelled and all of them shipped in one container. Traced: the harvest's lot.

For each row and direction a fresh Python process opens the database and times
``GET /api/v1/lots/{lot}/trace`` as a regulator through the app in-process (the first call
reported apart, then ``--repeat`` calls: median and p95), the service call alone (the same
without HTTP and JSON), and counts the SQL statements of one request. A new row is one more
function in ``ROWS``.

A recall (SPEC §10: ≤ 1 s reaching 1,000 lots) writes, so it is timed once per fresh copy
of its database: ``recall_reach`` is ``harvest_into_batches`` with enough batches that the
harvest's forward trace holds ``--recall-lots`` lots (the harvest's lot, and per batch the
part split off, its kernel and its shell); each of ``--recall-runs`` copies gets a fresh
process that sends ``POST /api/v1/oversight/recalls`` for the harvest's lot as a regulator
through the app in-process, and counts its statements. Results in ``bench/results/trace.json``.
"""

import argparse
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from api.app import create_app
from bench.batches import PROCESSOR_KEY, body
from bench.batches import build as deliveries
from bench.harness import (
    command_line,
    in_process,
    machine,
    now,
    options,
    run,
    save,
    scratch,
    sqlite_url,
    stats_ms,
)
from traceability.anchoring import anchoring_info, load_or_create_signer
from traceability.db import make_engine, open_session, unit_of_work
from traceability.labels.service import label_data
from traceability.migrate import upgrade
from traceability.parties.models import Party
from traceability.parties.schemas import PartyCreate
from traceability.parties.service import create_party, party_for_key
from traceability.processing.batches import record_batch
from traceability.processing.custody import dispatch, receive
from traceability.processing.schemas import BatchCreate, DispatchCreate, ReceiveCreate
from traceability.production.harvests import record_harvest
from traceability.production.schemas import FarmCreate, HarvestCreate
from traceability.production.service import record_farm
from traceability.settings import Settings
from traceability.trace.schemas import Direction
from traceability.trace.service import trace
from traceability.trade.schemas import ShipmentCreate
from traceability.trade.shipments import record_shipment

REGULATOR_KEY = "ck_bench_regulator"
BASE_URL = "http://127.0.0.1:8000"
PART_KG = 100  # one part of the harvest, one batch
RECALL_PART_KG = 25
CONTAINER = "CSQU3054383"
SHIPMENT_LOTS = 200  # the most lots one shipment takes (ShipmentCreate)


@dataclass(frozen=True)
class Row:
    """One graph to trace: ``build(folder, size)`` makes ``folder/bench.db`` and returns the lot to trace."""

    name: str
    what: str  # "a kernel lot from {size} harvests"
    build: Callable[[Path, int], str]
    size: int
    quick: int


def settings_for(folder: Path) -> Settings:
    return Settings(
        database_url=sqlite_url(folder / "bench.db"),
        log_key_file=folder / "log.key",
        public_base_url=BASE_URL,
        _env_file=None,
    )


@contextmanager
def writing(folder: Path) -> Iterator[Session]:
    """One write transaction on the row's database, anchored like the API's."""
    settings = settings_for(folder)
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(engine, info=anchoring_info(signer)) as session:
            yield session
    finally:
        engine.dispose()


def add_regulator(session: Session) -> None:
    create_party(session, party_in=PartyCreate(name="Bench regulator", role="regulator"), api_key=REGULATOR_KEY)


def label_and_ship(session: Session, processor: Party, lot_ids: list[str]) -> None:
    """Every lot labelled, then shipped in containers of at most ``SHIPMENT_LOTS`` lots."""
    for lot_id in lot_ids:
        label_data(session, party=processor, lot_id=lot_id, base_url=BASE_URL)
    for start in range(0, len(lot_ids), SHIPMENT_LOTS):
        shipment = ShipmentCreate(
            lot_ids=lot_ids[start : start + SHIPMENT_LOTS],
            container_no=CONTAINER,
            port_of_loading="VNCLI",
            destination_country="NL",
        )
        record_shipment(session, shipper=processor, shipment_in=shipment)


def kernel_from_harvests(folder: Path, harvests: int) -> str:
    """A kernel lot from ``harvests`` harvests, labelled and shipped with its sister grades."""
    _, lots = deliveries(folder, harvests)
    with writing(folder) as session:
        add_regulator(session)
        processor = party_for_key(session, PROCESSOR_KEY)
        batch, _, _ = record_batch(session, processor=processor, batch_in=BatchCreate.model_validate(body(lots)))
        kernels = [o["lot_id"] for o in batch.outputs if o["product"] == "kernel"]
        label_and_ship(session, processor, kernels)
        lot_id: str = batch.outputs[1]["lot_id"]  # W320
    return lot_id


def harvest_into_batches(folder: Path, batches: int, part_kg: int = PART_KG) -> str:
    """One harvest's lot, sent in ``batches`` parts of ``part_kg``, each processed on its own."""
    upgrade(sqlite_url(folder / "bench.db"))
    with writing(folder) as session:
        add_regulator(session)
        processor, _ = create_party(
            session,
            party_in=PartyCreate(name="Bench processor", role="processor", gs1_company_prefix="8935999"),
            api_key=PROCESSOR_KEY,
        )
        farmer, _ = create_party(session, party_in=PartyCreate(name="Bench farmer", role="farmer"))
        farm_in = FarmCreate(
            name="Farm",
            district="bu-dang",
            commune="X",
            area_ha=Decimal(4),
            geometry={"type": "Point", "coordinates": [107.24, 11.77]},
        )
        farm, _ = record_farm(session, farmer=farmer, farm_in=farm_in)
        harvest_in = HarvestCreate(
            farm_id=farm.id, harvested_on=date(2026, 3, 14), quantity_kg=Decimal(part_kg * batches + part_kg)
        )
        _, harvest, _ = record_harvest(session, farmer=farmer, harvest_in=harvest_in)
        kernels = []
        for _ in range(batches):
            sent = DispatchCreate(to_party_id=processor.id, quantity_kg=Decimal(part_kg))
            transfer, _ = dispatch(session, sender=farmer, lot_id=harvest.lot_id, dispatch_in=sent)
            receive(
                session,
                recipient=processor,
                transfer_id=transfer.id,
                receive_in=ReceiveCreate(received_kg=Decimal(part_kg)),
            )
            made, _, _ = record_batch(
                session,
                processor=processor,
                batch_in=BatchCreate.model_validate(
                    {
                        "inputs": [{"lot_id": transfer.lot_id, "quantity_kg": part_kg}],
                        "outputs": [
                            {"product": "kernel", "grade": "W320", "quantity_kg": part_kg * 0.23},
                            {"product": "shell", "quantity_kg": part_kg * 0.7},
                        ],
                    }
                ),
            )
            kernels.append(made.outputs[0]["lot_id"])
        label_and_ship(session, processor, kernels)
        lot_id: str = harvest.lot_id
    return lot_id


ROWS = [
    Row("kernel_from_harvests", "a kernel lot from {size} harvests", kernel_from_harvests, 200, 20),
    Row("harvest_into_batches", "a harvest that fed {size} batches", harvest_into_batches, 50, 5),
]


def recall_reach(folder: Path, lots: int) -> str:
    """A harvest whose forward trace holds ``lots`` lots (three per batch: the part, its kernel, its shell),
    in parts of 25 kg so that the farm's season stays a plausible yield (8.3 t on 4 ha for 1,000 lots)."""
    return harvest_into_batches(folder, max(1, (lots - 1) // 3), part_kg=RECALL_PART_KG)


RECALL = Row("recall", "a recall of a harvest that fed {batches} batches", recall_reach, 1000, 31)


# -- the worker: one row, one direction, in a fresh process ------------------------------------------
def count_statements(engine: Engine, work: Callable[[], Any]) -> int:
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


def measure(task: dict[str, Any]) -> dict[str, Any]:
    settings = settings_for(Path(task["folder"]))
    engine = make_engine(settings.database_url)
    lot_id, direction, repeat = task["lot_id"], Direction(task["direction"]), task["repeat"]
    path = f"/api/v1/lots/{lot_id}/trace?direction={direction}"
    headers = {"Authorization": f"Bearer {REGULATOR_KEY}"}
    with TestClient(create_app(settings, engine)) as client:
        t = now()
        first = client.get(path, headers=headers)
        first_s = now() - t
        assert first.status_code == 200, first.text
        statements = count_statements(engine, lambda: client.get(path, headers=headers))
        http = []
        for _ in range(repeat):
            t = now()
            client.get(path, headers=headers)
            http.append(now() - t)
    with open_session(engine) as session:
        regulator = party_for_key(session, REGULATOR_KEY)
    service = []
    for _ in range(repeat):
        t = now()
        with open_session(engine) as session:
            trace(session, party=regulator, lot_id=lot_id, direction=direction)
        service.append(now() - t)
    answer = first.json()
    return {
        "nodes": len(answer["nodes"]),
        "edges": len(answer["edges"]),
        "shipments": len(answer["shipments"]),
        "labels": len(answer["labels"]),
        "generations": max(n["generation"] for n in answer["nodes"]),
        "bytes": len(first.content),
        "statements": statements,
        "first_ms": first_s * 1e3,
        "http": stats_ms(http),
        "service": stats_ms(service),
    }


def measure_recall(task: dict[str, Any]) -> dict[str, Any]:
    """One recall on a fresh copy of the database, timed through the app, with its statements."""
    settings = settings_for(Path(task["folder"]))
    engine = make_engine(settings.database_url)
    headers = {"Authorization": f"Bearer {REGULATOR_KEY}"}
    body = {"lot_id": task["lot_id"], "reason": "Aflatoxin B1 above the limit in the retained sample"}
    with TestClient(create_app(settings, engine)) as client:
        client.get("/ledger/checkpoint")  # the app's first request (startup, caches) is not the recall's
        elapsed: list[float] = []

        def post() -> None:
            t = now()
            answer = client.post("/api/v1/oversight/recalls", json=body, headers=headers)
            elapsed.append(now() - t)
            assert answer.status_code == 201, answer.text
            result.update(lots=len(answer.json()["lots"]), shipments=len(answer.json()["shipments"]))

        result: dict[str, Any] = {}
        result["statements"] = count_statements(engine, post)
    engine.dispose()
    return result | {"ms": elapsed[0] * 1e3}


# -- the driver -------------------------------------------------------------------------------------
def drive(args: argparse.Namespace) -> None:
    repeat = 5 if args.quick else args.repeat
    sizes = {"kernel_from_harvests": args.harvests, "harvest_into_batches": args.batches}
    started = time.time()
    rows = []
    with scratch("trace") as folder:
        for row in ROWS:
            size = row.quick if args.quick else sizes.get(row.name, row.size)
            where = folder / row.name
            where.mkdir()
            t = now()
            lot_id = row.build(where, size)
            build_s = now() - t
            for direction in Direction:
                task = {
                    "worker": "trace",
                    "folder": str(where),
                    "lot_id": lot_id,
                    "direction": direction.value,
                    "repeat": repeat,
                }
                result = in_process("trace", task, f"{row.name} {direction.value}")
                rows.append(
                    {"row": row.name, "what": row.what.format(size=size), "direction": direction.value}
                    | {"size": size, "build_s": build_s}
                    | result
                )
        recalls = recall_runs(
            folder, RECALL.quick if args.quick else args.recall_lots, 3 if args.quick else args.recall_runs
        )
    results = {
        "command": command_line(),
        "machine": machine("sqlalchemy", "fastapi"),
        "repeat": repeat,
        "rows": rows,
        "recall": recalls,
    }
    save(results, args.json, report, started)


def recall_runs(folder: Path, lots: int, runs: int) -> dict[str, Any]:
    """Build the recall's database once, then recall on ``runs`` fresh copies, each in a fresh process."""
    built = folder / "recall"
    built.mkdir()
    t = now()
    lot_id = RECALL.build(built, lots)
    build_s = now() - t
    measured = []
    for n in range(runs):
        copy = folder / f"recall-{n}"
        shutil.copytree(built, copy)
        task = {"worker": "recall", "folder": str(copy), "lot_id": lot_id}
        measured.append(in_process("trace", task, f"recall {n + 1}/{runs}"))
        shutil.rmtree(copy)
    times = sorted(m["ms"] for m in measured)
    return {
        "what": RECALL.what.format(batches=max(1, (lots - 1) // 3)),
        "build_s": build_s,
        "runs": measured,
        "lots": measured[0]["lots"],
        "shipments": measured[0]["shipments"],
        "statements": measured[0]["statements"],
        "median_ms": times[len(times) // 2],
        "max_ms": times[-1],
        "peak_rss_mb": max(m["process_peak_rss_mb"] for m in measured),
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"Trace of a lot as a regulator, {r['repeat']} requests each after a first one, each row and direction "
        "in a fresh process (SPEC §10: ≤ 50 ms)",
        "",
        "| graph | direction | lots | edges | generations | statements | first ms | median ms | p95 ms | service ms |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for x in r["rows"]:
        lines.append(
            f"| {x['what']} | {x['direction']} | {x['nodes']} | {x['edges']} | {x['generations']} | "
            f"{x['statements']} | {x['first_ms']:.1f} | {x['http']['median_ms']:.1f} | {x['http']['p95_ms']:.1f} | "
            f"{x['service']['median_ms']:.1f} |"
        )
    c = r["recall"]
    lines += [
        "",
        f"Recall, once on each of {len(c['runs'])} fresh copies, each in a fresh process (SPEC §10: ≤ 1 s "
        "reaching 1,000 lots)",
        "",
        "| recall | lots reached | shipments | statements | median ms | max ms | peak RSS MiB |",
        "|---|--:|--:|--:|--:|--:|--:|",
        f"| {c['what']} | {c['lots']:,} | {c['shipments']} | {c['statements']} | {c['median_ms']:.0f} | "
        f"{c['max_ms']:.0f} | {c['peak_rss_mb']:.0f} |",
    ]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    ap = options("trace", __doc__)
    ap.add_argument("--harvests", type=int, default=200, help="harvests in the kernel lot (default 200; --quick 20)")
    ap.add_argument("--batches", type=int, default=50, help="batches fed by the harvest (default 50; --quick 5)")
    ap.add_argument("--repeat", type=int, default=50, help="timed requests per row and direction (default 50)")
    ap.add_argument("--recall-lots", type=int, default=1000, help="lots the recall reaches (default 1000; --quick 31)")
    ap.add_argument("--recall-runs", type=int, default=5, help="recalls, each on a fresh copy (default 5; --quick 3)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {"trace": measure, "recall": measure_recall})
