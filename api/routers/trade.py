"""Trade pillar (SPEC §6.3): shipments."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from traceability.parties.models import Role
from traceability.trade.schemas import ShipmentCreate, ShipmentRead
from traceability.trade.shipments import record_shipment, shipment_read

from ..deps import Writer

router = APIRouter(prefix="/api/v1", tags=["trade"])
Shipper = Writer(Role.processor, Role.trader)


@router.post("/shipments", status_code=201, response_model=ShipmentRead)
def ship(shipment_in: ShipmentCreate, write: Shipper) -> JSONResponse:
    shipment = record_shipment(write.session, shipper=write.party, shipment_in=shipment_in)
    return write.respond(shipment_read(shipment))
