"""Verification of RFC 9162 inclusion and consistency proofs.

Written from the RFC's own algorithms (§2.1.3.2 and §2.1.4.2), apart from
the proof generator in ``ledger.tree``: the two share only ``ledger.hashing``,
so a mistake in one is caught by the other.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = [
    "InvalidProof",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


class InvalidProof(Exception):
    """A proof did not verify; the message says what was expected and what was computed."""


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Requires ``0 <= index < size`` and 32-byte hashes. Raises InvalidProof
    on any failure.
    """
    _check_hash("root", root)
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _check_match("root", expected=root, computed=computed)


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Root that ``proof`` yields for ``leaf_hash`` at ``index`` in a tree of ``size`` leaves.

    Requires ``0 <= index < size`` and 32-byte hashes (RFC 9162 §2.1.3.2,
    steps 1-4). Raises InvalidProof when the proof cannot belong to that
    index and size.
    """
    if not 0 <= index < size:
        raise InvalidProof(f"expected 0 <= index < size, got index {index}, size {size}")
    _check_hash("leaf hash", leaf_hash)
    _check_path(proof)
    sides = _sides(index, size - 1)
    _check_length(proof, len(sides), f"leaf {index} of size {size}")
    r = leaf_hash
    for p, p_is_left in zip(proof, sides, strict=True):
        r = node_hash(p, r) if p_is_left else node_hash(r, p)
    return r


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> None:
    """Check that the tree of ``first`` leaves with ``first_root`` is a prefix of ``second``'s.

    Requires ``0 <= first <= second``.

    - ``first == second``: the proof must be empty and the roots equal (for
      size 0 both must be EMPTY_ROOT).
    - ``first == 0 < second``: the empty tree is a prefix of every tree; the
      proof must be empty, ``first_root`` must be EMPTY_ROOT and
      ``second_root`` a 32-byte hash.
    - otherwise RFC 9162 §2.1.4.2 with 32-byte hashes.

    Raises InvalidProof on any failure.
    """
    if not 0 <= first <= second:
        raise InvalidProof(f"expected 0 <= first <= second, got first {first}, second {second}")
    if first == 0 or first == second:
        _check_trivial(first, second, proof, first_root, second_root)
        return
    _check_hash("first root", first_root)
    _check_hash("second root", second_root)
    computed = root_from_consistency_proof(first, second, proof, first_root)
    _check_match("second root", expected=second_root, computed=computed)


def root_from_consistency_proof(first: int, second: int, proof: Sequence[bytes], first_root: bytes) -> bytes:
    """Second root that ``proof`` yields after checking it reproduces ``first_root``.

    Requires ``0 < first < second`` and 32-byte hashes (RFC 9162 §2.1.4.2,
    steps 1-6 and the first-root check of step 7).
    """
    if not 0 < first < second:
        raise InvalidProof(f"expected 0 < first < second, got first {first}, second {second}")
    _check_path(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:  # step 4: start from the largest perfect subtree ending at `first`
        fn, sn = fn >> 1, sn >> 1
    sides = _sides(fn, sn)
    is_power_of_two = first & (first - 1) == 0
    expected = len(sides) + (0 if is_power_of_two else 1)
    _check_length(proof, expected, f"sizes {first} -> {second}")
    path = [first_root, *proof] if is_power_of_two else list(proof)
    fr = sr = path[0]
    for c, c_is_left in zip(path[1:], sides, strict=True):
        if c_is_left:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
    _check_match("first root", expected=first_root, computed=fr)
    return sr


def _check_trivial(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> None:
    """Cases with nothing to prove: equal sizes, or the empty first tree."""
    if len(proof) != 0:
        raise InvalidProof(f"expected an empty proof for sizes {first} -> {second}, got {len(proof)} hashes")
    if first == 0:
        _check_match("root of the empty tree", expected=EMPTY_ROOT, computed=first_root)
    if first == second:
        _check_match("second root", expected=first_root, computed=second_root)
    else:
        _check_hash("second root", second_root)


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        got = len(value) if isinstance(value, bytes) else type(value).__name__
        raise InvalidProof(f"expected a {HASH_SIZE}-byte {what}, got {got}")


def _check_path(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _check_hash(f"proof hash at position {position}", value)


def _check_match(what: str, *, expected: bytes, computed: bytes) -> None:
    if not hmac.compare_digest(expected, computed):
        raise InvalidProof(f"{what} mismatch: expected {expected.hex()}, computed {computed.hex()}")


def _sides(fn: int, sn: int) -> list[bool]:
    """Walk RFC 9162's (fn, sn) loop without hashing: for each path hash, is it on the left?

    The number of entries is the exact proof length the sizes call for
    (the loop ends when sn reaches 0, as step 5 / step 7 require).
    """
    sides: list[bool] = []
    while sn != 0:
        if fn & 1 or fn == sn:
            sides.append(True)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sides.append(False)
        fn, sn = fn >> 1, sn >> 1
    return sides


def _check_length(proof: Sequence[bytes], expected: int, what: str) -> None:
    if len(proof) != expected:
        raise InvalidProof(f"expected {expected} proof hashes for {what}, got {len(proof)}")
