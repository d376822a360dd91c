"""The ``cashew`` command, run as a user runs it: as a separate process."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.live import free_port, live_server

CASHEW = str(Path(sys.executable).parent / "cashew")


def env_for(tmp_path: Path, url: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "CASHEW_DATABASE_URL": url or f"sqlite:///{tmp_path}/data/cashew.db",
        "CASHEW_LOG_KEY_FILE": str(tmp_path / "data" / "log.key"),
        "CASHEW_ADMIN_TOKEN": "cli-admin",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASHEW, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``cashew serve --workers 2`` on an empty database (it must migrate it first)."""
    port = free_port()
    with live_server(
        [CASHEW, "serve", "--port", str(port), "--workers", "2"],
        port=port,
        env=env_for(tmp_path),
        cwd=ROOT,
        log=tmp_path / "server.log",
        timeout=30,
    ) as base:
        yield base


class TestCommands:
    def test_db_upgrade_then_parties_create_prints_a_working_key(self, tmp_path: Path) -> None:
        env = env_for(tmp_path)
        upgraded = run(["db", "upgrade"], env)
        assert upgraded.returncode == 0, upgraded.stderr
        assert run(["db", "upgrade"], env).returncode == 0  # idempotent
        created = run(
            [
                "parties",
                "create",
                "--role",
                "processor",
                "--name",
                "Công ty Điều Bình Phước",
                "--gs1-company-prefix",
                "8935012",
            ],
            env,
        )
        assert created.returncode == 0, created.stderr
        party = json.loads(created.stdout)
        assert party["role"] == "processor" and party["api_key"].startswith("ck_")
        assert (tmp_path / "data" / "log.key").stat().st_mode & 0o777 == 0o600

    def test_parties_create_refuses_bad_input_with_exit_2(self, tmp_path: Path) -> None:
        env = env_for(tmp_path)
        run(["db", "upgrade"], env)
        bad = run(["parties", "create", "--role", "emperor", "--name", "X"], env)
        assert bad.returncode == 2 and "role" in bad.stderr

    def test_help_lists_every_command(self) -> None:
        out = run(["--help"], dict(os.environ))
        assert out.returncode == 0
        assert {"serve", "db", "seed", "parties", "import"} <= set(re.findall(r"│ (\w+)", out.stdout))


class TestServe:
    def test_serves_migrated_api_with_offline_docs(self, server: str) -> None:
        docs = httpx.get(f"{server}/docs")
        assert docs.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert assets and all(a.startswith("/") for a in assets), assets  # nothing from the internet
        for asset in assets:
            assert httpx.get(server + asset).status_code == 200, asset
        assert httpx.get(f"{server}/openapi.json").json()["info"]["title"] == "Cashew traceability"

    def test_two_workers_share_one_log(self, server: str) -> None:
        admin = {"Authorization": "Bearer cli-admin"}
        key = httpx.post(f"{server}/api/v1/parties", json={"name": "Chị Hoa", "role": "farmer"}, headers=admin).json()[
            "api_key"
        ]
        headers = {"Authorization": f"Bearer {key}"}
        farm = httpx.post(
            f"{server}/api/v1/farms",
            headers=headers,
            json={
                "name": "Vườn",
                "district": "phu-rieng",
                "commune": "Phú Trung",
                "area_ha": 3,
                "geometry": {"type": "Point", "coordinates": [106.93, 11.72]},
            },
        ).json()
        indices = set()
        with httpx.Client(base_url=server, headers=headers) as http:
            for day in range(1, 21):
                response = http.post(
                    "/api/v1/harvests",
                    json={
                        "farm_id": farm["id"],
                        "harvested_on": f"2026-03-{day:02d}",
                        "quantity_kg": 150,
                        "moisture_pct": 9,
                    },
                )
                assert response.status_code == 201
                indices.add(response.json()["ledger"]["index"])
        size = int(httpx.get(f"{server}/ledger/checkpoint").text.split("\n")[1])
        assert len(indices) == 20 and max(indices) == size - 1
