"""Farms, certifications and farm inputs: what happens when a farmer registers them."""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from .. import clock, ids, rules
from ..alerts.models import AlertKind
from ..alerts.service import raise_alert
from ..corrections.service import corrected, corrections_for
from ..errors import Forbidden, NotFound
from ..pagination import Page, paginate
from ..parties.access import own, own_record
from ..parties.models import Party
from ..places import CURRENT_PROVINCE, LEGACY_PROVINCE
from ..units import hectares, square_metres
from . import geometry
from .models import Certification, Farm, FarmInput
from .schemas import FarmCreate, FarmInputCreate

OVERLAP_WARNING = "plot_overlap: this plot overlaps another registered farm; a regulator will review it"


def record_farm(session: Session, *, farmer: Party, farm_in: FarmCreate) -> tuple[Farm, list[str]]:
    """Register a farm with its plot and certificates; flag overlaps for regulators."""
    plot = geometry.normalise_plot(farm_in.geometry)
    geometry.check_declared_area(plot, farm_in.area_ha)
    farm = Farm(
        id=ids.new_id("F"),
        owner_id=farmer.id,
        name=farm_in.name,
        legacy_province=LEGACY_PROVINCE,
        district=farm_in.district,
        province=CURRENT_PROVINCE,
        commune=farm_in.commune,
        area_m2=square_metres(farm_in.area_ha),
        geometry=plot.geometry,
        computed_area_m2=plot.area_m2,
        min_lon=plot.bounds[0],
        min_lat=plot.bounds[1],
        max_lon=plot.bounds[2],
        max_lat=plot.bounds[3],
        planted_year=farm_in.planted_year,
        variety=farm_in.variety,
    )
    session.add(farm)
    session.flush()
    for cert in farm_in.certifications:
        session.add(Certification(id=ids.new_id("CERT"), farm_id=farm.id, owner_id=farmer.id, **cert.model_dump()))
    warnings = [OVERLAP_WARNING] if _flag_overlaps(session, farm) else []
    session.flush()
    return farm, warnings


def _flag_overlaps(session: Session, farm: Farm) -> bool:
    """Raise one ``plot_overlap`` alert per pair of farms whose polygons share real ground."""
    if farm.geometry["type"] != "Polygon":
        return False
    candidates = session.scalars(
        select(Farm).where(
            col(Farm.id) != farm.id,
            col(Farm.min_lon) <= farm.max_lon,
            col(Farm.max_lon) >= farm.min_lon,
            col(Farm.min_lat) <= farm.max_lat,
            col(Farm.max_lat) >= farm.min_lat,
        )
    )
    found = False
    for other in candidates:
        shared = geometry.overlap_m2(farm.geometry, other.geometry)
        if shared < rules.OVERLAP_MIN_M2:
            continue
        found = True
        pair = sorted([farm.id, other.id])
        raise_alert(
            session,
            kind=AlertKind.plot_overlap,
            party_id=farm.owner_id,
            subject_type="farm",
            subject_id=farm.id,
            dedupe_key=f"plot_overlap:{pair[0]}:{pair[1]}",
            detail={
                "farm_id": farm.id,
                "other_farm_id": other.id,
                "other_party_id": other.owner_id,
                "overlap_m2": round(shared),
            },
        )
    return found


def get_farm(session: Session, *, party: Party, farm_id: str) -> Farm:
    """A farm its owner (or a regulator) may see; 404 unknown, 403 someone else's."""
    return own_record(session, Farm, farm_id, owner="owner_id", party=party, what="farm", listed="/api/v1/farms")


def owned_farm(session: Session, *, farmer: Party, farm_id: str) -> Farm:
    """A farm the caller may write on: only its owner."""
    farm = get_farm(session, party=farmer, farm_id=farm_id)
    if farm.owner_id != farmer.id:
        raise Forbidden("only the farm's owner records on it")
    return farm


def list_farms(session: Session, *, party: Party, limit: int, cursor: str | None) -> Page:
    return paginate(session, own(select(Farm), col(Farm.owner_id), party), col(Farm.id), limit=limit, cursor=cursor)


def farm_values(session: Session, farm: Farm) -> dict[str, Any]:
    """The farm's anchored values after corrections (``area_m2``)."""
    return corrected(farm.entry_data(), corrections_for(session, [farm.id]).get(farm.id, []))


def effective_area_ha(session: Session, farm: Farm) -> Decimal:
    return hectares(farm_values(session, farm)["area_m2"])


def certifications(session: Session, farm_id: str) -> list[Certification]:
    stmt = select(Certification).where(col(Certification.farm_id) == farm_id).order_by(col(Certification.ledger_index))
    return list(session.scalars(stmt))


def record_farm_input(session: Session, *, farmer: Party, input_in: FarmInputCreate) -> FarmInput:
    """Fertiliser, manure or a spray applied to one's own farm."""
    farm = owned_farm(session, farmer=farmer, farm_id=input_in.farm_id)
    clock.not_in_future(input_in.applied_on, "applied_on")
    record = FarmInput(
        id=ids.new_id("FI"),
        farm_id=farm.id,
        farmer_id=farmer.id,
        category=input_in.category.value,
        product=input_in.product,
        product_name=input_in.product_name,
        applied_on=input_in.applied_on,
        notes=input_in.notes,
        quantity=None if input_in.quantity is None else format(input_in.quantity.normalize(), "f"),
        unit=input_in.unit,
    )
    session.add(record)
    session.flush()
    return record


def get_farm_input(session: Session, *, party: Party, input_id: str) -> FarmInput:
    record = session.get(FarmInput, input_id)
    if record is None:
        raise NotFound(f"no farm input {input_id!r}")
    get_farm(session, party=party, farm_id=record.farm_id)
    return record


def eudr_feature(session: Session, farm: Farm) -> dict[str, Any]:
    """The farm as the GeoJSON Feature the EU deforestation regulation's system takes."""
    area_ha = effective_area_ha(session, farm)
    return {
        "type": "Feature",
        "geometry": farm.geometry,
        "properties": {
            "ProducerCountry": "VN",
            "ProductionPlace": f"{farm.commune}, {farm.province}",
            "Area": float(round(area_ha, 4)),
            "FarmId": farm.id,
            "LegacyDistrict": farm.district,
            "LegacyProvince": farm.legacy_province,
        },
    }
