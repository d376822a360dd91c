"""Offline verification of a provenance bundle (SPEC §5.6), trusting nothing but a key.

A bundle is ``{"lot_id", "log": {"origin", "vkey"}, "checkpoint": <signed
note>, "records": [{"entry", "index", "proof"}]}``. Four checks: the
checkpoint's signature, every record's inclusion in the checkpoint's tree,
the lot's lineage closed, every batch's mass conserved. Inclusion is checked
by ``ledger.verify`` alone, never by the proof generator (``ledger.tree``), so
that one bug cannot hide in both. Every record is checked and every failure
reported; a malformed bundle gives "format" failures, never an exception.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ledger.checkpoint import Checkpoint, InvalidNote, Verifier, open_note
from ledger.entry import ENTRY_VERSION, canonical_json
from ledger.hashing import HASH_SIZE, leaf_hash
from ledger.lineage import check_lineage
from ledger.note import b64decode_strict, b64encode
from ledger.verify import InvalidProof, verify_consistency, verify_inclusion

__all__ = [
    "PRIVATE_TYPES",
    "BundleReport",
    "CheckName",
    "CheckpointSummary",
    "Failure",
    "check_consistency",
    "open_saved_checkpoint",
    "verify_bundle",
]

CheckName = Literal["signature", "inclusion", "lineage", "mass", "format", "consistency"]
PRIVATE_TYPES = frozenset({"contract", "listing", "offer"})
"""Entry types that carry prices or commercial terms: never in a bundle."""

_ENTRY_KEYS: dict[str, type | tuple[type, ...]] = {
    "v": int,
    "type": str,
    "id": str,
    "at": str,
    "by": str,
    "data": Mapping,
    "nonce": str,
}


@dataclass(frozen=True)
class Failure:
    """One failed check: which record (None for the bundle as a whole) and why, in a sentence."""

    check: CheckName
    record_type: str | None
    record_id: str | None
    index: int | None
    reason: str


@dataclass(frozen=True)
class CheckpointSummary:
    """The bundle's checkpoint: origin, tree size and base64 root hash."""

    origin: str
    size: int
    root: str


@dataclass(frozen=True)
class BundleReport:
    """The verdict on a bundle; ``vkey`` is the key its checkpoint was checked with."""

    lot_id: str | None
    checkpoint: CheckpointSummary | None
    key_id: str | None
    vkey: str | None
    records: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True iff no check failed."""
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, ``valid`` first."""
        return {"valid": self.valid, **asdict(self)}


def verify_bundle(bundle: Mapping[str, Any], *, vkey: str | None = None) -> BundleReport:
    """Run the four checks of SPEC §5.6 on ``bundle`` (parsed JSON) and report every failure.

    With ``vkey`` (the key the buyer pins), the checkpoint is checked with it,
    and a bundle naming another key fails. Raises ValueError only if ``vkey``
    itself is malformed; anything wrong with ``bundle`` is a failure.
    """
    pinned = Verifier.from_vkey(vkey) if vkey is not None else None
    if not isinstance(bundle, Mapping):
        return _report(
            None,
            None,
            pinned,
            0,
            [
                _fail(
                    "format",
                    (f"the bundle is not a JSON object but {type(bundle).__name__}: it is not a provenance bundle"),
                )
            ],
        )
    failures: list[Failure] = []
    lot_id = bundle.get("lot_id")
    if not isinstance(lot_id, str) or not lot_id:
        failures.append(_fail("format", f"the bundle names no lot (lot_id must be a non-empty string, got {lot_id!r})"))
        lot_id = None
    verifier, origin = _log_key(bundle.get("log"), pinned, failures)
    cp = _checkpoint(bundle.get("checkpoint"), verifier, origin, failures)
    records = bundle.get("records")
    if not isinstance(records, list):
        failures.append(_fail("format", "the bundle has no list of records: there is nothing to verify"))
        records = []
    proven = _check_records(records, cp, failures)
    if lot_id is not None:
        for problem in check_lineage(lot_id, [entry for _, entry in proven]):
            ref = proven[problem.entry][0] if problem.entry is not None else _fail(problem.check, "")
            failures.append(Failure(problem.check, ref.record_type, ref.record_id, ref.index, problem.reason))
    return _report(lot_id, cp, verifier, len(records), failures)


def open_saved_checkpoint(note: str, *, vkey: str | None) -> tuple[Checkpoint, list[Failure]]:
    """The checkpoint a buyer saved earlier, with "consistency" failures if ``vkey`` did not sign it.

    ``vkey`` is the key the new bundle was checked with (``BundleReport.vkey``).
    Raises ValueError if ``note`` is not a signed checkpoint at all.
    """
    saved = _parse_unverified(note)
    if vkey is None:
        return saved, [
            _fail("consistency", "the checkpoint you saved cannot be checked: the bundle gives no usable key")
        ]
    try:
        open_note(note, Verifier.from_vkey(vkey))
    except InvalidNote as exc:
        return saved, [
            _fail(
                "consistency",
                (
                    f"the checkpoint you saved is not signed by the key used now ({exc}): the log's key has changed "
                    "since, or the saved file is not from this log"
                ),
            )
        ]
    return saved, []


