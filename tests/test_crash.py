"""Killing the server (kill -9, every worker) under concurrent writes loses no acknowledged
write and leaves a log the audit finds clean (SPEC §8.1, §8.2), on SQLite and PostgreSQL."""

import os
import signal
import subprocess
import threading
import uuid
from pathlib import Path

import httpx
from sqlalchemy import Engine, select
from sqlmodel import col

from tests.conftest import ADMIN_TOKEN, ROOT
from tests.live import free_port, live_process
from tests.traceability.test_concurrent_appends import check_log
from traceability.db import open_session
from traceability.production.models import Harvest
from traceability.settings import Settings

CASHEW = str(Path(ROOT) / ".venv" / "bin" / "cashew")
CLIENTS = 8


def server_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "CASHEW_DATABASE_URL": settings.database_url,
        "CASHEW_LOG_KEY_FILE": str(settings.log_key_file),
        "CASHEW_LOG_ORIGIN": settings.log_origin,
        "CASHEW_ADMIN_TOKEN": ADMIN_TOKEN,
    }


def test_kill_9_under_load_loses_no_acknowledged_write(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    settings.log_key_file.parent.mkdir(parents=True, exist_ok=True)
    env = server_env(settings)
    port = free_port()
    log = tmp_path / "server.log"
    acknowledged: list[str] = []
    stop = threading.Event()
    with live_process(
        [CASHEW, "serve", "--port", str(port), "--workers", "2"], port=port, env=env, cwd=ROOT, log=log, timeout=60
    ) as (proc, url):
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        made = httpx.post(f"{url}/api/v1/parties", json={"name": "Hộ bà Năm", "role": "farmer"}, headers=admin)
        assert made.status_code == 201, made.text
        auth = {"Authorization": f"Bearer {made.json()['api_key']}"}
        farms = []
        for n in range(CLIENTS):
            farm = {
                "name": f"Lô {n}",
                "district": "bu-gia-map",
                "commune": "Phú Văn",
                "area_ha": 2,
                "geometry": {"type": "Point", "coordinates": [107.05 + n * 0.01, 12.02]},
            }
            answer = httpx.post(f"{url}/api/v1/farms", json=farm, headers=auth)
            assert answer.status_code == 201, answer.text
            farms.append(answer.json()["id"])

        def client(farm_id: str) -> None:
            with httpx.Client(base_url=url, headers=auth, timeout=30) as http:
                while not stop.is_set():
                    body = {"farm_id": farm_id, "harvested_on": "2026-03-10", "quantity_kg": 12.5}
                    try:
                        answer = http.post(
                            "/api/v1/harvests", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
                        )
                    except httpx.TransportError:
                        return  # the server is gone: this write was never acknowledged
                    assert answer.status_code == 201, answer.text
                    acknowledged.append(answer.json()["id"])

        clients = [threading.Thread(target=client, args=(farm,)) for farm in farms]
        for c in clients:
            c.start()
        while len(acknowledged) < 150 and all(c.is_alive() for c in clients):
            threading.Event().wait(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the supervisor and both workers, mid-write
        stop.set()
        for c in clients:
            c.join(timeout=60)
    assert len(acknowledged) >= 150, log.read_text()[-2000:]

    with open_session(engine) as session:
        stored = set(session.scalars(select(col(Harvest.id))))
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged harvests were lost"
    audited = subprocess.run([CASHEW, "audit"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert audited.returncode == 0 and audited.stdout.startswith("CLEAN"), audited.stdout + audited.stderr
    check_log(engine, settings)

    # The restarted server signs what the killed one appended but had not yet signed, and writes on.
    port = free_port()
    with live_process([CASHEW, "serve", "--port", str(port)], port=port, env=env, cwd=ROOT, log=log) as (_p, url):
        body = {"farm_id": farms[0], "harvested_on": "2026-03-11", "quantity_kg": 3}
        assert httpx.post(f"{url}/api/v1/harvests", json=body, headers=auth).status_code == 201
    check_log(engine, settings)
