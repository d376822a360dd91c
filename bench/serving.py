"""The serving stack, side by side in one run: which server and which JSON encoder `cashew serve` keeps.

Run from the project root (wrk must be installed: ``apt-get install wrk``)::

    .venv/bin/python -m bench.serving             # 3 stacks × 1, 2 workers × bare and ours (~10 min)
    .venv/bin/python -m bench.serving --quick     # 3 s a load: a smoke run

1. **Servers**: uvicorn with its pure-Python parser and the default event loop (h11,
   asyncio), uvicorn with httptools and uvloop (``uvicorn[standard]``), and granian (a
   Rust HTTP server, ASGI interface), each with 1 and 2 workers, serving the bare app
   (``bench/bare.py``: a durable insert from 32 connections, a static 2 KB JSON from 64)
   and ours (``POST /api/v1/harvests`` from 32, the buyer's page JSON from 64) on fresh
   copies of the SQLite database ``bench.api`` prepares. The stacks take turns within
   each worker count.
2. **Keep-alive latency, one connection**: ``GET /static`` of the bare app, one request at
   a time on one connection, under each server and under ``cashew serve``, 1 and 2
   workers: a server whose accepted sockets lack ``TCP_NODELAY`` waits for the client's
   delayed ACK (40 ms) on every request after the first. ``--other-uvicorn DIR`` runs
   uvicorn's rows again with the uvicorn installed in DIR (``pip install --no-deps
   --target DIR uvicorn==0.54.0``: the last one whose worker supervisor lost the option).
3. **JSON encoder for large answers**: the provenance bundle of a kernel lot made from
   200 harvests (``bench.batches``'s database, ~460 KB): encoded in-process by
   ``json.dumps`` (Starlette's ``JSONResponse``), by pydantic-core's ``dump_json`` (what
   FastAPI does for a route with a return type, as ours has) and by ``orjson``; and
   served end to end under ``cashew serve``, our route against the same route answering
   with ``orjson`` (``orjson_app``), from 4 connections.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.api import BARE_APP, Databases, bare, cashew_env, ours
from bench.harness import (
    Server,
    Task,
    command_line,
    in_process,
    load,
    machine,
    median_run,
    options,
    run,
    save,
    scratch,
    sqlite_url,
)

SERVERS = ["uvicorn (h11, asyncio)", "uvicorn (httptools, uvloop)", "granian (ASGI)"]
OUR_APP = "api.main:create_app"


# -- the app variant: the provenance route answering with orjson ----------------------------------
def orjson_app() -> Any:
    """Our app, with ``GET /api/v1/lots/{lot_id}/provenance`` encoded by orjson (the same bundle)."""
    import orjson
    from fastapi import Response

    from api.app import create_app
    from api.deps import SessionDep, State
    from traceability.provenance.service import provenance_bundle

    app = create_app()

    def provenance(lot_id: str, session: SessionDep, state: State) -> Response:
        bundle = provenance_bundle(session, lot_id=lot_id, signer=state.signer)
        return Response(orjson.dumps(bundle), media_type="application/json")

    app.router.add_api_route("/api/v1/lots/{lot_id}/provenance", provenance, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the app's own route
    return app


# -- workers --------------------------------------------------------------------------------------
def w_bundle_db(task: Task) -> dict[str, Any]:
    """``bench.batches``'s database (200 farms, one harvest each, received), then one batch via the API."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from bench.batches import PROCESSOR_KEY, body, build

    settings, lots = build(Path(task["folder"]), task["inputs"])
    with TestClient(create_app(settings)) as client:
        made = client.post("/api/v1/batches", json=body(lots), headers={"Authorization": f"Bearer {PROCESSOR_KEY}"})
        assert made.status_code == 201, made.text
        kernel = made.json()["outputs"][1]["lot_id"]
        bundle = client.get(f"/api/v1/lots/{kernel}/provenance").content
    return {"lot_id": kernel, "bundle_bytes": len(bundle), "records": len(json.loads(bundle)["records"])}


