"""The provenance bundle of a kernel lot made from 200 harvests (SPEC §10: ≤ 100 ms), and
the time `cashew verify` takes to check it offline.

Run from the project root::

    .venv/bin/python -m bench.provenance [--inputs 200] [--repeat 20]

Builds ``bench.batches``'s database (``--inputs`` farms with one harvest each, delivered to
one processor), makes one batch through the API, then times ``GET
/api/v1/lots/{lot}/provenance`` of one of its kernel lots ``--repeat`` times (the first call
included, it is the cold one) and ``cashew verify`` on the saved bundle as a new process
(interpreter start and imports included). Results in ``bench/results/provenance.json``.
"""

import argparse
import json
import subprocess
import time
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from bench.batches import PROCESSOR_KEY, body, build
from bench.harness import BIN, command_line, machine, now, options, run, save, scratch, stats_ms


def drive(args: argparse.Namespace) -> None:
    inputs, repeat = (20, 5) if args.quick else (args.inputs, args.repeat)
    started = time.time()
    with scratch("provenance") as folder:
        settings, lots = build(folder, inputs)
        with TestClient(create_app(settings)) as client:
            made = client.post("/api/v1/batches", json=body(lots), headers={"Authorization": f"Bearer {PROCESSOR_KEY}"})
            kernel = made.json()["outputs"][1]["lot_id"]
            timings = []
            for _ in range(repeat):
                t = now()
                response = client.get(f"/api/v1/lots/{kernel}/provenance")
                timings.append(now() - t)
        bundle = folder / "bundle.json"
        bundle.write_bytes(response.content)
        t = now()
        verified = subprocess.run([str(BIN / "cashew"), "verify", str(bundle)], capture_output=True, text=True)
        verify_s = now() - t
    results: dict[str, Any] = {
        "command": command_line(),
        "machine": machine("sqlalchemy", "fastapi"),
        "inputs": inputs,
        "records": len(json.loads(response.content)["records"]),
        "bundle_bytes": len(response.content),
        "bundle": stats_ms(timings),
        "first_ms": timings[0] * 1e3,
        "verify_exit": verified.returncode,
        "verify_s": verify_s,
    }
    save(results, args.json, report, started)


def report(r: dict[str, Any]) -> str:
    b = r["bundle"]
    return (
        f"bundle of a kernel lot from {r['inputs']} harvests: {r['records']} records, "
        f"{r['bundle_bytes'] / 1000:.0f} KB; median {b['median_ms']:.1f} ms, max {b['max_ms']:.1f} ms "
        f"(first call {r['first_ms']:.1f} ms) over {b['n']} calls; "
        f"`cashew verify` {r['verify_s']:.2f} s, exit {r['verify_exit']}"
    )


def parser() -> argparse.ArgumentParser:
    ap = options("provenance", __doc__)
    ap.add_argument("--inputs", type=int, default=200, help="harvests in the kernel lot (default 200; --quick 20)")
    ap.add_argument("--repeat", type=int, default=20, help="timed bundle requests (default 20)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {})
