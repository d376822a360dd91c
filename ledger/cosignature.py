"""C2SP tlog-cosignature/v1: a witness's timestamped Ed25519 signature of a checkpoint.

A cosignature is one more signature line on the log's signed note::

    — <witness name> <base64(4-byte key id || 8-byte big-endian time || 64-byte signature)>

The signature covers ``cosignature/v1\\ntime <time>\\n`` followed by the
checkpoint's note text (its body, final newline included). The key id is the
first 4 bytes of ``SHA-256(name || 0x0A || 0x04 || public key)``; keys travel
as ``<name>+<key id hex>+<base64(0x04 || public key)>`` (verifier key) and
``PRIVATE+KEY+<name>+<key id hex>+<base64(0x04 || seed)>`` (signer key).
A verifier of the log's key alone ignores these lines (``ledger.note.open_note``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from cryptography.exceptions import InvalidSignature

from ledger.note import (
    InvalidNote,
    NoteSignature,
    SignerKey,
    VerifierKey,
    key_id,
    split_note,
)

__all__ = [
    "COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "Cosignature",
    "CosignatureCheck",
    "CosignatureSigner",
    "CosignatureVerifier",
    "InvalidNote",
    "cosign",
    "cosignature_key_id",
    "cosigned_message",
    "note_body",
    "verify_cosignatures",
]

COSIGNATURE_V1 = 0x04
"""Signature type byte of timestamped Ed25519 cosignatures in key ids and key strings."""

MAX_TIMESTAMP = 2**63 - 1
"""The largest timestamp a cosignature may carry."""

_SIGNATURE_SIZE = 8 + 64  # timestamp, Ed25519 signature


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || 0x04 || public_key)."""
    return key_id(name, public_key, COSIGNATURE_V1)


def cosigned_message(body: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint body, as bytes.

    Requires ``0 <= timestamp <= MAX_TIMESTAMP`` and a body ending in a newline.
    """
    _check_timestamp(timestamp)
    if not body.endswith("\n"):
        raise ValueError("checkpoint body must end with a newline")
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def note_body(note_or_body: str) -> str:
    """The note text of a signed note (up to its last blank line), or the text itself if it has no signatures.

    Raises InvalidNote if it looks like a note (holds a blank line) but is malformed.
    """
    if "\n\n" not in note_or_body:
        return note_or_body
    return split_note(note_or_body)[0]


@dataclass(frozen=True)
class Cosignature:
    """One cosignature line: the witness's name and key id, the time it signed and its Ed25519 signature."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    def line(self) -> str:
        """The note signature line, newline included."""
        raw = self.timestamp.to_bytes(8, "big") + self.signature
        return NoteSignature(self.name, self.key_id, raw).line()


class CosignatureVerifier(VerifierKey):
    """A witness's cosignature/v1 verifier: its name and 32-byte Ed25519 public key."""

    KEY_TYPE: ClassVar[int] = COSIGNATURE_V1
    WHAT: ClassVar[str] = "witness verifier key"

    def verify(self, body: str, cosignature: Cosignature) -> bool:
        """True iff ``cosignature`` is by this key (name, key id) and signs ``body`` at its timestamp."""
        if cosignature.name != self.name or not hmac.compare_digest(cosignature.key_id, self.key_id):
            return False
        if not 0 <= cosignature.timestamp <= MAX_TIMESTAMP or len(cosignature.signature) != 64:
            return False
        try:
            self._key.verify(cosignature.signature, cosigned_message(body, cosignature.timestamp))
        except (InvalidSignature, ValueError):
            return False
        return True


class CosignatureSigner(SignerKey):
    """A witness's cosignature/v1 signer: its name and 32-byte Ed25519 private seed."""

    KEY_TYPE: ClassVar[int] = COSIGNATURE_V1
    WHAT: ClassVar[str] = "witness signer key"

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)

    def sign(self, body: str, timestamp: int) -> Cosignature:
        """The cosignature of the checkpoint ``body`` at ``timestamp``."""
        signature = self._key.sign(cosigned_message(body, timestamp))
        return Cosignature(self.name, self.key_id, timestamp, signature)


def cosign(checkpoint: str, signer: CosignatureSigner, timestamp: int) -> str:
    """``signer``'s cosignature line (newline included) on a checkpoint, given as its signed note or its body.

    Requires ``1 <= timestamp <= MAX_TIMESTAMP`` (tlog-witness forbids a zero
    time). The checkpoint is not verified here: a witness checks it first.
    """
    if timestamp < 1:
        raise ValueError(f"a cosignature's timestamp must be positive, got {timestamp}")
    return signer.sign(note_body(checkpoint), timestamp).line()


CheckStatus = Literal["valid", "missing", "invalid"]


@dataclass(frozen=True)
class CosignatureCheck:
    """What a note holds for one trusted witness: a valid cosignature, none, or an invalid one (and why)."""

    verifier: CosignatureVerifier
    status: CheckStatus
    cosignature: Cosignature | None = None
    reason: str = ""

    @property
    def valid(self) -> bool:
        """True iff the witness's cosignature is present and verifies."""
        return self.status == "valid"


def verify_cosignatures(note: str, verifiers: Iterable[CosignatureVerifier]) -> dict[str, CosignatureCheck]:
    """For each trusted witness, by name: its cosignature on ``note``'s checkpoint, or why there is none.

    A line counts for a witness only if both its name and key id match; lines
    of other keys (the log's own, unknown witnesses) are ignored. A matching
    line whose signature does not verify makes that witness ``invalid``. The
    log's signature is not checked here (``ledger.checkpoint.verify_checkpoint``
    does). Raises InvalidNote if the note is malformed, ValueError if two
    verifiers share a name.
    """
    text, signatures = split_note(note)
    checks: dict[str, CosignatureCheck] = {}
    for verifier in verifiers:
        if verifier.name in checks:
            raise ValueError(f"two witness keys named {verifier.name!r}")
        checks[verifier.name] = _check(text, signatures, verifier)
    return checks


def _check(text: str, signatures: list[NoteSignature], verifier: CosignatureVerifier) -> CosignatureCheck:
    for name, kid, raw in signatures:
        if name != verifier.name or not hmac.compare_digest(kid, verifier.key_id):
            continue
        if len(raw) != _SIGNATURE_SIZE:
            reason = (
                f"cosignature by {verifier.name}+{verifier.key_id.hex()} is {len(raw)} bytes, not {_SIGNATURE_SIZE}"
            )
            return CosignatureCheck(verifier, "invalid", reason=reason)
        cosignature = Cosignature(name, kid, int.from_bytes(raw[:8], "big"), raw[8:])
        if cosignature.timestamp > MAX_TIMESTAMP:
            reason = f"cosignature by {verifier.name}+{verifier.key_id.hex()} has a timestamp above 2^63 - 1"
            return CosignatureCheck(verifier, "invalid", cosignature, reason)
        if not verifier.verify(text, cosignature):
            reason = f"cosignature by {verifier.name}+{verifier.key_id.hex()} does not verify"
            return CosignatureCheck(verifier, "invalid", cosignature, reason)
        return CosignatureCheck(verifier, "valid", cosignature)
    return CosignatureCheck(verifier, "missing", reason=f"no cosignature by {verifier.name}+{verifier.key_id.hex()}")


def _check_timestamp(timestamp: int) -> None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp must be an integer in [0, 2^63 - 1], got {timestamp!r}")