def w_encoders(task: Task) -> dict[str, Any]:
    """The bundle encoded by each encoder, interleaved; every output decodes to the same value."""
    import orjson
    from pydantic import TypeAdapter

    from bench.harness import interleaved

    from_disk = json.loads(Path(task["bundle"]).read_bytes())
    adapter = TypeAdapter(dict[str, Any])
    encoders = {
        "json.dumps (Starlette JSONResponse)": lambda: json.dumps(
            from_disk, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode(),
        "pydantic-core dump_json": lambda: adapter.dump_json(from_disk),
        "pydantic-core validate + dump_json (FastAPI, a route with a return type)": lambda: adapter.dump_json(
            adapter.validate_python(from_disk)
        ),
        "orjson.dumps": lambda: orjson.dumps(from_disk),
    }
    for encode in encoders.values():
        assert json.loads(encode()) == from_disk  # type: ignore[no-untyped-call]
    times = interleaved(task["repeat"], encoders)
    return {
        name: {"median_ms": sorted(t)[len(t) // 2] * 1e3, "best_ms": min(t) * 1e3, "bytes": len(encoders[name]())}
        for name, t in times.items()
    }


# -- the driver -----------------------------------------------------------------------------------
def servers(
    dbs: Databases, folder: Path, *, workers: list[int], duration: float, warmup: float, rounds: int
) -> list[dict[str, Any]]:
    """Every stack and worker count, ``rounds`` times (the stacks' order rotating); the median round of each."""
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in range(rounds):
        for n in workers:
            for stack in SERVERS[r % len(SERVERS) :] + SERVERS[: r % len(SERVERS)]:
                runs.setdefault((stack, n), []).append(server_row(dbs, folder, stack, n, r, duration, warmup))
    return [combined(runs[(stack, n)]) for n in workers for stack in SERVERS]


def combined(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one stack and worker count: each load's median round, the largest memory."""
    out: dict[str, Any] = {"stack": rows[0]["stack"], "workers": rows[0]["workers"], "rounds": rows}
    for side in ("bare", "ours"):
        out[side] = {name: median_run([row[side][name] for row in rows]) for name in rows[0][side]}
        out[f"{side}_memory"] = max((row[f"{side}_memory"] for row in rows), key=lambda m: m["sum_mb"])
    return out


def server_row(
    dbs: Databases, folder: Path, stack: str, n: int, r: int, duration: float, warmup: float
) -> dict[str, Any]:
    """One stack and worker count once: the bare app, then ours, each on a fresh database."""
    prepared = dbs.template("sqlite")
    label = f"{re.sub('[^a-z0-9]+', '-', stack.lower()).strip('-')}-{n}w-{r}"
    env, bare_env = dbs.copy("sqlite", label)
    row: dict[str, Any] = {"stack": stack, "workers": n}
    log = folder / "logs" / label
    with Server.asgi(BARE_APP, stack=stack, workers=n, env=bare_env, ready_path="/ready", log=log) as s:
        row["bare"] = bare(s, duration=duration, warmup=warmup)
        row["bare_memory"] = s.peak_rss_mb()
    with Server.asgi(OUR_APP, stack=stack, workers=n, env=env, ready_path="/ledger/checkpoint", log=log) as s:
        row["ours"] = ours(s, prepared, duration=duration, warmup=warmup, tag=f"{label}-{time.time():.0f}")
        row["ours_memory"] = s.peak_rss_mb()
    print(
        f"    {label}: ours {row['ours']['harvests']['requests_per_s']:.0f} / "
        f"{row['ours']['buyer_page']['requests_per_s']:.0f} req/s",
        flush=True,
    )
    return row


def one_connection(folder: Path, duration: float, other_uvicorn: Path | None) -> list[dict[str, Any]]:
    """Keep-alive latency with one connection, 1 and 2 workers, under each server and `cashew serve`; and,
    with ``other_uvicorn`` (a folder holding another uvicorn, e.g. 0.54), uvicorn's rows again with that one."""
    env = {"BENCH_BARE_DATABASE_URL": sqlite_url(folder / "one-connection.db")}
    variants: list[tuple[str, dict[str, str]]] = [("", {})]
    if other_uvicorn is not None:
        found = sorted(other_uvicorn.glob("uvicorn-*.dist-info"))
        assert found, f"no uvicorn in {other_uvicorn}"
        variants.append(
            (found[0].name.removesuffix(".dist-info").replace("-", " "), {"PYTHONPATH": str(other_uvicorn)})
        )
    rows = []
    for name, extra in variants:
        for stack in [*SERVERS, "cashew serve"]:
            if name and stack.startswith("granian"):
                continue
            for n in (1, 2):
                log = folder / "logs" / "one-connection"
                with Server.asgi(
                    BARE_APP, stack=stack, workers=n, env={**env, **extra}, ready_path="/ready", log=log
                ) as s:
                    result = load(s.url + "/static", connections=1, threads=1, duration=duration)
                rows.append({"stack": f"{stack}, {name}" if name else stack, "workers": n, **result.row()})
    return rows


def encoders(folder: Path, *, duration: float, warmup: float, rounds: int, repeat: int, inputs: int) -> dict[str, Any]:
    """The bundle's encoders in-process, then served: our route and the orjson one, their loads interleaved."""
    home = folder / "bundle"
    home.mkdir()
    made = in_process("serving", {"worker": "bundle_db", "folder": str(home), "inputs": inputs}, "bundle database")
    env = cashew_env(sqlite_url(home / "bench.db"), home)
    path = f"/api/v1/lots/{made['lot_id']}/provenance"
    out: dict[str, Any] = {"bundle": made, "rounds": rounds}
    apps = {"ours (FastAPI default)": OUR_APP, "orjson": "bench.serving:orjson_app"}
    log = folder / "logs" / "bundle"
    with contextlib.ExitStack() as stack:  # both servers up; their loads take turns
        up = {
            name: stack.enter_context(
                Server.asgi(app, stack="cashew serve", workers=1, env=env, ready_path="/ledger/checkpoint", log=log)
            )
            for name, app in apps.items()
        }
        for name, s in up.items():
            with open(home / f"{name.split()[0]}.json", "wb") as f, urllib.request.urlopen(s.url + path) as answer:
                shutil.copyfileobj(answer, f)
            load(s.url + path, connections=4, duration=warmup)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in up}
        for r in range(rounds):
            for name in list(up)[r % 2 :] + list(up)[: r % 2]:
                runs[name].append(load(up[name].url + path, connections=4, duration=duration).row())
        out["served"] = {name: {**median_run(rs), "memory": up[name].peak_rss_mb()} for name, rs in runs.items()}
    same = json.loads((home / "ours.json").read_bytes()) == json.loads((home / "orjson.json").read_bytes())
    assert same, "the orjson route answers another bundle"
    out["in_process"] = in_process(
        "serving", {"worker": "encoders", "bundle": str(home / "ours.json"), "repeat": repeat}
    )
    return out


def drive(args: argparse.Namespace) -> None:
    duration = args.duration or (3 if args.quick else 10)
    warmup = 1 if args.quick else 2
    workers = [int(w) for w in args.workers.split(",")]
    started = time.time()
    results: dict[str, Any] = {
        "command": command_line(),
        "machine": machine("fastapi", "uvicorn", "uvloop", "httptools", "granian", "orjson", "pydantic-core"),
        "load_average": os.getloadavg(),
        "duration_s": duration,
    }
    with scratch("serving", keep=args.keep) as folder:
        (folder / "logs").mkdir()
        dbs = Databases(folder, args.farmers, "")
        if not args.only or args.only == "servers":
            results["servers"] = servers(
                dbs, folder, workers=workers, duration=duration, warmup=warmup, rounds=args.rounds
            )
        if not args.only or args.only == "keepalive":
            results["one_connection"] = one_connection(folder, duration, args.other_uvicorn)
        if not args.only or args.only == "json":
            repeat = 5 if args.quick else 30
            results["json"] = encoders(
                folder,
                duration=duration,
                warmup=warmup,
                rounds=1 if args.quick else 2 * args.rounds + 1,
                repeat=repeat,
                inputs=50 if args.quick else 200,
            )
    results["load_average_after"] = os.getloadavg()
    save(results, args.json, report, started)


# -- the report -----------------------------------------------------------------------------------
def report(r: dict[str, Any]) -> str:
    m = r["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    out = [
        f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}; {libs}. "
        f"Load average (1 min) at the start {r['load_average'][0]:.2f}, at the end {r['load_average_after'][0]:.2f}. "
        f"wrk, {r['duration_s']} s a load.",
    ]
    if "servers" in r:
        out += [
            "",
            "| server | workers | bare insert req/s (p99 ms) | bare static req/s (p99 ms) "
            "| ours harvests req/s (p99 ms) | ours buyer page req/s (p99 ms) | errors "
            "| peak RSS ours MiB (largest / all) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in r["servers"]:
            cells = [
                f"{x['requests_per_s']:,.0f} ({x['p99_ms']:,.0f})"
                for x in (
                    row["bare"]["harvests"],
                    row["bare"]["buyer_page"],
                    row["ours"]["harvests"],
                    row["ours"]["buyer_page"],
                )
            ]
            errors = sum(x["non_2xx"] + x["socket_errors"] for side in ("bare", "ours") for x in row[side].values())
            mem = row["ours_memory"]
            out.append(
                f"| {row['stack']} | {row['workers']} | "
                + " | ".join(cells)
                + f" | {errors} | {mem['max_process_mb']:.0f} / {mem['sum_mb']:.0f} |"
            )
    if "one_connection" in r:
        out += [
            "",
            "One keep-alive connection, bare `GET /static`, one request at a time:",
            "",
            "| server | workers | req/s | p50 ms | p99 ms |",
            "|---|--:|--:|--:|--:|",
        ]
        out += [
            f"| {x['stack']} | {x['workers']} | {x['requests_per_s']:,.0f} | {x['p50_ms']:.2f} | {x['p99_ms']:.2f} |"
            for x in r["one_connection"]
        ]
    if "json" in r:
        j = r["json"]
        b = j["bundle"]
        out += [
            "",
            f"Provenance bundle: {b['records']} records, {b['bundle_bytes'] / 1024:.0f} KiB.",
            "",
            "| encoder (in-process) | median ms | best ms | bytes |",
            "|---|--:|--:|--:|",
        ]
        out += [
            f"| {name} | {v['median_ms']:.2f} | {v['best_ms']:.2f} | {v['bytes']:,} |"
            for name, v in j["in_process"].items()
            if isinstance(v, dict)
        ]
        out += [
            "",
            f"| served (`cashew serve`, 1 worker, 4 connections; median of {j['rounds']} interleaved loads) "
            "| req/s | p50 ms | p99 ms |",
            "|---|--:|--:|--:|",
        ]
        out += [
            f"| {name} | {v['requests_per_s']:,.1f} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} |"
            for name, v in j["served"].items()
        ]
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    ap = options("serving", __doc__)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    ap.add_argument("--duration", type=float, help="seconds of each timed load (default 10; --quick 3)")
    ap.add_argument("--farmers", type=int, default=64, help="farmers of the prepared database (4 farms each)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of the server comparison; the median is kept")
    ap.add_argument("--only", choices=["servers", "keepalive", "json"], help="run one part only")
    ap.add_argument(
        "--other-uvicorn",
        type=Path,
        help="a folder with another uvicorn (pip install --no-deps --target DIR uvicorn==0.54.0): "
        "the one-connection rows again with it",
    )
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, server logs)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {"bundle_db": w_bundle_db, "encoders": w_encoders})
