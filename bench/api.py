"""The API rows of SPEC §10, each side by side with a bare FastAPI ceiling in the same run.

Run from the project root (wrk must be installed: ``apt-get install wrk``)::

    .venv/bin/python -m bench.api                          # SQLite and PostgreSQL, 1 and 2 workers (~10 min)
    .venv/bin/python -m bench.api --quick                  # SQLite, 4 s a load: a smoke run
    .venv/bin/python -m bench.api --databases sqlite --workers 2 --duration 30
    .venv/bin/python -m bench.api --databases sqlite --season DIR   # on a generated season (see below)

For each database and worker count, on a fresh copy of one prepared database:

- ``POST /api/v1/harvests`` from 32 keep-alive connections (wrk), each request a valid
  harvest on a farm its key's farmer owns, with its own ``Idempotency-Key`` (a Lua
  script rotates through prepared bodies and keys), against ``cashew serve``; beside it
  the bare app (``bench/bare.py``) doing one durable insert per request on the same kind
  of database, under the same server and worker count;
- the buyer's page as JSON (``GET /01/{gtin}/10/{lot}`` with ``Accept: application/json``,
  SPEC §7) from 64 connections, beside the bare app's static 2 KB JSON.

Each load runs ``--duration`` seconds after a short untimed warm-up. Reported: requests/s,
p50/p99 latency, answers with a status ≥ 400, socket errors, the ratio to the ceiling, and
the peak RSS of the server's processes.

The database is prepared once: ``cashew db upgrade`` and ``cashew seed demo`` (the real
commands), then ``--farmers`` farmers with 4 farms each through the library; with ``--season
DIR`` (SQLite only), a copy of the database ``cashew seed season`` wrote instead of the demo
(``DIR/season.db`` and its key file ``DIR/log.key``), with the same farmers added, and the
buyer's page of a carton from the middle of its season. SQLite runs on
files in a scratch directory; PostgreSQL on a database of the benchmark's own,
``cashew_bench`` (and copies of it), on ``--postgres`` (default
postgresql://postgres@127.0.0.1:5432), never the test suite's databases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import time
import urllib.request
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.harness import (
    BIN,
    Load,
    Server,
    Task,
    command_line,
    in_process,
    load,
    lua_table,
    machine,
    machine_line,
    median_run,
    options,
    run,
    save,
    scratch,
    sqlite_url,
)

ADMIN = "bench-admin-token"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432"
PG_TEMPLATE, PG_RUN, PG_BARE = "cashew_bench", "cashew_bench_run", "cashew_bench_bare"
FARMS_PER_FARMER = 4
BARE_APP = "bench.bare:create_app"
# The stack `cashew serve` runs, named as in harness.STACKS: the bare app runs under the same one.
SERVE_STACK = "cashew serve"
TARGETS = {
    "harvests": "SQLite ≥ 500 req/s, p99 ≤ 100 ms (PostgreSQL, 2 workers: the same)",
    "buyer_page": "≥ 1,000 req/s, p99 ≤ 50 ms",
}


# -- the database -------------------------------------------------------------------------------
def cashew_env(url: str, folder: Path) -> dict[str, str]:
    """The settings of a benchmark database: its URL, its key file, the admin token; no .env."""
    return {
        "CASHEW_DATABASE_URL": url,
        "CASHEW_LOG_KEY_FILE": str(folder / "log.key"),
        "CASHEW_ADMIN_TOKEN": ADMIN,
        "CASHEW_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    }


def w_prepare(task: Task) -> dict[str, Any]:
    """``cashew db upgrade`` + ``cashew seed demo``, then farmers and farms through the library."""
    from decimal import Decimal

    from sqlalchemy import text

    from traceability.anchoring import anchoring_info, load_or_create_signer
    from traceability.db import make_engine, unit_of_work
    from traceability.parties.schemas import PartyCreate
    from traceability.parties.service import create_party
    from traceability.production.schemas import FarmCreate
    from traceability.production.service import record_farm
    from traceability.settings import Settings

    env = task["env"]
    started = time.perf_counter()
    season = task.get("season")
    if season:  # a generated season instead of the demo: its database and the key that signed it
        shutil.copyfile(Path(season) / "season.db", env["CASHEW_DATABASE_URL"].removeprefix("sqlite:///"))
        shutil.copyfile(Path(season) / "log.key", env["CASHEW_LOG_KEY_FILE"])
    for args in (["db", "upgrade"], *([] if season else [["seed", "demo"]])):
        subprocess.run([str(BIN / "cashew"), *args], env={**os.environ, **env}, check=True, capture_output=True)
    seeded = time.perf_counter() - started
    settings = Settings(
        database_url=env["CASHEW_DATABASE_URL"], log_key_file=Path(env["CASHEW_LOG_KEY_FILE"]), _env_file=None
    )
    engine = make_engine(settings.database_url)
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    districts = ["bu-dang", "bu-gia-map", "phu-rieng", "dong-phu"]
    farms = []
    with unit_of_work(engine, info=anchoring_info(signer)) as session:
        for n in range(task["farmers"]):
            key = f"ck_bench_farmer_{n:04d}"
            farmer, _ = create_party(
                session, party_in=PartyCreate(name=f"Bench farmer {n}", role="farmer"), api_key=key
            )
            for k in range(FARMS_PER_FARMER):
                farm, _ = record_farm(
                    session,
                    farmer=farmer,
                    farm_in=FarmCreate(
                        name=f"Bench farm {n}-{k}",
                        district=districts[n % 4],
                        commune="Đức Liễu",
                        area_ha=Decimal(4),
                        geometry={
                            "type": "Point",
                            "coordinates": [106.9 + n % 50 * 0.004 + k * 0.001, 11.6 + n // 50 * 0.01],
                        },
                    ),
                )
                farms.append([key, farm.id])
    with engine.connect() as c:
        labels = c.execute(text("SELECT count(*) FROM label")).scalar_one()
        gtin, lot_id = c.execute(  # the demo's first carton; a season's from the middle of it
            text("SELECT gtin, lot_id FROM label ORDER BY ledger_index LIMIT 1 OFFSET :n"),
            {"n": labels // 2 if season else 0},
        ).one()
        entries = c.execute(text("SELECT size FROM ledger_head")).scalar_one()
    engine.dispose()
    return {
        "farms": farms,
        "buyer_page": f"/01/{gtin}/10/{lot_id}",
        "seed_s": seeded,
        "build_s": time.perf_counter() - started,
        "ledger_entries": entries,
    }


def pg_admin(server: str, *statements: str) -> None:
    """Statements on the PostgreSQL server's ``postgres`` database, outside any transaction."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        for sql in statements:
            con.execute(sql.encode())  # our own fixed statements


