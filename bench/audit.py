"""Integrity audit benchmark: ``run_audit`` over 10^5 and 10^6 genuine ledger entries.

Run from the project root::

    .venv/bin/python -m bench.audit                 # 10^5, 10^6 and dense 10^5 entries (an hour or more: building)
    .venv/bin/python -m bench.audit --quick         # 10^4: a smoke run (a few minutes)
    .venv/bin/python -m bench.audit --sizes 100000 --dense 0

What it measures (SPEC §8.3), each on a SQLite *file* in a fresh temporary
directory (schema from ``traceability.migrate.upgrade``, engine from
``traceability.db.make_engine``, as ``cashew audit`` opens them):

1. the build, once per size (a one-off, reported apart): a province season
   of about that many entries from ``seeds.season`` (what ``cashew seed
   season`` writes: farms, certificates, harvests, farm-gate sales and
   collectors' trucks with their receipts, imports, cutting tests, factory
   runs, labels, the exchange and shipments), through the domain services
   in transactions of ``--txn`` service calls. Every anchored record gets
   its entry from the normal hook (``traceability.anchoring.anchor``) and
   every commit signs a checkpoint. Ids and nonces are seeded; record times
   walk through the season;
2. ``traceability.audit.run_audit(session, verifier=...)`` in a
   fresh process per size (verifier from the log's key file, as the CLI
   does), after evicting the database from the OS page cache: wall time,
   entries/s and the process's peak RSS; the report must be clean;
3. the time of each of the audit's three steps (entries and nodes; records
   without an entry; checkpoints), in another fresh process;
4. ``--dense``: the same at a smaller size with one transaction, so one
   signed checkpoint, per service call, which is what the API leaves behind
   (every write transaction signs one), since the audit's last step is per
   checkpoint;
5. on the first size, after the timed runs: three planted faults (a
   harvest's quantity changed, a receipt deleted, a tile hash rewritten)
   that the audit must report.

Prints a Markdown report and writes ``bench/results/audit.json``. Each measurement
is a worker of this module run in its own process by ``bench.harness.in_process``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import (
    command_line,
    evict,
    fsync_ms,
    in_process,
    machine,
    options,
    peak_rss_mb,
    rss_mb,
    run,
    save,
    scratch,
    sqlite_url,
)
from bench.harness import file_mb as db_mb
from bench.harness import power_of_ten as _n
from seeds.season.run import RECORDS_PER_TRANSACTION as TXN

ORIGIN = "bench.cashew.example/ledger"
SEED = 8301
SEASON = 2025
ENTRIES_PER_FARM = 14.2  # a generated season writes about this many ledger entries per farm
now = time.perf_counter


# -- the sector: what gets built ------------------------------------------------------------------
def farms_for(entries: int) -> int:
    """The size of a season (``seeds.season``) that writes about ``entries`` ledger entries."""
    return max(20, round(entries / ENTRIES_PER_FARM))


def signer_for(key_file: str) -> Any:
    from traceability.anchoring import load_or_create_signer

    return load_or_create_signer(Path(key_file), ORIGIN)


# -- workers --------------------------------------------------------------------------------------
def w_build(task: dict[str, Any]) -> dict[str, Any]:
    from seeds.season import SeasonSize, generate_season
    from traceability.db import make_engine
    from traceability.migrate import upgrade

    path = task["path"]
    upgrade(sqlite_url(path))
    engine = make_engine(sqlite_url(path))
    signer = signer_for(task["key"])
    started = now()

    def progress(day: Any, done: int, total: int, tally: Any) -> None:
        if done % 50_000 == 0:
            print(f"    {done:,} service calls of about {total:,}, {day}, {now() - started:.0f} s", file=sys.stderr)

    season = generate_season(
        engine,
        signer,
        SeasonSize(farms=task["farms"], season=SEASON, seed=SEED),
        base_url="http://127.0.0.1:8000",
        records_per_transaction=task.get("txn", TXN),
        progress=progress,
    )
    seconds = now() - started
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size = c.exec_driver_sql("SELECT size FROM ledger_head").scalar_one()
        checkpoints = c.exec_driver_sql("SELECT count(*) FROM ledger_checkpoint").scalar_one()
        lots = c.exec_driver_sql("SELECT count(*) FROM lot").scalar_one()
        origins = c.exec_driver_sql("SELECT count(*) FROM lot_origin").scalar_one()
        parties = c.exec_driver_sql("SELECT count(*) FROM party").scalar_one()
    engine.dispose()
    assert size == season.ledger_size, (size, season.ledger_size)
    return {
        "made": season.tally,
        "parties": parties,
        "build_s": seconds,
        "entries_per_s": size / seconds,
        "log_size": size,
        "checkpoints": checkpoints,
        "lots": lots,
        "lot_origins": origins,
        "db_mb": db_mb(path),
        "peak_rss_mb": peak_rss_mb(),
    }


def _audit_setup(task: dict[str, Any]) -> tuple[Any, Any, float]:
    t = now()
    from ledger.checkpoint import Verifier
    from traceability.db import make_engine

    imports = now() - t
    verifier = Verifier.from_vkey(signer_for(task["key"]).vkey)
    return make_engine(sqlite_url(task["path"])), verifier, imports


def w_audit(task: dict[str, Any]) -> dict[str, Any]:
    """``run_audit`` as ``cashew audit`` calls it, in this fresh process."""
    engine, verifier, imports = _audit_setup(task)
    from traceability.audit import run_audit
    from traceability.db import open_session

    rss_before = rss_mb()
    t = now()
    with open_session(engine) as session:
        report = run_audit(session, verifier=verifier)
    seconds = now() - t
    engine.dispose()
    problems = [p.__dict__ for p in report.problems]
    return {
        "entries": report.entries,
        "records": report.records,
        "checkpoints": report.checkpoints,
        "problems": len(problems),
        "first_problems": problems[:10],
        "clean": not problems,
        "audit_s": seconds,
        "entries_per_s": report.entries / seconds,
        "imports_s": imports,
        "rss_before_audit_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def w_steps(task: dict[str, Any]) -> dict[str, Any]:
    """The audit's three steps timed one by one (the module's own functions, in ``run_audit``'s order)."""
    engine, verifier, _ = _audit_setup(task)
    from traceability import audit
    from traceability.db import open_session

    out: dict[str, Any] = {}
    with open_session(engine) as session:
        report, models = audit.AuditReport(), audit.anchored_models()
        timed: tuple[tuple[str, Callable[[], object]], ...] = (
            ("entries_and_nodes", lambda: audit._check_entries(session, report, models)),
            ("records_without_entry", lambda: audit._check_orphans(session, report, models)),
            ("checkpoints", lambda: audit._check_checkpoints(session, report, verifier, report.entries)),
        )
        for name, step in timed:
            t = now()
            step()
            out[name + "_s"] = now() - t
            out[name + "_rss_mb"] = peak_rss_mb()
    engine.dispose()
    out.update(problems=len(report.problems), checkpoints=report.checkpoints)
    return out


