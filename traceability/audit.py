"""The integrity audit (SPEC §8.3): is the database still what the ledger says it is?

It streams the log in index order, so memory stays flat however long the log:

1. every entry is rebuilt from its stored record and compared byte for byte with the leaf
   (a record changed, deleted or given another entry behind the application's back);
2. every anchored record has exactly the entry its ``ledger_index`` names (a record added
   without one);
3. every stored hash (each full tile, its interior hashes, each node of the right edge) is
   recomputed from the leaves, and the root at each checkpoint from the stored hashes, and
   compared with the signed one (a rewritten hash, a deleted or rewritten tile);
4. each stored checkpoint verifies, is linked to the one stored before it and consistent
   with it, and the latest covers the whole log (a removed or rewritten checkpoint).
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from ledger.checkpoint import InvalidNote, Verifier, verify_checkpoint
from ledger.entry import canonical_json
from ledger.hashing import leaf_hash
from ledger.tree import consistency_proof
from ledger.verify import InvalidProof, verify_consistency

from . import models as all_tables  # every table registered, whoever runs the audit
from .alerts import AlertKind, raise_alert
from .anchoring import Anchored, LedgerCorrupted, SqlLog
from .anchoring.integrity import Finding, StoredHashes
from .anchoring.links import BrokenLink, LinkCheck
from .anchoring.models import LedgerCheckpoint, LedgerEntry
from .db import open_session

CHUNK = 1000


@dataclass(frozen=True)
class Problem:
    ledger_index: int | None
    record_type: str | None
    record_id: str | None
    problem: str


@dataclass
class AuditReport:
    entries: int = 0
    records: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clean": not self.problems,
            "entries": self.entries,
            "records": self.records,
            "checkpoints": self.checkpoints,
            "problems": [asdict(p) for p in self.problems],
        }


def anchored_models() -> dict[str, type[Anchored]]:
    """Every anchored table by its entry type."""
    assert all_tables.metadata is not None
    return {
        m.class_.entry_type: m.class_
        for m in Anchored._sa_registry.mappers
        if issubclass(m.class_, Anchored) and hasattr(m.class_, "__tablename__")
    }


def _entries(session: Session) -> Iterator[list[LedgerEntry]]:
    after = -1
    while True:
        stmt = select(LedgerEntry).where(col(LedgerEntry.idx) > after).order_by(col(LedgerEntry.idx)).limit(CHUNK)
        rows = list(session.scalars(stmt))
        if not rows:
            return
        yield rows
        after = rows[-1].idx
        session.expunge_all()


def _check_entries(session: Session, report: AuditReport, models: dict[str, type[Anchored]]) -> None:
    """Steps 1 and 3: records against leaves, and every stored hash against the leaves, streaming."""
    stored = StoredHashes(SqlLog(session.connection()))
    expected_index = 0
    for rows in _entries(session):
        by_type: dict[str, list[str]] = {}
        for row in rows:
            by_type.setdefault(row.type, []).append(row.record_id)
        records = {
            (t, r.entry_id()): r
            for t, ids in by_type.items()
            if t in models
            for r in session.scalars(select(models[t]).where(col(models[t].id).in_(ids)))
        }
        for row in rows:
            if row.idx != expected_index:
                report.problems.append(
                    Problem(
                        expected_index, None, None, f"entries {expected_index}–{row.idx - 1} are missing from the log"
                    )
                )
                stored.skip(expected_index, row.idx)
            expected_index = row.idx + 1
            report.entries += 1
            _check_record(report, row, records.get((row.type, row.record_id)), row.type in models)
            stored.add(leaf_hash(bytes(row.leaf_data)))
        _report(report, stored.check_filled())
    _report(report, stored.check_edge())
    _check_head(session, report, stored.tiles.frontier(), expected_index)


def _report(report: AuditReport, findings: list[Finding]) -> None:
    report.problems.extend(Problem(f.ledger_index, f.table, f.name, f.problem) for f in findings)


def _check_record(report: AuditReport, row: LedgerEntry, record: Anchored | None, known: bool) -> None:
    if not known:
        return  # an entry type with no table of its own (none today)
    if record is None:
        report.problems.append(Problem(row.idx, row.type, row.record_id, "the record of this entry is missing"))
    elif record.ledger_index != row.idx:
        report.problems.append(
            Problem(
                row.idx,
                row.type,
                row.record_id,
                f"the record points at ledger index {record.ledger_index}, not {row.idx}",
            )
        )
    elif canonical_json(record.to_entry()) != bytes(row.leaf_data):
        report.problems.append(
            Problem(
                row.idx,
                row.type,
                row.record_id,
                "the stored record no longer matches its ledger entry (changed after it was logged)",
            )
        )


def _check_head(session: Session, report: AuditReport, frontier: list[bytes], size: int) -> None:
    log = SqlLog(session.connection())
    head_size, head_frontier = log.head()
    if head_size != size or head_frontier != frontier:
        report.problems.append(
            Problem(None, None, None, f"the log's head says {head_size} entries; the entries give {size}")
        )


def _check_orphans(session: Session, report: AuditReport, models: dict[str, type[Anchored]]) -> None:
    """Step 2: records that no entry anchors."""
    for entry_type, model in models.items():
        after: str | None = None
        while True:
            stmt = select(model).order_by(col(model.id)).limit(CHUNK)
            if after is not None:
                stmt = stmt.where(col(model.id) > after)
            rows = list(session.scalars(stmt))
            if not rows:
                break
            report.records += len(rows)
            indices = [r.ledger_index for r in rows if r.ledger_index is not None]
            logged = (
                {
                    (i, rid)
                    for i, rid in session.execute(
                        select(col(LedgerEntry.idx), col(LedgerEntry.record_id)).where(
                            col(LedgerEntry.idx).in_(indices)
                        )
                    ).all()
                }
                if indices
                else set()
            )
            for row in rows:
                if row.ledger_index is None or (row.ledger_index, row.entry_id()) not in logged:
                    report.problems.append(
                        Problem(
                            row.ledger_index,
                            entry_type,
                            row.entry_id(),
                            "this record has no ledger entry (added behind the application's back)",
                        )
                    )
            after = rows[-1].id
            session.expunge_all()


def _checkpoints(session: Session) -> Iterator[LedgerCheckpoint]:
    """Every stored checkpoint by size, read in chunks (a log signed per write holds one per entry)."""
    after = -1
    while True:
        stmt = select(LedgerCheckpoint).where(col(LedgerCheckpoint.size) > after).order_by(col(LedgerCheckpoint.size))
        rows = list(session.scalars(stmt.limit(CHUNK)))
        if not rows:
            return
        session.expunge_all()
        yield from rows
        after = rows[-1].size


def _check_checkpoints(session: Session, report: AuditReport, verifier: Verifier, size: int) -> None:
    """Step 4: signatures, links, roots, consistency of each checkpoint with the next, coverage of the log."""
    log = SqlLog(session.connection())
    links = LinkCheck(verifier)
    previous: LedgerCheckpoint | None = None
    readable = True
    for checkpoint in _checkpoints(session):
        report.checkpoints += 1
        _report_links(report, links.add(checkpoint.size, bytes(checkpoint.root_hash), checkpoint.link))
        at = checkpoint.size - 1 if checkpoint.size else None
        try:
            signed = verify_checkpoint(checkpoint.note, verifier)
        except (InvalidNote, ValueError) as exc:
            report.problems.append(Problem(at, "checkpoint", str(checkpoint.size), f"does not verify: {exc}"))
            continue
        if signed.size != checkpoint.size or signed.root_hash != bytes(checkpoint.root_hash):
            report.problems.append(
                Problem(at, "checkpoint", str(checkpoint.size), "the stored row differs from its signed note")
            )
        elif readable and 0 < checkpoint.size <= size:
            try:
                _check_against_log(log, report, previous, checkpoint, signed.root_hash)
            except LedgerCorrupted as exc:  # a hash is gone (step 3 names it): no later root can be computed
                readable = False
                report.problems.append(
                    Problem(
                        at, "checkpoint", str(checkpoint.size), f"this and later checkpoints cannot be checked: {exc}"
                    )
                )
        previous = checkpoint
    _report_links(report, links.finish())
    if previous is None or previous.size < size:
        covered = 0 if previous is None else previous.size
        report.problems.append(
            Problem(
                covered,
                "checkpoint",
                str(size),
                f"entries {covered}–{size - 1} are covered by no stored checkpoint (one was removed?)",
            )
        )


def _report_links(report: AuditReport, broken: Iterable[BrokenLink]) -> None:
    report.problems.extend(
        Problem(b.size - 1 if b.size else None, "checkpoint", str(b.size), b.problem) for b in broken
    )


def _check_against_log(
    log: SqlLog, report: AuditReport, previous: LedgerCheckpoint | None, checkpoint: LedgerCheckpoint, root: bytes
) -> None:
    """The log's root at a checkpoint's size, and its consistency with the previous checkpoint."""
    at = checkpoint.size - 1
    if log.root(checkpoint.size) != root:
        report.problems.append(
            Problem(at, "checkpoint", str(checkpoint.size), "the log's root at this size is not the signed one")
        )
    if previous is not None and 0 < previous.size < checkpoint.size:
        try:
            verify_consistency(
                previous.size,
                checkpoint.size,
                consistency_proof(log, previous.size, checkpoint.size),
                bytes(previous.root_hash),
                root,
            )
        except InvalidProof as exc:
            report.problems.append(
                Problem(
                    at,
                    "checkpoint",
                    str(checkpoint.size),
                    f"not consistent with the checkpoint at size {previous.size}: {exc}",
                )
            )


def run_audit(session: Session, *, verifier: Verifier) -> AuditReport:
    """Audit the whole database against the ledger; a clean database reports no problem."""
    report = AuditReport()
    models = anchored_models()
    _check_entries(session, report, models)
    _check_orphans(session, report, models)
    _check_checkpoints(session, report, verifier, report.entries)
    return report


def audit_database(engine: Engine, verifier: Verifier) -> AuditReport:
    """The integrity audit on a read transaction (writers are not held up), then one
    ``ledger_integrity`` alert per problem found: what the API, ``cashew audit`` and the demo run."""
    with open_session(engine) as session:
        report = run_audit(session, verifier=verifier)
    raise_integrity_alerts(engine, report.problems)
    return report


def raise_integrity_alerts(engine: Engine, problems: list[Problem]) -> None:
    """One ``ledger_integrity`` alert per audit problem, in a short write transaction of its own
    (an audit run again finds, and raises, the same ones once)."""
    if not problems:
        return
    with open_session(engine, write=True) as session:
        for p in problems:
            digest = hashlib.sha256(f"{p.ledger_index}|{p.record_type}|{p.record_id}|{p.problem}".encode()).hexdigest()
            raise_alert(
                session,
                kind=AlertKind.ledger_integrity,
                party_id=None,
                subject_type=p.record_type or "ledger",
                subject_id=p.record_id or str(p.ledger_index),
                dedupe_key=f"ledger_integrity:{digest[:32]}",
                detail={
                    "ledger_index": p.ledger_index,
                    "record_type": p.record_type,
                    "record_id": p.record_id,
                    "problem": p.problem,
                },
            )
        session.commit()


__all__ = ["AuditReport", "Problem", "audit_database", "raise_integrity_alerts", "run_audit"]
