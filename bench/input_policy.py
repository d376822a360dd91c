"""What reading a JSON body strictly costs (api/input.py), side by side with ``json.loads``.

Run from the project root:
    .venv/bin/python -m bench.input_policy [--repeat 20000]     # results in bench/results/input_policy.json

Two bodies: a harvest (the most frequent write) and a farm with a 200-point polygon (the
largest body a farmer sends). ``parse_json`` parses once with duplicate-key, depth and
control-character checks; ``json.loads`` is Python's parser alone (what FastAPI does).
"""

import argparse
import json
import time
import timeit
from functools import partial
from typing import Any

from api.input import parse_json
from bench.harness import command_line, machine, options, run, save

BODIES = {
    "harvest": {
        "farm_id": "F-6511YVVSWP",
        "harvested_on": "2026-03-14",
        "quantity_kg": 1200.5,
        "moisture_pct": 9.5,
        "notes": "phơi 3 nắng",
    },
    "farm, 200-point polygon": {
        "name": "Vườn điều",
        "geometry": {"type": "Polygon", "coordinates": [[[107.1 + i * 1e-4, 11.7] for i in range(200)]]},
    },
}


def drive(args: argparse.Namespace) -> None:
    n = 2000 if args.quick else args.repeat
    started = time.time()
    rows = []
    for name, value in BODIES.items():
        raw = json.dumps(value).encode()
        plain = timeit.timeit(partial(json.loads, raw), number=n) / n * 1e6
        strict = timeit.timeit(partial(parse_json, raw), number=n) / n * 1e6
        rows.append({"body": name, "bytes": len(raw), "json_loads_us": plain, "parse_json_us": strict})
    results = {"command": command_line(), "machine": machine(), "repeat": n, "rows": rows}
    save(results, args.json, report, started)


def report(r: dict[str, Any]) -> str:
    out = [
        f"Python {r['machine']['python']}, {r['repeat']} parses each, mean per parse",
        "| body | bytes | json.loads | parse_json | ratio |",
        "|---|--:|--:|--:|--:|",
    ]
    for row in r["rows"]:
        plain, strict = row["json_loads_us"], row["parse_json_us"]
        out.append(f"| {row['body']} | {row['bytes']} | {plain:.1f} µs | {strict:.1f} µs | {strict / plain:.1f}× |")
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    ap = options("input_policy", __doc__)
    ap.add_argument("--repeat", type=int, default=20000, help="parses of each body (default 20000; --quick 2000)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {})