def w_tamper(task: dict[str, Any]) -> dict[str, Any]:
    """Plant three faults behind the application's back; the audit must report each one."""
    import sqlite3

    from ledger.tiles import tile_path

    con = sqlite3.connect(task["path"])
    with con:
        harvest, grams = con.execute(
            "SELECT id, quantity_g FROM harvest ORDER BY ledger_index LIMIT 1 OFFSET 7"
        ).fetchone()
        con.execute("UPDATE harvest SET quantity_g = ? WHERE id = ?", (grams + 1000, harvest))
        receipt, receipt_idx = con.execute(
            "SELECT id, ledger_index FROM receipt ORDER BY ledger_index LIMIT 1 OFFSET 3"
        ).fetchone()
        con.execute("DELETE FROM receipt WHERE id = ?", (receipt,))
        tile_idx = con.execute("SELECT max(idx) FROM ledger_tile WHERE level = 0").fetchone()[0] // 2
        (tile,) = con.execute("SELECT hashes FROM ledger_tile WHERE level = 0 AND idx = ?", (tile_idx,)).fetchone()
        body = bytearray(tile)
        body[4 * 32 : 5 * 32] = bytes(32)  # one leaf hash of a full tile rewritten
        con.execute("UPDATE ledger_tile SET hashes = ? WHERE level = 0 AND idx = ?", (bytes(body), tile_idx))
    con.close()
    engine, verifier, _ = _audit_setup(task)
    from traceability.audit import run_audit
    from traceability.db import open_session

    t = now()
    with open_session(engine) as session:
        report = run_audit(session, verifier=verifier)
    seconds = now() - t
    found = [(p.record_type, p.record_id, p.problem) for p in report.problems]
    expected = {"harvest": harvest, "receipt": receipt, "ledger_tile": tile_path(0, tile_idx)}
    missed = [kind for kind, rid in expected.items() if not any(t == kind and r == rid for t, r, _ in found)]
    assert not missed, f"the audit missed the planted {missed}: {found}"
    return {
        "planted": expected,
        "receipt_index": receipt_idx,
        "problems": len(found),
        "found": [f"{t} {r}: {p}" for t, r, p in found],
        "audit_s": seconds,
    }


