"""The write path with witnesses (SPEC §5.7, §10): ``POST /api/v1/harvests`` with no witness, with
two witnesses up, and with two named and one of them down, in the same run.

Run from the project root (wrk must be installed: ``apt-get install wrk``)::

    .venv/bin/python -m bench.witness                 # SQLite, 1 worker, 5 rounds of 10 s loads (~4 min)
    .venv/bin/python -m bench.witness --quick         # 4 s loads, one round: a smoke run
    .venv/bin/python -m bench.witness --workers 1,2

The database is ``bench.api``'s (``cashew db upgrade``, ``cashew seed demo``, 64 farmers with
4 farms each), prepared once; every row runs ``cashew serve`` on a fresh copy of it:

- **none**: no ``CASHEW_WITNESS_POLICY``;
- **two up**: two ``cashew witness serve`` processes (fresh state each time) named in the
  policy, quorum 2;
- **one down**: the same two named, quorum 2, one of them at a free port nothing listens on.

The rows take turns, each round in another order; per row the round with the median
requests/s is kept. Each load is ``bench.api``'s: 32 connections, prepared harvests, a unique
``Idempotency-Key`` each (the warm-up uses keys of its own). Right after it: the latest
checkpoint's size against the newest with 1 and 2 cosignatures (``GET /ledger/checkpoint?cosigned=K``,
404 = none); then, once the requests in flight are answered and the log stops growing, the time
from the end of the load until its last checkpoint has 1, and 2, cosignatures, as many as there
are witnesses up (polled every 50 ms, at most ``--settle`` seconds). Also: the CPU seconds the server
and the witnesses used during the load, their peak RSS, the checkpoints signed and the
cosignatures stored per witness, and how often the server logged a failed request to a witness.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.api import PG_DEFAULT, Databases, check, harvest_bodies, harvest_script
from bench.harness import (
    BIN,
    Server,
    command_line,
    free_port,
    load,
    machine,
    machine_line,
    median_run,
    now,
    options,
    run,
    save,
    scratch,
)

ROWS = {
    "none": "no witness policy",
    "two up": "two witnesses up, quorum 2",
    "one down": "two witnesses named, one down, quorum 2",
}
UP = {"none": 0, "two up": 2, "one down": 1}
NAMES = ("w1.bench.example", "w2.bench.example")
POLL_S = 0.05
TARGET = "write throughput and p99 with two witnesses, one of them down: within 10% of no witnesses"


@dataclass(frozen=True)
class WitnessKey:
    name: str
    file: Path
    vkey: str


def witness_key(folder: Path, name: str) -> WitnessKey:
    """A new witness key from ``cashew witness key``."""
    file = folder / f"{name}.key"
    out = subprocess.run(
        [str(BIN / "cashew"), "witness", "key", "--name", name, "--out", str(file)],
        check=True,
        capture_output=True,
        text=True,
    )
    return WitnessKey(name, file, out.stdout.strip())


def log_vkey(home: Path) -> str:
    """The prepared log's verifier key (what ``GET /ledger/key`` answers)."""
    from traceability.anchoring import load_or_create_signer
    from traceability.settings import Settings

    return load_or_create_signer(home / "log.key", Settings(_env_file=None).log_origin).vkey


def witness_server(key: WitnessKey, vkey: str, home: Path, log: Path) -> Server:
    """``cashew witness serve`` for the one log, with a fresh state file; ready once it answers (404)."""
    args = ["witness", "serve", "--key", str(key.file), "--db", str(home / f"{key.name}.db"), "--log", vkey]
    return Server(
        lambda port: [str(BIN / "cashew"), *args, "--port", str(port)],
        env={},
        ready_path=f"/{'0' * 64}/checkpoint",
        ready=(404,),
        log=log,
        timeout=60,
    )


def checkpoint_size(url: str, cosigned: int | None = None) -> int | None:
    """The size of the latest checkpoint, or of the newest with ``cosigned`` cosignatures (None: none)."""
    query = "" if cosigned is None else f"?cosigned={cosigned}"
    try:
        with urllib.request.urlopen(f"{url}/ledger/checkpoint{query}", timeout=10) as answer:
            note = answer.read().decode()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
    return int(note.splitlines()[1])


