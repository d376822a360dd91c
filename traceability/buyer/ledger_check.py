"""The check the buyer's page does on the server: the records that made and labelled the lot,
rebuilt from the database, are the leaves the latest signed checkpoint commits to.

It proves the page's figures come from records anchored before that checkpoint and not
rewritten since; a buyer repeats the check offline with the provenance bundle.
"""

import base64
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from ledger.entry import entry_leaf_hash
from ledger.tree import inclusion_proofs
from ledger.verify import InvalidProof, verify_inclusion

from ..anchoring import Anchored
from ..anchoring.models import LedgerCheckpoint
from ..anchoring.store import SqlLog
from ..anchoring.witnesses import cosigners
from ..labels.models import Label
from ..lots.models import Lot
from ..processing.models import Batch, Import, Split
from ..production.models import Harvest
from .schemas import LedgerCheck, LedgerRecord, WitnessCosignature

CREATORS: dict[str, type[Anchored]] = {"harvest": Harvest, "import": Import, "split": Split, "batch": Batch}
CHECKED: dict[str, type[Anchored]] = CREATORS | {"label": Label}  # every kind of record the check covers


def creating_record(session: Session, lot: Lot) -> Anchored | None:
    """The anchored record (harvest, import, split or batch) that created the lot."""
    model = CREATORS.get(lot.created_by_type)
    return None if model is None else session.get(model, lot.created_by_id)


def label_of(session: Session, lot_id: str) -> Label | None:
    stmt = select(Label).where(col(Label.lot_id) == lot_id)
    return session.scalars(stmt).first()


def reload(session: Session, checked: Sequence[tuple[str, str]]) -> list[Anchored | None]:
    """The records named by (entry type, record id), read again as stored now (None: gone)."""
    return [session.get(CHECKED[entry_type], record_id) for entry_type, record_id in checked]


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return SqlLog(session.connection()).latest_checkpoint()


def check_inclusion(
    session: Session, records: Sequence[Anchored | None], checkpoint: LedgerCheckpoint | None
) -> tuple[str | None, list[LedgerRecord]]:
    """(what failed, or None when every record is included in ``checkpoint``; the records' indices).

    The proofs of all the records are read in one node lookup. A None record (one that was
    deleted behind the application's back) fails the check.
    """
    present = [r for r in records if r is not None]
    refs = [LedgerRecord(type=r.entry_type, index=r.ledger_index) for r in present if r.ledger_index is not None]
    if checkpoint is None:
        return "the log has no signed checkpoint yet", refs
    if not records or len(refs) < len(records):
        return "a record of this lot has no ledger entry", refs
    size = checkpoint.size
    late = next((r for r in present if r.ledger_index is None or r.ledger_index >= size), None)
    if late is not None:
        return f"{late.entry_type} {late.entry_id()} is not yet covered by a signed checkpoint", refs
    indices = [r.ledger_index for r in present if r.ledger_index is not None]
    proofs = inclusion_proofs(SqlLog(session.connection()), indices, size)
    for record, index in zip(present, indices, strict=True):
        try:
            verify_inclusion(
                entry_leaf_hash(record.to_entry()), index, size, proofs[index], bytes(checkpoint.root_hash)
            )
        except InvalidProof:
            return f"{record.entry_type} {record.entry_id()} as stored is not the entry logged at index {index}", refs
    return None, refs


def ledger_check(
    session: Session, records: Sequence[Anchored | None], checkpoint: LedgerCheckpoint | None, links: LedgerCheck
) -> LedgerCheck:
    """The page's ledger check of ``records`` against ``checkpoint``, with the links of ``links``."""
    failure, refs = check_inclusion(session, records, checkpoint)
    return links.model_copy(
        update={
            "verified": failure is None,
            "problem": failure,
            "checkpoint_size": None if checkpoint is None else checkpoint.size,
            "key_id": key_id(checkpoint),
            "witnesses": [] if checkpoint is None else witnessed_by(session, checkpoint.size),
            "records": refs,
        }
    )


def witnessed_by(session: Session, size: int) -> list[WitnessCosignature]:
    return [
        WitnessCosignature(name=c.witness, cosigned_at=datetime.fromtimestamp(c.timestamp, UTC))
        for c in cosigners(session, size)
    ]


def key_id(checkpoint: LedgerCheckpoint | None) -> str | None:
    """The key id (8 hex digits) in the checkpoint's signature line."""
    if checkpoint is None:
        return None
    signature = checkpoint.note.rstrip("\n").rsplit("\n", 1)[-1].rsplit(" ", 1)[-1]
    try:
        return base64.b64decode(signature)[:4].hex()
    except ValueError:
        return None
