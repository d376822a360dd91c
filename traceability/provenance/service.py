"""Provenance bundles (SPEC §5.6): every entry on a lot's lineage with proofs against one
signed checkpoint, for anyone to verify offline. Never a price, never a name."""

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from ledger.checkpoint import Signer
from ledger.tree import inclusion_proofs

from ..anchoring.models import LedgerEntry
from ..anchoring.service import b64, latest_checkpoint
from ..anchoring.store import SqlLog
from ..corrections.models import Correction
from ..labels.models import Label
from ..lots.lineage import ancestry
from ..oversight.models import RecallLot
from ..processing.models import QualityTest, Receipt, Transfer, TransferCancel
from ..trade.models import ShipmentLot
from .bundle_rules import PRIVATE_TYPES

IN_CHUNK = 500
# Records attached to a lot of the lineage: custody moves, tests and labels.
ATTACHED = (Transfer, Receipt, TransferCancel, QualityTest, Label)


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def lineage_record_ids(session: Session, lot_id: str) -> set[str]:
    """Ids of every record on the lot's lineage: what created each lot, what moved, tested,
    labelled, shipped or recalled it, and the corrections of those records."""
    lineage = ancestry(session, lot_id)
    lot_ids = [lot.lot_id for lot in lineage.lots()]
    ids = {record_id for _, record_id in lineage.records()}
    for model in ATTACHED:
        for chunk in _chunks(lot_ids):
            ids.update(session.scalars(select(col(model.id)).where(col(model.lot_id).in_(chunk))).all())
    for chunk in _chunks(lot_ids):
        stmt = select(col(ShipmentLot.shipment_id)).where(col(ShipmentLot.lot_id).in_(chunk))
        ids.update(session.scalars(stmt).all())
        ids.update(session.scalars(select(col(RecallLot.recall_id)).where(col(RecallLot.lot_id).in_(chunk))).all())
    for chunk in _chunks(sorted(ids)):
        ids.update(session.scalars(select(col(Correction.id)).where(col(Correction.corrects).in_(chunk))).all())
    return ids


def provenance_bundle(session: Session, *, lot_id: str, signer: Signer) -> dict[str, Any]:
    """The bundle of ``lot_id`` against the latest signed checkpoint. Raises NotFound for an unknown lot."""
    record_ids = sorted(lineage_record_ids(session, lot_id))
    checkpoint = latest_checkpoint(session)
    rows: list[tuple[int, bytes]] = []
    for chunk in _chunks(record_ids):
        stmt = select(col(LedgerEntry.idx), col(LedgerEntry.leaf_data)).where(
            col(LedgerEntry.record_id).in_(chunk),
            col(LedgerEntry.type).not_in(PRIVATE_TYPES),
            col(LedgerEntry.idx) < checkpoint.size,
        )
        rows.extend((int(idx), bytes(data)) for idx, data in session.execute(stmt).all())
    rows.sort()
    proofs = inclusion_proofs(SqlLog(session.connection()), [idx for idx, _ in rows], checkpoint.size)
    return {
        "lot_id": lot_id,
        "log": {"origin": signer.name, "vkey": signer.vkey},
        "checkpoint": checkpoint.note,
        "records": [
            {"entry": json.loads(data), "index": idx, "proof": [b64(h) for h in proofs[idx]]} for idx, data in rows
        ],
    }