WORKERS = {"build": w_build, "audit": w_audit, "steps": w_steps, "tamper": w_tamper}


# -- the driver -----------------------------------------------------------------------------------
def measure_in_process(task: dict[str, Any]) -> dict[str, Any]:
    """One worker in a new Python process (its own peak RSS, cold engine and caches)."""
    return in_process("audit", task, str(task.get("label", "")))


def measure(
    workdir: str,
    entries: int,
    *,
    txn: int,
    dense: bool,
    warm: bool,
    steps: bool,
    tamper: bool,
    label: str,
) -> dict[str, Any]:
    path, key = f"{workdir}/audit-{label}.db", f"{workdir}/log.key"
    farms, txn = farms_for(entries), 1 if dense else txn
    row: dict[str, Any] = {"entries": entries, "label": label, "txn": txn, "dense": dense, "farms": farms}
    row["build"] = measure_in_process(
        {"worker": "build", "label": label, "path": path, "key": key, "farms": farms, "txn": txn}
    )
    row["cold"] = not warm and evict(path)
    row["audit"] = measure_in_process({"worker": "audit", "label": label, "path": path, "key": key})
    assert row["audit"]["clean"], f"the audit of a clean database found problems: {row['audit']['first_problems']}"
    built = row["build"]["log_size"]
    assert row["audit"]["entries"] == built and row["audit"]["records"] == built, row["audit"]
    if steps:
        if not warm:
            evict(path)
        row["steps"] = measure_in_process({"worker": "steps", "label": label, "path": path, "key": key})
    if tamper:
        row["tamper"] = measure_in_process({"worker": "tamper", "label": label, "path": path, "key": key})
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return row


def drive(args: argparse.Namespace) -> None:
    default = [10_000] if args.quick else [100_000, 1_000_000]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else default
    dense = args.dense if args.dense is not None else (2_000 if args.quick else 100_000)
    started = time.time()
    with scratch("audit") as folder:
        workdir = str(folder)
        info = machine("sqlalchemy")
        info["fsync_median_ms"] = fsync_ms(workdir)
        print(f"audit benchmark in {workdir}: sizes {sizes}, dense {dense}", file=sys.stderr)
        results: dict[str, Any] = {"command": command_line(), "machine": info, "txn": args.txn}
        common = {"txn": args.txn, "warm": args.warm, "steps": not args.no_steps}
        rows = [measure(workdir, n, dense=False, tamper=i == 0, label=f"{n}", **common) for i, n in enumerate(sizes)]
        if dense:
            rows.append(measure(workdir, dense, dense=True, tamper=False, label=f"{dense}-dense", **common))
        results["rows"] = rows
    save(results, args.json, report, started)


def parser() -> argparse.ArgumentParser:
    ap = options("audit", __doc__)
    ap.add_argument("--sizes", help="comma-separated entry counts (default 100000,1000000; --quick 10000)")
    ap.add_argument(
        "--dense",
        type=int,
        help="entries of the one-call-per-transaction database (default 100000, --quick 2000; 0 to skip)",
    )
    ap.add_argument("--txn", type=int, default=TXN, help="service calls per build transaction (one checkpoint each)")
    ap.add_argument("--no-steps", action="store_true", help="skip the per-step timing processes")
    ap.add_argument("--warm", action="store_true", help="do not evict the database from the OS page cache first")
    return ap


