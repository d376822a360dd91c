"""The ledger's stored hashes against its leaves (step 3 of the integrity audit, SPEC §8.3).

``StoredHashes`` is fed the leaf hashes in index order and rebuilds every full
tile as it fills (``ledger.tiles.TileBuilder``), then compares it with its
``ledger_tile`` row; at the end it compares the right edge with the
``ledger_edge`` rows and looks for tiles stored beyond the log. Memory stays
flat: one partial tile per tile level, and the tiles filled since the last check.
"""

from dataclasses import dataclass

from ledger.hashing import HASH_SIZE
from ledger.tiles import MAX_TILE_LEVEL, TILE_HEIGHT, TILE_SIZE, TILE_WIDTH, TileBuilder, tile_path

from .store import SqlLog

FullTile = tuple[int, int, bytes, bytes]


@dataclass(frozen=True)
class Finding:
    """A stored hash that the leaves do not give: where (first leaf covered, table, tile or node), and what."""

    ledger_index: int
    table: str
    name: str
    problem: str


def _leaves(level: int, idx: int, count: int = 1) -> str:
    return f"leaves {idx << level}–{((idx + count) << level) - 1}"


def _hash(body: bytes, k: int) -> bytes:
    return body[k * HASH_SIZE : (k + 1) * HASH_SIZE]


class StoredHashes:
    """Checks the stored tiles and right edge of ``log`` against leaf hashes fed in index order."""

    def __init__(self, log: SqlLog) -> None:
        self.log = log
        self.tiles = TileBuilder()
        self._filled: list[FullTile] = []

    def add(self, leaf: bytes) -> None:
        self._filled.extend(self.tiles.add(leaf))

    def skip(self, start: int, end: int, chunk: int = 1000) -> None:
        """Leaves [start, end) have no entry: carry on with their stored hashes, so that
        the tiles after the gap are still checked against their own leaves."""
        for first in range(start, end, chunk):
            for digest in self.log.stored_nodes([(0, i) for i in range(first, min(end, first + chunk))]):
                self.add(digest or bytes(HASH_SIZE))

    def check_filled(self) -> list[Finding]:
        """Compare the tiles filled since the last call with their rows (one query)."""
        filled, self._filled = self._filled, []
        stored = self.log.stored_tiles([(t, n) for t, n, _, _ in filled])
        return [f for tile, row in zip(filled, stored, strict=True) for f in _compare_tile(tile, row)]

    def check_edge(self) -> list[Finding]:
        """Compare the right edge with its rows, and look for tiles stored beyond the log."""
        found = self.check_filled()
        expected, stored = self.tiles.edge(), self.log.edge_nodes()
        for level, idx in sorted(expected.keys() | stored.keys()):
            digest, row = expected.get((level, idx)), stored.get((level, idx))
            if digest == row:
                continue
            if digest is None:
                what = f"node (level {level}, index {idx}) is stored, but no partial tile of the log holds it"
            elif row is None:
                what = f"node (level {level}, index {idx}), the hash of {_leaves(level, idx)}, is missing"
            else:
                what = f"stored hash of node (level {level}, index {idx}) is not the hash of {_leaves(level, idx)}"
            found.append(Finding(idx << level, "ledger_node", f"{level}/{idx}", what))
        for tile_level, last in sorted(self.log.last_tiles().items()):
            full = self.tiles.full_tiles(tile_level)
            if last >= full:
                path = tile_path(tile_level, last) if 0 <= tile_level <= MAX_TILE_LEVEL else f"tile/{tile_level}/{last}"
                found.append(
                    Finding(
                        (full * TILE_WIDTH) << (tile_level * TILE_HEIGHT),
                        "ledger_tile",
                        path,
                        f"tiles up to {path} are stored, but the log's {self.tiles.size} leaves fill "
                        f"{full} tiles at level {tile_level}",
                    )
                )
        return found


def _compare_tile(tile: FullTile, row: tuple[bytes, bytes] | None) -> list[Finding]:
    tile_level, n, body, interior = tile
    level, path = tile_level * TILE_HEIGHT, tile_path(tile_level, n)
    first, span = n * TILE_WIDTH, _leaves(level, n * TILE_WIDTH, TILE_WIDTH)
    if row is None:
        return [Finding(first << level, "ledger_tile", path, f"{path} (the hashes of {span}) is missing")]
    hashes, stored_interior = row
    found = []
    wrong = [k for k in range(TILE_WIDTH) if _hash(hashes, k) != _hash(body, k)]
    if wrong:
        idx = first + wrong[0]
        more = f" (and {len(wrong) - 1} more of its hashes)" if len(wrong) > 1 else ""
        found.append(
            Finding(
                idx << level,
                "ledger_tile",
                path,
                f"hash {wrong[0]} of {path} (node level {level}, index {idx}) "
                f"is not the hash of {_leaves(level, idx)}{more}",
            )
        )
    elif len(hashes) != TILE_SIZE:
        found.append(Finding(first << level, "ledger_tile", path, f"{path} holds {len(hashes)} bytes"))
    if stored_interior != interior:
        found.append(
            Finding(
                first << level,
                "ledger_tile",
                path,
                f"the interior hashes stored with {path} are not those of {span}",
            )
        )
    return found


__all__ = ["Finding", "StoredHashes"]
