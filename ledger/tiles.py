"""C2SP tlog-tiles: tile coordinates, paths and widths.

Tile ``(L, N)`` holds the hashes of the complete tree nodes at tree level
``8 * L`` with node indices ``[N * 256, N * 256 + W)``: level-0 tiles hold
leaf hashes, level-1 tiles the roots of full level-0 tiles, and so on. Its
path is ``tile/<L>/<N>[.p/<W>]``, ``.p/<W>`` only for a partial tile
(1 <= W <= 255). The tile body is the concatenation of its W hashes.

A full tile also determines every node at tree levels ``8L .. 8L + 7`` above
its hashes (heights 0 to 7 inside the tile): ``tile_node`` computes one from
the body, with the help of the tile's *interior* hashes (``tile_interior``: its
nodes at heights 4 to 7, 30 hashes) so that no node costs more than 7 hashes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from ledger.hashing import HASH_SIZE
from ledger.tree import NodeID, NodeReader

__all__ = [
    "INTERIOR_FROM",
    "INTERIOR_SIZE",
    "MAX_TILE_LEVEL",
    "TILE_HEIGHT",
    "TILE_SIZE",
    "TILE_WIDTH",
    "TileBuilder",
    "encode_tile_index",
    "node_tile",
    "parse_tile_path",
    "read_tile",
    "tile_interior",
    "tile_node",
    "tile_levels",
    "tile_node_ids",
    "tile_nodes",
    "tile_path",
    "tile_width",
]

TILE_HEIGHT = 8
"""Tree levels spanned by one tile."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile (256)."""

MAX_TILE_LEVEL = 63
"""Largest tile level the spec allows in a path."""

TILE_SIZE = TILE_WIDTH * HASH_SIZE
"""Bytes in a full tile's body (8192)."""

INTERIOR_FROM = 4
"""Lowest height inside a tile whose nodes ``tile_interior`` keeps (heights 4..7)."""

INTERIOR_SIZE = sum(TILE_WIDTH >> h for h in range(INTERIOR_FROM, TILE_HEIGHT)) * HASH_SIZE
"""Bytes of a full tile's interior hashes: 16 + 8 + 4 + 2 hashes (960)."""

# Where height h starts in the interior hashes, counted in hashes.
_INTERIOR_START = {h: sum(TILE_WIDTH >> k for k in range(INTERIOR_FROM, h)) for h in range(INTERIOR_FROM, TILE_HEIGHT)}

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")


