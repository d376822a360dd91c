"""MemoryStore, append_leaf and the one-read-per-call contract of ledger.tree."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ledger import (
    EMPTY_ROOT,
    MemoryStore,
    append_leaf,
    append_leaves,
    consistency_plan,
    consistency_proof,
    frontier_root,
    inclusion_plan,
    inclusion_proof,
    leaf_hash,
    root,
    root_plan,
)
from ledger.tree import NodeID

SIZES = [*range(1, 70), 127, 128, 129, 1000, 1023, 1024, 1025, 4097]


class CountingReader:
    """Wraps a store's nodes for a tree of ``size``: counts calls, checks every id is complete."""

    def __init__(self, store: MemoryStore, size: int) -> None:
        self.store, self.size = store, size
        self.calls: list[list[NodeID]] = []

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        for level, index in ids:
            assert level >= 0 and index >= 0
            assert (index + 1) << level <= self.size, f"({level}, {index}) is not complete in {self.size}"
        self.calls.append(list(ids))
        return self.store.get_nodes(ids)


def log_bound(size: int) -> int:
    """At most two ids per tree level: the path, and the pieces of a clipped sibling."""
    return 2 * max(size, 1).bit_length()


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    s = MemoryStore()
    s.append([f"record {i}".encode() for i in range(max(SIZES))])
    return s


def check_one_read(reader: CountingReader, needed: bool) -> None:
    assert len(reader.calls) == (1 if needed else 0)
    if needed:
        ids = reader.calls[0]
        assert len(ids) == len(set(ids)), "ids are deduplicated"
        assert len(ids) <= log_bound(reader.size)


class TestMemoryStore:
    def test_append_assigns_consecutive_indices(self) -> None:
        store = MemoryStore()
        assert store.size() == 0 and store.root() == EMPTY_ROOT
        assert store.append([b"a", b"b", b"c"]) == [0, 1, 2]
        assert store.append([]) == []
        assert store.append([b"d"]) == [3]
        assert store.size() == 4
        assert [store.leaf_data(i) for i in range(4)] == [b"a", b"b", b"c", b"d"]

    def test_root_equals_frontier_root_at_every_size(self) -> None:
        store = MemoryStore()
        for i in range(300):
            store.append([i.to_bytes(2, "big")])
            assert store.root() == store.frontier_root()
            assert store.root(i + 1) == store.root()

    def test_amortised_two_nodes_per_leaf(self) -> None:
        frontier: list[bytes] = []
        total = 0
        for size in range(1, 1025):
            frontier, created = append_leaf(frontier, size - 1, leaf_hash(b"x%d" % size))
            assert created[0][0] == (0, size - 1)
            assert [node[0] for node, _ in created] == list(range(len(created)))
            total += len(created)
            assert total == 2 * size - size.bit_count()
            assert len(frontier) == size.bit_count()

    def test_frontier_root_of_nothing_is_the_empty_root(self) -> None:
        assert frontier_root([]) == EMPTY_ROOT

    def test_out_of_range_arguments_rejected(self, store: MemoryStore) -> None:
        n = store.size()
        with pytest.raises(IndexError):
            store.leaf_data(n)
        for call in (
            lambda: store.root(n + 1),
            lambda: store.root(-1),
            lambda: store.inclusion_proof(0, n + 1),
            lambda: store.inclusion_proof(5, 5),
            lambda: store.inclusion_proof(-1, 5),
            lambda: store.consistency_proof(6, 5),
            lambda: store.consistency_proof(-1, 5),
            lambda: store.consistency_proof(1, n + 1),
        ):
            with pytest.raises(ValueError):
                call()

    def test_append_leaf_rejects_a_wrong_frontier(self) -> None:
        with pytest.raises(ValueError):
            append_leaf([], 1, leaf_hash(b"x"))
        with pytest.raises(ValueError):
            append_leaf([], 0, b"short")


