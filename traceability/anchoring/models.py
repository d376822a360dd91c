"""Ledger tables: entries, hash tiles and the right edge, the head (size and frontier), checkpoints.

Node (L, i) of the RFC 9162 tree is the perfect subtree over leaves
[i·2^L, (i+1)·2^L). ``ledger_tile`` holds each *full* C2SP tlog-tile as one row:
the 256 hashes of nodes (8T, 256N … 256N + 255), plus the tile's nodes at heights
4–7, so that every node at tree levels 8T … 8T + 7 inside it costs one row and at
most 7 hashes. ``ledger_edge`` holds, one row each, the complete nodes that no full
tile holds yet (the partial tile of each tile level and the subtrees over it); when
a tile fills, its edge rows become one tile row. Any root or proof is therefore
O(log n) rows, and a bulk load writes one row per 256 hashes.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Column, LargeBinary, SmallInteger, String, Text
from sqlmodel import Field, SQLModel

from ..types import UtcDateTime


class LedgerHead(SQLModel, table=True):
    __tablename__ = "ledger_head"

    id: int = Field(default=1, primary_key=True)
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # Concatenated 32-byte hashes of the perfect subtrees that make up `size`, largest first.
    frontier: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False, default=b""))


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"

    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    type: str = Field(sa_column=Column(String(32), nullable=False))
    record_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    leaf_data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LedgerTile(SQLModel, table=True):
    __tablename__ = "ledger_tile"

    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))  # tile level T
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))  # tile index N
    # The C2SP tile body: 256 concatenated 32-byte hashes, exactly what GET /ledger/tile/T/N serves.
    hashes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The tile's nodes at heights 4, 5, 6 and 7 (16 + 8 + 4 + 2 hashes), derived from ``hashes``.
    interior: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LedgerEdge(SQLModel, table=True):
    __tablename__ = "ledger_edge"

    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))  # tree level
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LedgerCheckpoint(SQLModel, table=True):
    __tablename__ = "ledger_checkpoint"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    signed_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    # The log key's signature joining this checkpoint to the one stored before it
    # (``ledger.checkpoint.link_message``); NULL only for a checkpoint signed before links existed.
    link: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
