"""pymerkle 7 as a second opinion on roots and inclusion paths.

Mapping of pymerkle's API onto ours:

- ``InmemoryTree`` counts leaf indices from 1: our leaf ``i`` is its ``i + 1``.
- ``prove_inclusion(i + 1, size).path`` is ``[leaf hash] + siblings``,
  leaf sibling first, without the root; so ``path[1:]`` is our proof and
  ``path[0]`` our leaf hash. (``rule`` only says which side each hash is on.)
- Its hashing is RFC 9162's when security is on (the default): leaves get the
  0x00 prefix, nodes 0x01, and the empty tree's root is SHA-256("").
"""

from __future__ import annotations

import pytest
from pymerkle import InmemoryTree

from ledger import EMPTY_ROOT, MemoryStore, leaf_hash, node_hash, verify_inclusion

MAX_SIZE = 200


@pytest.fixture(scope="module")
def trees() -> tuple[MemoryStore, InmemoryTree]:
    leaves = [f"cashew lot {i}".encode() for i in range(MAX_SIZE)]
    ours, theirs = MemoryStore(), InmemoryTree(algorithm="sha256")
    ours.append(leaves)
    for data in leaves:
        theirs.append_entry(data)
    return ours, theirs


class TestPymerkleHashing:
    def test_security_prefixes_are_rfc9162(self) -> None:
        tree = InmemoryTree(algorithm="sha256")
        assert tree.security is True
        assert (tree.leaf_prefix, tree.node_prefix) == (b"\x00", b"\x01")
        assert tree.hash_buff(b"kernel") == leaf_hash(b"kernel")
        left, right = leaf_hash(b"a"), leaf_hash(b"b")
        assert tree.hash_pair(left, right) == node_hash(left, right)
        assert tree.hash_empty() == EMPTY_ROOT


class TestPymerkleAgrees:
    def test_roots_for_every_size(self, trees: tuple[MemoryStore, InmemoryTree]) -> None:
        ours, theirs = trees
        for size in range(1, MAX_SIZE + 1):
            assert ours.root(size) == theirs.get_root(size), size

    @pytest.mark.parametrize("size", [*range(1, 34), 63, 64, 65, 127, 128, 129, 199, 200])
    def test_inclusion_paths(self, trees: tuple[MemoryStore, InmemoryTree], size: int) -> None:
        ours, theirs = trees
        for index in range(size):
            proof = theirs.prove_inclusion(index + 1, size)
            mine = ours.inclusion_proof(index, size)
            assert proof.path[0] == leaf_hash(ours.leaf_data(index))
            assert proof.path[1:] == mine, index
            proof.verify(proof.path[0], theirs.get_root(size), index=index + 1, size=size)
            verify_inclusion(proof.path[0], index, size, proof.path[1:], theirs.get_root(size))
