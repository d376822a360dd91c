"""Provenance bundles (SPEC §5.6): every entry on a lot's lineage with proofs against one
signed checkpoint, for anyone to verify offline. Never a price, never a name."""

import json
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from ledger.checkpoint import Signer
from ledger.tree import inclusion_proofs

from ..anchoring.models import LedgerCheckpoint, LedgerEntry
from ..anchoring.service import b64, latest_checkpoint
from ..anchoring.store import SqlLog
from ..anchoring.witnesses import cosigned, newest_cosigned
from ..corrections.models import Correction
from ..labels.models import Label
from ..lots.lineage import ancestry
from ..oversight.models import RecallLot
from ..processing.models import QualityTest, Receipt, Transfer, TransferCancel
from ..trade.models import ShipmentLot
from .bundle_rules import PRIVATE_TYPES

IN_CHUNK = 500
QUORUM_WAIT, QUORUM_POLL = 2.0, 0.05  # seconds a bundle waits for its checkpoint's cosignatures, and between looks
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


def _witnessed(session: Session, quorum: int, covering: int) -> LedgerCheckpoint:
    """The newest checkpoint of ``covering`` entries or more with ``quorum`` cosignatures, polled for a
    while (each poll a fresh read: the cosignatures arrive from the server's witness threads)."""
    deadline = time.monotonic() + QUORUM_WAIT
    while True:
        found = newest_cosigned(session, quorum, covering=covering)
        if found is not None or time.monotonic() >= deadline:
            return found or latest_checkpoint(session)
        session.rollback()  # end the read transaction: the next look sees what was committed since
        time.sleep(QUORUM_POLL)


def provenance_bundle(session: Session, *, lot_id: str, signer: Signer, quorum: int = 0) -> dict[str, Any]:
    """The bundle of ``lot_id`` against the latest signed checkpoint or, with a ``quorum`` of witnesses
    (SPEC §5.7), the newest one covering the lot's entries that holds that many cosignatures, waited for
    up to ``QUORUM_WAIT`` seconds (then the latest, with what it has). Raises NotFound for an unknown lot."""
    record_ids = sorted(lineage_record_ids(session, lot_id))
    latest = latest_checkpoint(session)
    rows: list[tuple[int, bytes]] = []
    for chunk in _chunks(record_ids):
        stmt = select(col(LedgerEntry.idx), col(LedgerEntry.leaf_data)).where(
            col(LedgerEntry.record_id).in_(chunk),
            col(LedgerEntry.type).not_in(PRIVATE_TYPES),
            col(LedgerEntry.idx) < latest.size,
        )
        rows.extend((int(idx), bytes(data)) for idx, data in session.execute(stmt).all())
    rows.sort()
    checkpoint = _witnessed(session, quorum, rows[-1][0] + 1 if rows else 0) if quorum else latest
    proofs = inclusion_proofs(SqlLog(session.connection()), [idx for idx, _ in rows], checkpoint.size)
    return {
        "lot_id": lot_id,
        "log": {"origin": signer.name, "vkey": signer.vkey},
        "checkpoint": cosigned(session, checkpoint),
        "records": [
            {"entry": json.loads(data), "index": idx, "proof": [b64(h) for h in proofs[idx]]} for idx, data in rows
        ],
    }