def fresh_pg(server: str, name: str, template: str | None = None) -> str:
    """Drop and create one of the benchmark's own databases (never ``test`` or ``test_*``)."""
    assert name.startswith("cashew_bench"), name
    copy = f" TEMPLATE {template}" if template else ""
    pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}{copy}")
    return f"{server.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


class Databases:
    """The prepared database (once per kind) and a fresh copy of it for each measurement."""

    def __init__(self, folder: Path, farmers: int, postgres: str, season: Path | None = None) -> None:
        self.folder, self.farmers, self.postgres, self.season = folder, farmers, postgres, season
        self.prepared: dict[str, dict[str, Any]] = {}

    def template(self, kind: str) -> dict[str, Any]:
        if kind not in self.prepared:
            home = self.folder / f"{kind}-template"
            home.mkdir()
            url = sqlite_url(home / "cashew.db") if kind == "sqlite" else fresh_pg(self.postgres, PG_TEMPLATE)
            task = {"worker": "prepare", "env": cashew_env(url, home), "farmers": self.farmers}
            if self.season is not None:
                task["season"] = str(self.season)
            self.prepared[kind] = {**in_process("api", task, kind), "home": str(home)}
        return self.prepared[kind]

    def copy(self, kind: str, label: str) -> tuple[dict[str, str], dict[str, str]]:
        """(settings of a fresh copy of the prepared database, the bare app's settings)."""
        home = Path(self.template(kind)["home"])
        run_home = self.folder / label
        shutil.copytree(home, run_home)
        if kind == "sqlite":
            return cashew_env(sqlite_url(run_home / "cashew.db"), run_home), {
                "BENCH_BARE_DATABASE_URL": sqlite_url(run_home / "bare.db")
            }
        url = fresh_pg(self.postgres, PG_RUN, PG_TEMPLATE)
        bare = fresh_pg(self.postgres, PG_BARE).replace("+psycopg", "")
        return cashew_env(url, run_home), {"BENCH_BARE_DATABASE_URL": bare}

    def drop(self) -> None:
        if "postgresql" in self.prepared:
            pg_admin(
                self.postgres, *(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in (PG_RUN, PG_BARE, PG_TEMPLATE))
            )


# -- the loads ------------------------------------------------------------------------------------
def harvest_bodies(farms: list[list[str]], count: int, seed: int) -> list[list[str]]:
    """``count`` valid harvests (key, JSON body), spread over the farms and the past two seasons."""
    rng = random.Random(seed)
    today = date.today()
    rows = []
    for n in range(count):
        key, farm_id = farms[n % len(farms)]
        day = today - timedelta(days=rng.randrange(1, 600))
        body = {"farm_id": farm_id, "harvested_on": day.isoformat(), "quantity_kg": rng.randint(5, 40) / 10}
        rows.append([key, json.dumps(body)])
    return rows


