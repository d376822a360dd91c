"""C2SP signed-note with Ed25519 keys (the format of golang.org/x/mod/sumdb/note).

A signed note is a text ending in a newline, a blank line, then signature
lines ``— <key name> <base64(4-byte key id || 64-byte signature)>``. The
key id is the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``.
Keys travel as strings: ``<name>+<key id hex>+<base64(0x01 || public key)>``
(verifier key) and ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>``
(signer key, secret).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "ED25519",
    "InvalidNote",
    "Signer",
    "Verifier",
    "b64decode_strict",
    "b64encode",
    "key_id",
    "open_note",
    "sign_note",
]

ED25519 = 0x01
"""Signature type byte of Ed25519 in key ids and key strings."""

_DASH = "\u2014 "  # em dash, space: starts every signature line
_MAX_SIGNATURES = 100


class InvalidNote(Exception):
    """A signed note is malformed, lacks a signature by the expected key, or a signature is bad."""


def key_id(name: str, public_key: bytes) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || 0x01 || public_key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


class Verifier:
    """An Ed25519 note verifier: a key name and a 32-byte public key."""

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        if len(public_key) != 32:
            raise ValueError(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse ``<name>+<8 hex key id>+<base64(0x01 || public key)>``; ValueError if malformed."""
        parts = vkey.split("+", 2)  # the base64 key may itself hold "+"
        if len(parts) != 3:
            raise ValueError("verifier key must be <name>+<key id>+<key>")
        name, id_hex, key_b64 = parts
        public_key = _decode_key(key_b64, "verifier key")
        verifier = cls(name, public_key)
        _check_key_id(id_hex, verifier.key_id)
        return verifier

    @property
    def vkey(self) -> str:
        """``<name>+<key id hex>+<base64(0x01 || public key)>``."""
        return _key_string(self.name, self.key_id, self.public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """True iff ``sig`` is this key's Ed25519 signature of ``msg``."""
        if len(sig) != 64:
            return False
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class Signer:
    """An Ed25519 note signer: a key name and a 32-byte private seed."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise ValueError(f"Ed25519 seed must be 32 bytes, got {len(seed)}")
        self.name = name
        self.seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new signer with a random seed."""
        return cls(name, secrets.token_bytes(32))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        """The signer for a 32-byte Ed25519 private seed."""
        return cls(name, seed)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || seed)>``.

        Raises ValueError if malformed or if the key id does not match the key.
        """
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ValueError("signer key must be PRIVATE+KEY+<name>+<key id>+<key>")
        _, _, name, id_hex, key_b64 = parts
        signer = cls(name, _decode_key(key_b64, "signer key"))
        _check_key_id(id_hex, signer.key_id)
        return signer

    @property
    def vkey(self) -> str:
        """The verifier key string to publish."""
        return _key_string(self.name, self.key_id, self.public_key)

    @property
    def skey(self) -> str:
        """The secret signer key string (keep it private)."""
        return "PRIVATE+KEY+" + _key_string(self.name, self.key_id, self.seed)

    def verifier(self) -> Verifier:
        """The matching verifier."""
        return Verifier(self.name, self.public_key)

    def sign(self, msg: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``msg``."""
        return self._key.sign(msg)


def sign_note(text: str, signer: Signer) -> str:
    """``text`` followed by a blank line and ``signer``'s signature line.

    Requires ``text`` to be non-empty, end with a newline and hold no control
    characters other than newline.
    """
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    _check_characters(text, ValueError)
    sig = signer.sign(text.encode())
    return f"{text}\n{_DASH}{signer.name} {b64encode(signer.key_id + sig)}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of ``note`` once a signature by ``verifier`` (name and key id) verifies.

    Signatures by other keys are ignored. Raises InvalidNote if the note is
    malformed, has no signature by ``verifier``, or that signature is bad.
    """
    _check_characters(note, InvalidNote)
    split = note.rfind("\n\n")
    if split < 0:
        raise InvalidNote("malformed note: no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise InvalidNote("malformed note: the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise InvalidNote(f"malformed note: more than {_MAX_SIGNATURES} signatures")
    found = False
    seen: set[tuple[str, bytes]] = set()
    for line in lines:
        name, sig_key_id, sig = _parse_signature_line(line)
        if (name, sig_key_id) in seen:
            raise InvalidNote(f"malformed note: two signatures by {name}")
        seen.add((name, sig_key_id))
        if name != verifier.name or not hmac.compare_digest(sig_key_id, verifier.key_id):
            continue
        if not verifier.verify(text.encode(), sig):
            raise InvalidNote(f"bad signature by {verifier.name}+{verifier.key_id.hex()}")
        found = True
    if not found:
        raise InvalidNote(f"no signature by {verifier.name}+{verifier.key_id.hex()}")
    return text


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    """(key name, key id, signature) of ``— <name> <base64>``; InvalidNote if malformed."""
    if not line.startswith(_DASH):
        raise InvalidNote(f"malformed signature line {line!r}")
    name, space, encoded = line[len(_DASH) :].partition(" ")
    if not space or not _is_valid_name(name):
        raise InvalidNote(f"malformed signature line {line!r}")
    raw = b64decode_strict(encoded)
    if raw is None or len(raw) < 5:
        raise InvalidNote(f"malformed signature in line {line!r}")
    return name, raw[:4], raw[4:]


def _check_characters(value: str, error: type[Exception]) -> None:
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise error("note is not valid UTF-8") from exc
    if any(ord(c) < 0x20 and c != "\n" for c in value):
        raise error("note contains a control character other than newline")


def _is_valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _check_name(name: str) -> None:
    if not _is_valid_name(name):
        raise ValueError(f"key name must be non-empty, without spaces or '+': {name!r}")


def _key_string(name: str, kid: bytes, key: bytes) -> str:
    return f"{name}+{kid.hex()}+{b64encode(bytes([ED25519]) + key)}"


def _decode_key(encoded: str, what: str) -> bytes:
    raw = b64decode_strict(encoded)
    if raw is None or len(raw) != 33 or raw[0] != ED25519:
        raise ValueError(f"{what} must be base64 of 0x01 and a 32-byte Ed25519 key")
    return raw[1:]


def _check_key_id(id_hex: str, expected: bytes) -> None:
    if len(id_hex) != 8 or any(c not in "0123456789abcdefABCDEF" for c in id_hex):
        raise ValueError(f"key id must be 8 hex digits, got {id_hex!r}")
    if bytes.fromhex(id_hex) != expected:
        raise ValueError(f"key id {id_hex} does not match the key (expected {expected.hex()})")


def b64encode(raw: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4), as text."""
    return base64.b64encode(raw).decode("ascii")


def b64decode_strict(encoded: str) -> bytes | None:
    """Strict standard base64: padded, canonical (re-encodes to the same text), else None."""
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if b64encode(raw) == encoded else None