def encode_tile_index(n: int) -> str:
    """The ``<N>`` path part: zero-padded 3-digit groups, ``x`` before all but the last.

    Requires ``n >= 0``. For example 1234067 -> ``"x001/x234/067"`` and 0 -> ``"000"``.
    """
    if n < 0:
        raise ValueError(f"tile index must be >= 0, got {n}")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` for tile ``(level, index)`` holding ``width`` hashes.

    Requires ``0 <= level <= 63``, ``index >= 0`` and ``1 <= width <= 256``.
    """
    tile_nodes(level, index, width)  # validates the arguments
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_tile_index(index)}{suffix}"


def parse_tile_path(level_str: str, index_path: str) -> tuple[int, int, int | None]:
    """Parse ``<L>`` and ``<N>[.p/<W>]``; return (level, index, partial width or None).

    Strict: ``<L>`` is 0..63 without leading zeros; ``<N>`` is 3-digit groups,
    all but the last prefixed with ``x``, without a leading ``x000`` group (so
    every index has one path); ``<W>`` is 1..255 without leading zeros.
    Raises ValueError otherwise.
    """
    if not _LEVEL.fullmatch(level_str) or int(level_str) > MAX_TILE_LEVEL:
        raise ValueError(f"tile level must be 0..{MAX_TILE_LEVEL} without leading zeros: {level_str!r}")
    width: int | None = None
    parts = index_path.split("/")
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        width_str = parts.pop()
        parts[-1] = parts[-1][: -len(".p")]
        if not _WIDTH.fullmatch(width_str) or not 1 <= int(width_str) < TILE_WIDTH:
            raise ValueError(f"partial tile width must be 1..{TILE_WIDTH - 1}: {width_str!r}")
        width = int(width_str)
    return int(level_str), _parse_index(parts, index_path), width


def _parse_index(parts: list[str], index_path: str) -> int:
    *leading, last = parts
    if not _GROUP.fullmatch(last):
        raise ValueError(f"malformed tile index {index_path!r}: last group must be 3 digits")
    for group in leading:
        if not (group.startswith("x") and _GROUP.fullmatch(group[1:])):
            raise ValueError(f"malformed tile index {index_path!r}: expected x + 3 digits, got {group!r}")
    if leading and leading[0] == "x000":
        raise ValueError(f"malformed tile index {index_path!r}: leading zero group")
    return int("".join([g[1:] for g in leading] + [last]))


def tile_nodes(level: int, index: int, width: int) -> tuple[int, int, int]:
    """(tree level, start, end): the nodes [start, end) at that tree level that a tile holds.

    For tile ``(level, index)`` of ``width`` hashes. Requires ``0 <= level <= 63``,
    ``index >= 0`` and ``1 <= width <= 256``.
    """
    if not 0 <= level <= MAX_TILE_LEVEL:
        raise ValueError(f"tile level must be 0..{MAX_TILE_LEVEL}, got {level}")
    if index < 0:
        raise ValueError(f"tile index must be >= 0, got {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width must be 1..{TILE_WIDTH}, got {width}")
    start = index * TILE_WIDTH
    return level * TILE_HEIGHT, start, start + width


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in a tree of ``size`` leaves.

    0 if the tile does not exist yet, 256 if it is full, else the partial
    width. Requires ``level >= 0``, ``index >= 0`` and ``size >= 0``.
    """
    if level < 0 or index < 0 or size < 0:
        raise ValueError(f"need non-negative level, index and size, got {level}, {index}, {size}")
    complete_nodes = size >> (level * TILE_HEIGHT)
    return max(0, min(TILE_WIDTH, complete_nodes - index * TILE_WIDTH))


def tile_node_ids(level: int, index: int, width: int) -> list[NodeID]:
    """Node ids of the hashes in tile ``(level, index)`` of ``width`` hashes, in tile order.

    Requires ``0 <= level <= 63``, ``index >= 0`` and ``1 <= width <= 256``.
    """
    tree_level, start, end = tile_nodes(level, index, width)
    return [(tree_level, n) for n in range(start, end)]


def read_tile(reader: NodeReader, level: int, index: int, width: int) -> bytes:
    """The tile body: its ``width`` hashes concatenated, read in one ``get_nodes`` call.

    Requires ``1 <= width <= tile_width(level, index, size)`` for the stored ``size``.
    """
    return b"".join(reader.get_nodes(tile_node_ids(level, index, width)))


def node_tile(level: int, index: int) -> tuple[int, int]:
    """(tile level, tile index) of the tile whose hashes node ``(level, index)`` is built from.

    Tree levels ``8L .. 8L + 7`` belong to tile level ``L``. Requires ``level >= 0`` and ``index >= 0``.
    """
    tile_level, height = divmod(level, TILE_HEIGHT)
    return tile_level, index >> (TILE_HEIGHT - height)


def tile_levels(body: bytes) -> list[list[bytes]]:
    """A full tile's nodes by height: element ``h`` holds its ``256 >> h`` nodes at height ``h``
    (0: the tile's own hashes, 8: its root, the hash the tile above holds for it).

    Requires ``len(body) == TILE_SIZE``.
    """
    if len(body) != TILE_SIZE:
        raise ValueError(f"a full tile holds {TILE_SIZE} bytes, got {len(body)}")
    sha256 = hashlib.sha256
    row = [body[k : k + HASH_SIZE] for k in range(0, TILE_SIZE, HASH_SIZE)]
    levels = [row]
    while len(row) > 1:
        pairs = iter(row)
        row = [sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        levels.append(row)
    return levels


def tile_interior(body: bytes) -> bytes:
    """The interior hashes of a full tile: its nodes at heights 4 to 7, height by height, left to right.

    Requires ``len(body) == TILE_SIZE``.
    """
    return b"".join(b"".join(row) for row in tile_levels(body)[INTERIOR_FROM:TILE_HEIGHT])


def tile_node(body: bytes, interior: bytes, level: int, index: int) -> bytes:
    """Hash of node ``(level, index)`` from the full tile ``node_tile(level, index)``.

    ``body`` is that tile's 256 hashes and ``interior`` its ``tile_interior``. Requires
    ``len(body) == TILE_SIZE`` and ``len(interior) == INTERIOR_SIZE``. At most 7 hashes are computed.
    """
    if len(body) != TILE_SIZE or len(interior) != INTERIOR_SIZE:
        raise ValueError(f"a full tile has {TILE_SIZE} + {INTERIOR_SIZE} bytes, got {len(body)} + {len(interior)}")
    height = level % TILE_HEIGHT
    first = (index << height) % TILE_WIDTH  # its first hash in the tile
    if height >= INTERIOR_FROM:
        at = (_INTERIOR_START[height] + (first >> height)) * HASH_SIZE
        return interior[at : at + HASH_SIZE]
    return _fold_up(body[first * HASH_SIZE : (first + (1 << height)) * HASH_SIZE])


class TileBuilder:
    """Builds a log's tiles from its leaf hashes, streamed in index order (memory stays flat).

    ``add`` hands out each full tile as it fills; ``edge`` then gives the right edge,
    the complete nodes no full tile holds, and ``frontier`` the perfect subtrees
    that make up the size.
    """

    def __init__(self) -> None:
        self.size = 0
        self._open: list[list[bytes]] = []  # per tile level, the hashes of its partial tile
        self._full: list[int] = []  # per tile level, how many tiles are full

    def add(self, leaf: bytes) -> list[tuple[int, int, bytes, bytes]]:
        """Append one leaf hash; return the tiles it fills as (tile level, index, body, interior)."""
        filled: list[tuple[int, int, bytes, bytes]] = []
        digest, tile_level = leaf, 0
        self.size += 1
        while True:
            if tile_level == len(self._open):
                self._open.append([])
                self._full.append(0)
            row = self._open[tile_level]
            row.append(digest)
            if len(row) < TILE_WIDTH:
                return filled
            body = b"".join(row)
            levels = tile_levels(body)
            interior = b"".join(b"".join(r) for r in levels[INTERIOR_FROM:TILE_HEIGHT])
            filled.append((tile_level, self._full[tile_level], body, interior))
            row.clear()
            self._full[tile_level] += 1
            digest, tile_level = levels[TILE_HEIGHT][0], tile_level + 1

    def full_tiles(self, tile_level: int) -> int:
        """How many tiles of ``tile_level`` are full."""
        return self._full[tile_level] if tile_level < len(self._full) else 0

    def edge(self) -> dict[NodeID, bytes]:
        """Every complete node inside the partial tiles: their hashes and the subtrees over them."""
        nodes: dict[NodeID, bytes] = {}
        for tile_level, row in enumerate(self._open):
            first = self._full[tile_level] * TILE_WIDTH
            for height in range(TILE_HEIGHT):
                level = tile_level * TILE_HEIGHT + height
                nodes.update(((level, (first >> height) + j), digest) for j, digest in enumerate(row))
                pairs = iter(row)
                row = [hashlib.sha256(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        return nodes

    def frontier(self) -> list[bytes]:
        """The hashes of the perfect subtrees that make up ``size``, largest first (all on the edge)."""
        edge = self.edge()
        levels = [lv for lv in reversed(range(self.size.bit_length())) if self.size >> lv & 1]
        return [edge[(lv, (self.size >> lv) - 1)] for lv in levels]


def _fold_up(hashes: bytes) -> bytes:
    """Root of the perfect subtree over concatenated hashes (a power of two of them)."""
    row: Sequence[bytes] = [hashes[k : k + HASH_SIZE] for k in range(0, len(hashes), HASH_SIZE)]
    while len(row) > 1:
        pairs = iter(row)
        row = [hashlib.sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
    return row[0]
