"""Witnesses of the log (SPEC §5.7): who is asked to cosign each checkpoint, and what they answered.

The policy is a file (``CASHEW_WITNESS_POLICY``) of lines ``witness NAME VKEY URL`` and one
``quorum K``, ``#`` starting a comment. Cosignatures are kept beside their checkpoint
(``ledger_cosignature``), one line per witness; a checkpoint is served with every line it has.
Asking the witnesses is the server's (``api.cosigning``): nothing here speaks HTTP.
"""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import BigInteger, Column, ForeignKey, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from ledger.cosignature import CosignatureVerifier, InvalidNote, verify_cosignatures

from .models import LedgerCheckpoint


class LedgerCosignature(SQLModel, table=True):
    """A witness's cosignature line of one checkpoint (C2SP tlog-cosignature/v1)."""

    __tablename__ = "ledger_cosignature"

    size: int = Field(
        sa_column=Column(BigInteger, ForeignKey("ledger_checkpoint.size"), primary_key=True, autoincrement=False)
    )
    witness: str = Field(sa_column=Column(String(255), primary_key=True))
    line: str = Field(sa_column=Column(Text, nullable=False))  # "— NAME base64(…)\n", as the witness sent it
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))  # when the witness cosigned (UNIX s)


class PolicyError(ValueError):
    """A policy file that cannot be read: which line, and why."""


@dataclass(frozen=True)
class Witness:
    name: str
    verifier: CosignatureVerifier
    url: str  # the submission prefix: POST {url}/add-checkpoint


@dataclass(frozen=True)
class WitnessPolicy:
    witnesses: tuple[Witness, ...]
    quorum: int

    @classmethod
    def read(cls, path: Path) -> "WitnessPolicy":
        witnesses: list[Witness] = []
        quorum: int | None = None
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            words = raw.split("#", 1)[0].split()
            if not words:
                continue
            where = f"{path}:{number}"
            if words[0] == "witness" and len(words) == 4:
                _, name, vkey, url = words
                try:
                    verifier = CosignatureVerifier.from_vkey(vkey)
                except (InvalidNote, ValueError) as exc:
                    raise PolicyError(f"{where}: {vkey!r} is not a witness key (cosignature/v1): {exc}") from None
                if verifier.name != name:
                    raise PolicyError(f"{where}: the key names {verifier.name!r}, the line {name!r}")
                if any(w.name == name for w in witnesses):
                    raise PolicyError(f"{where}: witness {name!r} is named twice")
                if not url.startswith(("http://", "https://")):
                    raise PolicyError(f"{where}: {url!r} is not an http(s) URL")
                witnesses.append(Witness(name, verifier, url.rstrip("/")))
            elif words[0] == "quorum" and len(words) == 2 and words[1].isdigit() and quorum is None:
                quorum = int(words[1])
            else:
                raise PolicyError(f"{where}: expected 'witness NAME VKEY URL' or one 'quorum K', not {raw.strip()!r}")
        if not witnesses:
            raise PolicyError(f"{path}: names no witness")
        quorum = len(witnesses) if quorum is None else quorum
        if not 1 <= quorum <= len(witnesses):
            raise PolicyError(f"{path}: quorum {quorum} must be between 1 and the {len(witnesses)} witnesses named")
        return cls(tuple(witnesses), quorum)


def cosigned(session: Session, checkpoint: LedgerCheckpoint) -> str:
    """The checkpoint's note with every cosignature line collected for it (by witness name)."""
    lines = session.scalars(
        select(col(LedgerCosignature.line))
        .where(col(LedgerCosignature.size) == checkpoint.size)
        .order_by(col(LedgerCosignature.witness))
    )
    return checkpoint.note + "".join(lines)


def newest_cosigned(session: Session, count: int, *, covering: int = 0) -> LedgerCheckpoint | None:
    """The newest checkpoint of at least ``covering`` entries with ``count`` or more cosignatures."""
    if count <= 0:
        stmt = select(LedgerCheckpoint).where(col(LedgerCheckpoint.size) >= covering)
        return session.scalars(stmt.order_by(col(LedgerCheckpoint.size).desc()).limit(1)).first()
    size = session.scalar(
        select(col(LedgerCosignature.size))
        .where(col(LedgerCosignature.size) >= covering)
        .group_by(col(LedgerCosignature.size))
        .having(func.count() >= count)
        .order_by(col(LedgerCosignature.size).desc())
        .limit(1)
    )
    return None if size is None else session.get(LedgerCheckpoint, size)


def cosigners(session: Session, size: int) -> list[LedgerCosignature]:
    stmt = select(LedgerCosignature).where(col(LedgerCosignature.size) == size)
    return list(session.scalars(stmt.order_by(col(LedgerCosignature.witness))))


def last_cosigned(session: Session, witness: str) -> int | None:
    """The largest size ``witness`` cosigned for us (what it remembers, unless it lost its state)."""
    stmt = select(func.max(col(LedgerCosignature.size))).where(col(LedgerCosignature.witness) == witness)
    found: int | None = session.scalar(stmt)
    return found


def accept(session: Session, checkpoint: LedgerCheckpoint, witness: Witness, answer: str) -> LedgerCosignature:
    """Keep a witness's answer to ``checkpoint`` if it holds a valid cosignature of it by that witness.

    Raises ``InvalidNote`` otherwise (the answer is not stored)."""
    lines = [line + "\n" for line in answer.splitlines() if line.startswith("— ")]
    check = verify_cosignatures(checkpoint.note + "".join(lines), [witness.verifier])[witness.name]
    if not check.valid or check.cosignature is None:
        raise InvalidNote(f"witness {witness.name} answered no valid cosignature: {check.reason}")
    row = LedgerCosignature(
        size=checkpoint.size, witness=witness.name, line=check.cosignature.line(), timestamp=check.cosignature.timestamp
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # cosigned already (another worker asked too): keep the first
        pass
    return row