def harvest_script(rows: list[list[str]], tag: str) -> str:
    """wrk Lua: each request the next prepared harvest (per thread), with a unique Idempotency-Key."""
    return f"""
local bodies = {lua_table(rows)}
local n = 0
request = function()
  n = n + 1
  local row = bodies[(n * 7 + (thread_id or 0) * 131) % #bodies + 1]
  return wrk.format("POST", "/api/v1/harvests", {{
    ["Authorization"] = "Bearer " .. row[1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "{tag}-" .. (thread_id or 0) .. "-" .. n,
  }}, row[2])
end
"""


def check(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str]) -> int:
    """One request before a load: what it answers (a load of refusals would measure nothing)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{method} {url} answered {exc.code}: {exc.read()[:500]!r}") from None


def timed(url: str, *, warmup: float, warmup_script: str | None = None, **kwargs: Any) -> Load:
    """An untimed warm-up (fewer connections; its own ``warmup_script`` for writes, so the measured load
    sends no Idempotency-Key the warm-up used: those would be answered as replays), then the measured load."""
    if warmup:
        warm = {**kwargs, "connections": min(8, kwargs["connections"]), "duration": warmup}
        load(url, **(warm | ({"script": warmup_script} if warmup_script is not None else {})))
    return load(url, **kwargs)


def ours(server: Server, prepared: dict[str, Any], *, duration: float, warmup: float, tag: str) -> dict[str, Any]:
    rows = harvest_bodies(prepared["farms"], 2048, seed=zlib.crc32(tag.encode()))
    key, body = rows[0]
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    check(f"{server.url}/api/v1/harvests", method="POST", body=body.encode(), headers=auth)
    page = server.url + prepared["buyer_page"]
    check(page, headers={"Accept": "application/json"})
    script, warming = harvest_script(rows, tag), harvest_script(rows, f"{tag}-warm-up")
    return {
        "harvests": timed(
            server.url + "/api/v1/harvests",
            warmup=warmup,
            warmup_script=warming,
            connections=32,
            duration=duration,
            script=script,
        ).row(),
        "buyer_page": timed(
            page, warmup=warmup, connections=64, duration=duration, headers={"Accept": "application/json"}
        ).row(),
    }


def bare(server: Server, *, duration: float, warmup: float) -> dict[str, Any]:
    body = json.dumps({"farm_id": "F-0000000000", "harvested_on": "2026-03-14", "quantity_kg": 1.5})
    headers = {"Content-Type": "application/json"}
    return {
        "harvests": timed(
            server.url + "/insert",
            warmup=warmup,
            connections=32,
            duration=duration,
            method="POST",
            body=body,
            headers=headers,
        ).row(),
        "buyer_page": timed(server.url + "/static", warmup=warmup, connections=64, duration=duration).row(),
    }


def measure(
    dbs: Databases, kind: str, workers: int, *, duration: float, warmup: float, logs: Path, rounds: int
) -> dict[str, Any]:
    """One database and worker count, ``rounds`` times: each load's median round, the largest memory."""
    runs = [once(dbs, kind, workers, r, duration=duration, warmup=warmup, logs=logs) for r in range(rounds)]
    row: dict[str, Any] = {"database": kind, "workers": workers, "rounds": runs}
    for side in ("bare", "ours"):
        row[side] = {name: median_run([run[side][name] for run in runs]) for name in TARGETS}
        row[f"{side}_memory"] = max((run[f"{side}_memory"] for run in runs), key=lambda m: m["sum_mb"])
    for name in TARGETS:
        row[f"{name}_ratio"] = row["ours"][name]["requests_per_s"] / row["bare"][name]["requests_per_s"]
    return row


def once(
    dbs: Databases, kind: str, workers: int, r: int, *, duration: float, warmup: float, logs: Path
) -> dict[str, Any]:
    """One database and worker count once: the bare app, then ours, on fresh copies."""
    label = f"{kind}-{workers}w-{r}"
    env, bare_env = dbs.copy(kind, label)
    prepared = dbs.template(kind)
    row: dict[str, Any] = {"database": kind, "workers": workers}
    with Server.asgi(
        BARE_APP, stack=SERVE_STACK, workers=workers, env=bare_env, ready_path="/ready", log=logs / f"{label}-bare.log"
    ) as server:
        row["bare"] = bare(server, duration=duration, warmup=warmup)
        row["bare_memory"] = server.peak_rss_mb()
    with Server.cashew(env=env, workers=workers, log=logs / f"{label}-ours.log") as server:
        row["ours"] = ours(server, prepared, duration=duration, warmup=warmup, tag=f"{label}-{time.time():.0f}")
        row["ours_memory"] = server.peak_rss_mb()
    print(
        f"    {label}: " + ", ".join(f"{n} {row['ours'][n]['requests_per_s']:.0f} req/s" for n in TARGETS), flush=True
    )
    return row


