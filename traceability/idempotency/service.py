"""Replaying writes: same key and body gives the first answer, another body is a conflict."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from .. import clock
from ..errors import Conflict, RuleViolation
from .models import IdempotencyRecord

MAX_KEY = 200


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: Any) -> str:
    """Hash of the request. ``body`` is the parsed JSON body (compared as JSON, so key order and
    whitespace do not matter), or the raw bytes of a body that is not JSON."""
    if isinstance(body, bytes):
        canonical = body.decode("latin-1")
    else:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise RuleViolation(
            f"Idempotency-Key must be 1 to {MAX_KEY} printable characters", code="invalid_idempotency_key"
        )


def find_replay(session: Session, *, party_id: str, key: str, request_fingerprint: str) -> StoredResponse | None:
    """The stored answer for this key, or None; 409 if the key was used for another request."""
    record = session.get(IdempotencyRecord, (party_id, key))
    if record is None:
        return None
    if record.fingerprint != request_fingerprint:
        raise Conflict(
            "this Idempotency-Key was already used for a different request; use a new key for a new write",
            code="idempotency_key_reused",
        )
    return StoredResponse(record.status_code, json.loads(record.response))


def remember(
    session: Session, *, party_id: str, key: str, request_fingerprint: str, status_code: int, body: Any
) -> None:
    session.add(
        IdempotencyRecord(
            party_id=party_id,
            key=key,
            fingerprint=request_fingerprint,
            status_code=status_code,
            response=json.dumps(body, separators=(",", ":")),
            created_at=clock.now(),
        )
    )
