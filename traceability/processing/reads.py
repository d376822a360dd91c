"""How processing records read."""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from ..anchoring.schemas import LedgerRef
from ..countries import country_name
from ..errors import Forbidden, NotFound
from ..lots.models import Lot, LotOrigin, LotParent
from ..lots.schemas import LotRead, OriginShare, ParentRead
from ..parties.models import Party, Role
from ..places import DISTRICTS
from ..units import kilograms
from .batches import recorded_figures
from .models import Batch, Import, QualityTest, Transfer
from .quality import kernel_recovery, latest_tests
from .schemas import BatchOutputRead, BatchRead, ImportRead, QualityTestRead, TransferRead


def transfer_read(
    transfer: Transfer, *, split_from: str | None = None, warnings: list[str] | None = None
) -> TransferRead:
    return TransferRead(
        id=transfer.id,
        lot_id=transfer.lot_id,
        from_party_id=transfer.from_party_id,
        to_party_id=transfer.to_party_id,
        quantity_kg=kilograms(transfer.quantity_g),
        received_kg=None if transfer.received_g is None else kilograms(transfer.received_g),
        status=transfer.status,
        split_from=split_from,
        warnings=warnings or [],
        ledger=LedgerRef(**transfer.ledger_ref()),
    )


def import_read(record: Import) -> ImportRead:
    return ImportRead(
        id=record.id,
        lot_id=record.lot_id,
        quantity_kg=kilograms(record.quantity_g),
        origin_country=record.origin_country,
        origin_country_name=country_name(record.origin_country),
        supplier=record.supplier,
        container_no=record.container_no,
        arrived_on=record.arrived_on,
        documents=record.documents,
        epcis_event_id=record.epcis_event_id,
        ledger=LedgerRef(**record.ledger_ref()),
    )


def quality_read(test: QualityTest, warnings: list[str] | None = None) -> QualityTestRead:
    outturn = Decimal(test.outturn_lbs)
    return QualityTestRead(
        id=test.id,
        lot_id=test.lot_id,
        tested_on=test.tested_on,
        sample_g=Decimal(test.sample_g),
        nut_count=test.nut_count,
        outturn_lbs=outturn,
        kernel_recovery_pct=round(kernel_recovery(outturn) * 100, 2),
        nut_count_per_kg=test.nut_count_per_kg,
        moisture_pct=Decimal(test.moisture_pct),
        spotted_factor=Decimal(test.spotted_factor),
        warnings=warnings or [],
        ledger=LedgerRef(**test.ledger_ref()),
    )


def batch_read(batch: Batch, figures: dict[str, Any], warnings: list[str] | None = None) -> BatchRead:
    def kg(value: Decimal | None) -> Decimal | None:
        return None if value is None else round(value / 1000, 3)

    return BatchRead(
        id=batch.id,
        processed_on=batch.processed_on,
        inputs=[{"lot_id": i["lot_id"], "quantity_kg": float(kilograms(i["quantity_g"]))} for i in batch.inputs],
        outputs=[
            BatchOutputRead(
                lot_id=o["lot_id"], product=o["product"], grade=o["grade"], quantity_kg=kilograms(o["quantity_g"])
            )
            for o in batch.outputs
        ],
        loss_kg=kilograms(batch.loss_g),
        raw_input_kg=kg(figures["raw_input_g"]) or Decimal(0),
        kernel_kg=kg(figures["kernel_g"]) or Decimal(0),
        kernel_ratio=None if figures["kernel_ratio"] is None else round(figures["kernel_ratio"], 4),
        max_kernel_kg=kg(figures["max_kernel_g"]),
        warnings=warnings or [],
        ledger=LedgerRef(**batch.ledger_ref()),
    )


def recorded_batch_read(session: Session, batch: Batch) -> BatchRead:
    """A stored batch as ``POST /batches`` answered it: the same figures and warnings."""
    figures, warnings = recorded_figures(session, batch)
    return batch_read(batch, figures, warnings)


def get_lot(session: Session, *, party: Party, lot_id: str) -> Lot:
    """A lot its holder (or a regulator) may see; 404 unknown, 403 someone else's."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"no lot {lot_id!r}")
    if party.role != Role.regulator and lot.owner_id != party.id and not _travelling_to(session, lot, party):
        raise Forbidden("this lot is held by another party")
    return lot


def _travelling_to(session: Session, lot: Lot, party: Party) -> bool:
    """The recipient of a lot in transit may read it before weighing it in."""
    stmt = select(col(Transfer.id)).where(
        col(Transfer.lot_id) == lot.lot_id, col(Transfer.to_party_id) == party.id, col(Transfer.status) == "in_transit"
    )
    return session.execute(stmt).first() is not None


def lot_read(session: Session, lot: Lot) -> LotRead:
    test = latest_tests(session, [lot.lot_id]).get(lot.lot_id) if lot.product == "rcn" else None
    origins = session.scalars(select(LotOrigin).where(col(LotOrigin.lot_id) == lot.lot_id).order_by(col(LotOrigin.id)))
    parents = session.scalars(select(LotParent).where(col(LotParent.lot_id) == lot.lot_id))
    return LotRead(
        lot_id=lot.lot_id,
        product=lot.product,
        grade=lot.grade,
        quantity_kg=kilograms(lot.quantity_g),
        owner_id=lot.owner_id,
        status=lot.status,
        produced_on=lot.produced_on,
        created_by={"type": lot.created_by_type, "id": lot.created_by_id},
        origin=[
            OriginShare(
                country=o.country,
                district=o.district,
                district_name=DISTRICTS[o.district].name if o.district in DISTRICTS else None,
                farm_id=o.farm_id,
                share_pct=round(Decimal(o.share * 100), 2),
            )
            for o in origins
        ],
        certifications=list(lot.certifications),
        parents=[ParentRead(lot_id=p.parent_lot_id, quantity_kg=kilograms(p.quantity_g)) for p in parents],
        outturn_lbs=None if test is None else Decimal(test.outturn_lbs),
        nut_count_per_kg=None if test is None else test.nut_count_per_kg,
    )
