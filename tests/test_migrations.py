"""The migrations build exactly the tables the models describe, on each database."""

import random
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text

from ledger import (
    MemoryStore,
    Verifier,
    append_leaf,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    read_tile,
    tile_width,
)
from tests.factories import farm_lot, import_lot, make_party, ok
from traceability.anchoring import SqlLog, load_or_create_signer
from traceability.anchoring.service import ensure_checkpoint
from traceability.audit import run_audit
from traceability.db import make_engine, open_session, unit_of_work
from traceability.migrate import alembic_config, upgrade
from traceability.models import metadata
from traceability.settings import Settings


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


LEVEL_1 = 256 * 256  # leaves under one full level-1 tile


def leaves(start: int, end: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(start, end)]


def old_log(url: str, size: int) -> set[tuple[int, int, bytes]]:
    """A database at revision 0006 holding ``size`` entries in the old layout (a row per complete
    node, as 0006's code wrote them); returns those node rows."""
    upgrade(url, revision="0006")
    frontier: list[bytes] = []
    nodes: list[tuple[int, int, bytes]] = []
    for i, data in enumerate(leaves(0, size)):
        frontier, created = append_leaf(frontier, i, leaf_hash(data))
        nodes.extend((level, idx, h) for (level, idx), h in created)
    engine = make_engine(url)
    with engine.begin() as conn:
        entries = [(i, "t", f"R{i}", data) for i, data in enumerate(leaves(0, size))]
        conn.exec_driver_sql("INSERT INTO ledger_entry (idx, type, record_id, leaf_data) VALUES (?, ?, ?, ?)", entries)
        conn.exec_driver_sql("INSERT INTO ledger_node (level, idx, hash) VALUES (?, ?, ?)", nodes)
        conn.exec_driver_sql("UPDATE ledger_head SET size = ?, frontier = ?", (size, b"".join(frontier)))
    engine.dispose()
    return set(nodes)


