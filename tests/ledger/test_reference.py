"""Cross-check against a naive recursive RFC 9162 §2.1 reference.

The reference below follows the RFC's definitions literally (MTH, PATH,
SUBPROOF over slices of the leaf list), with its own SHA-256 calls and
memoized subtree hashes so every size and index up to 300 stays fast. Every
proof MemoryStore emits must equal the reference's and pass ledger.verify.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import MemoryStore, verify_consistency, verify_inclusion

MAX_SIZE = 300
BIG_SIZE = 3000


def largest_power_of_two_below(n: int) -> int:
    """k: the largest power of two with k < n. Requires n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


class Reference:
    """RFC 9162 §2.1 over ``leaves``; ranges are [a, b) slices of D."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.mth = cache(self._mth)

    def _mth(self, a: int, b: int) -> bytes:
        n = b - a
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return hashlib.sha256(b"\x00" + self.leaves[a]).digest()
        k = largest_power_of_two_below(n)
        return hashlib.sha256(b"\x01" + self.mth(a, a + k) + self.mth(a + k, b)).digest()

    def path(self, m: int, a: int, b: int) -> list[bytes]:
        """PATH(m, D[a:b]), m relative to a."""
        n = b - a
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return self.path(m, a, a + k) + [self.mth(a + k, b)]
        return self.path(m - k, a + k, b) + [self.mth(a, a + k)]

    def subproof(self, m: int, a: int, b: int, whole: bool) -> list[bytes]:
        """SUBPROOF(m, D[a:b], b), m relative to a."""
        n = b - a
        if m == n:
            return [] if whole else [self.mth(a, b)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return self.subproof(m, a, a + k, whole) + [self.mth(a + k, b)]
        return self.subproof(m - k, a + k, b, False) + [self.mth(a, a + k)]

    def consistency(self, first: int, second: int) -> list[bytes]:
        if first in (0, second):
            return []
        return self.subproof(first, 0, second, True)


def make_leaves(count: int) -> list[bytes]:
    """Distinct leaves, the first one empty."""
    return [b""] + [f"leaf {i}".encode() for i in range(1, count)]


@pytest.fixture(scope="module")
def small() -> tuple[MemoryStore, Reference]:
    leaves = make_leaves(MAX_SIZE)
    store = MemoryStore()
    store.append(leaves)
    return store, Reference(leaves)


@pytest.fixture(scope="module")
def big() -> tuple[MemoryStore, Reference]:
    leaves = make_leaves(BIG_SIZE)
    store = MemoryStore()
    store.append(leaves)
    return store, Reference(leaves)


class TestRoots:
    def test_every_size_up_to_300(self, small: tuple[MemoryStore, Reference]) -> None:
        store, ref = small
        for size in range(MAX_SIZE + 1):
            assert store.root(size) == ref.mth(0, size), size

    def test_frontier_root_while_appending(self) -> None:
        leaves = make_leaves(MAX_SIZE)
        store, ref = MemoryStore(), Reference(leaves)
        assert store.frontier_root() == ref.mth(0, 0)
        for size, data in enumerate(leaves, start=1):
            store.append([data])
            assert store.frontier_root() == ref.mth(0, size), size


class TestInclusionProofs:
    @pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
    def test_every_index(self, small: tuple[MemoryStore, Reference], size: int) -> None:
        store, ref = small
        root = ref.mth(0, size)
        for index in range(size):
            proof = store.inclusion_proof(index, size)
            assert proof == ref.path(index, 0, size), index
            verify_inclusion(ref.mth(index, index + 1), index, size, proof, root)

    @settings(max_examples=300, deadline=None)
    @given(data=st.data())
    def test_random_pairs_in_a_bigger_tree(self, big: tuple[MemoryStore, Reference], data: st.DataObject) -> None:
        store, ref = big
        size = data.draw(st.integers(1, BIG_SIZE), label="size")
        index = data.draw(st.integers(0, size - 1), label="index")
        proof = store.inclusion_proof(index, size)
        assert proof == ref.path(index, 0, size)
        verify_inclusion(ref.mth(index, index + 1), index, size, proof, ref.mth(0, size))


class TestConsistencyProofs:
    @pytest.mark.parametrize("second", range(MAX_SIZE + 1))
    def test_every_first(self, small: tuple[MemoryStore, Reference], second: int) -> None:
        store, ref = small
        for first in range(second + 1):
            proof = store.consistency_proof(first, second)
            assert proof == ref.consistency(first, second), first
            verify_consistency(first, second, proof, ref.mth(0, first), ref.mth(0, second))

    @settings(max_examples=300, deadline=None)
    @given(data=st.data())
    def test_random_pairs_in_a_bigger_tree(self, big: tuple[MemoryStore, Reference], data: st.DataObject) -> None:
        store, ref = big
        second = data.draw(st.integers(0, BIG_SIZE), label="second")
        first = data.draw(st.integers(0, second), label="first")
        proof = store.consistency_proof(first, second)
        assert proof == ref.consistency(first, second)
        verify_consistency(first, second, proof, ref.mth(0, first), ref.mth(0, second))