def check_consistency(saved: Checkpoint, report: BundleReport, proof: object) -> list[Failure]:
    """Check that the bundle's tree extends the ``saved`` one, with a consistency ``proof`` (base64 hashes).

    Requires ``saved`` from ``open_saved_checkpoint``. Returns "consistency" failures.
    """
    new = report.checkpoint
    if new is None:
        return [_fail("consistency", "the bundle has no readable checkpoint to compare with the one you saved")]
    if saved.origin != new.origin:
        return [
            _fail("consistency", f"the checkpoint you saved is of log {saved.origin!r}, the bundle's of {new.origin!r}")
        ]
    if saved.size > new.size:
        return [
            _fail(
                "consistency",
                (
                    f"the bundle's tree ({new.size} entries) is smaller than the one you saved ({saved.size}): "
                    "a log only grows, so it was rolled back or forked, or this bundle is stale"
                ),
            )
        ]
    hashes = _decode_hashes(proof)
    if isinstance(hashes, str):
        return [_fail("consistency", f"the log's consistency proof is malformed: {hashes}")]
    new_root = b64decode_strict(new.root)
    assert new_root is not None, "the summary holds the root of a parsed checkpoint"
    try:
        verify_consistency(saved.size, new.size, hashes, saved.root_hash, new_root)
    except InvalidProof as exc:
        return [
            _fail(
                "consistency",
                (
                    f"the tree of {new.size} entries does not extend the one of {saved.size} you saved ({exc}): "
                    "entries were removed or rewritten since, or the log forked; do not trust it"
                ),
            )
        ]
    return []


def _log_key(log: object, pinned: Verifier | None, failures: list[Failure]) -> tuple[Verifier | None, str | None]:
    """The verifier to check the checkpoint with, and the origin the bundle names."""
    log = log if isinstance(log, Mapping) else {}
    origin = log.get("origin")
    if not isinstance(origin, str) or not origin:
        failures.append(_fail("format", f"the bundle names no log origin (log.origin), got {origin!r}"))
        origin = None
    named, verifier = log.get("vkey"), None
    if not isinstance(named, str):
        failures.append(_fail("format", f"the bundle names no verifier key (log.vkey), got {named!r}"))
    else:
        try:
            verifier = Verifier.from_vkey(named)
        except ValueError as exc:
            failures.append(_fail("signature", f"the bundle's verifier key {named!r} is malformed: {exc}"))
    if pinned is None:
        return verifier, origin
    if verifier is not None and not _same_key(verifier, pinned):
        failures.append(
            _fail(
                "signature",
                (f"the bundle names key {named} but you pinned {pinned.vkey}: it was checked with the key you pinned"),
            )
        )
    return pinned, origin


def _checkpoint(
    note: object, verifier: Verifier | None, origin: str | None, failures: list[Failure]
) -> Checkpoint | None:
    """The bundle's checkpoint, parsed even when its signature fails so that records can still be named."""
    if not isinstance(note, str):
        failures.append(_fail("format", "the bundle has no checkpoint (the signed note, as text)"))
        return None
    try:
        cp = _parse_unverified(note)
    except ValueError as exc:
        failures.append(_fail("format", f"the bundle's checkpoint is malformed: {exc}"))
        return None
    if verifier is not None:
        try:
            open_note(note, verifier)
        except InvalidNote as exc:
            failures.append(
                _fail(
                    "signature",
                    (
                        f"the checkpoint's signature does not verify with key {verifier.vkey} ({exc}): the log did not "
                        "sign this checkpoint with that key, so nothing in the bundle is vouched for"
                    ),
                )
            )
    if origin is not None and cp.origin != origin:
        failures.append(
            _fail("signature", f"the checkpoint is of log {cp.origin!r}, but the bundle names log {origin!r}")
        )
    elif verifier is not None and cp.origin != verifier.name:
        failures.append(
            _fail("signature", f"the checkpoint is of log {cp.origin!r}, but the key is for {verifier.name!r}")
        )
    return cp


