"""C2SP signed-note with Ed25519 keys (the format of golang.org/x/mod/sumdb/note).

A signed note is a text ending in a newline, a blank line, then signature
lines ``— <key name> <base64(4-byte key id || 64-byte signature)>``. The
key id is the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``.
Keys travel as strings: ``<name>+<key id hex>+<base64(0x01 || public key)>``
(verifier key) and ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>``
(signer key, secret). Other signature types (``ledger.cosignature``) share
the key strings and the signature lines through ``key_string``,
``parse_key_string`` and ``split_note``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import ClassVar, NamedTuple, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "ED25519",
    "InvalidNote",
    "NoteSignature",
    "Signer",
    "SignerKey",
    "Verifier",
    "VerifierKey",
    "b64decode_strict",
    "b64encode",
    "check_key_id",
    "check_key_name",
    "key_id",
    "key_string",
    "open_note",
    "parse_key_string",
    "sign_note",
    "split_note",
]

ED25519 = 0x01
"""Signature type byte of Ed25519 in key ids and key strings."""

_DASH = "\u2014 "  # em dash, space: starts every signature line
_MAX_SIGNATURES = 100


class InvalidNote(Exception):
    """A signed note is malformed, lacks a signature by the expected key, or a signature is bad."""


def key_id(name: str, public_key: bytes, key_type: int = ED25519) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || key_type || public_key); key_type 0x01 by default."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


class NoteSignature(NamedTuple):
    """One signature line of a note: the key name, the 4-byte key id and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """``— <name> <base64(key id || signature)>`` and a newline."""
        return f"{_DASH}{self.name} {b64encode(self.key_id + self.signature)}\n"


class VerifierKey:
    """A named Ed25519 public key of one signature type (``KEY_TYPE``): its key id and key string.

    ``Verifier`` (note signatures, 0x01) and ``ledger.cosignature.CosignatureVerifier`` (0x04) are these.
    """

    KEY_TYPE: ClassVar[int] = ED25519
    WHAT: ClassVar[str] = "verifier key"

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        if len(public_key) != 32:
            raise ValueError(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, public_key, self.KEY_TYPE)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Parse ``<name>+<8 hex key id>+<base64(type || public key)>``; ValueError if malformed."""
        name, kid, public_key = parse_key_string(vkey, cls.KEY_TYPE, cls.WHAT)
        verifier = cls(name, public_key)
        check_key_id(kid, verifier.key_id)
        return verifier

    @property
    def vkey(self) -> str:
        """``<name>+<key id hex>+<base64(type || public key)>``."""
        return key_string(self.name, self.key_id, self.KEY_TYPE, self.public_key)


class Verifier(VerifierKey):
    """An Ed25519 note verifier: a key name and a 32-byte public key."""

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """True iff ``sig`` is this key's Ed25519 signature of ``msg``."""
        if len(sig) != 64:
            return False
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class SignerKey:
    """A named Ed25519 private seed of one signature type (``KEY_TYPE``): its key id and key strings."""

    KEY_TYPE: ClassVar[int] = ED25519
    WHAT: ClassVar[str] = "signer key"

    def __init__(self, name: str, seed: bytes) -> None:
        check_key_name(name)
        if len(seed) != 32:
            raise ValueError(f"Ed25519 seed must be 32 bytes, got {len(seed)}")
        self.name = name
        self.seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.public_key, self.KEY_TYPE)

    @classmethod
    def generate(cls, name: str) -> Self:
        """A new key with a random seed."""
        return cls(name, secrets.token_bytes(32))

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """Parse ``PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || seed)>``.

        Raises ValueError if malformed or if the key id does not match the key.
        """
        if not skey.startswith("PRIVATE+KEY+"):
            raise ValueError(f"{cls.WHAT} must be PRIVATE+KEY+<name>+<key id>+<key>")
        name, kid, seed = parse_key_string(skey.removeprefix("PRIVATE+KEY+"), cls.KEY_TYPE, cls.WHAT)
        signer = cls(name, seed)
        check_key_id(kid, signer.key_id)
        return signer

    @property
    def vkey(self) -> str:
        """The verifier key string to publish."""
        return key_string(self.name, self.key_id, self.KEY_TYPE, self.public_key)

    @property
    def skey(self) -> str:
        """The secret signer key string (keep it private)."""
        return "PRIVATE+KEY+" + key_string(self.name, self.key_id, self.KEY_TYPE, self.seed)


