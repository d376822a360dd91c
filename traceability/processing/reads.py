"""How processing records read."""

from decimal import Decimal
from typing import Any

from ..countries import country_name
from ..units import kilograms
from .models import Batch, Import, QualityTest, Transfer
from .quality import kernel_recovery
from .schemas import BatchOutputRead, BatchRead, ImportRead, LedgerRef, QualityTestRead, TransferRead


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
