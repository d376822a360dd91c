"""Offline verification of a bundle: entries proven against one signed checkpoint, trusting nothing but a key.

A bundle is ``{<subject>, "log": {"origin", "vkey"}, "checkpoint": <signed
note>, "records": [{"entry", "index", "proof"}]}``: the entries (``ledger.entry``'s
envelope) that concern one subject, named by a top-level key the caller
chooses (``Subject``), each with its index and inclusion proof. The checks
here hold for any log: the shape of the bundle and of each entry ("format"),
the checkpoint's signature ("signature"), every record's inclusion in the
checkpoint's tree ("inclusion") and, against a checkpoint saved earlier, that
the log only grew ("consistency"). What the entries must mean is for the
caller to say, with rules: a ``RecordRule`` judges each record as it is read,
a ``BundleRule`` the well-formed entries together.

Inclusion is checked by ``ledger.verify`` alone, never by the proof generator
(``ledger.tree``), so that one bug cannot hide in both. Every record is
checked and every failure reported; a malformed bundle gives "format"
failures, never an exception.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeAlias

from ledger.checkpoint import Checkpoint, InvalidNote, Verifier, open_note
from ledger.cosignature import CosignatureVerifier, verify_cosignatures
from ledger.entry import ENTRY_VERSION, canonical_json
from ledger.hashing import HASH_SIZE, leaf_hash
from ledger.note import b64decode_strict, b64encode
from ledger.verify import InvalidProof, verify_consistency, verify_inclusion

__all__ = [
    "ANY_SUBJECT",
    "BundleReport",
    "BundleRule",
    "CheckName",
    "CheckpointSummary",
    "Failure",
    "Record",
    "RecordRule",
    "Subject",
    "WitnessStatus",
    "check_consistency",
    "check_witnesses",
    "open_saved_checkpoint",
    "verify_bundle",
]

CheckName = Literal["signature", "inclusion", "format", "consistency", "witness"]
"""The checks of this module; a rule may report under names of its own."""

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
    """One failed check: which record (None for the bundle as a whole) and why, in a sentence.

    ``check`` is a ``CheckName`` or the name a rule reports under.
    """

    check: str
    record_type: str | None
    record_id: str | None
    index: int | None
    reason: str


@dataclass(frozen=True)
class Record:
    """One record of a bundle as read: its entry, and the type, id and index it claims.

    Each of ``type``, ``id`` and ``index`` is None when the record gives none
    of the right kind; a ``BundleRule`` only sees well-formed records, which
    have all three.
    """

    type: str | None
    id: str | None
    index: int | None
    entry: Mapping[str, Any]

    def failure(self, check: str, reason: str) -> Failure:
        """A failure of this record."""
        return Failure(check, self.type, self.id, self.index, reason)


RecordRule: TypeAlias = Callable[[Record], Iterable[Failure]]
"""Judges one record as it is read (whatever its envelope); its failures are listed with the
record's own, and a "format" one keeps the record from the bundle rules."""

BundleRule: TypeAlias = Callable[[str | None, Sequence[Record]], Iterable[Failure]]
"""Judges the bundle's subject (None if it names none) and its well-formed records together, after
every record is read: those without a "format" failure, each once, in the bundle's order, whether or
not its proof holds."""


@dataclass(frozen=True)
class Subject:
    """What a bundle is about: the top-level ``key`` naming it, and the ``noun`` messages call it by."""

    key: str
    noun: str


ANY_SUBJECT = Subject("subject", "subject")


@dataclass(frozen=True)
class CheckpointSummary:
    """The bundle's checkpoint: origin, tree size and base64 root hash."""

    origin: str
    size: int
    root: str