class TestAppendLeaves:
    @pytest.mark.parametrize(
        ("size", "count"), [(0, 0), (0, 1), (0, 700), (1, 1), (5, 3), (255, 1), (256, 256), (300, 1000), (1023, 2)]
    )
    def test_same_nodes_and_frontier_as_leaf_by_leaf(self, size: int, count: int) -> None:
        hashes = [leaf_hash(b"%d" % i) for i in range(size + count)]
        frontier: list[bytes] = []
        for i in range(size):
            frontier, _ = append_leaf(frontier, i, hashes[i])
        one_by_one, expected = frontier, dict[NodeID, bytes]()
        for i in range(size, size + count):
            one_by_one, created = append_leaf(one_by_one, i, hashes[i])
            expected.update(created)
        batch, levels = append_leaves(frontier, size, hashes[size:])
        assert batch == one_by_one
        assert {(lv, (size >> lv) + j): h for lv, row in enumerate(levels) for j, h in enumerate(row)} == expected

    def test_rejects_a_wrong_frontier_or_hash(self) -> None:
        with pytest.raises(ValueError):
            append_leaves([], 1, [leaf_hash(b"x")])
        with pytest.raises(ValueError):
            append_leaves([], 0, [b"short"])


class TestPlans:
    def test_bad_arguments_raise_value_error(self) -> None:
        for call in (
            lambda: root_plan(-1),
            lambda: inclusion_plan(3, 3),
            lambda: inclusion_plan(-1, 3),
            lambda: inclusion_plan(0, 0),
            lambda: consistency_plan(4, 3),
            lambda: consistency_plan(-1, 3),
        ):
            with pytest.raises(ValueError):
                call()

    def test_trivial_consistency_plans_are_empty(self) -> None:
        assert consistency_plan(0, 0) == consistency_plan(0, 9) == consistency_plan(9, 9) == []

    def test_clipped_sibling_is_several_ids(self) -> None:
        # leaf 0 of 7: siblings 1, [2,4) and the clipped [4,7) = (1, 2) + (0, 6)
        assert inclusion_plan(0, 7) == [[(0, 1)], [(1, 1)], [(1, 2), (0, 6)]]
        assert root_plan(7) == [(2, 0), (1, 2), (0, 6)]


class TestOneReadPerCall:
    @pytest.mark.parametrize("size", [0, *SIZES])
    def test_root(self, store: MemoryStore, size: int) -> None:
        reader = CountingReader(store, size)
        assert root(reader, size) == store.root(size)
        check_one_read(reader, needed=size > 0)

    @pytest.mark.parametrize("size", SIZES)
    def test_inclusion_proof(self, store: MemoryStore, size: int) -> None:
        for index in sorted({0, 1, size // 2, size - 2, size - 1} & set(range(size))):
            reader = CountingReader(store, size)
            proof = inclusion_proof(reader, index, size)
            assert proof == store.inclusion_proof(index, size)
            check_one_read(reader, needed=size > 1)

    @pytest.mark.parametrize("size", SIZES)
    def test_consistency_proof(self, store: MemoryStore, size: int) -> None:
        for first in sorted({0, 1, 2, size // 3, size - 1, size} & set(range(size + 1))):
            reader = CountingReader(store, size)
            proof = consistency_proof(reader, first, size)
            assert proof == store.consistency_proof(first, size)
            check_one_read(reader, needed=0 < first < size)


class TestInclusionProofsInOneRead:
    @pytest.mark.parametrize("size", [1, 2, 7, 64, 300])
    def test_many_proofs_equal_single_proofs_with_one_read(self, size: int) -> None:
        from ledger.tree import inclusion_proof, inclusion_proofs

        store = MemoryStore()
        store.append([f"leaf {i}".encode() for i in range(size)])
        calls: list[int] = []

        class Counting:
            def get_nodes(self, ids: Sequence[NodeID]) -> list[bytes]:
                calls.append(len(ids))
                return store.get_nodes(ids)

        indices = list(range(size)) + [0]
        proofs = inclusion_proofs(Counting(), indices, size)
        assert set(proofs) == set(range(size))
        assert all(proofs[i] == inclusion_proof(store, i, size) for i in range(size))
        assert len(calls) <= 1
