"""Processing pillar (SPEC §6.2): custody, imports, cutting tests, batches."""

from typing import Annotated, Any

from fastapi.responses import JSONResponse

from traceability.epcis import query as epcis_query
from traceability.pagination import PageRead
from traceability.parties.models import Role
from traceability.processing import batches, custody, imports, quality, reads, repository
from traceability.processing.schemas import (
    BatchCreate,
    BatchRead,
    DispatchCreate,
    ImportCreate,
    ImportRead,
    QualityTestCreate,
    QualityTestRead,
    ReceiveCreate,
    TransferRead,
)

from ..deps import CurrentParty, PageParams, PartyWrite, SessionDep, Writer
from ..routing import strict_router

router = strict_router(prefix="/api/v1", tags=["processing"])
Sender = Annotated[PartyWrite, Writer(Role.farmer, Role.processor, Role.trader)]
Holder = Annotated[PartyWrite, Writer(Role.processor, Role.trader)]
Processor = Annotated[PartyWrite, Writer(Role.processor)]


@router.post("/lots/import", status_code=201, response_model=ImportRead)
def import_lot(import_in: ImportCreate, write: Holder) -> JSONResponse:
    if import_in.epcis_event_id is not None:  # the exporter's event must be one the importer holds
        epcis_query.one(write.session, import_in.epcis_event_id, write.party)
    record = imports.record_import(write.session, importer=write.party, import_in=import_in)
    return write.respond(reads.import_read(record))


@router.post("/lots/{lot_id}/dispatch", status_code=201, response_model=TransferRead)
def dispatch(lot_id: str, dispatch_in: DispatchCreate, write: Sender) -> JSONResponse:
    transfer, split_from = custody.dispatch(write.session, sender=write.party, lot_id=lot_id, dispatch_in=dispatch_in)
    return write.respond(reads.transfer_read(transfer, split_from=split_from))


@router.post("/transfers/{transfer_id}/receive", response_model=TransferRead)
def receive(transfer_id: str, receive_in: ReceiveCreate, write: Holder) -> JSONResponse:
    transfer, warnings = custody.receive(
        write.session, recipient=write.party, transfer_id=transfer_id, receive_in=receive_in
    )
    return write.respond(reads.transfer_read(transfer, warnings=warnings), status_code=200)


@router.post("/transfers/{transfer_id}/cancel", response_model=TransferRead)
def cancel(transfer_id: str, write: Sender) -> JSONResponse:
    transfer = custody.cancel(write.session, sender=write.party, transfer_id=transfer_id)
    return write.respond(reads.transfer_read(transfer), status_code=200)


@router.get("/transfers/{transfer_id}", response_model=TransferRead)
def get_transfer(transfer_id: str, session: SessionDep, party: CurrentParty) -> TransferRead:
    return reads.transfer_read(custody.get_transfer(session, party=party, transfer_id=transfer_id))


@router.get("/transfers")
def list_transfers(session: SessionDep, party: CurrentParty, status: str | None = None) -> dict[str, object]:
    items = [reads.transfer_read(t) for t in custody.transfers_of(session, party=party, status=status)]
    return {"items": items, "next_cursor": None}


@router.post("/lots/{lot_id}/quality-tests", status_code=201, response_model=QualityTestRead)
def cutting_test(lot_id: str, test_in: QualityTestCreate, write: Holder) -> JSONResponse:
    test, warnings = quality.record_quality_test(write.session, party=write.party, lot_id=lot_id, test_in=test_in)
    return write.respond(reads.quality_read(test, warnings))


@router.post("/batches", status_code=201, response_model=BatchRead)
def batch(batch_in: BatchCreate, write: Processor) -> JSONResponse:
    record, figures, warnings = batches.record_batch(write.session, processor=write.party, batch_in=batch_in)
    return write.respond(reads.batch_read(record, figures, warnings))


@router.get("/batches", response_model=PageRead[BatchRead])
def list_batches(session: SessionDep, party: CurrentParty, page: PageParams) -> dict[str, Any]:
    """The caller's batches with inputs, outputs, yields and warnings (regulators: every party's), oldest first."""
    result = repository.list_batches(session, party=party, **page)
    return {"items": [reads.recorded_batch_read(session, b) for b in result.items], "next_cursor": result.next_cursor}


@router.get("/batches/{batch_id}", response_model=BatchRead)
def get_batch(batch_id: str, session: SessionDep, party: CurrentParty) -> BatchRead:
    """A batch as ``POST /batches`` answered it."""
    return reads.recorded_batch_read(session, repository.get_batch(session, party=party, batch_id=batch_id))


@router.get("/quality-tests", response_model=PageRead[QualityTestRead])
def list_quality_tests(
    session: SessionDep, party: CurrentParty, page: PageParams, lot_id: str | None = None
) -> dict[str, Any]:
    """Cutting tests the caller made (regulators: every party's), oldest first; ``lot_id``: of one lot."""
    result = repository.list_quality_tests(session, party=party, lot_id=lot_id, **page)
    return {"items": [reads.quality_read(t) for t in result.items], "next_cursor": result.next_cursor}
