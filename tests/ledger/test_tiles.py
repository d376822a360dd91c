"""C2SP tlog-tiles paths, coordinates and widths."""

from __future__ import annotations

import pytest

from ledger import (
    MemoryStore,
    encode_tile_index,
    leaf_hash,
    parse_tile_path,
    read_tile,
    tile_node_ids,
    tile_nodes,
    tile_path,
    tile_width,
)
from ledger.tiles import (
    INTERIOR_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileBuilder,
    node_tile,
    tile_interior,
    tile_levels,
    tile_node,
)
from ledger.tree import frontier_root


class TestIndexEncoding:
    @pytest.mark.parametrize(
        "n, encoded",
        [
            (0, "000"),
            (5, "005"),
            (67, "067"),
            (999, "999"),
            (1000, "x001/000"),
            (1234067, "x001/x234/067"),  # the spec's example
            (10**9, "x001/x000/x000/000"),
        ],
    )
    def test_examples(self, n: int, encoded: str) -> None:
        assert encode_tile_index(n) == encoded
        assert parse_tile_path("0", encoded) == (0, n, None)

    def test_round_trip(self) -> None:
        for n in [*range(0, 2100, 7), 999_999, 1_000_000, 2**40 + 3]:
            for width in (None, 1, 255):
                path = encode_tile_index(n) + ("" if width is None else f".p/{width}")
                assert parse_tile_path("3", path) == (3, n, width)

    def test_negative_rejected(self) -> None:
        with pytest.raises(ValueError):
            encode_tile_index(-1)

    def test_tile_path(self) -> None:
        assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
        assert tile_path(1, 0, 17) == "tile/1/000.p/17"
        assert tile_path(2, 1000, 256) == "tile/2/x001/000"


class TestParseRejects:
    @pytest.mark.parametrize(
        "index_path",
        [
            "",
            "1234",
            "12",
            "0a1",
            "x001",
            "001/234",
            "x01/234",
            "x0001/234",
            "x001/x234/67",
            "x001/x234/0678",
            "x000/123",  # not canonical: 123 is "123"
            "y001/234",
            "x001//234",
            "067.p",
            "067.p/",
            "067.p/0",
            "067.p/256",
            "067.p/012",
            "067.p/+5",
            "067.p/5/1",
            "067.q/5",
            "\uff10\uff16\uff17",  # fullwidth digits
        ],
    )
    def test_malformed_index(self, index_path: str) -> None:
        with pytest.raises(ValueError):
            parse_tile_path("0", index_path)

    @pytest.mark.parametrize("level", ["", "01", "64", "-1", "a", "entries", " 1", "\uff11"])
    def test_malformed_level(self, level: str) -> None:
        with pytest.raises(ValueError):
            parse_tile_path(level, "000")

    def test_highest_level_accepted(self) -> None:
        assert parse_tile_path("63", "000.p/1") == (63, 0, 1)


