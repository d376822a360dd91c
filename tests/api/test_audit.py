"""The integrity audit (SPEC §8.3): tampering with the database behind the application's back,
by direct SQL on SQLite and PostgreSQL, is reported by ledger index, record type and id."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ledger.checkpoint import Checkpoint, InvalidNote, Signer, verify_link
from tests.conftest import ROOT
from tests.factories import deliver, farm_lot, make_party, ok
from traceability.anchoring import SqlLog, load_or_create_signer
from traceability.anchoring.links import link_legacy_checkpoints
from traceability.anchoring.service import ensure_checkpoint
from traceability.db import unit_of_work
from traceability.settings import Settings


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

    def test_an_overwritten_hash_of_the_partial_tile(
        self, client: TestClient, engine: Engine, story: dict[str, Any]
    ) -> None:
        tamper(engine, "UPDATE ledger_edge SET hash = :h WHERE level = 0 AND idx = 2", h=b"\0" * 32)
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


FILLER = 300  # entries with no record of their own, so that the log has a full tile


@pytest.fixture
def filled(story: dict[str, Any], engine: Engine, settings: Settings) -> dict[str, Any]:
    """The story's log grown past one full level-0 tile, with a checkpoint covering it."""
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    with unit_of_work(engine) as session:
        log = SqlLog(session.connection())
        log.append([b"filler %d" % i for i in range(FILLER)])
        log.sign(signer, datetime.now(UTC))
    return story


def rewrite_tile(engine: Engine, column: str, at: int) -> None:
    """Zero the 32 bytes at hash position ``at`` of tile 0/000's ``column``."""
    with engine.begin() as conn:
        body = bytearray(
            conn.execute(text(f"SELECT {column} FROM ledger_tile WHERE level = 0 AND idx = 0")).scalar_one()
        )
        body[at * 32 : (at + 1) * 32] = bytes(32)
        conn.execute(text(f"UPDATE ledger_tile SET {column} = :b WHERE level = 0 AND idx = 0"), {"b": bytes(body)})


class TestAuditOfTiles:
    def test_a_full_log_is_clean(self, client: TestClient, filled: dict[str, Any]) -> None:
        report = audit(client, filled)
        assert report["problems"] == [] and report["entries"] == report["records"] + FILLER

    def test_a_rewritten_hash_of_a_full_tile(self, client: TestClient, engine: Engine, filled: dict[str, Any]) -> None:
        rewrite_tile(engine, "hashes", 5)
        first, *rest = audit(client, filled)["problems"]
        assert (first["ledger_index"], first["record_type"], first["record_id"]) == (5, "ledger_tile", "tile/0/000")
        assert "hash 5 of tile/0/000 " in first["problem"]
        # the checkpoints signed while the tile was partial no longer have their root
        assert rest and {p["record_type"] for p in rest} == {"checkpoint"}

    def test_rewritten_interior_hashes_of_a_full_tile(
        self, client: TestClient, engine: Engine, filled: dict[str, Any]
    ) -> None:
        rewrite_tile(engine, "interior", 29)
        first, *_ = audit(client, filled)["problems"]
        assert (first["record_type"], first["record_id"]) == ("ledger_tile", "tile/0/000")
        assert "interior hashes" in first["problem"]

    def test_a_deleted_tile(self, client: TestClient, engine: Engine, filled: dict[str, Any]) -> None:
        tamper(engine, "DELETE FROM ledger_tile WHERE level = 0 AND idx = 0")
        first, *rest = audit(client, filled)["problems"]
        assert (first["ledger_index"], first["record_type"], first["record_id"]) == (0, "ledger_tile", "tile/0/000")
        assert "missing" in first["problem"]
        assert [p["record_type"] for p in rest] == ["checkpoint"] and "cannot be checked" in rest[0]["problem"]

    def test_a_tile_stored_beyond_the_log(self, client: TestClient, engine: Engine, filled: dict[str, Any]) -> None:
        tamper(
            engine,
            "INSERT INTO ledger_tile (level, idx, hashes, interior) VALUES (0, 7, :h, :i)",
            h=bytes(8192),
            i=bytes(960),
        )
        (problem,) = audit(client, filled)["problems"]
        assert (problem["record_type"], problem["record_id"]) == ("ledger_tile", "tile/0/007")


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


