"""Imported raw nuts (SPEC §6.2): a lot whose origin is a country, with its documents."""

from sqlmodel import Session

from .. import clock, ids
from ..clock import not_in_future
from ..lots.operations import create_lot
from ..parties.models import Party
from ..units import grams
from .models import Import
from .schemas import ImportCreate


def record_import(session: Session, *, importer: Party, import_in: ImportCreate) -> Import:
    arrived_on = import_in.arrived_on or clock.today()
    not_in_future(arrived_on, "arrived_on")
    quantity_g = grams(import_in.quantity_kg)
    record = Import(
        id=ids.new_id("I"),
        party_id=importer.id,
        lot_id=ids.new_id(f"RCN{arrived_on.year % 100:02d}", 8),
        origin_country=import_in.origin_country,
        quantity_g=quantity_g,
        container_no=import_in.container_no,
        supplier=import_in.supplier,
        arrived_on=arrived_on,
        documents=[d.model_dump() for d in import_in.documents],
        epcis_event_id=import_in.epcis_event_id,
    )
    session.add(record)
    create_lot(
        session,
        lot_id=record.lot_id,
        product="rcn",
        grade=None,
        quantity_g=quantity_g,
        owner_id=importer.id,
        created_by=("import", record.id),
        produced_on=arrived_on,
        certifications=[],
        origin={(import_in.origin_country, None, None): 1.0},
    )
    session.flush()
    return record