def follow(url: str, up: int, *, since: float, bound: float) -> dict[str, Any]:
    """After a load that ended at ``since``: the log's last size (once it stayed the same for 0.25 s:
    the requests in flight were answered), the seconds from ``since`` until it was first seen, and
    for each count of cosignatures up to ``up``, until a checkpoint of that size had them (None: not
    within ``bound`` s)."""
    counts = range(1, up + 1)
    samples: list[tuple[float, int, list[int]]] = []  # (seconds since the end, latest, newest cosigned per count)
    last, stable = -1, now()
    while now() - since < bound:
        size = checkpoint_size(url) or 0
        samples.append((now() - since, size, [checkpoint_size(url, k) or 0 for k in counts]))
        if size != last:
            last, stable = size, now()
        if now() - stable >= 0.25 and all(c >= last for c in samples[-1][2]):
            break
        time.sleep(POLL_S)
    return {
        "final_size": last,
        "final_at_s": next(t for t, size, _ in samples if size == last),
        "settled_s": {str(k): next((t for t, _, c in samples if c[k - 1] >= last), None) for k in counts},
    }


def stored(db: Path, *, prepared: int) -> dict[str, Any]:
    """Checkpoints signed in the run (of more than the ``prepared`` entries) and cosignatures stored per
    witness, from the server's database after the run."""
    with sqlite3.connect(db) as con:
        checkpoints = con.execute(
            "SELECT count(*), max(size) FROM ledger_checkpoint WHERE size > ?", (prepared,)
        ).fetchone()
        rows = con.execute("SELECT witness, count(*), max(size) FROM ledger_cosignature GROUP BY witness").fetchall()
    return {
        "checkpoints": checkpoints[0],
        "size": checkpoints[1],
        "cosignatures": {name: {"count": n, "max_size": size} for name, n, size in rows},
    }


def start(
    stack: ExitStack, row: str, keys: list[WitnessKey], env: dict[str, str], *, workers: int, label: str, logs: Path
) -> tuple[Server, list[Server]]:
    """The row's witnesses that are up, its policy file, and ``cashew serve`` with it, on ``stack``."""
    home = Path(env["CASHEW_LOG_KEY_FILE"]).parent
    vkey = log_vkey(home)
    up = [stack.enter_context(witness_server(k, vkey, home, logs / f"{label}-{k.name}.log")) for k in keys[: UP[row]]]
    if row != "none":
        urls = [w.url for w in up] + [f"http://127.0.0.1:{free_port()}" for _ in keys[UP[row] :]]  # nobody there
        lines = [f"witness {k.name} {k.vkey} {url}" for k, url in zip(keys, urls, strict=True)]
        (home / "policy").write_text("\n".join([*lines, "quorum 2", ""]))
        env = {**env, "CASHEW_WITNESS_POLICY": str(home / "policy")}
    server = stack.enter_context(Server.cashew(env=env, workers=workers, log=logs / f"{label}-server.log"))
    with urllib.request.urlopen(server.url + "/ledger/key", timeout=10) as answer:
        if json.load(answer)["vkey"] != vkey:
            raise SystemExit("the server signs with another key than the witnesses were told (CASHEW_LOG_ORIGIN?)")
    return server, up


def write_load(
    server: Server, witnesses: list[Server], farms: list[list[str]], *, label: str, args: argparse.Namespace
) -> dict[str, Any]:
    """A checked harvest, the warm-up, then the timed load, with the CPU the server and witnesses used in it."""
    rows = harvest_bodies(farms, 2048, seed=zlib.crc32(label.encode()))
    key, body = rows[0]
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    check(f"{server.url}/api/v1/harvests", method="POST", body=body.encode(), headers=auth)
    url, tag = server.url + "/api/v1/harvests", f"{label}-{time.time():.0f}"
    if args.warmup:  # keys of its own: the timed load must not replay the warm-up's harvests
        load(url, connections=8, duration=args.warmup, script=harvest_script(rows, tag + "w"))
    cpu = [server.cpu_s(), sum(w.cpu_s() for w in witnesses)]
    timed = load(url, connections=32, duration=args.duration, script=harvest_script(rows, tag)).row()
    used = {"server": server.cpu_s() - cpu[0], "witnesses": sum(w.cpu_s() for w in witnesses) - cpu[1]}
    return {"load": timed, "cpu_s": used}


