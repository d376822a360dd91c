"""Ledger tables: entries, complete-subtree nodes, the head (size and frontier), checkpoints.

``ledger_node`` holds every *complete* subtree of the RFC 9162 tree as
(level, index): node (L, i) covers leaves [i·2^L, (i+1)·2^L). Any root or proof
is therefore O(log n) point reads. The rows at levels 0, 8, 16… are exactly the
hashes of C2SP tlog-tiles, so a tile is one range read.
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


class LedgerNode(SQLModel, table=True):
    __tablename__ = "ledger_node"

    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LedgerCheckpoint(SQLModel, table=True):
    __tablename__ = "ledger_checkpoint"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    signed_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