# -- the report -----------------------------------------------------------------------------------
def report(r: dict[str, Any]) -> str:
    m = r["machine"]
    rows = r["rows"]
    out = [
        f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}, SQLAlchemy {m['libraries']['sqlalchemy']}; disk fsync (4 KiB write + fsync) median "
        f"{m['fsync_median_ms']:.2f} ms.",
        "",
        "### `run_audit` in a fresh process"
        + (" (database evicted from the OS page cache first)" if rows[0]["cold"] else ""),
        "",
        "| entries | records | checkpoints | audit s | entries/s | peak RSS MiB | RSS before the audit MiB "
        "| problems |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        a = row["audit"]
        name = _n(row["entries"]) + (" (one checkpoint per record)" if row["dense"] else "")
        out.append(
            f"| {name} | {a['records']:,} | {a['checkpoints']:,} | {a['audit_s']:.1f} | "
            f"{a['entries_per_s']:,.0f} | "
            f"{a['peak_rss_mb']:.1f} | {a['rss_before_audit_mb']:.1f} | {a['problems']} |"
        )
    if all("steps" in row for row in rows):
        out += [
            "",
            "### The audit's steps, timed one by one (another fresh process)",
            "",
            "| entries | entries and nodes s | records without an entry s | checkpoints s | checkpoints | "
            "ms per checkpoint | peak RSS MiB |",
            "|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in rows:
            s = row["steps"]
            name = _n(row["entries"]) + (" dense" if row["dense"] else "")
            out.append(
                f"| {name} | {s['entries_and_nodes_s']:.1f} | {s['records_without_entry_s']:.1f} | "
                f"{s['checkpoints_s']:.2f} | {s['checkpoints']:,} | "
                f"{s['checkpoints_s'] / s['checkpoints'] * 1e3:.2f} | "
                f"{s['checkpoints_rss_mb']:.1f} |"
            )
    out += [
        "",
        f"### The build (one-off; `seeds.season` through the domain services; {r['txn']:,} service calls per "
        "transaction, one checkpoint each; dense: one call per transaction)",
        "",
        "| entries | farms | harvests | dispatches | receipts | imports | tests | batches | shipments | parties | "
        "lots | checkpoints | build s | entries/s | DB MiB |",
        "|--:|" + "--:|" * 14,
    ]
    for row in rows:
        b = row["build"]
        name = _n(row["entries"]) + (" dense" if row["dense"] else "")
        out.append(
            f"| {name} | "
            + " | ".join(
                f"{b['made'].get(k, 0):,}"
                for k in (
                    "farms",
                    "harvests",
                    "dispatches",
                    "receipts",
                    "imports",
                    "cutting_tests",
                    "batches",
                    "shipments",
                )
            )
            + f" | {b['parties']:,} | {b['lots']:,} | {b['checkpoints']:,} | {b['build_s']:.0f} | "
            f"{b['entries_per_s']:,.0f} | {b['db_mb']:.0f} |"
        )
    tampered = [row for row in rows if "tamper" in row]
    if tampered:
        t = tampered[0]["tamper"]
        out += [
            "",
            f"Planted faults at {_n(tampered[0]['entries'])} (harvest quantity changed, receipt deleted, "
            f"tile hash zeroed): {t['problems']} problems reported, each planted one among them "
            f"({t['audit_s']:.1f} s):",
            "",
        ]
        out += [f"- {line}" for line in t["found"]]
    plain = [row for row in rows if not row["dense"]]
    if len(plain) >= 2:
        lo, hi = plain[0]["audit"], plain[-1]["audit"]
        out += [
            "",
            f"Memory: peak RSS {lo['peak_rss_mb']:.1f} MiB at {_n(plain[0]['entries'])}, "
            f"{hi['peak_rss_mb']:.1f} MiB at {_n(plain[-1]['entries'])} "
            f"({hi['peak_rss_mb'] - lo['peak_rss_mb']:+.1f} MiB for "
            f"{plain[-1]['entries'] // plain[0]['entries']}× the entries).",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    run(parser(), drive, WORKERS)
