"""Sector summary and CSV reports (SPEC §6.4): ``summary`` and ``report_csv`` on the demo and on a season.

Run from the project root::

    .venv/bin/python -m bench.summary                  # demo + a 40,000-farm season (~100,000 harvests)
    .venv/bin/python -m bench.summary --quick          # demo + 2,000 farms, 5 runs: a smoke run
    .venv/bin/python -m bench.summary --farms 75000 --runs 50

What it measures, on SQLite *files* in a fresh temporary directory (schema
from ``traceability.migrate.upgrade``, engine from ``traceability.db.make_engine``):

1. two databases, built once (build time reported apart):
   - **demo**: ``cashew db upgrade`` then ``cashew seed demo``, i.e.
     ``seeds.demo.load_demo`` with the CLI's ``Settings`` (database URL and key
     file pointed into the temporary directory, no ``.env``);
   - **season**: the 2026 season of ``--farms`` farms as ``cashew seed
     season`` writes it (``seeds.season``: farms over the 11 legacy
     districts, 1–4 pickings each, every lot sold through collectors or to a
     factory, imports making 70% of what factories take in, cutting tests,
     factory runs, labels, the exchange and shipments), through the domain
     services, every record anchored by the normal hook;
2. in a fresh process per database, after evicting it from the OS page
   cache: the first call, then ``--runs`` calls each (one read session per
   call, as an API request opens one) of ``summary(session, season)``, of
   ``report_csv(session, name, season)`` for each of the three reports and of
   ``seasons_with_harvests`` (the public dashboard calls it with the summary);
   median and p95 (nearest rank);
3. where ``season_figures`` spends its time: each of its queries timed on
   its own (the module's private functions, in its order), median of the runs.

Checks: the summary's harvest total and farm count equal plain SQL sums over
the built tables, and each CSV's TOTAL row agrees with the summary.

Prints a Markdown report and writes ``bench/results/summary.json``. Each measurement
is a worker of this module run in its own process by ``bench.harness.in_process``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.audit import SEED
from bench.harness import (
    command_line,
    evict,
    fsync_ms,
    in_process,
    machine,
    options,
    peak_rss_mb,
    percentile,
    run,
    save,
    scratch,
    sqlite_url,
)
from bench.harness import file_mb as db_mb

SEASON = 2026
REPORTS = ("production_by_district", "processing_by_party", "exports")
now = time.perf_counter


def _figures_line(label: str, f: dict[str, Any]) -> str:
    return (
        f"{label}: {f['harvest_kg']:,} kg harvested in {f['districts']} districts by {f['harvesting_farms']:,} farms, "
        f"{f['domestic_received_kg']:,} kg received, {f['kernel_kg']:,} kg kernel, {f['shipments']:,} shipments"
    )


# -- workers --------------------------------------------------------------------------------------
def _settings(path: str, key: str) -> Any:
    from traceability.settings import Settings

    return Settings(database_url=sqlite_url(path), log_key_file=Path(key), _env_file=None)


def w_demo(task: dict[str, Any]) -> dict[str, Any]:
    """``cashew db upgrade`` + ``cashew seed demo``, timed."""
    from seeds.demo import load_demo
    from traceability.migrate import upgrade

    settings = _settings(task["path"], task["key"])
    t = now()
    upgrade(settings.database_url)
    upgrade_s = now() - t
    t = now()
    assert load_demo(settings), "the demo was already there"
    seed_s = now() - t
    return {
        "upgrade_s": upgrade_s,
        "seed_s": seed_s,
        "build_s": upgrade_s + seed_s,
        **_counts(task["path"]),
        "db_mb": db_mb(task["path"]),
        "peak_rss_mb": peak_rss_mb(),
    }


def w_season(task: dict[str, Any]) -> dict[str, Any]:
    from seeds.season import SeasonSize, generate_season
    from traceability.anchoring import load_or_create_signer
    from traceability.db import make_engine
    from traceability.migrate import upgrade

    settings = _settings(task["path"], task["key"])
    t = now()
    upgrade(settings.database_url)
    upgrade_s = now() - t
    engine = make_engine(settings.database_url)
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    t = now()
    size = SeasonSize(farms=task["farms"], season=SEASON, seed=SEED)
    made = generate_season(engine, signer, size, base_url=settings.public_base_url)
    seed_s = now() - t
    engine.dispose()
    return {
        "upgrade_s": upgrade_s,
        "seed_s": seed_s,
        "build_s": upgrade_s + seed_s,
        "made": made.tally,
        **_counts(task["path"]),
        "db_mb": db_mb(task["path"]),
        "peak_rss_mb": peak_rss_mb(),
    }


def _counts(path: str) -> dict[str, int]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = (
            "party",
            "farm",
            "harvest",
            "lot",
            "lot_origin",
            "transfer",
            "receipt",
            "import",
            "quality_test",
            "batch",
            "shipment",
            "correction",
            "ledger_entry",
        )
        out = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        out["season_harvests"] = con.execute(
            "SELECT count(*) FROM harvest WHERE harvested_on >= ? AND harvested_on < ?",
            (f"{SEASON}-01-01", f"{SEASON + 1}-01-01"),
        ).fetchone()[0]
        return out
    finally:
        con.close()


def w_time(task: dict[str, Any]) -> dict[str, Any]:
    """First call, then ``runs`` calls of each read, each in its own read session."""
    import csv
    import io
    from datetime import date

    from sqlalchemy import text

    from traceability.db import make_engine, open_session
    from traceability.oversight import summary as summary_mod
    from traceability.oversight.reports import report_csv
    from traceability.oversight.summary import SeasonFigures, seasons_with_harvests, summary

    engine = make_engine(sqlite_url(task["path"]))
    season, runs = task["season"], task["runs"]

    def timed(fn: Any) -> tuple[float, Any]:
        t = now()
        with open_session(engine) as session:
            value = fn(session)
        return now() - t, value

    reads: dict[str, Any] = {"summary": lambda s: summary(s, season)}
    reads |= {f"{name}.csv": (lambda s, name=name: report_csv(s, name, season)) for name in REPORTS}
    reads["seasons_with_harvests"] = seasons_with_harvests
    out: dict[str, Any] = {"reads": {}}
    values: dict[str, Any] = {}
    for name, fn in reads.items():  # the first call of each, on a cold file and a new engine
        first, values[name] = timed(fn)
        out["reads"][name] = {"first_ms": first * 1e3}
    for name, fn in reads.items():
        samples = [timed(fn)[0] for _ in range(runs)]
        out["reads"][name] |= {
            "n": runs,
            "median_ms": percentile(samples, 0.5) * 1e3,
            "p95_ms": percentile(samples, 0.95) * 1e3,
            "max_ms": max(samples) * 1e3,
        }

    # where season_figures spends its time: its steps one by one, in its order
    start, end = date(season, 1, 1), date(season + 1, 1, 1)
    steps: dict[str, list[float]] = {}
    for _ in range(runs):
        with open_session(engine) as session:
            f = SeasonFigures(season=season)
            queries: tuple[tuple[str, Callable[[], object]], ...] = (
                ("_harvests", partial(summary_mod._harvests, session, f, start, end)),
                ("_received", partial(summary_mod._received, session, f)),
                ("_imports", partial(summary_mod._imports, session, f, start, end)),
                ("_batches", partial(summary_mod._batches, session, f, start, end)),
                ("_tests", partial(summary_mod._tests, session, f, start, end)),
                ("_exports", partial(summary_mod._exports, session, f, start, end)),
            )
            for name, step in queries:
                t = now()
                step()
                steps.setdefault(name, []).append(now() - t)
    out["steps_median_ms"] = {name: percentile(s, 0.5) * 1e3 for name, s in steps.items()}

    # the figures agree with plain SQL over the tables, and the CSVs' TOTAL rows with the summary
    s = values["summary"]
    with engine.connect() as c:
        grams = c.execute(
            text("SELECT coalesce(sum(quantity_g), 0) FROM harvest WHERE harvested_on >= :a AND harvested_on < :b"),
            {"a": start, "b": end},
        ).scalar_one()
        registered = c.execute(text("SELECT count(*) FROM farm")).scalar_one()
        corrections = c.execute(text("SELECT count(*) FROM correction WHERE record_type = 'harvest'")).scalar_one()
    if not corrections:
        assert abs(s["harvest"]["total_kg"] - grams / 1000) < 1e-6, (s["harvest"]["total_kg"], grams)
    assert s["farms"]["registered"] == registered

    def total(csv_text: str, column: str) -> float:
        rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
        return float(next(r for r in rows if next(iter(r.values())) == "TOTAL")[column])

    assert abs(total(values["production_by_district.csv"], "harvest_kg") - float(s["harvest"]["total_kg"])) < 1e-6
    assert abs(total(values["exports.csv"], "quantity_kg") - float(s["exports"]["total_kg"])) < 1e-6
    assert abs(total(values["processing_by_party.csv"], "kernel_kg") - float(s["kernel"]["total_kg"])) < 1e-6
    engine.dispose()
    out["figures"] = {
        "harvest_kg": s["harvest"]["total_kg"],
        "districts": len(s["harvest"]["by_district"]),
        "harvesting_farms": s["farms"]["harvesting"],
        "domestic_received_kg": s["raw_nuts_received"]["domestic_kg"],
        "imported_kg": s["raw_nuts_received"]["imported_kg"],
        "kernel_kg": s["kernel"]["total_kg"],
        "exported_kg": s["exports"]["total_kg"],
        "shipments": s["exports"]["shipments"],
        "cutting_tests": s["processing"]["cutting_tests"],
        "csv_bytes": {n: len(values[f"{n}.csv"].encode()) for n in REPORTS},
    }
    out["peak_rss_mb"] = peak_rss_mb()
    return out


WORKERS = {"demo": w_demo, "season": w_season, "time": w_time}


# -- the driver -----------------------------------------------------------------------------------
def drive(args: argparse.Namespace) -> None:
    farms = args.farms or (2_000 if args.quick else 40_000)
    runs = args.runs or (5 if args.quick else 20)
    started = time.time()
    with scratch("summary") as folder:
        workdir = str(folder)
        info = machine("sqlalchemy")
        info["fsync_median_ms"] = fsync_ms(workdir)
        print(f"summary benchmark in {workdir}: a season of {farms:,} farms, {runs} runs", file=sys.stderr)
        results: dict[str, Any] = {
            "command": command_line(),
            "machine": info,
            "season": SEASON,
            "runs": runs,
            "farms": farms,
            "databases": {},
        }
        for label in ("demo", "season"):
            path, key = f"{workdir}/{label}.db", f"{workdir}/{label}.key"
            task: dict[str, Any] = {"worker": label, "label": label, "path": path, "key": key, "farms": farms}
            db: dict[str, Any] = {"build": in_process("summary", task, label)}
            db["cold"] = not args.warm and evict(path)
            task = {"worker": "time", "label": label, "path": path, "season": SEASON, "runs": runs}
            db["timing"] = in_process("summary", task, label)
            results["databases"][label] = db
    save(results, args.json, report, started)


def parser() -> argparse.ArgumentParser:
    ap = options("summary", __doc__)
    ap.add_argument(
        "--farms", type=int, help="farms in the season database (default 40000: ~100,000 harvests; --quick 2000)"
    )
    ap.add_argument("--runs", type=int, help="timed calls of each read (default 20; --quick 5)")
    ap.add_argument("--warm", action="store_true", help="do not evict the databases from the OS page cache first")
    return ap


# -- the report -----------------------------------------------------------------------------------
def _ms(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def report(r: dict[str, Any]) -> str:
    m, dbs = r["machine"], r["databases"]
    out = [
        f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}, SQLAlchemy {m['libraries']['sqlalchemy']}; disk fsync (4 KiB write + fsync) median "
        f"{m['fsync_median_ms']:.2f} ms.",
        "",
        "### Databases (built once)",
        "",
        "| database | farms | harvests (season) | receipts | imports | cutting tests | batches | shipments | lots | "
        "lot origins | ledger entries | DB MiB | build s |",
        "|---|" + "--:|" * 12,
    ]
    for label, db in dbs.items():
        b = db["build"]
        out.append(
            f"| {label} | {b['farm']:,} | {b['harvest']:,} ({b['season_harvests']:,} in {r['season']}) | "
            f"{b['receipt']:,} | {b['import']:,} | {b['quality_test']:,} | {b['batch']:,} | {b['shipment']:,} | "
            f"{b['lot']:,} | {b['lot_origin']:,} | {b['ledger_entry']:,} | {b['db_mb']:.0f} | "
            f"{b['build_s']:.1f} (migrations {b['upgrade_s']:.1f}) |"
        )
    cold = (
        "the file evicted from the OS page cache first" if all(db["cold"] for db in dbs.values()) else "OS cache warm"
    )
    out += [
        "",
        f"### Reads, season {r['season']} (ms; a fresh process per database, {cold}; "
        f"first call, then {r['runs']} calls, each in its own read session)",
        "",
        "| read | " + " | ".join(f"{label}: first / median / p95" for label in dbs) + " |",
        "|---|" + "--:|" * len(dbs),
    ]
    for name in next(iter(dbs.values()))["timing"]["reads"]:
        cells = []
        for db in dbs.values():
            t = db["timing"]["reads"][name]
            cells.append(f"{_ms(t['first_ms'])} / **{_ms(t['median_ms'])}** / {_ms(t['p95_ms'])}")
        label = f'`report_csv(…, "{name[:-4]}", …)`' if name.endswith(".csv") else f"`{name}`"
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += [
        "",
        "### Where `season_figures` spends its time (median ms of each step)",
        "",
        "| step | " + " | ".join(dbs) + " |",
        "|---|" + "--:|" * len(dbs),
    ]
    for step in next(iter(dbs.values()))["timing"]["steps_median_ms"]:
        cells = [_ms(db["timing"]["steps_median_ms"][step]) for db in dbs.values()]
        out.append(f"| `{step}` | " + " | ".join(cells) + " |")
    out += [
        "",
        "Figures (season): " + "; ".join(_figures_line(label, db["timing"]["figures"]) for label, db in dbs.items()),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    run(parser(), drive, WORKERS)