class Signer(SignerKey):
    """An Ed25519 note signer: a key name and a 32-byte private seed."""

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        """The signer for a 32-byte Ed25519 private seed."""
        return cls(name, seed)

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
    return f"{text}\n{NoteSignature(signer.name, signer.key_id, sig).line()}"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of ``note`` once a signature by ``verifier`` (name and key id) verifies.

    Signatures by other keys are ignored. Raises InvalidNote if the note is
    malformed, has no signature by ``verifier``, or that signature is bad.
    """
    text, signatures = split_note(note)
    found = False
    for name, sig_key_id, sig in signatures:
        if name != verifier.name or not hmac.compare_digest(sig_key_id, verifier.key_id):
            continue
        if not verifier.verify(text.encode(), sig):
            raise InvalidNote(f"bad signature by {verifier.name}+{verifier.key_id.hex()}")
        found = True
    if not found:
        raise InvalidNote(f"no signature by {verifier.name}+{verifier.key_id.hex()}")
    return text


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """The text of ``note`` (up to its last blank line) and its signature lines, none verified.

    Raises InvalidNote if the note is malformed: not valid UTF-8, a control
    character, no blank line, a malformed signature line, more than 100
    signatures, or two signatures by one key (name and key id).
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
    signatures: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for line in lines:
        signature = _parse_signature_line(line)
        if (signature.name, signature.key_id) in seen:
            raise InvalidNote(f"malformed note: two signatures by {signature.name}")
        seen.add((signature.name, signature.key_id))
        signatures.append(signature)
    return text, signatures


def _parse_signature_line(line: str) -> NoteSignature:
    """(key name, key id, signature) of ``— <name> <base64>``; InvalidNote if malformed."""
    if not line.startswith(_DASH):
        raise InvalidNote(f"malformed signature line {line!r}")
    name, space, encoded = line[len(_DASH) :].partition(" ")
    if not space or not _is_valid_name(name):
        raise InvalidNote(f"malformed signature line {line!r}")
    raw = b64decode_strict(encoded)
    if raw is None or len(raw) < 5:
        raise InvalidNote(f"malformed signature in line {line!r}")
    return NoteSignature(name, raw[:4], raw[4:])


def _check_characters(value: str, error: type[Exception]) -> None:
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise error("note is not valid UTF-8") from exc
    if any(ord(c) < 0x20 and c != "\n" for c in value):
        raise error("note contains a control character other than newline")


def _is_valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def check_key_name(name: str) -> None:
    """ValueError unless ``name`` is a valid key name: non-empty, no spaces, no ``+``."""
    if not _is_valid_name(name):
        raise ValueError(f"key name must be non-empty, without spaces or '+': {name!r}")


def key_string(name: str, kid: bytes, key_type: int, material: bytes) -> str:
    """``<name>+<key id hex>+<base64(key_type || material)>``: a vkey, or an skey after ``PRIVATE+KEY+``."""
    return f"{name}+{kid.hex()}+{b64encode(bytes([key_type]) + material)}"


def parse_key_string(value: str, key_type: int, what: str) -> tuple[str, bytes, bytes]:
    """(name, key id, 32-byte key material) of ``<name>+<8 hex key id>+<base64(key_type || material)>``.

    Checks the form only; the caller checks the key id against the key
    (``check_key_id``). Raises ValueError naming ``what`` if malformed.
    """
    parts = value.split("+", 2)  # the base64 key may itself hold "+"
    if len(parts) != 3:
        raise ValueError(f"{what} must be <name>+<key id>+<key>")
    name, id_hex, encoded = parts
    check_key_name(name)
    if len(id_hex) != 8 or any(c not in "0123456789abcdefABCDEF" for c in id_hex):
        raise ValueError(f"key id must be 8 hex digits, got {id_hex!r}")
    raw = b64decode_strict(encoded)
    if raw is None or len(raw) != 33 or raw[0] != key_type:
        raise ValueError(f"{what} must be base64 of 0x{key_type:02x} and a 32-byte Ed25519 key")
    return name, bytes.fromhex(id_hex), raw[1:]


def check_key_id(kid: bytes, expected: bytes) -> None:
    """ValueError unless the key id a key string states is the one computed from its key."""
    if kid != expected:
        raise ValueError(f"key id {kid.hex()} does not match the key (expected {expected.hex()})")


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
