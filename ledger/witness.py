"""A C2SP tlog-witness: cosign a log's checkpoint only if it extends the last one cosigned.

``Witness.add_checkpoint`` answers ``POST /add-checkpoint`` with the status,
content type and body the specification asks for; ``Witness.checkpoint``
answers ``GET /<origin hash>/checkpoint``. The state is one SQLite table, a
row per log: the size and root hash last cosigned and that cosigned note.
Checking a request against that row and writing the new one are one
``BEGIN IMMEDIATE`` transaction, so two requests from the same old size can
never both be cosigned, whether they come to one process or to several on
the same file; the row is committed before the answer is returned.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ledger.checkpoint import Checkpoint
from ledger.cosignature import CosignatureSigner, cosign
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.note import InvalidNote, NoteSignature, Verifier, b64decode_strict, split_note
from ledger.verify import InvalidProof, verify_consistency

__all__ = ["MAX_PROOF_LINES", "TEXT", "TLOG_SIZE", "Witness", "WitnessResponse", "origin_hash"]

MAX_PROOF_LINES = 63
"""The most consistency-proof lines an add-checkpoint body may hold."""

TEXT = "text/plain; charset=utf-8"
TLOG_SIZE = "text/x.tlog.size"
"""Content type of a 409 answer: the witness's size for the log, in decimal, and a newline."""

_OLD = re.compile(r"old (0|[1-9][0-9]*)")
_MAX_SIZE = 2**63 - 1  # SQLite's INTEGER
_SCHEMA = """
CREATE TABLE IF NOT EXISTS log_checkpoint (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    cosigned_note TEXT NOT NULL
)
"""


class WitnessResponse(NamedTuple):
    """An HTTP answer: status code, content type and body."""

    status: int
    content_type: str
    body: bytes


class _Refusal(Exception):
    """A request the witness refuses, with its status code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Conflict(Exception):
    """The old size is not the witness's size for the log (409, which says it)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the witness's size is {size}")
        self.size = size


@dataclass(frozen=True)
class _Request:
    old: int
    proof: list[bytes]
    checkpoint: Checkpoint
    body: str  # the note text the log signed (extension lines included)
    log_lines: list[NoteSignature]  # the signature lines by the log's trusted keys, verified


def origin_hash(origin: str) -> str:
    """The lowercase hex SHA-256 of an origin: its path segment in ``GET /<origin hash>/checkpoint``."""
    return hashlib.sha256(origin.encode()).hexdigest()


class Witness:
    """The witness of the logs whose verifier keys it trusts, signing with ``signer``.

    Each log is its keys' name (the checkpoint origin); a log may have several
    keys. The state lives in the SQLite file ``db_path`` (created if absent).
    """

    def __init__(self, db_path: str | Path, signer: CosignatureSigner, log_verifiers: Iterable[Verifier]) -> None:
        self.db_path = str(db_path)
        self.signer = signer
        self.logs: dict[str, list[Verifier]] = {}
        for verifier in log_verifiers:
            self.logs.setdefault(verifier.name, []).append(verifier)
        self._by_hash = {origin_hash(origin): origin for origin in self.logs}
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def add_checkpoint(self, body: bytes, now: int) -> WitnessResponse:
        """Answer an add-checkpoint request ``body`` at UNIX time ``now`` (> 0), per C2SP tlog-witness.

        200 and the cosignature line; 400 malformed or ``old`` above the size;
        403 no valid signature by a trusted key of the origin (or a bad one);
        404 unknown origin; 409 and this witness's size when ``old`` is not it;
        422 a checkpoint inconsistent with the one cosigned before.
        """
        try:
            request = self._parse(body)
            line = self._cosign(request, now)
        except _Refusal as refusal:
            return _text(refusal.status, f"{refusal}\n")
        except _Conflict as conflict:
            return WitnessResponse(409, TLOG_SIZE, f"{conflict.size}\n".encode())
        return _text(200, line)

    def checkpoint(self, origin_hex: str) -> WitnessResponse:
        """The latest checkpoint cosigned for the log whose origin hashes to ``origin_hex`` (404 if none)."""
        origin = self._by_hash.get(origin_hex)
        row = None
        if origin is not None:
            with self._connect() as db:
                row = db.execute("SELECT cosigned_note FROM log_checkpoint WHERE origin = ?", (origin,)).fetchone()
        if row is None:
            return _text(404, "no checkpoint cosigned for this log\n")
        return _text(200, row[0])

    def size(self, origin: str) -> int:
        """The size last cosigned for ``origin`` (0 if never)."""
        with self._connect() as db:
            row = db.execute("SELECT size FROM log_checkpoint WHERE origin = ?", (origin,)).fetchone()
        return 0 if row is None else int(row[0])

    def _parse(self, raw: bytes) -> _Request:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refusal(400, "the body is not UTF-8") from None
        old, proof, note = _split_body(text)
        try:
            body, signatures = split_note(note)
        except InvalidNote as exc:
            raise _Refusal(400, str(exc)) from None
        checkpoint = _parse_checkpoint(body)
        verifiers = self.logs.get(checkpoint.origin)
        if verifiers is None:
            raise _Refusal(404, f"unknown log {checkpoint.origin!r}")
        log_lines = _verified_lines(body, signatures, verifiers)
        if old > checkpoint.size:
            raise _Refusal(400, f"old size {old} is above the checkpoint's size {checkpoint.size}")
        return _Request(old, proof, checkpoint, body, log_lines)

    def _cosign(self, request: _Request, now: int) -> str:
        """Check ``request`` against the stored state and store the new one, in one transaction."""
        cp = request.checkpoint
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT size, root_hash FROM log_checkpoint WHERE origin = ?", (cp.origin,)).fetchone()
            size, root_hash = (0, EMPTY_ROOT) if row is None else (int(row[0]), bytes(row[1]))
            if request.old != size:
                raise _Conflict(size)
            _check_consistency(request, root_hash)
            line = cosign(request.body, self.signer, now)
            note = request.body + "\n" + "".join(s.line() for s in request.log_lines) + line
            db.execute(
                "INSERT INTO log_checkpoint (origin, size, root_hash, cosigned_note) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root_hash = excluded.root_hash, "
                "cosigned_note = excluded.cosigned_note",
                (cp.origin, cp.size, cp.root_hash, note),
            )
            db.execute("COMMIT")
        return line

    def _connect(self) -> _Connection:
        return _Connection(self.db_path)


