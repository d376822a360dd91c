"""POST /api/v1/harvests under concurrent clients against a real server (SPEC §10).

Run from the project root:
    .venv/bin/python bench/api_harvests.py [--clients 32] [--requests 4000] [--workers 2]

Starts `cashew serve` on a fresh SQLite file in a temporary folder, registers
farmers and farms, then fires `--requests` harvests from `--clients` concurrent
clients (each farmer on its own farm, like phones in the field) and reports
throughput and latency percentiles. Only 127.0.0.1 is contacted.
"""

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/ledger.py)

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "bench-admin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CASHEW_DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "CASHEW_ADMIN_TOKEN": ADMIN,
        "CASHEW_LOG_KEY_FILE": str(folder / "log.key"),
    }
    cashew = str(Path(sys.executable).parent / "cashew")
    proc = subprocess.Popen(
        [cashew, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ledger/checkpoint", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def setup(base: str, clients: int) -> list[tuple[str, str]]:
    """One farmer and one large farm per client."""
    out = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for n in range(clients):
            party = http.post(
                "/api/v1/parties",
                json={"name": f"Bench farmer {n}", "role": "farmer"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            ).json()
            key = party["api_key"]
            farm = http.post(
                "/api/v1/farms",
                headers={"Authorization": f"Bearer {key}"},
                json={
                    "name": f"Bench farm {n}",
                    "district": "bu-dang",
                    "commune": "Đức Liễu",
                    "area_ha": 4,
                    "geometry": {"type": "Point", "coordinates": [107.2 + n * 0.001, 11.77]},
                },
            ).json()
            out.append((key, farm["id"]))
    return out


async def client(base: str, key: str, farm_id: str, count: int, latencies: list[float], errors: list[int]) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        for i in range(count):
            body = {
                "farm_id": farm_id,
                "harvested_on": f"2026-03-{i % 28 + 1:02d}",
                "quantity_kg": 1.5,
                "moisture_pct": 9,
            }
            started = time.perf_counter()
            response = await http.post("/api/v1/harvests", json=body, headers={"Idempotency-Key": f"{farm_id}-{i}"})
            latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                errors.append(response.status_code)


async def fire(base: str, farms: list[tuple[str, str]], total: int) -> tuple[float, list[float], list[int]]:
    latencies: list[float] = []
    errors: list[int] = []
    each = total // len(farms)
    started = time.perf_counter()
    await asyncio.gather(*(client(base, key, farm, each, latencies, errors) for key, farm in farms))
    return time.perf_counter() - started, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(Path(tmp), port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            farms = setup(base, args.clients)
            elapsed, latencies, errors = asyncio.run(fire(base, farms, args.requests))
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()
    result = {
        "clients": args.clients,
        "workers": args.workers,
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }
    print(json.dumps(result))
    print(
        f"| {result['clients']} | {result['workers']} | {result['requests']} | {result['requests_per_s']} "
        f"| {result['p50_ms']} | {result['p99_ms']} | {result['errors']} |"
    )


if __name__ == "__main__":
    main()