def once(
    dbs: Databases, row: str, workers: int, keys: list[WitnessKey], label: str, *, args: argparse.Namespace
) -> dict[str, Any]:
    """One row once, on a fresh copy of the prepared database."""
    env, _ = dbs.copy("sqlite", label)
    logs, prepared = dbs.folder / "logs", dbs.template("sqlite")
    result: dict[str, Any] = {"row": row, "workers": workers}
    with ExitStack() as stack:
        server, witnesses = start(stack, row, keys, env, workers=workers, label=label, logs=logs)
        result |= write_load(server, witnesses, prepared["farms"], label=label, args=args)
        ended = now()
        at_end = checkpoint_size(server.url) or 0
        result["at_end"] = {"latest": at_end, **{f"cosigned_{k}": checkpoint_size(server.url, k) for k in (1, 2)}}
        result |= follow(server.url, UP[row], since=ended, bound=args.settle)
        result["server_memory"] = server.peak_rss_mb()
        result["witness_memory_mb"] = [w.peak_rss_mb()["sum_mb"] for w in witnesses]
    home = Path(env["CASHEW_LOG_KEY_FILE"]).parent
    result["stored"] = stored(home / "cashew.db", prepared=prepared["ledger_entries"])
    log = (logs / f"{label}-server.log").read_text(errors="replace")
    result["failed_requests_logged"] = {k.name: log.count(f"witness {k.name}:") for k in keys if row != "none"}
    print(
        f"    {label}: {result['load']['requests_per_s']:.0f} req/s, p99 {result['load']['p99_ms']:.0f} ms", flush=True
    )
    return result


def drive(args: argparse.Namespace) -> None:
    args.duration = args.duration or (4 if args.quick else 10)
    args.warmup = 1 if args.quick else 2
    args.settle = args.settle or (10 if args.quick else 30)
    rounds = args.rounds or (1 if args.quick else 5)
    workers = [int(w) for w in args.workers.split(",")]
    started = time.time()
    results: dict[str, Any] = {
        "command": command_line(),
        "machine": machine("fastapi", "uvicorn", "uvloop", "httptools", "sqlalchemy", "httpx"),
        "load_average": os.getloadavg(),
        "duration_s": args.duration,
        "settle_s": args.settle,
        "rounds": rounds,
        "rows": [],
    }
    with scratch("witness", keep=args.keep) as folder:
        (folder / "logs").mkdir()
        keys = [witness_key(folder, name) for name in NAMES]
        dbs = Databases(folder, args.farmers, PG_DEFAULT)
        results["prepared"] = {x: dbs.template("sqlite")[x] for x in ("build_s", "ledger_entries")}
        for n in workers:
            runs: dict[str, list[dict[str, Any]]] = {row: [] for row in ROWS}
            order = list(ROWS)
            for r in range(rounds):
                for row in order[r % 3 :] + order[: r % 3]:
                    label = f"{row.replace(' ', '-')}-{n}w-{r}"
                    runs[row].append(once(dbs, row, n, keys, label, args=args))
            results["rows"] += [kept(runs[row]) for row in ROWS]
    results["load_average_after"] = os.getloadavg()
    save(results, args.json, report, started)


