"""Node ids, append and proof planning over stored complete-subtree hashes.

A node id ``(level, index)`` names the perfect subtree covering the leaves
``[index << level, (index + 1) << level)``; level 0 node ``i`` is the leaf
hash of leaf ``i``. Only *complete* subtrees are ever stored, so a proof
element covering a non-perfect rightmost range (an "ephemeral" node of
RFC 9162's tree) is planned as the list of complete subtrees that make it
up, largest first, and computed as their right fold.

Plans depend only on indices and sizes; ``root``, ``inclusion_proof`` and
``consistency_proof`` then read every hash they need in one
``NodeReader.get_nodes`` call. The proofs are exactly RFC 9162 §2.1.3 and
§2.1.4's (the same hashes in the same order as transparency-dev/merkle).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = [
    "NodeID",
    "NodeReader",
    "append_leaf",
    "append_leaves",
    "consistency_plan",
    "consistency_proof",
    "frontier_root",
    "inclusion_plan",
    "inclusion_proof",
    "inclusion_proofs",
    "root",
    "root_plan",
]

NodeID = tuple[int, int]
"""``(level, index)``: the perfect subtree over leaves [index << level, (index + 1) << level)."""


class NodeReader(Protocol):
    """Where complete-subtree hashes are read from."""

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        """Return the hashes of ``ids``, in the same order.

        Only ids of complete subtrees within the stored size are asked for.
        """
        ...


def append_leaf(frontier: Sequence[bytes], size: int, leaf: bytes) -> tuple[list[bytes], list[tuple[NodeID, bytes]]]:
    """Append the leaf hash ``leaf`` to a tree of ``size`` leaves.

    Requires ``frontier`` to hold the hashes of the perfect subtrees of the
    binary decomposition of ``size``, largest (leftmost) first, so
    ``len(frontier) == size.bit_count()``. Returns the frontier for
    ``size + 1`` and every newly completed node: the leaf at ``(0, size)``
    first, then each parent it completes, by increasing level.
    """
    if size < 0 or len(frontier) != size.bit_count():
        raise ValueError(f"frontier has {len(frontier)} hashes, size {size} needs {size.bit_count()}")
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}")
    stack = list(frontier)
    created: list[tuple[NodeID, bytes]] = [((0, size), leaf)]
    level, index, current = 0, size, leaf
    while index & 1:
        current = node_hash(stack.pop(), current)
        level, index = level + 1, index >> 1
        created.append(((level, index), current))
    stack.append(current)
    return stack, created


def append_leaves(
    frontier: Sequence[bytes], size: int, leaves: Sequence[bytes]
) -> tuple[list[bytes], list[list[bytes]]]:
    """Append the leaf hashes ``leaves`` to a tree of ``size`` leaves, level by level.

    Requires ``frontier`` as for ``append_leaf``. Returns the frontier for
    ``size + len(leaves)`` and the newly completed nodes by level: element ``L``
    holds the hashes of nodes ``(L, j)`` for ``j`` in
    ``[size >> L, (size + len(leaves)) >> L)``, in order (level 0 is ``leaves``);
    levels with no new node are left off the end. The same nodes as
    ``append_leaf`` leaf by leaf, with one pass per level.
    """
    if size < 0 or len(frontier) != size.bit_count():
        raise ValueError(f"frontier has {len(frontier)} hashes, size {size} needs {size.bit_count()}")
    if any(len(h) != HASH_SIZE for h in leaves):
        raise ValueError(f"leaf hashes must be {HASH_SIZE} bytes")
    new_size, sha256 = size + len(leaves), hashlib.sha256  # node_hash, inlined: a bulk load's hot loop
    # frontier[k] is the perfect subtree at the k-th highest set bit of size
    old = dict(zip([lv for lv in reversed(range(size.bit_length())) if size >> lv & 1], frontier, strict=True))
    created: list[list[bytes]] = []
    row, level = list(leaves), 0
    while row:
        created.append(row)
        pairs = iter([old[level], *row] if size >> level & 1 else row)  # the left sibling may be old
        row = [sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        level += 1
    top = []
    for lv in reversed(range(new_size.bit_length())):
        if new_size >> lv & 1:
            new = lv < len(created) and (new_size >> lv) - 1 >= size >> lv
            top.append(created[lv][-1] if new else old[lv])
    return top, created


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """Root hash of the tree whose frontier is ``frontier``; EMPTY_ROOT if empty."""
    return _fold(frontier) if frontier else EMPTY_ROOT


def root_plan(size: int) -> list[NodeID]:
    """Ids whose right fold is the root of the tree of ``size`` leaves.

    Requires ``size >= 0``; the empty tree needs no ids (its root is EMPTY_ROOT).
    """
    _require(size >= 0, f"size must be >= 0, got {size}")
    return _range_ids(0, size)


def inclusion_plan(index: int, size: int) -> list[list[NodeID]]:
    """Plan of the inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    Requires ``0 <= index < size``. Element ``k`` of the proof is the right
    fold of the hashes of the ids in element ``k`` of the plan; the leaf's
    sibling comes first.
    """
    _require(0 <= index < size, f"need 0 <= index < size, got index {index}, size {size}")
    return _path_plan(0, index, size)


def consistency_plan(first: int, second: int) -> list[list[NodeID]]:
    """Plan of the consistency proof between tree sizes ``first`` and ``second``.

    Requires ``0 <= first <= second``. The proof is empty when
    ``first == second`` or ``first == 0`` (RFC 9162 §2.1.4: nothing to prove);
    otherwise it is SUBPROOF(first, D[0:second], true).
    """
    _require(0 <= first <= second, f"need 0 <= first <= second, got {first}, {second}")
    if first == second or first == 0:
        return []
    # The largest perfect subtree ending at leaf `first`: the proof climbs from it.
    level = (first & -first).bit_length() - 1
    index = (first >> level) - 1
    plan = _path_plan(level, index, second)
    if index != 0:  # not the whole old tree, so the verifier needs its hash
        plan.insert(0, [(level, index)])
    return plan


def root(reader: NodeReader, size: int) -> bytes:
    """Root hash of the tree of ``size`` leaves. Requires ``size >= 0``.

    Reads all nodes in one ``get_nodes`` call (none for the empty tree).
    """
    ids = root_plan(size)
    if not ids:
        return EMPTY_ROOT
    return _fold(_fetch(reader, [ids])[0])


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    Requires ``0 <= index < size``. One ``get_nodes`` call (none if the proof is empty).
    """
    return [_fold(hashes) for hashes in _fetch(reader, inclusion_plan(index, size))]


