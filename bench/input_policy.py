"""What reading a JSON body strictly costs (api/input.py), side by side with ``json.loads``.

Run from the project root:
    .venv/bin/python -m bench.input_policy [--repeat 20000]

Two bodies: a harvest (the most frequent write) and a farm with a 200-point polygon (the
largest body a farmer sends). ``parse_json`` parses once with duplicate-key, depth and
control-character checks; ``json.loads`` is Python's parser alone (what FastAPI does).
"""

import argparse
import json
import platform
import timeit
from functools import partial

from api.input import parse_json

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20000)
    n = parser.parse_args().repeat
    print(f"Python {platform.python_version()}, {n} parses each, mean per parse")
    print("| body | bytes | json.loads | parse_json | ratio |")
    print("|---|--:|--:|--:|--:|")
    for name, value in BODIES.items():
        raw = json.dumps(value).encode()
        plain = timeit.timeit(partial(json.loads, raw), number=n) / n * 1e6
        strict = timeit.timeit(partial(parse_json, raw), number=n) / n * 1e6
        print(f"| {name} | {len(raw)} | {plain:.1f} µs | {strict:.1f} µs | {strict / plain:.1f}× |")


if __name__ == "__main__":
    main()