def drive(args: argparse.Namespace) -> None:
    databases = (
        args.databases.split(",") if args.databases else (["sqlite"] if args.quick else ["sqlite", "postgresql"])
    )
    workers = [int(w) for w in args.workers.split(",")]
    if args.season is not None and databases != ["sqlite"]:
        raise SystemExit("--season runs on SQLite only: add --databases sqlite")
    if args.season is not None and not (args.season / "season.db").is_file():
        raise SystemExit(f"--season {args.season}: no season.db there (cashew seed season writes it)")
    duration = args.duration or (4 if args.quick else 15)
    warmup = 1 if args.quick else 2
    started = time.time()
    results: dict[str, Any] = {
        "command": command_line(),
        "machine": machine("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy", "psycopg"),
        "load_average": os.getloadavg(),
        "duration_s": duration,
        "farmers": args.farmers,
        "season": None if args.season is None else str(args.season),
        "rows": [],
    }
    with scratch("api", keep=args.keep) as folder:
        logs = folder / "logs"
        logs.mkdir()
        dbs = Databases(folder, args.farmers, args.postgres, args.season)
        try:
            for kind in databases:
                for n in workers:
                    row = measure(dbs, kind, n, duration=duration, warmup=warmup, logs=logs, rounds=args.rounds)
                    results["rows"].append(row)
            results["prepared"] = {k: {x: v[x] for x in ("build_s", "ledger_entries")} for k, v in dbs.prepared.items()}
        finally:
            dbs.drop()
    results["load_average_after"] = os.getloadavg()
    save(results, args.json, report, started)


# -- the report -----------------------------------------------------------------------------------
def _cell(load_row: dict[str, Any]) -> str:
    return (
        f"{load_row['requests_per_s']:,.0f} | {load_row['p50_ms']:.1f} | {load_row['p99_ms']:,.1f} | "
        f"{load_row['non_2xx'] + load_row['socket_errors']}"
    )


def report(r: dict[str, Any]) -> str:
    out = [
        machine_line(r),
        "",
        f"wrk, {r['duration_s']} s a load, median of {len(r['rows'][0]['rounds'])} round(s); "
        "ours = `cashew serve`, bare = `bench/bare.py` under the same server "
        "and worker count. Errors = answers ≥ 400 + socket errors.",
        "",
        "| database | workers | row | ours req/s | p50 ms | p99 ms | errors | bare req/s | p50 ms | p99 ms | errors "
        "| ours / bare |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    names = {
        "harvests": "`POST /api/v1/harvests`, 32 conn. (bare: one durable insert)",
        "buyer_page": "buyer's page JSON, 64 conn. (bare: static 2 KB JSON)",
    }
    for row in r["rows"]:
        for name, title in names.items():
            out.append(
                f"| {row['database']} | {row['workers']} | {title} | {_cell(row['ours'][name])} | "
                f"{_cell(row['bare'][name])} | {row[f'{name}_ratio']:.2f} |"
            )
    out += [
        "",
        "Peak RSS of the server's processes (MiB; largest process / all of them):",
        "",
        "| database | workers | ours | bare |",
        "|---|--:|--:|--:|",
    ]
    for row in r["rows"]:
        o, b = row["ours_memory"], row["bare_memory"]
        out.append(
            f"| {row['database']} | {row['workers']} | {o['max_process_mb']:.0f} / {o['sum_mb']:.0f} | "
            f"{b['max_process_mb']:.0f} / {b['sum_mb']:.0f} |"
        )
    out += ["", "Targets (SPEC §10): " + "; ".join(f"{k}: {v}" for k, v in TARGETS.items())]
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    ap = options("api", __doc__)
    ap.add_argument("--databases", help="comma-separated: sqlite, postgresql (default both; --quick sqlite)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    ap.add_argument("--duration", type=float, help="seconds of each timed load (default 15; --quick 4)")
    ap.add_argument("--farmers", type=int, default=64, help=f"farmers with {FARMS_PER_FARMER} farms each (default 64)")
    ap.add_argument("--postgres", default=PG_DEFAULT, help=f"PostgreSQL server (default {PG_DEFAULT})")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of every configuration; the median is kept")
    ap.add_argument("--season", type=Path, help="a folder with a generated season.db and its log.key (SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, server logs)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {"prepare": w_prepare})
