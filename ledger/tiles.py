"""C2SP tlog-tiles: tile coordinates, paths and widths.

Tile ``(L, N)`` holds the hashes of the complete tree nodes at tree level
``8 * L`` with node indices ``[N * 256, N * 256 + W)``: level-0 tiles hold
leaf hashes, level-1 tiles the roots of full level-0 tiles, and so on. Its
path is ``tile/<L>/<N>[.p/<W>]``, ``.p/<W>`` only for a partial tile
(1 <= W <= 255). The tile body is the concatenation of its W hashes.
"""

from __future__ import annotations

import re

from ledger.tree import NodeID, NodeReader

__all__ = [
    "MAX_TILE_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "encode_tile_index",
    "parse_tile_path",
    "read_tile",
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