def _check_records(
    records: Sequence[object], cp: Checkpoint | None, failures: list[Failure]
) -> list[tuple[Failure, Mapping[str, Any]]]:
    """Check each record; return the well-formed entries for the lineage, each with its reference
    (a Failure without a reason, that names the record). The same record twice counts once.
    """
    seen: dict[int, tuple[bytes, Failure]] = {}
    proven: list[tuple[Failure, Mapping[str, Any]]] = []
    for position, record in enumerate(records):
        if not isinstance(record, Mapping) or not isinstance(record.get("entry"), Mapping):
            failures.append(
                _fail(
                    "format",
                    (
                        f"record {position + 1} of the bundle is not an object holding "
                        "an entry object, an index and a proof"
                    ),
                )
            )
            continue
        entry: Mapping[str, Any] = record["entry"]
        kind, rid, index = entry.get("type"), entry.get("id"), record.get("index")
        ref = Failure(
            "format",
            kind if isinstance(kind, str) else None,
            rid if isinstance(rid, str) else None,
            index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else None,
            "",
        )
        found = _check_entry(entry, index, ref)
        data = _canonical(entry, found)
        if data is not None and ref.index is not None:
            if ref.index in seen and seen[ref.index][0] == data:
                continue
            if ref.index in seen:
                other = seen[ref.index][1]
                found.append(
                    (
                        "inclusion",
                        (
                            f"the bundle also gives {other.record_type} {other.record_id} at index "
                            f"{ref.index}: one position of the log holds one entry, so one is false"
                        ),
                    )
                )
            seen.setdefault(ref.index, (data, ref))
            if cp is not None:
                found.extend(("inclusion", r) for r in _inclusion(leaf_hash(data), ref.index, record.get("proof"), cp))
        failures.extend(Failure(check, ref.record_type, ref.record_id, ref.index, reason) for check, reason in found)
        if data is not None and not any(check == "format" for check, _ in found):
            proven.append((ref, entry))
    return proven


def _check_entry(entry: Mapping[str, Any], index: object, ref: Failure) -> list[tuple[CheckName, str]]:
    """Format problems of a record's index and entry (SPEC §5.2), and a priced type."""
    found: list[tuple[CheckName, str]] = []
    if ref.index is None:
        found.append(("format", f"its index must be a whole number, 0 or more, got {index!r}"))
    for key, kind in _ENTRY_KEYS.items():
        value = entry.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or value == "":
            found.append(("format", f"its entry's {key!r} is missing or of the wrong kind (got {value!r})"))
            break
    else:
        if entry["v"] != ENTRY_VERSION:
            found.append(("format", f"its entry is of version {entry['v']}; this verifier knows {ENTRY_VERSION}"))
    if ref.record_type in PRIVATE_TYPES:
        found.append(
            (
                "format",
                (
                    f"it is a {ref.record_type} record, which carries prices and terms: a bundle must "
                    "not carry prices, so the operator leaked it"
                ),
            )
        )
    return found


def _canonical(entry: Mapping[str, Any], found: list[tuple[CheckName, str]]) -> bytes | None:
    """The leaf data of ``entry``, or None with the reason added to ``found``."""
    try:
        return canonical_json(entry)
    except (TypeError, ValueError) as exc:
        found.append(("format", f"its entry is not one the ledger could have written ({exc})"))
        return None


def _inclusion(leaf: bytes, index: int, proof: object, cp: Checkpoint) -> list[str]:
    """Why the leaf is not shown at ``index`` in ``cp``'s tree (empty if it is)."""
    if index >= cp.size:
        return [
            (
                f"its index {index} lies beyond the checkpoint's tree of {cp.size} entries: the signed checkpoint "
                "does not cover it"
            )
        ]
    hashes = _decode_hashes(proof)
    if isinstance(hashes, str):
        return [f"its inclusion proof is malformed: {hashes}"]
    try:
        verify_inclusion(leaf, index, cp.size, hashes, cp.root_hash)
    except InvalidProof as exc:
        return [
            (
                f"it is not the entry logged at index {index} of the checkpoint's tree of {cp.size} entries "
                f"({exc}): the entry or its proof was changed after it was logged"
            )
        ]
    return []


def _decode_hashes(proof: object) -> list[bytes] | str:
    """The 32-byte hashes of a list of base64 strings, or a sentence saying what is wrong."""
    if not isinstance(proof, list):
        return f"a proof is a list of base64 hashes, got {type(proof).__name__}"
    hashes = []
    for position, item in enumerate(proof):
        raw = b64decode_strict(item) if isinstance(item, str) else None
        if raw is None or len(raw) != HASH_SIZE:
            return f"hash {position} of the proof is not base64 of a {HASH_SIZE}-byte hash: {item!r}"
        hashes.append(raw)
    return hashes


def _parse_unverified(note: str) -> Checkpoint:
    """The checkpoint body of a signed note, before any signature is checked; ValueError if malformed."""
    split = note.rfind("\n\n")
    if split < 0:
        raise ValueError("it is not a signed note (no blank line before the signatures)")
    return Checkpoint.parse(note[: split + 1])


def _same_key(a: Verifier, b: Verifier) -> bool:
    return a.name == b.name and hmac.compare_digest(a.public_key, b.public_key)


def _fail(check: CheckName, reason: str) -> Failure:
    return Failure(check, None, None, None, reason)


def _report(
    lot_id: str | None, cp: Checkpoint | None, verifier: Verifier | None, records: int, failures: list[Failure]
) -> BundleReport:
    summary = CheckpointSummary(cp.origin, cp.size, b64encode(cp.root_hash)) if cp else None
    return BundleReport(
        lot_id,
        summary,
        verifier.key_id.hex() if verifier else None,
        verifier.vkey if verifier else None,
        records,
        failures,
    )
