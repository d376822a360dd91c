"""The provenance bundle of a kernel lot made from 200 harvests (SPEC §10: ≤ 100 ms), and
the time `cashew verify` takes to check it offline.

Run from the project root:
    .venv/bin/python bench/provenance.py [--inputs 200] [--repeat 20]
"""

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/ledger.py)

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from bench.batches import PROCESSOR_KEY, body, build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings, lots = build(Path(tmp), args.inputs)
        with TestClient(create_app(settings)) as client:
            made = client.post("/api/v1/batches", json=body(lots), headers={"Authorization": f"Bearer {PROCESSOR_KEY}"})
            kernel = made.json()["outputs"][1]["lot_id"]
            timings, size = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(f"/api/v1/lots/{kernel}/provenance")
                timings.append(time.perf_counter() - started)
                size = len(response.content)
            records = len(response.json()["records"])
        bundle = Path(tmp) / "bundle.json"
        bundle.write_bytes(response.content)
        cashew = str(Path(sys.executable).parent / "cashew")
        started = time.perf_counter()
        verified = subprocess.run([cashew, "verify", str(bundle)], capture_output=True, text=True)
        verify_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "inputs": args.inputs,
                "records": records,
                "bundle_bytes": size,
                "build_median_ms": round(statistics.median(timings) * 1000, 1),
                "build_max_ms": round(max(timings) * 1000, 1),
                "verify_exit": verified.returncode,
                "verify_s": round(verify_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
