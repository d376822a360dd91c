"""Tamper probes: every altered proof or claim must raise InvalidProof.

Wrong-size probes check the proof against the *other* size's real root: a
proof for size s checked against the same root under a different size can
legitimately recompute that root when both trees have the same shape along
the path (e.g. leaf 0 of 3 and leaf 0 of 4), which is harmless because a
checkpoint signs size and root together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ledger import InvalidProof, MemoryStore, leaf_hash, verify_consistency, verify_inclusion

SIZES = [*range(1, 41), 63, 64, 65, 100, 255, 256, 257, 1000]
OTHER = b"\x5a" * 32


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    s = MemoryStore()
    s.append([f"entry {i}".encode() for i in range(max(SIZES) * 2 + 2)])
    return s


def sample(n: int) -> list[int]:
    """All of 0..n-1 for small n, else the edges and a spread."""
    if n <= 40:
        return list(range(n))
    return sorted({0, 1, n // 3, n // 2, n - 2, n - 1})


def flipped(value: bytes, position: int) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


def variants(proof: list[bytes]) -> Iterator[tuple[str, list[bytes]]]:
    """Altered copies of ``proof``: flipped bytes, shortened, lengthened, reordered."""
    for i, h in enumerate(proof):
        for position in (0, 31):
            yield (
                f"flip byte {position} of element {i}",
                [*proof[:i], flipped(h, position), *proof[i + 1 :]],
            )
    if proof:
        yield "drop last", proof[:-1]
        yield "drop first", proof[1:]
        yield "truncated element", [*proof[:-1], proof[-1][:31]]
    yield "append", [*proof, OTHER]
    yield "prepend", [OTHER, *proof]
    yield "insert", [*proof[:1], OTHER, *proof[1:]]
    if len(proof) > 1:
        yield "swap first two", [proof[1], proof[0], *proof[2:]]


def assert_rejected(what: str, verify: Callable[..., None], *args: object) -> None:
    with pytest.raises(InvalidProof):
        verify(*args)
        pytest.fail(f"accepted: {what}")


class TestInclusionTamper:
    @pytest.mark.parametrize("size", SIZES)
    def test_altered_proofs_rejected(self, store: MemoryStore, size: int) -> None:
        root = store.root(size)
        for index in sample(size):
            leaf = leaf_hash(store.leaf_data(index))
            proof = store.inclusion_proof(index, size)
            verify_inclusion(leaf, index, size, proof, root)
            for what, bad in variants(proof):
                assert_rejected(what, verify_inclusion, leaf, index, size, bad, root)

    @pytest.mark.parametrize("size", SIZES)
    def test_wrong_claims_rejected(self, store: MemoryStore, size: int) -> None:
        root = store.root(size)
        for index in sample(size):
            leaf = leaf_hash(store.leaf_data(index))
            proof = store.inclusion_proof(index, size)
            for other in {index - 1, index + 1, index ^ 1, index ^ 2, size, -1} - {index}:
                assert_rejected(f"index {other}", verify_inclusion, leaf, other, size, proof, root)
            for wrong_size in {size - 1, size + 1, size * 2, size // 2} - {size}:
                wrong_root = store.root(wrong_size)
                assert_rejected(
                    f"size {wrong_size}",
                    verify_inclusion,
                    leaf,
                    index,
                    wrong_size,
                    proof,
                    wrong_root,
                )
            wrong_leaf = leaf_hash(b"not " + store.leaf_data(index))
            assert_rejected("leaf", verify_inclusion, wrong_leaf, index, size, proof, root)
            for position in (0, 17, 31):
                bad_root = flipped(root, position)
                assert_rejected("root", verify_inclusion, leaf, index, size, proof, bad_root)
            assert_rejected("short root", verify_inclusion, leaf, index, size, proof, root[:31])


class TestConsistencyTamper:
    @pytest.mark.parametrize("second", SIZES)
    def test_altered_proofs_rejected(self, store: MemoryStore, second: int) -> None:
        root2 = store.root(second)
        for first in sample(second):
            if first == 0:
                continue
            root1 = store.root(first)
            proof = store.consistency_proof(first, second)
            verify_consistency(first, second, proof, root1, root2)
            for what, bad in variants(proof):
                assert_rejected(what, verify_consistency, first, second, bad, root1, root2)

    @pytest.mark.parametrize("second", SIZES)
    def test_wrong_claims_rejected(self, store: MemoryStore, second: int) -> None:
        root2 = store.root(second)
        for first in sample(second):
            if first == 0:
                continue
            root1 = store.root(first)
            proof = store.consistency_proof(first, second)
            claims = {(first + d, second) for d in (-1, 1)} | {(first ^ 2, second)}
            claims |= {(first, second + d) for d in (-1, 1)} | {
                (first, second * 2),
                (first, second // 2),
            }
            for m, n in claims - {(first, second)}:
                if 0 <= m <= n and store.consistency_proof(m, n) == proof:
                    continue  # the claim is true: both pairs have this very proof
                wrong = (m, n, proof, store.root(max(m, 0)), store.root(n))
                assert_rejected(f"sizes {m} -> {n}", verify_consistency, *wrong)
            for what, r1, r2 in (
                ("swapped roots", root2, root1),
                ("bad first root", flipped(root1, 0), root2),
                ("bad second root", root1, flipped(root2, 31)),
                ("short first root", root1[:31], root2),
            ):
                assert_rejected(what, verify_consistency, first, second, proof, r1, r2)
