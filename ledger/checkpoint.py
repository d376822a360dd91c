"""C2SP tlog-checkpoint bodies, signed as C2SP signed notes with Ed25519.

A checkpoint body is three lines: the log's origin, the tree size in
decimal, and the base64 root hash. Signed, it reads::

    <origin>
    <size>
    <base64 root hash>

    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>

The note primitives live in ``ledger.note`` and are re-exported here.

A stored checkpoint also carries a *link*: the log key's signature over the
note texts of the checkpoint stored before it and of itself (``link_message``),
so that a checkpoint removed from between two others is seen. The link stays
outside the note, which remains the three-line checkpoint any verifier opens.
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
    "LINK_CONTEXT",
    "Checkpoint",
    "InvalidNote",
    "Signer",
    "Verifier",
    "link_message",
    "open_note",
    "sign_checkpoint",
    "sign_link",
    "sign_note",
    "verify_checkpoint",
    "verify_link",
]

LINK_CONTEXT = b"cashew-checkpoint-link/v1\n"
"""The first line of every message a checkpoint link signs."""

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


def link_message(previous: Checkpoint | None, checkpoint: Checkpoint) -> bytes:
    """What ``checkpoint``'s link signs: ``LINK_CONTEXT``, the note text of ``previous`` (nothing
    for the first checkpoint of a log), then ``checkpoint``'s note text.

    Requires ``previous`` (if any) to have the same origin and a smaller size. A note text is
    exactly three lines, so the message names both checkpoints unambiguously; having four or
    more lines, it is never the text of a checkpoint note the same key signs.
    """
    if previous is not None and (previous.origin != checkpoint.origin or previous.size >= checkpoint.size):
        raise ValueError(
            f"a link joins a checkpoint to a smaller one of its log: got size {previous.size} of "
            f"{previous.origin!r} before size {checkpoint.size} of {checkpoint.origin!r}"
        )
    before = "" if previous is None else previous.body()
    return LINK_CONTEXT + before.encode() + checkpoint.body().encode()


def sign_link(previous: Checkpoint | None, checkpoint: Checkpoint, signer: Signer) -> bytes:
    """The 64-byte link of ``checkpoint`` to ``previous``, stored before it (None: it is the first)."""
    return signer.sign(link_message(previous, checkpoint))


def verify_link(link: bytes, previous: Checkpoint | None, checkpoint: Checkpoint, verifier: Verifier) -> None:
    """Raises InvalidNote unless ``link`` is ``verifier``'s signature of ``link_message(previous, checkpoint)``.

    Requires what ``link_message`` requires.
    """
    if not verifier.verify(link_message(previous, checkpoint), link):
        before = "none" if previous is None else f"size {previous.size}"
        raise InvalidNote(
            f"the link of checkpoint {checkpoint.size} is not {verifier.name}'s signature "
            f"joining it to the checkpoint before it ({before})"
        )