def table(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


TILES = "SELECT level, idx, hashes, interior FROM ledger_tile ORDER BY level, idx"
EDGE = "SELECT level, idx, hash FROM ledger_edge ORDER BY level, idx"


class TestLedgerTilesMigration:
    """0007 turns the node rows into tiles and the right edge, and back."""

    @pytest.mark.parametrize("size", [700, LEVEL_1 + 300])
    def test_roots_proofs_and_tiles_are_unchanged(self, tmp_path: Path, size: int) -> None:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        old_log(url, size)
        upgrade(url)
        reference = MemoryStore()
        reference.append(leaves(0, size))
        rng = random.Random(size)
        sizes = range(1, size + 1) if size < 1000 else [rng.randrange(1, size + 1) for _ in range(200)]
        engine = make_engine(url)
        with engine.connect() as conn:
            log = SqlLog(conn)
            assert log.size() == size and log.root() == reference.root()
            for n in sizes:
                index, first = rng.randrange(n), rng.randrange(1, n + 1)
                assert log.root(n) == reference.root(n)
                assert inclusion_proof(log, index, n) == reference.inclusion_proof(index, n)
                assert consistency_proof(log, first, n) == reference.consistency_proof(first, n)
            for level in range(3):
                for index in range(-(-(size >> (8 * level)) // 256)):
                    width = tile_width(level, index, size)
                    body = b"".join(log.nodes_at(8 * level, index * 256, index * 256 + width))
                    assert body == read_tile(reference, level, index, width)
        # exactly the rows the new code writes for the same leaves
        fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        upgrade(str(fresh.url), fresh)
        with unit_of_work(fresh) as session:
            SqlLog(session.connection()).append(leaves(0, size))
        assert table(engine, TILES) == table(fresh, TILES) and table(engine, EDGE) == table(fresh, EDGE)
        engine.dispose()
        fresh.dispose()

    @pytest.mark.parametrize("size", [700, LEVEL_1 + 300])
    def test_downgrade_gives_back_the_node_rows(self, tmp_path: Path, size: int) -> None:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        nodes = old_log(url, size)
        upgrade(url)
        command.downgrade(alembic_config(url), "0006")
        engine = make_engine(url)
        assert set(table(engine, "SELECT level, idx, hash FROM ledger_node")) == nodes
        engine.dispose()
        upgrade(url)  # and up again: the log goes on growing
        engine = make_engine(url)
        with unit_of_work(engine) as session:
            SqlLog(session.connection()).append(leaves(size, size + 300))
        reference = MemoryStore()
        reference.append(leaves(0, size + 300))
        with engine.connect() as conn:
            assert SqlLog(conn).root() == reference.root()
            assert inclusion_proof(SqlLog(conn), 123, size + 300) == reference.inclusion_proof(123)
        engine.dispose()

    def test_a_damaged_log_is_not_migrated(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        old_log(url, 300)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_node WHERE level = 0 AND idx = 17"))
        engine.dispose()
        with pytest.raises(RuntimeError, match=r"lacks node \(0, 17\)"):
            upgrade(url)


class TestListIndexesMigration:
    """0010 keeps each offer's seller beside its buyer, filled in from the listings, and goes back."""

    def test_offers_take_their_listings_seller_down_and_up(
        self, client: TestClient, engine: Engine, database_url: str
    ) -> None:
        seller, buyer = make_party(client, role="processor"), make_party(client, role="trader")
        body = {"lot_id": import_lot(client, seller, 1000), "quantity_kg": 500, "price": "1.45", "currency": "USD"}
        body |= {"unit": "lb", "incoterm": "FOB", "port": "VNSGN"}
        listing = ok(client.post("/api/v1/listings", json=body, headers=seller["headers"]))
        offer = {"quantity_kg": 100, "price": "1.40"}
        made = ok(client.post(f"/api/v1/listings/{listing['id']}/offers", json=offer, headers=buyer["headers"]))
        # An accepted offer: its contract refers to it, so rebuilding the offer table must keep it whole.
        ok(client.post(f"/api/v1/offers/{made['id']}/accept", headers=seller["headers"]), 200)
        command.downgrade(alembic_config(database_url, engine), "0009")
        with engine.connect() as conn:
            assert "seller_id" not in {c["name"] for c in inspect(conn).get_columns("offer")}
            assert "ix_lot_status" in {i["name"] for i in inspect(conn).get_indexes("lot")}
        upgrade(database_url, engine)
        assert table(engine, "SELECT buyer_id, seller_id FROM offer") == [(buyer["id"], seller["id"])]
        test_migrated_schema_matches_the_models(engine)
        assert (
            ok(client.get("/api/v1/offers?side=seller", headers=seller["headers"]), 200)["items"][0]["buyer_id"]
            == (buyer["id"])
        )


class TestCheckpointLinksMigration:
    """0012 adds the checkpoints' links; the checkpoints stored before it are linked when the server starts."""

    def test_a_database_from_before_links_is_linked_and_audits_clean(
        self, client: TestClient, engine: Engine, database_url: str, settings: Settings
    ) -> None:
        farmer = make_party(client)
        for kg in (100, 200, 300):
            farm_lot(client, farmer, kg)
        signed = checkpoint_links(engine)
        assert len(signed) >= 4 and None not in signed.values()
        command.downgrade(alembic_config(database_url, engine), "0011")
        with engine.connect() as conn:
            assert "link" not in {c["name"] for c in inspect(conn).get_columns("ledger_checkpoint")}
        upgrade(database_url, engine)
        assert checkpoint_links(engine) == dict.fromkeys(signed)
        signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
        (unlinked,) = audit_problems(engine, signer.verifier())  # reported until the server has started
        assert "start the server once" in unlinked
        ensure_checkpoint(engine, signer)
        assert checkpoint_links(engine) == signed
        assert audit_problems(engine, signer.verifier()) == []


def checkpoint_links(engine: Engine) -> dict[int, bytes | None]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT size, link FROM ledger_checkpoint ORDER BY size"))
        return {int(size): None if link is None else bytes(link) for size, link in rows}


def audit_problems(engine: Engine, verifier: Verifier) -> list[str]:
    with open_session(engine) as session:
        return [p.problem for p in run_audit(session, verifier=verifier).problems]