@dataclass(frozen=True)
class BundleReport:
    """The verdict on a bundle; ``vkey`` is the key its checkpoint was checked with.

    ``subject`` is the value the bundle gives under ``subject_key`` (None if it gives none).
    """

    subject: str | None
    checkpoint: CheckpointSummary | None
    key_id: str | None
    vkey: str | None
    records: int
    failures: list[Failure] = field(default_factory=list)
    subject_key: str = ANY_SUBJECT.key

    @property
    def valid(self) -> bool:
        """True iff no check failed."""
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: ``valid``, the subject under its bundle key, then the rest."""
        data = asdict(self)
        del data["subject"], data["subject_key"]
        return {"valid": self.valid, self.subject_key: self.subject, **data}


def verify_bundle(
    bundle: object,
    *,
    vkey: str | None = None,
    subject: Subject = ANY_SUBJECT,
    record_rules: Sequence[RecordRule] = (),
    rules: Sequence[BundleRule] = (),
) -> BundleReport:
    """Check ``bundle`` (parsed JSON, of any shape) and report every failure, the rules' included.

    The bundle names what it is about under ``subject.key``. With ``vkey``
    (the key the reader pins), the checkpoint is checked with it, and a
    bundle naming another key fails. Each of ``record_rules`` runs on every
    record that holds an entry object, and its failures are listed with the
    record's own (after its format, before its inclusion); ``rules`` run once
    every record is read, and their failures come last, rule by rule.
    Raises ValueError only if ``vkey`` itself is malformed; anything wrong
    with ``bundle`` is a failure.
    """
    pinned = Verifier.from_vkey(vkey) if vkey is not None else None
    if not isinstance(bundle, Mapping):
        return _report(
            None,
            subject,
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
    named = bundle.get(subject.key)
    if not isinstance(named, str) or not named:
        failures.append(
            _fail(
                "format",
                f"the bundle names no {subject.noun} ({subject.key} must be a non-empty string, got {named!r})",
            )
        )
        named = None
    verifier, origin = _log_key(bundle.get("log"), pinned, failures)
    cp = _checkpoint(bundle.get("checkpoint"), verifier, origin, failures)
    records = bundle.get("records")
    if not isinstance(records, list):
        failures.append(_fail("format", "the bundle has no list of records: there is nothing to verify"))
        records = []
    well_formed = tuple(_check_records(records, cp, record_rules, failures))
    for rule in rules:
        failures.extend(rule(named, well_formed))
    return _report(named, subject, cp, verifier, len(records), failures)


@dataclass(frozen=True)
class WitnessStatus:
    """One named witness's cosignature of the bundle's checkpoint: ``valid``, ``missing`` or ``invalid``."""

    name: str
    status: str
    timestamp: int | None = None
    reason: str | None = None


def check_witnesses(
    note: object, witnesses: Sequence[CosignatureVerifier], quorum: int
) -> tuple[list[WitnessStatus], list[Failure]]:
    """Each named witness's cosignature on the checkpoint ``note`` (C2SP tlog-cosignature/v1), and a
    "witness" failure naming the missing and invalid ones when fewer than ``quorum`` are valid."""
    if not isinstance(note, str):
        return [], [_fail("witness", "the bundle has no checkpoint to look for cosignatures on")]
    try:
        checks = verify_cosignatures(note, witnesses)
    except (InvalidNote, ValueError) as exc:
        return [], [_fail("witness", f"the checkpoint's signature lines cannot be read: {exc}")]
    statuses = [
        WitnessStatus(
            name,
            check.status,
            check.cosignature.timestamp if check.valid and check.cosignature else None,
            None if check.valid else check.reason,
        )
        for name, check in checks.items()
    ]
    valid = sum(1 for s in statuses if s.status == "valid")
    if valid >= quorum:
        return statuses, []
    lacking = ", ".join(
        f"{s.name} ({s.status}{': ' + s.reason if s.reason else ''})" for s in statuses if s.status != "valid"
    )
    reason = f"{valid} of the {quorum} witness cosignatures required are valid; not cosigned by {lacking}"
    return statuses, [_fail("witness", reason)]


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
    records: Sequence[object], cp: Checkpoint | None, record_rules: Sequence[RecordRule], failures: list[Failure]
) -> list[Record]:
    """Check each record; return the well-formed ones, for the bundle rules. The same record twice counts once."""
    seen: dict[int, tuple[bytes, Record]] = {}
    proven: list[Record] = []
    for position, raw in enumerate(records):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("entry"), Mapping):
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
        entry: Mapping[str, Any] = raw["entry"]
        kind, rid, index = entry.get("type"), entry.get("id"), raw.get("index")
        record = Record(
            kind if isinstance(kind, str) else None,
            rid if isinstance(rid, str) else None,
            index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else None,
            entry,
        )
        found = [record.failure(check, reason) for check, reason in _check_entry(entry, index, record)]
        found.extend(failure for rule in record_rules for failure in rule(record))
        data = _canonical(entry, record, found)
        if data is not None and record.index is not None:
            if record.index in seen and seen[record.index][0] == data:
                continue
            if record.index in seen:
                other = seen[record.index][1]
                found.append(
                    record.failure(
                        "inclusion",
                        (
                            f"the bundle also gives {other.type} {other.id} at index "
                            f"{record.index}: one position of the log holds one entry, so one is false"
                        ),
                    )
                )
            seen.setdefault(record.index, (data, record))
            if cp is not None:
                found.extend(
                    record.failure("inclusion", reason)
                    for reason in _inclusion(leaf_hash(data), record.index, raw.get("proof"), cp)
                )
        failures.extend(found)
        if data is not None and not any(failure.check == "format" for failure in found):
            proven.append(record)
    return proven


def _check_entry(entry: Mapping[str, Any], index: object, record: Record) -> list[tuple[CheckName, str]]:
    """Format problems of a record's index and entry (the envelope of ``ledger.entry``)."""
    found: list[tuple[CheckName, str]] = []
    if record.index is None:
        found.append(("format", f"its index must be a whole number, 0 or more, got {index!r}"))
    for key, kind in _ENTRY_KEYS.items():
        value = entry.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or value == "":
            found.append(("format", f"its entry's {key!r} is missing or of the wrong kind (got {value!r})"))
            break
    else:
        if entry["v"] != ENTRY_VERSION:
            found.append(("format", f"its entry is of version {entry['v']}; this verifier knows {ENTRY_VERSION}"))
    return found


def _canonical(entry: Mapping[str, Any], record: Record, found: list[Failure]) -> bytes | None:
    """The leaf data of ``entry``, or None with the reason added to ``found``."""
    try:
        return canonical_json(entry)
    except (TypeError, ValueError) as exc:
        found.append(record.failure("format", f"its entry is not one the ledger could have written ({exc})"))
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
    named: str | None,
    subject: Subject,
    cp: Checkpoint | None,
    verifier: Verifier | None,
    records: int,
    failures: list[Failure],
) -> BundleReport:
    summary = CheckpointSummary(cp.origin, cp.size, b64encode(cp.root_hash)) if cp else None
    return BundleReport(
        named,
        summary,
        verifier.key_id.hex() if verifier else None,
        verifier.vkey if verifier else None,
        records,
        failures,
        subject.key,
    )