class _Connection:
    """A SQLite connection for one call: transactions are explicit, and a failure rolls back and closes."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        # A writer that finds the file locked waits for the other's commit rather than failing.
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA synchronous=FULL")
        return self.db

    def __exit__(self, *exc: object) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        finally:
            self.db.close()


def _split_body(text: str) -> tuple[int, list[bytes], str]:
    """(old size, proof hashes, note) of an add-checkpoint body; _Refusal(400) if malformed."""
    first, newline, rest = text.partition("\n")
    match = _OLD.fullmatch(first)
    if not newline or match is None:
        raise _Refusal(400, "the body must start with a line 'old <size>' (decimal, no leading zeros)")
    old = int(match.group(1))
    if old > _MAX_SIZE:
        raise _Refusal(400, f"old size {old} is too large")
    proof: list[bytes] = []
    while True:
        line, newline, rest = rest.partition("\n")
        if not newline:
            raise _Refusal(400, "no blank line between the consistency proof and the checkpoint")
        if line == "":
            return old, proof, rest
        if len(proof) == MAX_PROOF_LINES:
            raise _Refusal(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
        value = b64decode_strict(line)
        if value is None or len(value) != HASH_SIZE:
            raise _Refusal(400, f"proof line {len(proof) + 1} is not the base64 of a {HASH_SIZE}-byte hash")
        proof.append(value)


def _parse_checkpoint(body: str) -> Checkpoint:
    """The origin, size and root of a checkpoint's note text; extension lines (non-empty) are allowed."""
    lines = body[:-1].split("\n")
    if len(lines) < 3 or "" in lines[3:]:
        raise _Refusal(400, "malformed checkpoint: it needs an origin, a size and a root hash line")
    try:
        checkpoint = Checkpoint.parse("\n".join(lines[:3]) + "\n")
    except ValueError as exc:
        raise _Refusal(400, f"malformed checkpoint: {exc}") from None
    if checkpoint.size > _MAX_SIZE:
        raise _Refusal(400, f"checkpoint size {checkpoint.size} is too large")
    return checkpoint


def _verified_lines(body: str, signatures: list[NoteSignature], verifiers: list[Verifier]) -> list[NoteSignature]:
    """The signature lines by ``verifiers`` once each verifies; _Refusal(403) if one fails or none is there."""
    found = []
    for signature in signatures:
        for verifier in verifiers:
            if signature.name != verifier.name or not hmac.compare_digest(signature.key_id, verifier.key_id):
                continue
            if not verifier.verify(body.encode(), signature.signature):
                raise _Refusal(403, f"bad signature by the log's key {verifier.name}+{verifier.key_id.hex()}")
            found.append(signature)
    if not found:
        raise _Refusal(403, "no signature by a trusted key of this log")
    return found


def _check_consistency(request: _Request, root_hash: bytes) -> None:
    """_Refusal(422) unless the checkpoint extends the stored tree of size ``request.old`` and ``root_hash``."""
    cp = request.checkpoint
    if cp.size == 0 and not hmac.compare_digest(cp.root_hash, EMPTY_ROOT):
        raise _Refusal(422, "a checkpoint of size 0 must have the empty tree's root")
    if request.old == 0 and request.proof:
        raise _Refusal(422, "old size 0 takes no consistency proof")
    if request.old == cp.size and not hmac.compare_digest(cp.root_hash, root_hash):
        raise _Refusal(422, f"the checkpoint's root differs from the one cosigned for size {cp.size}")
    try:
        verify_consistency(request.old, cp.size, request.proof, root_hash, cp.root_hash)
    except InvalidProof as exc:
        raise _Refusal(422, f"consistency proof from size {request.old} fails: {exc}") from None


def _text(status: int, text: str) -> WitnessResponse:
    return WitnessResponse(status, TEXT, text.encode())
