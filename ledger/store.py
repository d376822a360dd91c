"""The storage protocol of a log, and an in-memory implementation.

A store keeps each leaf's data and every complete-subtree hash (node ids as
in ``ledger.tree``), so roots and proofs read O(log n) nodes. The SQL
implementation lives where the database lives (``traceability/anchoring``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledger import tree
from ledger.hashing import leaf_hash
from ledger.tree import NodeID, NodeReader

__all__ = ["LogStore", "MemoryStore"]


class LogStore(NodeReader, Protocol):
    """An append-only log: leaf data plus the hashes of its complete subtrees."""

    def size(self) -> int:
        """Number of leaves."""
        ...

    def append(self, leaf_data: Sequence[bytes]) -> list[int]:
        """Append leaves (their data, not hashes); return the indices they got."""
        ...

    def leaf_data(self, index: int) -> bytes:
        """Data of leaf ``index``. Requires ``0 <= index < size()``."""
        ...


class MemoryStore:
    """A LogStore in a dict, for tests and benchmarks: nodes never change once written."""

    def __init__(self) -> None:
        self._leaves: list[bytes] = []
        self._nodes: dict[NodeID, bytes] = {}
        self._frontier: list[bytes] = []

    def size(self) -> int:
        """Number of leaves."""
        return len(self._leaves)

    def append(self, leaf_data: Sequence[bytes]) -> list[int]:
        """Append leaves; store each new complete node; return the new indices."""
        indices = []
        for data in leaf_data:
            index = len(self._leaves)
            self._frontier, created = tree.append_leaf(self._frontier, index, leaf_hash(data))
            self._nodes.update(created)
            self._leaves.append(bytes(data))
            indices.append(index)
        return indices

    def leaf_data(self, index: int) -> bytes:
        """Data of leaf ``index``. Requires ``0 <= index < size()``."""
        if not 0 <= index < len(self._leaves):
            raise IndexError(f"leaf index {index} out of range for size {len(self._leaves)}")
        return self._leaves[index]

    def get_nodes(self, ids: Sequence[NodeID]) -> list[bytes]:
        """Hashes of complete subtrees ``ids``, in order; KeyError for any not stored."""
        return [self._nodes[node] for node in ids]

    def frontier_root(self) -> bytes:
        """Root of the current tree from the in-memory frontier (no node reads)."""
        return tree.frontier_root(self._frontier)

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree of ``size`` leaves (default: all).

        Requires ``0 <= size <= size()``.
        """
        return tree.root(self, self._check_size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of leaf ``index`` in the tree of ``size`` leaves (default: all).

        Requires ``0 <= index < size <= size()``.
        """
        return tree.inclusion_proof(self, index, self._check_size(size))

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """Consistency proof from ``first`` to ``second`` leaves (default: all).

        Requires ``0 <= first <= second <= size()``.
        """
        return tree.consistency_proof(self, first, self._check_size(second))

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return len(self._leaves)
        if not 0 <= size <= len(self._leaves):
            raise ValueError(f"size {size} out of range: the log has {len(self._leaves)} leaves")
        return size
