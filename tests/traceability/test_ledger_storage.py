"""The ledger's SQL storage (``SqlLog``): full tiles one row each, the right edge apart.

Whatever the appends' shapes, the stored log answers every root, node, proof and tile
exactly as the in-memory reference does, and holds one row per full tile and only the
right edge as single nodes."""

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, text

from ledger import MemoryStore, Signer, consistency_proof, inclusion_proof, leaf_hash, read_tile, tile_width
from ledger.tiles import INTERIOR_SIZE, TILE_SIZE, TILE_WIDTH, node_tile
from traceability.anchoring import LedgerCorrupted, SqlLog
from traceability.db import unit_of_work

LEVEL_1 = TILE_WIDTH * TILE_WIDTH  # leaves under one full level-1 tile


def data(start: int, end: int) -> list[bytes]:
    return [b"leaf %d" % i for i in range(start, end)]


def append_in(engine: Engine, batches: list[int]) -> int:
    """Append consecutive leaves in transactions of the given sizes; return the size."""
    size = 0
    for count in batches:
        with unit_of_work(engine) as session:
            indices = SqlLog(session.connection()).append(data(size, size + count), [("t", f"R{size}")] * count)
        assert indices == list(range(size, size + count))
        size += count
    return size


def reference(size: int) -> MemoryStore:
    store = MemoryStore()
    store.append(data(0, size))
    return store


def complete_nodes(size: int) -> Iterator[tuple[int, int]]:
    for level in range(size.bit_length()):
        yield from ((level, i) for i in range(size >> level))


def rows(conn: Connection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(text(sql))]


def dump(engine: Engine) -> tuple[list[tuple[object, ...]], ...]:
    with engine.connect() as conn:
        return (
            rows(conn, "SELECT level, idx, hashes, interior FROM ledger_tile ORDER BY level, idx"),
            rows(conn, "SELECT level, idx, hash FROM ledger_edge ORDER BY level, idx"),
            rows(conn, "SELECT size, frontier FROM ledger_head"),
        )


class TestEveryNode:
    @pytest.mark.parametrize(
        "batches",
        [[1] * 300, [700], [255, 1, 1, 256, 187], [3, 250, 5, 256, 256, 100]],
        ids=["single", "one", "around-a-tile", "mixed"],
    )
    def test_every_complete_node_is_the_reference_one(self, engine: Engine, batches: list[int]) -> None:
        size = append_in(engine, batches)
        store = reference(size)
        ids = list(complete_nodes(size))
        with engine.connect() as conn:
            assert SqlLog(conn).get_nodes(ids) == store.get_nodes(ids)

    def test_roots_and_proofs_at_every_size(self, engine: Engine) -> None:
        size = append_in(engine, [1, 2, 300, 77, 1, 400])
        store = reference(size)
        rng = random.Random(9162)
        with engine.connect() as conn:
            log = SqlLog(conn)
            for n in range(1, size + 1):
                assert log.root(n) == store.root(n), n
                index, first = rng.randrange(n), rng.randrange(1, n + 1)
                assert inclusion_proof(log, index, n) == store.inclusion_proof(index, n)
                assert consistency_proof(log, first, n) == store.consistency_proof(first, n)


class TestLayout:
    def test_the_rows_do_not_depend_on_how_the_leaves_were_appended(self, engine: Engine) -> None:
        size = append_in(engine, [700])
        bulk = dump(engine)
        with engine.begin() as conn:
            for table in ("ledger_entry", "ledger_tile", "ledger_edge"):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("UPDATE ledger_head SET size = 0, frontier = :f"), {"f": b""})
        assert append_in(engine, [1] * 260 + [3, 250, 187]) == size
        assert dump(engine) == bulk

    def test_one_row_per_full_tile_and_only_the_right_edge_as_nodes(self, engine: Engine) -> None:
        size = append_in(engine, [40_000, LEVEL_1 + 1_000 - 40_000, 1, 1, 5])  # 66,543 leaves
        with engine.connect() as conn:
            tiles = rows(
                conn, "SELECT level, idx, length(hashes), length(interior) FROM ledger_tile ORDER BY level, idx"
            )
            edge = {(lv, ix) for lv, ix in conn.execute(text("SELECT level, idx FROM ledger_edge"))}
        full = [(0, n) for n in range(size // TILE_WIDTH)] + [(1, 0)]
        assert [(lv, ix) for lv, ix, _, _ in tiles] == full
        assert {(b, i) for _, _, b, i in tiles} == {(TILE_SIZE, INTERIOR_SIZE)}
        in_full_tile = set(full)
        assert edge == {node for node in complete_nodes(size) if node_tile(*node) not in in_full_tile}
        assert len(edge) < 2 * TILE_WIDTH * 3  # at most 510 per tile level, whatever the size

    def test_a_level_one_tile_and_its_nodes(self, engine: Engine) -> None:
        size = append_in(engine, [LEVEL_1 - 3, 2, 1, 10])
        store = reference(size)
        rng = random.Random(1)
        ids = [(level, rng.randrange(size >> level)) for level in range(size.bit_length()) for _ in range(20)]
        with engine.connect() as conn:
            log = SqlLog(conn)
            assert log.get_nodes(ids) == store.get_nodes(ids)
            assert log.root() == store.root()
            assert b"".join(log.nodes_at(8, 0, 256)) == read_tile(store, 1, 0, 256)


class TestTiles:
    def test_tile_ranges_equal_the_reference_tiles(self, engine: Engine) -> None:
        size = append_in(engine, [520, 3])
        store = reference(size)
        with engine.connect() as conn:
            log = SqlLog(conn)
            for level, index in [(0, 0), (0, 1), (0, 2), (1, 0)]:
                width = tile_width(level, index, size)
                for w in {1, width // 2 or 1, width}:
                    hashes = log.nodes_at(8 * level, index * TILE_WIDTH, index * TILE_WIDTH + w)
                    assert b"".join(hashes) == read_tile(store, level, index, w), (level, index, w)
            # a range across a full tile and the partial one, and one at a level inside the tiles
            assert log.nodes_at(0, 500, 523) == [leaf_hash(d) for d in data(500, 523)]
            assert log.nodes_at(3, 60, 65) == store.get_nodes([(3, i) for i in range(60, 65)])


class TestDamage:
    def test_a_deleted_tile_is_reported_not_guessed(self, engine: Engine) -> None:
        append_in(engine, [600])
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_tile WHERE level = 0 AND idx = 1"))
        with engine.connect() as conn:
            log = SqlLog(conn)
            assert log.stored_nodes([(0, 300), (0, 10), (3, 40)]) == [None, *log.get_nodes([(0, 10)]), None]
            with pytest.raises(LedgerCorrupted, match="missing"):
                log.get_nodes([(2, 70)])
            with pytest.raises(LedgerCorrupted, match="missing"):
                inclusion_proof(log, 300, 600)

    def test_no_checkpoint_over_a_rewritten_edge(self, engine: Engine) -> None:
        append_in(engine, [300])
        with engine.begin() as conn:
            conn.execute(text("UPDATE ledger_edge SET hash = :h WHERE level = 5"), {"h": bytes(32)})
        with unit_of_work(engine) as session, pytest.raises(LedgerCorrupted, match="head says"):
            SqlLog(session.connection()).sign(Signer.from_seed("test.example/log", bytes(32)), datetime.now(UTC))