def kept(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median requests/s, with the spread of all runs of its row, and the median of
    their server CPU per request (steadier than requests/s on a shared machine)."""
    middle = median_run([r["load"] for r in runs])
    chosen = next(r for r in runs if r["load"]["requests_per_s"] == middle["requests_per_s"])
    cpu = sorted(r["cpu_s"]["server"] / r["load"]["requests"] * 1e3 for r in runs)
    return {**chosen, "load": middle, "cpu_ms_per_request": cpu[(len(cpu) - 1) // 2], "runs": runs}


# -- the report -----------------------------------------------------------------------------------
def _num(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def report(r: dict[str, Any]) -> str:
    out = [
        machine_line(r),
        "",
        f"`POST /api/v1/harvests`, SQLite, wrk 32 connections, {r['duration_s']:g} s a load, the median of "
        f"{r['rounds']} round(s) (the range of requests/s in brackets). Errors = answers ≥ 400 + socket errors. "
        "Server CPU per request: the median of the rounds; CPU seconds and memory: the run kept.",
        "",
        "| workers | row | req/s | p50 ms | p99 ms | errors | req/s / none | p99 / none "
        "| server CPU ms / request | … / none | CPU s server / witnesses | peak RSS MiB server / witness |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    base = {row["workers"]: row["load"] for row in r["rows"] if row["row"] == "none"}
    base_cpu = {row["workers"]: row["cpu_ms_per_request"] for row in r["rows"] if row["row"] == "none"}
    for row in r["rows"]:
        timed, none = row["load"], base[row["workers"]]
        spread = f" [{timed['rps_min']:,.0f}–{timed['rps_max']:,.0f}]" if timed["runs"] > 1 else ""
        witness_mb = max(row["witness_memory_mb"], default=None)
        out.append(
            f"| {row['workers']} | {ROWS[row['row']]} | {timed['requests_per_s']:,.0f}{spread} | {timed['p50_ms']:.0f} "
            f"| {timed['p99_ms']:,.0f} | {timed['non_2xx'] + timed['socket_errors']} "
            f"| {timed['requests_per_s'] / none['requests_per_s']:.2f} | {timed['p99_ms'] / none['p99_ms']:.2f} "
            f"| {row['cpu_ms_per_request']:.2f} | {row['cpu_ms_per_request'] / base_cpu[row['workers']]:.2f} "
            f"| {row['cpu_s']['server']:.1f} / {row['cpu_s']['witnesses']:.1f} "
            f"| {row['server_memory']['sum_mb']:.0f} / {_num(witness_mb, digits=0)} |"
        )
    out += [
        "",
        "Cosignatures (the run kept). Checkpoint sizes as the load ended: the latest, the newest with ≥ 1 and "
        "with ≥ 2 cosignatures (— = none); the last size once the requests in flight were answered; seconds "
        "from the end of the load until it was signed, and until a checkpoint of it had 1 and 2 cosignatures "
        "(— = not asked, fewer witnesses up; `>N` = not within N s); checkpoints signed in the run; "
        "cosignatures stored per witness; failed requests to a witness in the server's log:",
        "",
        "| workers | row | latest | cosigned ≥ 1 | cosigned ≥ 2 | last size | signed s | cosigned 1 s | cosigned 2 s "
        "| checkpoints | cosignatures w1 / w2 | failures logged w1 / w2 |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in r["rows"]:
        end, s, cos = row["at_end"], row["settled_s"], row["stored"]["cosignatures"]
        settled = [
            "—" if str(k) not in s else (f">{r['settle_s']:g}" if s[str(k)] is None else f"{s[str(k)]:.2f}")
            for k in (1, 2)
        ]
        counts = " / ".join(str(cos.get(n, {}).get("count", 0)) for n in NAMES) if row["row"] != "none" else "—"
        failed = row["failed_requests_logged"]
        failures = " / ".join(str(failed.get(n, 0)) for n in NAMES) if failed else "—"
        out.append(
            f"| {row['workers']} | {ROWS[row['row']]} | {end['latest']:,} | {_num(end['cosigned_1'], digits=0)} "
            f"| {_num(end['cosigned_2'], digits=0)} | {row['final_size']:,} | {row['final_at_s']:.2f} "
            f"| {settled[0]} | {settled[1]} "
            f"| {row['stored']['checkpoints']:,} "
            f"| {counts} | {failures} |"
        )
    out += ["", f"Target (SPEC §10): {TARGET}."]
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    ap = options("witness", __doc__)
    ap.add_argument("--workers", default="1", help="comma-separated worker counts of `cashew serve` (default 1)")
    ap.add_argument("--duration", type=float, help="seconds of each timed load (default 10; --quick 4)")
    ap.add_argument("--rounds", type=int, help="rounds of the three rows; the median is kept (default 5; --quick 1)")
    ap.add_argument(
        "--settle", type=float, help="longest wait for the cosignatures after a load (default 30; --quick 10)"
    )
    ap.add_argument("--farmers", type=int, default=64, help="farmers with 4 farms each in the database (default 64)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, server logs)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {})