def consistency_proof(reader: NodeReader, first: int, second: int) -> list[bytes]:
    """RFC 9162 consistency proof between tree sizes ``first`` and ``second``.

    Requires ``0 <= first <= second``. One ``get_nodes`` call (none if the proof is empty).
    """
    return [_fold(hashes) for hashes in _fetch(reader, consistency_plan(first, second))]


def inclusion_proofs(reader: NodeReader, indices: Sequence[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of many leaves in the tree of ``size`` leaves, reading their nodes once.

    Requires ``0 <= index < size`` for every index. One ``get_nodes`` call for all of them
    (a provenance bundle shares most of its upper nodes between records).
    """
    plans = {index: inclusion_plan(index, size) for index in dict.fromkeys(indices)}
    groups = [group for plan in plans.values() for group in plan]
    fetched = iter(_fetch(reader, groups))
    return {index: [_fold(next(fetched)) for _ in plan] for index, plan in plans.items()}


def _path_plan(level: int, index: int, size: int) -> list[list[NodeID]]:
    """Path from the complete node ``(level, index)`` up to the root of ``size`` leaves.

    Requires ``(index + 1) << level <= size``. At each level a left sibling is
    complete; a right sibling may run past ``size`` and is then clipped; the
    rightmost node with no sibling is carried up unchanged (RFC 9162 PATH).
    """
    plan: list[list[NodeID]] = []
    last = (size - 1) >> level  # index of the rightmost (maybe partial) node here
    while last > 0:
        if index & 1:
            plan.append([(level, index - 1)])
        elif index < last:
            start = (index + 1) << level
            plan.append(_range_ids(start, min(start + (1 << level), size)))
        level, index, last = level + 1, index >> 1, last >> 1
    return plan


def _range_ids(begin: int, end: int) -> list[NodeID]:
    """Perfect subtrees making up the leaves [begin, end), largest first.

    Requires ``begin`` to be a multiple of the smallest power of two that is
    ``>= end - begin``, so that the range is a node of RFC 9162's tree and its
    hash is the right fold of these subtrees.
    """
    ids: list[NodeID] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        ids.append((level, begin >> level))
        begin += 1 << level
    return ids


def _fetch(reader: NodeReader, plan: list[list[NodeID]]) -> list[list[bytes]]:
    """Read every id of ``plan`` in one ``get_nodes`` call; hashes grouped like ``plan``."""
    unique = list(dict.fromkeys(node for group in plan for node in group))
    if not unique:
        return [[] for _ in plan]
    hashes = reader.get_nodes(unique)
    if len(hashes) != len(unique):
        raise ValueError(f"reader returned {len(hashes)} hashes for {len(unique)} node ids")
    found = dict(zip(unique, hashes, strict=True))
    return [[found[node] for node in group] for group in plan]


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold with node_hash: h0 . (h1 . (... . hn)). Requires a non-empty sequence."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
