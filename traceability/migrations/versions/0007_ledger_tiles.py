"""ledger hash tiles: one row per full C2SP tile, the right edge apart (ledger_node becomes ledger_tile + ledger_edge)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

``ledger_node`` held every complete subtree as a row. Each full tile now becomes one
``ledger_tile`` row (its 256 hashes at tree level 8T, and its nodes at heights 4–7,
copied from the old rows), and the nodes no full tile holds move to ``ledger_edge``.
The downgrade expands every tile back into its node rows. Both stream the rows in
batches, so a large log needs no more memory than a small one. The layout is spelled
out here rather than imported, so that this revision keeps meaning what it meant.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEIGHT = 8  # tree levels per tile
WIDTH = 256  # hashes per full tile
HASH = 32
INTERIOR = range(4, HEIGHT)  # heights inside a tile that a tile row also keeps
BATCH = 64  # tiles per read


def _node_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    ]


def upgrade() -> None:
    op.create_table(
        "ledger_tile",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("interior", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table("ledger_edge", *_node_columns())
    conn = op.get_bind()
    size = int(conn.execute(sa.text("SELECT size FROM ledger_head WHERE id = 1")).scalar_one())
    for level in range(size.bit_length()):
        tile_level, height = divmod(level, HEIGHT)
        full = (size >> (tile_level * HEIGHT)) // WIDTH  # full tiles at this tile level
        if height == 0:
            for first in range(0, full, BATCH):
                _copy_tiles(conn, tile_level, first, min(full, first + BATCH))
        conn.execute(
            sa.text(
                "INSERT INTO ledger_edge (level, idx, hash) "
                "SELECT level, idx, hash FROM ledger_node WHERE level = :level AND idx >= :first"
            ),
            {"level": level, "first": full << (HEIGHT - height)},
        )
    op.drop_table("ledger_node")


def _node_rows(conn: sa.Connection, level: int, start: int, end: int) -> list[bytes]:
    """The hashes of nodes (level, start..end-1) of ``ledger_node``; all must be there."""
    rows = conn.execute(
        sa.text("SELECT idx, hash FROM ledger_node WHERE level = :level AND idx >= :start AND idx < :end ORDER BY idx"),
        {"level": level, "start": start, "end": end},
    ).all()
    if [idx for idx, _ in rows] != list(range(start, end)):
        have = {idx for idx, _ in rows}
        gone = next(i for i in range(start, end) if i not in have)
        raise RuntimeError(f"ledger_node lacks node ({level}, {gone}): the log is damaged, see `cashew audit`")
    return [bytes(h) for _, h in rows]


def _copy_tiles(conn: sa.Connection, tile_level: int, start: int, end: int) -> None:
    """Tiles (tile_level, start..end-1) from the node rows of their tree levels."""
    base = tile_level * HEIGHT
    hashes = _node_rows(conn, base, start * WIDTH, end * WIDTH)
    interior = {h: _node_rows(conn, base + h, start << (HEIGHT - h), end << (HEIGHT - h)) for h in INTERIOR}
    rows = []
    for k, n in enumerate(range(start, end)):
        body = b"".join(hashes[k * WIDTH : (k + 1) * WIDTH])
        above = b"".join(b"".join(interior[h][k * (WIDTH >> h) : (k + 1) * (WIDTH >> h)]) for h in INTERIOR)
        rows.append({"level": tile_level, "idx": n, "hashes": body, "interior": above})
    conn.execute(
        sa.text(
            "INSERT INTO ledger_tile (level, idx, hashes, interior) VALUES (:level, :idx, :hashes, :interior)"
        ).bindparams(sa.bindparam("hashes", type_=sa.LargeBinary()), sa.bindparam("interior", type_=sa.LargeBinary())),
        rows,
    )


def downgrade() -> None:
    op.create_table("ledger_node", *_node_columns())
    conn = op.get_bind()
    conn.execute(sa.text("INSERT INTO ledger_node (level, idx, hash) SELECT level, idx, hash FROM ledger_edge"))
    levels = [int(t) for (t,) in conn.execute(sa.text("SELECT DISTINCT level FROM ledger_tile"))]
    for tile_level in sorted(levels):
        after = -1
        while True:
            tiles = conn.execute(
                sa.text(
                    "SELECT idx, hashes, interior FROM ledger_tile WHERE level = :level AND idx > :after "
                    "ORDER BY idx LIMIT :batch"
                ),
                {"level": tile_level, "after": after, "batch": BATCH},
            ).all()
            if not tiles:
                break
            rows = [row for n, body, interior in tiles for row in _expand(tile_level, n, bytes(body), bytes(interior))]
            conn.execute(
                sa.text("INSERT INTO ledger_node (level, idx, hash) VALUES (:level, :idx, :hash)").bindparams(
                    sa.bindparam("hash", type_=sa.LargeBinary())
                ),
                rows,
            )
            after = tiles[-1][0]
    op.drop_table("ledger_edge")
    op.drop_table("ledger_tile")


def _expand(tile_level: int, n: int, body: bytes, interior: bytes) -> list[dict[str, object]]:
    """The node rows of one tile: its hashes, the heights 1–3 above them, and its interior hashes."""
    base = tile_level * HEIGHT
    row = [body[k : k + HASH] for k in range(0, len(body), HASH)]
    levels = [row]
    for _ in range(INTERIOR.start - 1):
        pairs = iter(row)
        row = [hashlib.sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        levels.append(row)
    at = 0
    for h in INTERIOR:
        count = WIDTH >> h
        levels.append([interior[(at + j) * HASH : (at + j + 1) * HASH] for j in range(count)])
        at += count
    return [
        {"level": base + h, "idx": (n << (HEIGHT - h)) + j, "hash": digest}
        for h, hashes in enumerate(levels)
        for j, digest in enumerate(hashes)
    ]
