"""The ledger's storage in the application database (the SQL side of ``ledger.store.LogStore``).

Sequencing: every append first locks the single ``ledger_head`` row
(``SELECT … FOR UPDATE``; on SQLite the write transaction already holds the
database's write lock from ``BEGIN IMMEDIATE``). Indices are therefore handed
out one transaction at a time, with no gap and no fork, on any number of
processes and hosts; the lock is released by the same commit that stores the
records and their entries.

Layout (``models``): a full tile is one ``ledger_tile`` row, every complete node
no full tile holds is a ``ledger_edge`` row. An append hashes its leaves and the
nodes they complete level by level (``ledger.tree.append_leaves``), inserts the
tiles they fill, replaces those tiles' edge rows, and inserts the new edge nodes.
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select, update

from ledger.checkpoint import Checkpoint, Signer, sign_checkpoint, sign_link
from ledger.tiles import INTERIOR_FROM, INTERIOR_SIZE, TILE_HEIGHT, TILE_SIZE, TILE_WIDTH, node_tile, tile_node
from ledger.tree import NodeID, append_leaves, frontier_root, root

from .models import LedgerCheckpoint, LedgerEdge, LedgerEntry, LedgerHead, LedgerTile

HASH = 32
NODES_PER_QUERY = 200
# The Core tables (SQLModel sets ``__table__`` without declaring it; the metadata's tables are typed).
_head = LedgerHead.metadata.tables[LedgerHead.__tablename__]
_entry = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_tile = LedgerTile.metadata.tables[LedgerTile.__tablename__]
_edge = LedgerEdge.metadata.tables[LedgerEdge.__tablename__]
_checkpoint = LedgerCheckpoint.metadata.tables[LedgerCheckpoint.__tablename__]

Tile = tuple[int, int, bytes, bytes]
"""A ``ledger_tile`` row: (tile level, tile index, its 256 hashes, its interior hashes)."""


@lru_cache(maxsize=512)
def _nodes_sql(mark: str, tiles: int, nodes: int) -> str:
    """Point lookups of ``tiles`` tiles and ``nodes`` edge nodes in one statement, built once per
    pair of counts (an OR of primary-key equalities: SQLite turns a row-value ``IN`` into a full
    scan, and SQLAlchemy would rebuild the expression on every proof)."""
    key = f"(level = {mark} AND idx = {mark})"
    return (
        f"SELECT 1, level, idx, hashes, interior FROM ledger_tile WHERE {' OR '.join([key] * tiles)} "
        f"UNION ALL SELECT 0, level, idx, hash, NULL FROM ledger_edge WHERE {' OR '.join([key] * nodes)}"
    )


class LedgerCorrupted(RuntimeError):
    """The stored hashes disagree with the head: refuse to sign anything."""


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + HASH] for i in range(0, len(frontier), HASH)]


def _is_full(body: bytes, interior: bytes) -> bool:
    return len(body) == TILE_SIZE and len(interior) == INTERIOR_SIZE


class SqlLog:
    """A ``LogStore`` over one SQLAlchemy connection (inside the caller's transaction).

    Node ``(L, i)`` is read from the full tile ``node_tile(L, i)`` when it is stored, else
    from its ``ledger_edge`` row; both are asked for in one statement.
    """

    def __init__(self, conn: Connection):
        """A view of the log in ``conn``'s current transaction (an instance belongs to one transaction:
        once it holds the sequencing lock it remembers the head it locked, and keeps it up to date
        through its own appends)."""
        self.conn = conn
        self._mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._locked: tuple[int, list[bytes]] | None = None

    # -- reading ---------------------------------------------------------------
    def size(self) -> int:
        return int(self.conn.execute(select(_head.c.size).where(_head.c.id == 1)).scalar_one())

    def get_nodes(self, ids: Sequence[NodeID]) -> list[bytes]:
        found = self._lookup(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise LedgerCorrupted(f"ledger nodes missing from storage: {missing[:5]}")
        return [found[i] for i in ids]

    def stored_nodes(self, ids: Sequence[NodeID]) -> list[bytes | None]:
        """Like ``get_nodes``, with None for a node that no stored row gives."""
        found = self._lookup(ids)
        return [found.get(i) for i in ids]

    def _lookup(self, ids: Sequence[NodeID]) -> dict[NodeID, bytes]:
        wanted = list(dict.fromkeys(ids))
        found: dict[NodeID, bytes] = {}
        for start in range(0, len(wanted), NODES_PER_QUERY):  # SQLite caps an expression's depth at 1,000
            chunk = wanted[start : start + NODES_PER_QUERY]
            homes = {node: node_tile(*node) for node in chunk}
            tile_ids = list(dict.fromkeys(homes.values()))
            params = tuple(v for key in tile_ids + chunk for v in key)
            tiles: dict[tuple[int, int], tuple[bytes, bytes]] = {}
            edge: dict[NodeID, bytes] = {}
            for full, level, idx, hashes, interior in self.conn.exec_driver_sql(
                _nodes_sql(self._mark, len(tile_ids), len(chunk)), params
            ):
                if full:
                    tiles[(level, idx)] = (bytes(hashes), bytes(interior))
                else:
                    edge[(level, idx)] = bytes(hashes)
            for node in chunk:
                tile = tiles.get(homes[node])
                if tile is not None and _is_full(*tile):
                    found[node] = tile_node(tile[0], tile[1], *node)
                elif node in edge:
                    found[node] = edge[node]
        return found

    def nodes_at(self, level: int, start: int, end: int) -> list[bytes]:
        """Hashes of nodes (level, start..end-1) that are stored, in order (a tile is one such range)."""
        if level % TILE_HEIGHT:
            found = self._lookup([(level, i) for i in range(start, end)])
            return [found[(level, i)] for i in range(start, end) if (level, i) in found]
        hashes: dict[int, bytes] = {}
        rows = self.conn.execute(
            select(_tile.c.idx, _tile.c.hashes, _tile.c.interior).where(
                _tile.c.level == level // TILE_HEIGHT,
                _tile.c.idx >= start // TILE_WIDTH,
                _tile.c.idx <= (end - 1) // TILE_WIDTH,
            )
        )
        for n, body, interior in rows:
            if _is_full(bytes(body), bytes(interior)):
                first = n * TILE_WIDTH
                for i in range(max(start, first), min(end, first + TILE_WIDTH)):
                    hashes[i] = bytes(body[(i - first) * HASH : (i - first + 1) * HASH])
        if len(hashes) < end - start:
            edge = self.conn.execute(
                select(_edge.c.idx, _edge.c.hash).where(_edge.c.level == level, _edge.c.idx >= start, _edge.c.idx < end)
            )
            for i, h in edge:
                hashes.setdefault(i, bytes(h))
        return [hashes[i] for i in range(start, end) if i in hashes]

    def stored_tiles(self, ids: Sequence[tuple[int, int]]) -> list[tuple[bytes, bytes] | None]:
        """The rows of full tiles ``(tile level, index)``: (256 hashes, interior hashes), None if absent."""
        found: dict[tuple[int, int], tuple[bytes, bytes]] = {}
        wanted = list(dict.fromkeys(ids))
        key = f"(level = {self._mark} AND idx = {self._mark})"
        for start in range(0, len(wanted), NODES_PER_QUERY):
            chunk = wanted[start : start + NODES_PER_QUERY]
            sql = f"SELECT level, idx, hashes, interior FROM ledger_tile WHERE {' OR '.join([key] * len(chunk))}"
            for level, idx, hashes, interior in self.conn.exec_driver_sql(sql, tuple(v for t in chunk for v in t)):
                found[(level, idx)] = (bytes(hashes), bytes(interior))
        return [found.get(t) for t in ids]

    def edge_nodes(self) -> dict[NodeID, bytes]:
        """Every ``ledger_edge`` row (at most 510 per tile level)."""
        rows = self.conn.execute(select(_edge.c.level, _edge.c.idx, _edge.c.hash))
        return {(level, idx): bytes(h) for level, idx, h in rows}

    def last_tiles(self) -> dict[int, int]:
        """The highest stored tile index of each tile level."""
        rows = self.conn.execute(select(_tile.c.level, func.max(_tile.c.idx)).group_by(_tile.c.level))
        return {int(level): int(idx) for level, idx in rows}

    def leaf_data(self, index: int) -> bytes:
        return bytes(self.conn.execute(select(_entry.c.leaf_data).where(_entry.c.idx == index)).scalar_one())

    def root(self, size: int | None = None) -> bytes:
        return root(self, self.size() if size is None else size)

    # -- writing ---------------------------------------------------------------
    def head(self) -> tuple[int, list[bytes]]:
        """(size, frontier) as stored, without taking the sequencing lock."""
        row = self.conn.execute(select(_head.c.size, _head.c.frontier).where(_head.c.id == 1)).one()
        return int(row.size), _split(bytes(row.frontier))

    def lock(self) -> tuple[int, list[bytes]]:
        """Take the sequencing lock for this transaction; return (size, frontier).

        The head is read once per instance: a write group locks, appends and signs through one.
        """
        if self._locked is None:
            stmt = select(_head.c.size, _head.c.frontier).where(_head.c.id == 1).with_for_update()
            row = self.conn.execute(stmt).one()
            self._locked = int(row.size), _split(bytes(row.frontier))
        size, frontier = self._locked
        return size, list(frontier)

    def append(self, leaves: Sequence[bytes], kinds: Sequence[tuple[str, str]] | None = None) -> list[int]:
        """Append leaf data (with optional (type, record_id) labels); return their indices.

        Writes one entry row per leaf, one tile row per tile the leaves fill, and the new
        right-edge nodes; the edge rows of a tile that fills are replaced by its tile row.
        """
        size, frontier = self.lock()
        if not leaves:
            return []
        sha256 = hashlib.sha256
        frontier, created = append_leaves(frontier, size, [sha256(b"\x00" + data).digest() for data in leaves])
        labels = kinds if kinds else [("", "")] * len(leaves)
        entries = [(size + k, t, r, data) for k, ((t, r), data) in enumerate(zip(labels, leaves, strict=True))]
        tiles, edge, cleared = self._layout(size, size + len(leaves), created)
        m = self._mark
        # Plain tuples through the driver's executemany: several times faster than ORM/Core dicts for bulk loads.
        self.conn.exec_driver_sql(
            f"INSERT INTO ledger_entry (idx, type, record_id, leaf_data) VALUES ({m}, {m}, {m}, {m})", entries
        )
        if cleared:
            self.conn.exec_driver_sql(f"DELETE FROM ledger_edge WHERE level >= {m} AND level < {m}", cleared)
        if tiles:
            self.conn.exec_driver_sql(
                f"INSERT INTO ledger_tile (level, idx, hashes, interior) VALUES ({m}, {m}, {m}, {m})", tiles
            )
        if edge:
            self.conn.exec_driver_sql(f"INSERT INTO ledger_edge (level, idx, hash) VALUES ({m}, {m}, {m})", edge)
        self.conn.execute(
            update(_head).where(_head.c.id == 1).values(size=size + len(leaves), frontier=b"".join(frontier))
        )
        self._locked = size + len(leaves), list(frontier)
        return [e[0] for e in entries]

    def _layout(
        self, size: int, new_size: int, created: list[list[bytes]]
    ) -> tuple[list[Tile], list[tuple[int, int, bytes]], list[tuple[int, int]]]:
        """Rows for the nodes ``created`` by growing from ``size`` to ``new_size`` leaves:
        (tiles filled, new edge rows, tree-level ranges whose edge rows the filled tiles replace)."""
        tiles: list[Tile] = []
        edge: list[tuple[int, int, bytes]] = []
        cleared: list[tuple[int, int]] = []
        for tile_level in range(-(-len(created) // TILE_HEIGHT)):
            base = tile_level * TILE_HEIGHT
            old, new = size >> base, new_size >> base  # complete nodes at the tiles' own level
            open_tile = new // TILE_WIDTH  # the first tile that stays partial
            filled = range(old // TILE_WIDTH, open_tile)
            if filled and old % TILE_WIDTH:  # the partial tile fills: its edge rows are folded in
                carried = self._edge_rows(base)
                cleared.append((base, base + TILE_HEIGHT))
            else:
                carried = {}
            tiles.extend(_full_tile(tile_level, n, size, created, carried) for n in filled)
            for height in range(min(TILE_HEIGHT, len(created) - base)):
                level = base + height
                row, first = created[level], size >> level
                keep = max(0, (open_tile << (TILE_HEIGHT - height)) - first)
                edge.extend((level, first + j, row[j]) for j in range(keep, len(row)))
        return tiles, edge, cleared

    def _edge_rows(self, base: int) -> dict[NodeID, bytes]:
        rows = self.conn.execute(
            select(_edge.c.level, _edge.c.idx, _edge.c.hash).where(
                _edge.c.level >= base, _edge.c.level < base + TILE_HEIGHT
            )
        )
        return {(level, idx): bytes(h) for level, idx, h in rows}

    # -- checkpoints -------------------------------------------------------------
    def latest_checkpoint(self) -> LedgerCheckpoint | None:
        row = self.conn.execute(select(_checkpoint).order_by(_checkpoint.c.size.desc()).limit(1)).first()
        return LedgerCheckpoint(**row._mapping) if row else None

    def checkpoint_at(self, size: int) -> LedgerCheckpoint | None:
        row = self.conn.execute(select(_checkpoint).where(_checkpoint.c.size == size)).first()
        return LedgerCheckpoint(**row._mapping) if row else None

    def sign(self, signer: Signer, at: datetime) -> LedgerCheckpoint:
        """Sign the current head, after checking the stored hashes give the head's root.

        Requires the sequencing lock (call inside the appending transaction).
        Never signs a size below the latest checkpoint, nor a second root for one size.
        The new checkpoint is linked to the latest one stored (``ledger.checkpoint.sign_link``).
        """
        size, frontier = self.lock()
        expected = frontier_root(frontier)
        computed = root(self, size)
        if computed != expected:
            raise LedgerCorrupted(f"stored nodes give root {computed.hex()} but the head says {expected.hex()}")
        latest = self.latest_checkpoint()
        if latest is not None and (latest.size > size or (latest.size == size and latest.root_hash != computed)):
            raise LedgerCorrupted(f"refusing to sign size {size}: checkpoint at size {latest.size} exists")
        if latest is not None and latest.size == size:
            return latest
        checkpoint = Checkpoint(signer.name, size, computed)
        previous = None if latest is None else Checkpoint(signer.name, latest.size, bytes(latest.root_hash))
        values: dict[str, Any] = {
            "size": size,
            "root_hash": computed,
            "note": sign_checkpoint(checkpoint, signer),
            "signed_at": at,
            "link": sign_link(previous, checkpoint, signer),
        }
        self.conn.execute(_checkpoint.insert().values(**values))
        return LedgerCheckpoint(**values)

    def checkpoint_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(_checkpoint)).scalar_one())


__all__ = ["LedgerCorrupted", "SqlLog"]


def _full_tile(tile_level: int, n: int, size: int, created: list[list[bytes]], carried: dict[NodeID, bytes]) -> Tile:
    """The row of tile ``(tile_level, n)``, which the append filled: its hashes and interior hashes from
    the new nodes, and from ``carried`` (its edge rows) for the nodes it held before."""
    base = tile_level * TILE_HEIGHT

    def node(level: int, j: int) -> bytes:
        first = size >> level
        if j >= first:
            return created[level][j - first]
        if (level, j) not in carried:
            raise LedgerCorrupted(f"ledger node ({level}, {j}) is missing from the right edge")
        return carried[(level, j)]

    first = size >> base
    if n * TILE_WIDTH >= first:  # every hash is new
        body = b"".join(created[base][n * TILE_WIDTH - first : (n + 1) * TILE_WIDTH - first])
    else:
        body = b"".join(node(base, j) for j in range(n * TILE_WIDTH, (n + 1) * TILE_WIDTH))
    interior = b"".join(
        node(base + h, j)
        for h in range(INTERIOR_FROM, TILE_HEIGHT)
        for j in range(n << (TILE_HEIGHT - h), (n + 1) << (TILE_HEIGHT - h))
    )
    return tile_level, n, body, interior
