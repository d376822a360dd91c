"""`cashew import harvests` against a real server in a subprocess: refusals, re-runs, usage errors."""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from cli.importer import harvest_body, idempotency_key, post_harvest, run_import
from tests.live import free_port, live_server
from traceability.db import make_engine
from traceability.production.models import Harvest

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "import-test-admin-token"
SCRIPT = Path(sys.executable).with_name("cashew")
# The installed console script when there is one; the same entry point through -c otherwise.
CASHEW = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-c", "import sys; from cli.main import main; main()"]
HEADER = "farm_id,harvested_on,quantity_kg,moisture_pct,notes\n"


@dataclass
class Server:
    url: str
    env: dict[str, str]
    db_url: str

    def ledger_size(self) -> int:
        return int(httpx.get(f"{self.url}/ledger/checkpoint").text.split("\n")[1])

    def harvests_g(self) -> list[int]:
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return sorted(conn.execute(select(col(Harvest.quantity_g))).scalars())
        finally:
            engine.dispose()


def cashew(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CASHEW, *args], check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHEW_")} | {
        "CASHEW_DATABASE_URL": db_url,
        "CASHEW_LOG_KEY_FILE": str(tmp_path / "log.key"),
        "CASHEW_ADMIN_TOKEN": ADMIN_TOKEN,
        "PYTHONPATH": str(ROOT),
    }
    upgraded = cashew("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with live_server(args, port=port, env=env, cwd=tmp_path, log=tmp_path / "server.log", timeout=20) as url:
        yield Server(url, env, db_url)


def farmer_with_farm(server: Server) -> tuple[str, str]:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    party = httpx.post(
        f"{server.url}/api/v1/parties",
        headers=admin,
        json={"name": "Nguyễn Thị Hạnh", "role": "farmer", "district": "phu-rieng"},
    )
    assert party.status_code == 201, party.text
    key = party.json()["api_key"]
    farm = httpx.post(
        f"{server.url}/api/v1/farms",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "name": "Vườn điều Long Hà",
            "district": "phu-rieng",
            "commune": "Long Hà",
            "area_ha": 2.5,
            "geometry": {"type": "Point", "coordinates": [106.921, 11.735]},
        },
    )
    assert farm.status_code == 201, farm.text
    return key, farm.json()["id"]


