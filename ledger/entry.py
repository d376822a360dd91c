"""Ledger entries (SPEC §5.2): the JSON object whose RFC 8785 form is a leaf's data.

An entry is ``{"v": 1, "type", "id", "at", "by", "data", "nonce"}``. It
holds no floats (masses are integer grams, other decimals are strings), so
JCS number formatting never matters, and no personal data: parties appear by
id, and the random nonce keeps leaves unguessable.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime
from typing import Any

import rfc8785

from ledger.hashing import leaf_hash

__all__ = [
    "ENTRY_VERSION",
    "canonical_json",
    "entry_leaf_hash",
    "format_timestamp",
    "make_entry",
    "new_nonce",
]

ENTRY_VERSION = 1
_NONCE = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")  # 16 bytes: the last char carries 2 bits


def new_nonce() -> str:
    """Base64url of 16 random bytes, without padding (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 (JCS) UTF-8 bytes of ``obj``.

    Raises TypeError if a float appears anywhere in ``obj`` (entries carry
    integers and decimal strings only).
    """
    _reject_floats(obj, "$")
    return rfc8785.dumps(obj)


def format_timestamp(at: datetime) -> str:
    """RFC 3339 UTC with ``Z``: seconds precision, or microseconds when non-zero.

    Requires a timezone-aware datetime.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    utc = at.astimezone(UTC)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def make_entry(*, type: str, id: str, at: datetime, by: str, data: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The entry dict for a record of ``type`` and ``id`` written ``at`` by party ``by``.

    Requires an aware ``at``, non-empty ``type``, ``id`` and ``by``, a dict
    ``data``, and ``nonce`` as made by ``new_nonce``.
    """
    for name, value in (("type", type), ("id", id), ("by", by)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"entry {name} must be a non-empty string, got {value!r}")
    if not isinstance(data, dict):
        raise ValueError(f"entry data must be an object, got {data!r}")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise ValueError(f"nonce must be base64url of 16 bytes without padding, got {nonce!r}")
    return {
        "v": ENTRY_VERSION,
        "type": type,
        "id": id,
        "at": format_timestamp(at),
        "by": by,
        "data": data,
        "nonce": nonce,
    }


def entry_leaf_hash(entry: dict[str, Any]) -> bytes:
    """Leaf hash of an entry: SHA-256(0x00 || JCS(entry))."""
    return leaf_hash(canonical_json(entry))


def _reject_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"float at {path} ({value!r}): use integer units or a decimal string")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            _reject_floats(item, f"{path}[{position}]")
