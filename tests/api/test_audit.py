"""The integrity audit (SPEC §8.3): tampering with the database behind the application's back,
by direct SQL on SQLite and PostgreSQL, is reported by ledger index, record type and id."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import ROOT
from tests.factories import deliver, farm_lot, make_party, ok


@pytest.fixture
def story(client: TestClient) -> dict[str, Any]:
    farmer, processor = make_party(client), make_party(client, role="processor")
    lot_id = farm_lot(client, farmer, 1500)
    harvest = client.get(f"/api/v1/lots/{lot_id}", headers=farmer["headers"]).json()["created_by"]["id"]
    deliver(client, farmer, processor, lot_id, 1000)
    travelling = ok(
        client.post(
            f"/api/v1/lots/{lot_id}/dispatch",
            json={"to_party_id": processor["id"], "quantity_kg": 500},
            headers=farmer["headers"],
        )
    )
    return {
        "regulator": make_party(client, role="regulator"),
        "farmer": farmer,
        "processor": processor,
        "harvest": harvest,
        "transfer": travelling["id"],
    }


def audit(client: TestClient, story: dict[str, Any]) -> dict[str, Any]:
    return ok(client.post("/api/v1/oversight/audits", headers=story["regulator"]["headers"]), 200)


def index_of(engine: Engine, record_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT idx FROM ledger_entry WHERE record_id = :r"), {"r": record_id}).scalar_one()
        )


def tamper(engine: Engine, sql: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


class TestAudit:
    def test_a_clean_database_reports_nothing(self, client: TestClient, story: dict[str, Any]) -> None:
        report = audit(client, story)
        assert report["problems"] == [] and report["clean"] is True
        assert report["entries"] == report["records"] > 5 and report["checkpoints"] >= 1

    def test_an_updated_harvest(self, client: TestClient, engine: Engine, story: dict[str, Any]) -> None:
        tamper(engine, "UPDATE harvest SET quantity_g = quantity_g + 500000 WHERE id = :h", h=story["harvest"])
        (problem,) = audit(client, story)["problems"]
        assert (problem["ledger_index"], problem["record_type"], problem["record_id"]) == (
            index_of(engine, story["harvest"]),
            "harvest",
            story["harvest"],
        )
        assert "changed" in problem["problem"]

    def test_a_deleted_transfer(self, client: TestClient, engine: Engine, story: dict[str, Any]) -> None:
        tamper(engine, "DELETE FROM transfer WHERE id = :t", t=story["transfer"])
        (problem,) = audit(client, story)["problems"]
        assert (problem["ledger_index"], problem["record_type"], problem["record_id"]) == (
            index_of(engine, story["transfer"]),
            "dispatch",
            story["transfer"],
        )
        assert "missing" in problem["problem"]

    def test_a_record_inserted_without_an_entry(
        self, client: TestClient, engine: Engine, story: dict[str, Any]
    ) -> None:
        tamper(
            engine,
            "INSERT INTO farm_input (id, farm_id, farmer_id, category, product, applied_on) "
            "SELECT 'FI-FORGED', farm_id, farmer_id, 'fertilizer', 'urea', harvested_on FROM harvest WHERE id = :h",
            h=story["harvest"],
        )
        (problem,) = audit(client, story)["problems"]
        assert (problem["record_type"], problem["record_id"]) == ("farm_input", "FI-FORGED")

    def test_an_overwritten_tile_hash(self, client: TestClient, engine: Engine, story: dict[str, Any]) -> None:
        tamper(engine, "UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = 2", h=b"\0" * 32)
        problems = audit(client, story)["problems"]
        assert problems[0]["ledger_index"] == 2 and problems[0]["record_type"] == "ledger_node"
        assert problems[0]["record_id"] == "0/2"

    def test_a_deleted_checkpoint(self, client: TestClient, engine: Engine, story: dict[str, Any]) -> None:
        tamper(engine, "DELETE FROM ledger_checkpoint WHERE size = (SELECT max(size) FROM ledger_checkpoint)")
        (problem,) = audit(client, story)["problems"]
        assert problem["record_type"] == "checkpoint" and "no stored checkpoint" in problem["problem"]

    def test_only_regulators_audit(self, client: TestClient, story: dict[str, Any]) -> None:
        for party in (story["farmer"], story["processor"], make_party(client, role="trader")):
            response = client.post("/api/v1/oversight/audits", headers=party["headers"])
            assert response.status_code == 403 and response.json()["error"] == "forbidden"
        assert client.post("/api/v1/oversight/audits").status_code == 401


class TestAuditCommand:
    def test_cashew_audit_exit_codes(
        self, client: TestClient, engine: Engine, story: dict[str, Any], settings: Any
    ) -> None:
        env = {
            **os.environ,
            "CASHEW_DATABASE_URL": settings.database_url,
            "CASHEW_LOG_KEY_FILE": str(settings.log_key_file),
            "CASHEW_LOG_ORIGIN": settings.log_origin,
        }
        cashew = str(Path(sys.executable).parent / "cashew")
        clean = subprocess.run([cashew, "audit"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert clean.returncode == 0 and clean.stdout.startswith("CLEAN"), clean.stdout + clean.stderr
        tamper(engine, "UPDATE harvest SET moisture_pct = '5' WHERE id = :h", h=story["harvest"])
        found = subprocess.run([cashew, "audit"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert found.returncode == 1 and f"harvest {story['harvest']}" in found.stdout
        alerts = client.get("/api/v1/oversight/alerts?kind=ledger_integrity", headers=story["regulator"]["headers"])
        assert [a["subject_id"] for a in alerts.json()["items"]] == [story["harvest"]]  # raised by the command too
        bad = subprocess.run([cashew, "audit", "--vkey", "nonsense"], env=env, cwd=ROOT, capture_output=True, text=True)
        assert bad.returncode == 2
