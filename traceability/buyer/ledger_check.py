"""The check the buyer's page does on the server: the records that made and labelled the lot,
rebuilt from the database, are the leaves the latest signed checkpoint commits to.

It proves the page's figures come from records anchored before that checkpoint and not
rewritten since; a buyer repeats the check offline with the provenance bundle.
"""

import base64

from sqlalchemy import select
from sqlmodel import Session, col

from ledger.entry import entry_leaf_hash
from ledger.tree import inclusion_proof
from ledger.verify import InvalidProof, verify_inclusion

from ..anchoring import Anchored
from ..anchoring.store import SqlLog
from ..labels.models import Label
from ..lots.models import Lot
from ..processing.models import Batch, Import, Split
from ..production.models import Harvest
from .schemas import LedgerRecord

CREATORS: dict[str, type[Anchored]] = {"harvest": Harvest, "import": Import, "split": Split, "batch": Batch}


def creating_record(session: Session, lot: Lot) -> Anchored | None:
    """The anchored record (harvest, import, split or batch) that created the lot."""
    model = CREATORS.get(lot.created_by_type)
    return None if model is None else session.get(model, lot.created_by_id)


def label_of(session: Session, lot_id: str) -> Label | None:
    stmt = select(Label).where(col(Label.lot_id) == lot_id)
    return session.scalars(stmt).first()


def check_inclusion(session: Session, records: list[Anchored]) -> tuple[str | None, int | None, list[LedgerRecord]]:
    """(what failed, or None when every record is included; checkpoint size; the records' indices)
    against the latest checkpoint."""
    refs = [LedgerRecord(type=r.entry_type, index=r.ledger_index) for r in records if r.ledger_index is not None]
    log = SqlLog(session.connection())
    checkpoint = log.latest_checkpoint()
    if checkpoint is None:
        return "the log has no signed checkpoint yet", None, refs
    if not records or len(refs) < len(records):
        return "a record of this lot has no ledger entry", checkpoint.size, refs
    for record in records:
        index = record.ledger_index
        assert index is not None
        if index >= checkpoint.size:
            return (
                f"{record.entry_type} {record.entry_id()} is not yet covered by a signed checkpoint",
                checkpoint.size,
                refs,
            )
        try:
            verify_inclusion(
                entry_leaf_hash(record.to_entry()),
                index,
                checkpoint.size,
                inclusion_proof(log, index, checkpoint.size),
                bytes(checkpoint.root_hash),
            )
        except InvalidProof:
            return (
                f"{record.entry_type} {record.entry_id()} as stored is not the entry logged at index {index}",
                checkpoint.size,
                refs,
            )
    return None, checkpoint.size, refs


def checkpoint_key_id(session: Session) -> str | None:
    """The key id (8 hex digits) in the latest checkpoint's signature line."""
    checkpoint = SqlLog(session.connection()).latest_checkpoint()
    if checkpoint is None:
        return None
    signature = checkpoint.note.rstrip("\n").rsplit("\n", 1)[-1].rsplit(" ", 1)[-1]
    try:
        return base64.b64decode(signature)[:4].hex()
    except ValueError:
        return None
