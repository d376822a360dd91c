"""C2SP tlog-checkpoint bodies, signed as C2SP signed notes with Ed25519.

A checkpoint body is three lines: the log's origin, the tree size in
decimal, and the base64 root hash. Signed, it reads::

    <origin>
    <size>
    <base64 root hash>

    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>

The note primitives live in ``ledger.note`` and are re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger.hashing import HASH_SIZE
from ledger.note import (
    InvalidNote,
    Signer,
    Verifier,
    b64decode_strict,
    b64encode,
    open_note,
    sign_note,
)

__all__ = [
    "Checkpoint",
    "InvalidNote",
    "Signer",
    "Verifier",
    "open_note",
    "sign_checkpoint",
    "sign_note",
    "verify_checkpoint",
]

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its 32-byte root hash."""

    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        if not self.origin or any(ord(c) < 0x20 for c in self.origin):
            raise ValueError(f"origin must be non-empty, one line, no control characters: {self.origin!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"size must be an integer >= 0, got {self.size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"root hash must be {HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text: ``<origin>\\n<size>\\n<base64 root>\\n``."""
        return f"{self.origin}\n{self.size}\n{b64encode(self.root_hash)}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse exactly the output of ``body()``; ValueError on anything else.

        Extension lines are rejected: this log never writes them and this
        type cannot carry them.
        """
        if not text.endswith("\n"):
            raise ValueError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) != 3:
            raise ValueError(f"checkpoint must have exactly 3 lines, got {len(lines)}")
        origin, size, root_b64 = lines
        if not _SIZE.fullmatch(size):
            raise ValueError(f"tree size must be decimal without leading zeros: {size!r}")
        root_hash = b64decode_strict(root_b64)
        if root_hash is None or len(root_hash) != HASH_SIZE:
            raise ValueError(f"root hash must be canonical base64 of {HASH_SIZE} bytes: {root_b64!r}")
        return cls(origin, int(size), root_hash)


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> str:
    """The signed note of ``cp``'s body."""
    return sign_note(cp.body(), signer)


def verify_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """The checkpoint in ``note`` once ``verifier``'s signature on it verifies.

    With ``origin``, the checkpoint's origin must equal it. Raises InvalidNote
    on a bad note or signature, a malformed body, or another origin.
    """
    text = open_note(note, verifier)
    try:
        cp = Checkpoint.parse(text)
    except ValueError as exc:
        raise InvalidNote(f"malformed checkpoint: {exc}") from exc
    if origin is not None and cp.origin != origin:
        raise InvalidNote(f"checkpoint origin mismatch: expected {origin!r}, got {cp.origin!r}")
    return cp
