"""Shipments (SPEC §6.3): a container's declared lots must be held by the shipper."""

from sqlmodel import Session

from .. import clock, ids
from ..anchoring.schemas import LedgerRef
from ..clock import not_in_future
from ..countries import country_name
from ..errors import RuleViolation
from ..lots.models import LotStatus
from ..lots.operations import held_lot
from ..parties.models import Party
from .models import Shipment, ShipmentLot
from .schemas import ShipmentCreate, ShipmentRead


def record_shipment(session: Session, *, shipper: Party, shipment_in: ShipmentCreate) -> Shipment:
    """Ship held lots in one container; they leave the shipper's stock (status ``shipped``)."""
    shipped_on = shipment_in.shipped_on or clock.today()
    not_in_future(shipped_on, "shipped_on")
    if shipment_in.destination_country == "VN":
        raise RuleViolation(
            "a shipment leaves Vietnam; move lots inside the country with a dispatch", code="domestic_shipment"
        )
    lots = [held_lot(session, party=shipper, lot_id=lot_id) for lot_id in shipment_in.lot_ids]
    shipment = Shipment(
        id=ids.new_id("SH"),
        party_id=shipper.id,
        lot_ids=[lot.lot_id for lot in lots],
        container_no=shipment_in.container_no,
        port_of_loading=shipment_in.port_of_loading,
        destination_country=shipment_in.destination_country,
        shipped_on=shipped_on,
        documents=[d.model_dump() for d in shipment_in.documents],
    )
    session.add(shipment)
    session.flush()
    for lot in lots:
        lot.status = LotStatus.shipped.value
        session.add(ShipmentLot(shipment_id=shipment.id, lot_id=lot.lot_id))
    session.flush()
    return shipment


def shipment_read(shipment: Shipment) -> ShipmentRead:
    return ShipmentRead(
        id=shipment.id,
        lot_ids=shipment.lot_ids,
        container_no=shipment.container_no,
        port_of_loading=shipment.port_of_loading,
        destination_country=shipment.destination_country,
        destination_country_name=country_name(shipment.destination_country),
        shipped_on=shipment.shipped_on,
        documents=shipment.documents,
        ledger=LedgerRef(**shipment.ledger_ref()),
    )