def links(engine: Engine) -> dict[int, bytes | None]:
    """Every stored checkpoint's link, by size."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT size, link FROM ledger_checkpoint ORDER BY size"))
        return {int(size): None if link is None else bytes(link) for size, link in rows}


def null_links(engine: Engine, sizes: list[int]) -> None:
    """Remove the links of the checkpoints at ``sizes``, as a database migrated from before links holds them."""
    with engine.begin() as conn:
        for size in sizes:
            conn.execute(text("UPDATE ledger_checkpoint SET link = NULL WHERE size = :s"), {"s": size})


def signer_of(settings: Settings) -> Signer:
    return load_or_create_signer(settings.log_key_file, settings.log_origin)


class TestCheckpointLinks:
    """Each stored checkpoint is linked to the one stored before it, so removing one is seen."""

    def test_every_checkpoint_is_linked_and_the_log_audits_clean(
        self, client: TestClient, engine: Engine, story: dict[str, Any]
    ) -> None:
        stored = links(engine)
        assert len(stored) > 5 and None not in stored.values()
        assert audit(client, story)["problems"] == []

    def test_a_checkpoint_deleted_from_the_middle(
        self, client: TestClient, engine: Engine, story: dict[str, Any]
    ) -> None:
        sizes = list(links(engine))
        before, removed, after = sizes[2:5]
        tamper(engine, "DELETE FROM ledger_checkpoint WHERE size = :s", s=removed)
        report = audit(client, story)
        (problem,) = report["problems"]  # the neighbours are still consistent: only the link tells
        assert (problem["ledger_index"], problem["record_type"], problem["record_id"]) == (
            after - 1,
            "checkpoint",
            str(after),
        )
        assert problem["problem"].startswith(
            f"checkpoint at size {after} does not follow the one stored before it (size {before}): "
            "a checkpoint between them was removed"
        )
        assert report["checkpoints"] == len(sizes) - 1

    def test_the_first_checkpoint_links_to_none(
        self, client: TestClient, engine: Engine, settings: Settings, story: dict[str, Any]
    ) -> None:
        (first, first_link), (second, second_link) = list(links(engine).items())[:2]
        verifier = signer_of(settings).verifier()
        with engine.connect() as conn:
            log = SqlLog(conn)
            one, two = (Checkpoint(verifier.name, size, log.root(size)) for size in (first, second))
        assert first_link is not None and second_link is not None
        verify_link(first_link, None, one, verifier)
        verify_link(second_link, one, two, verifier)
        with pytest.raises(InvalidNote):  # a link names its predecessor: only the first one's is none
            verify_link(second_link, None, two, verifier)
        tamper(engine, "DELETE FROM ledger_checkpoint WHERE size = :s", s=first)
        (problem,) = audit(client, story)["problems"]
        assert problem["record_id"] == str(second) and "(none: it is the first stored)" in problem["problem"]

    def test_a_rewritten_link(self, client: TestClient, engine: Engine, story: dict[str, Any]) -> None:
        sizes = list(links(engine))
        stored = links(engine)
        # a genuine signature by the log's key, but of another pair of checkpoints
        tamper(engine, "UPDATE ledger_checkpoint SET link = :l WHERE size = :s", l=stored[sizes[4]], s=sizes[3])
        tamper(engine, "UPDATE ledger_checkpoint SET link = :l WHERE size = :s", l=bytes(64), s=sizes[-1])
        problems = audit(client, story)["problems"]
        assert [p["record_id"] for p in problems] == [str(sizes[3]), str(sizes[-1])]
        assert all("does not follow the one stored before it" in p["problem"] for p in problems)

    def test_a_removed_link_is_reported_and_never_signed_again(
        self, client: TestClient, engine: Engine, settings: Settings, story: dict[str, Any]
    ) -> None:
        sizes = list(links(engine))
        null_links(engine, [sizes[3]])
        tamper(engine, "DELETE FROM ledger_checkpoint WHERE size = :s", s=sizes[2])  # hidden by the missing link?
        ensure_checkpoint(engine, signer_of(settings))  # a server start
        assert links(engine)[sizes[3]] is None
        (problem,) = audit(client, story)["problems"]
        assert (problem["ledger_index"], problem["record_id"]) == (sizes[3] - 1, str(sizes[3]))
        assert problem["problem"] == (
            f"checkpoint at size {sizes[3]} is not linked to the checkpoint stored before it: a link was removed "
            "(every checkpoint stored after a linked one is linked when it is stored)"
        )

    def test_a_log_signed_before_links_is_linked_when_the_server_starts(
        self, client: TestClient, engine: Engine, settings: Settings, story: dict[str, Any]
    ) -> None:
        signed = links(engine)
        null_links(engine, list(signed))  # as migration 0012 leaves a database written before it
        (problem,) = audit(client, story)["problems"]  # one finding for the whole unlinked run
        assert (problem["record_type"], problem["record_id"]) == ("checkpoint", str(min(signed)))
        assert problem["problem"].startswith(
            f"the {len(signed)} checkpoints at sizes {min(signed)}–{max(signed)} are not linked"
        )
        assert "start the server once" in problem["problem"]
        latest = ensure_checkpoint(engine, signer_of(settings))
        assert latest.size == max(signed)
        assert links(engine) == signed  # Ed25519 is deterministic: the links it would have signed then
        assert audit(client, story)["problems"] == []

    def test_a_legacy_prefix_is_linked_in_chunks(
        self, client: TestClient, engine: Engine, settings: Settings, story: dict[str, Any]
    ) -> None:
        signed = links(engine)
        prefix = list(signed)[:5]
        null_links(engine, prefix)
        (problem,) = audit(client, story)["problems"]
        assert problem["problem"] == (
            f"the 5 checkpoints at sizes {prefix[0]}–{prefix[-1]} are not linked to the checkpoint stored before "
            "it: stored before links existed; start the server once and it links them"
        )
        assert link_legacy_checkpoints(engine, signer_of(settings), chunk=2) == 5
        assert links(engine) == signed
        assert link_legacy_checkpoints(engine, signer_of(settings), chunk=2) == 0
        assert audit(client, story)["problems"] == []