class TestImportHarvests:
    def test_good_rows_are_created_once_and_bad_rows_reported(self, server: Server, tmp_path: Path) -> None:
        key, farm_id = farmer_with_farm(server)
        csv_file = tmp_path / "harvests.csv"
        csv_file.write_text(
            HEADER
            + "\n".join(
                [
                    f"{farm_id},2026-03-02,850.5,9.5,đợt 1",
                    f"{farm_id},2026-03-09,abc,9.0,",
                    f"{farm_id},2026-03-16,1200,10,",
                    f"{farm_id},2026-03-23,300.25,45,ướt",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        size_before = server.ledger_size()
        args = ("import", "harvests", str(csv_file), "--api", server.url, "--token", key)

        first = cashew(*args, env=server.env, cwd=tmp_path)
        assert first.returncode == 1, first.stdout + first.stderr
        assert "created: 2, replayed (already recorded): 0, refused: 2" in first.stdout
        assert "refused row 3: invalid_row: quantity_kg 'abc' is not a number" in first.stdout
        assert "refused row 5: moisture_out_of_range" in first.stdout
        assert server.harvests_g() == [850_500, 1_200_000]
        assert server.ledger_size() == size_before + 2

        again = cashew(*args, env=server.env, cwd=tmp_path)
        assert again.returncode == 1, again.stdout + again.stderr
        assert "created: 0, replayed (already recorded): 2, refused: 2" in again.stdout
        assert "refused row 3" in again.stdout and "refused row 5" in again.stdout
        assert server.harvests_g() == [850_500, 1_200_000]
        assert server.ledger_size() == size_before + 2

    def test_all_good_rows_exit_zero(self, server: Server, tmp_path: Path) -> None:
        key, farm_id = farmer_with_farm(server)
        csv_file = tmp_path / "ok.csv"
        csv_file.write_text(HEADER + f"{farm_id},2026-04-01,640.125,8.5,\n", encoding="utf-8")
        assert run_import(csv_file, api=server.url + "/", token=key) == 0
        assert server.harvests_g() == [640_125]

    def test_unknown_token_is_a_usage_error(self, server: Server, tmp_path: Path) -> None:
        csv_file = tmp_path / "ok.csv"
        csv_file.write_text(HEADER + "F-NOPE,2026-04-01,640,8.5,\n", encoding="utf-8")
        assert run_import(csv_file, api=server.url, token="ck_not_a_key") == 2


class TestUsageErrors:
    def test_missing_column_exits_2_before_calling_the_api(self, tmp_path: Path) -> None:
        csv_file = tmp_path / "bad.csv"
        csv_file.write_text("farm_id,harvested_on,moisture_pct\nF-1,2026-03-02,9\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASHEW_")} | {"PYTHONPATH": str(ROOT)}
        result = cashew(
            "import",
            "harvests",
            str(csv_file),
            "--api",
            f"http://127.0.0.1:{free_port()}",
            "--token",
            "ck_x",
            env=env,
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "missing column(s) quantity_kg" in result.stderr

    def test_unreachable_api_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        csv_file = tmp_path / "ok.csv"
        csv_file.write_text(HEADER + "F-1,2026-03-02,850,9,\n", encoding="utf-8")
        assert run_import(csv_file, api=f"http://127.0.0.1:{free_port()}", token="ck_x", backoff=0) == 2
        assert "unreachable after 5 tries" in capsys.readouterr().err

    def test_file_that_is_not_utf8_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        csv_file = tmp_path / "latin1.csv"
        csv_file.write_bytes(HEADER.encode() + "F-1,2026-03-02,850,9,Đợt\n".encode("utf-16"))
        assert run_import(csv_file, api="http://127.0.0.1:9", token="ck_x") == 2
        assert "UTF-8" in capsys.readouterr().err


class TestRetries:
    def test_5xx_is_retried_with_the_same_idempotency_key(self) -> None:
        seen: list[str] = []

        def flaky(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers["Idempotency-Key"])
            return httpx.Response(503 if len(seen) < 3 else 201, json={"warnings": []})

        body = {"farm_id": "F-1", "harvested_on": "2026-03-02", "quantity_kg": 850.5, "moisture_pct": 9.5}
        with httpx.Client(base_url="http://api.test", transport=httpx.MockTransport(flaky)) as client:
            assert post_harvest(client, body, backoff=0).status_code == 201
        assert len(seen) == 3 and len(set(seen)) == 1 and seen[0] == idempotency_key(body)
        assert seen[0].startswith("csv-")

    def test_a_server_that_keeps_failing_gets_five_tries(self) -> None:
        calls: list[int] = []

        def down(request: httpx.Request) -> httpx.Response:
            calls.append(1)
            return httpx.Response(502, json={"error": "bad_gateway", "detail": "upstream down"})

        with httpx.Client(base_url="http://api.test", transport=httpx.MockTransport(down)) as client:
            assert post_harvest(client, {"farm_id": "F-1"}, backoff=0).status_code == 502
        assert len(calls) == 5

    def test_same_content_gives_the_same_key(self) -> None:
        row = {"farm_id": " F-1 ", "harvested_on": "2026-03-02", "quantity_kg": "1200.50", "moisture_pct": "9"}
        same = {"farm_id": "F-1", "harvested_on": "2026-03-02", "quantity_kg": "1200.5", "moisture_pct": "9.0"}
        other = same | {"quantity_kg": "1200.6"}
        assert idempotency_key(harvest_body(row)) == idempotency_key(harvest_body(same))
        assert idempotency_key(harvest_body(same)) != idempotency_key(harvest_body(other))