class TestTileCoordinates:
    def test_tile_nodes(self) -> None:
        assert tile_nodes(0, 0, 256) == (0, 0, 256)
        assert tile_nodes(1, 2, 256) == (8, 512, 768)
        assert tile_nodes(2, 3, 5) == (16, 768, 773)

    @pytest.mark.parametrize("args", [(-1, 0, 1), (64, 0, 1), (0, -1, 1), (0, 0, 0), (0, 0, 257)])
    def test_tile_nodes_rejects(self, args: tuple[int, int, int]) -> None:
        with pytest.raises(ValueError):
            tile_nodes(*args)

    def test_spec_example_size_70000(self) -> None:
        """273 full level-0 tiles, one of width 112; level 1: one full, one of 17; level 2: 1."""
        size = 70_000
        assert all(tile_width(0, n, size) == TILE_WIDTH for n in range(273))
        assert [tile_width(0, n, size) for n in (273, 274)] == [112, 0]
        assert [tile_width(1, n, size) for n in (0, 1, 2)] == [256, 17, 0]
        assert [tile_width(2, n, size) for n in (0, 1)] == [1, 0]
        assert tile_width(3, 0, size) == 0

    def test_small_sizes(self) -> None:
        assert tile_width(0, 0, 0) == 0
        assert tile_width(0, 0, 1) == 1
        assert [tile_width(0, 0, 256), tile_width(1, 0, 256)] == [256, 1]
        assert [tile_width(0, 1, 257), tile_width(0, 0, 257)] == [1, 256]

    def test_level_one_hashes_are_roots_of_full_level_zero_tiles(self) -> None:
        store = MemoryStore()
        store.append([i.to_bytes(4, "big") for i in range(3 * TILE_WIDTH + 5)])
        level, start, end = tile_nodes(1, 0, tile_width(1, 0, store.size()))
        assert (level, start, end) == (TILE_HEIGHT, 0, 3)
        for n in range(start, end):
            first, last = n * TILE_WIDTH, (n + 1) * TILE_WIDTH
            subtree = MemoryStore()
            subtree.append([store.leaf_data(i) for i in range(first, last)])
            assert store.get_nodes([(level, n)]) == [subtree.root()]

    def test_tile_bodies_are_concatenated_hashes(self) -> None:
        store = MemoryStore()
        store.append([i.to_bytes(4, "big") for i in range(TILE_WIDTH + 3)])
        assert tile_node_ids(0, 1, 3) == [(0, 256), (0, 257), (0, 258)]
        partial = read_tile(store, 0, 1, tile_width(0, 1, store.size()))
        assert partial == b"".join(leaf_hash(store.leaf_data(i)) for i in range(256, 259))
        full = read_tile(store, 0, 0, tile_width(0, 0, store.size()))
        assert len(full) == 32 * TILE_WIDTH
        assert read_tile(store, 1, 0, tile_width(1, 0, store.size())) == store.root(TILE_WIDTH)


def full_tiles(count: int) -> MemoryStore:
    store = MemoryStore()
    store.append([i.to_bytes(4, "big") for i in range(count * TILE_WIDTH)])
    return store


class TestNodesFromATile:
    def test_every_node_inside_a_tile(self) -> None:
        store = full_tiles(3)
        for n in range(3):
            body = read_tile(store, 0, n, TILE_WIDTH)
            interior = tile_interior(body)
            assert len(interior) == INTERIOR_SIZE == 30 * 32
            for level in range(TILE_HEIGHT):
                for index in range((n * TILE_WIDTH) >> level, ((n + 1) * TILE_WIDTH) >> level):
                    assert node_tile(level, index) == (0, n)
                    assert tile_node(body, interior, level, index) == store.get_nodes([(level, index)])[0]
            assert tile_levels(body)[TILE_HEIGHT] == store.get_nodes([(TILE_HEIGHT, n)])

    def test_node_tile_above_level_zero(self) -> None:
        assert node_tile(8, 255) == (1, 0) and node_tile(8, 256) == (1, 1)
        assert (
            node_tile(15, 1) == (1, 0)
            and node_tile(15, 2) == (1, 1)
            and node_tile(16, 3) == (2, 0)
            and node_tile(23, 0) == (2, 0)
        )

    def test_a_damaged_tile_is_refused(self) -> None:
        body = read_tile(full_tiles(1), 0, 0, TILE_WIDTH)
        with pytest.raises(ValueError):
            tile_node(body[:-1], tile_interior(body), 1, 0)
        with pytest.raises(ValueError):
            tile_interior(body + b"x")


class TestTileBuilder:
    @pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 3 * TILE_WIDTH + 77, TILE_WIDTH * TILE_WIDTH + 3])
    def test_tiles_edge_and_frontier_of_a_streamed_log(self, size: int) -> None:
        store = MemoryStore()
        store.append([b"%d" % i for i in range(size)])
        builder, filled = TileBuilder(), []
        for i in range(size):
            filled.extend(builder.add(leaf_hash(store.leaf_data(i))))
        full = [(level, n) for level in range(3) for n in range((size >> (8 * level)) // TILE_WIDTH)]
        assert sorted((level, n) for level, n, _, _ in filled) == full
        for level, n, body, interior in filled:
            assert body == read_tile(store, level, n, TILE_WIDTH) and interior == tile_interior(body)
            assert builder.full_tiles(level) > n
        edge = builder.edge()
        complete = {(lv, i) for lv in range(size.bit_length()) for i in range(size >> lv)}
        assert set(edge) == {node for node in complete if node_tile(*node) not in set(full)}
        assert all(store.get_nodes([node]) == [h] for node, h in edge.items())
        assert frontier_root(builder.frontier()) == store.root()
