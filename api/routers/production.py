"""Production pillar (SPEC §6.1): farms, harvests, farm inputs, corrections."""

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from traceability.pagination import PageRead
from traceability.parties.models import Role
from traceability.production import harvests, reads, service
from traceability.production.corrections import CorrectionCreate, correct_record
from traceability.production.schemas import (
    FarmCreate,
    FarmInputCreate,
    FarmInputRead,
    FarmRead,
    HarvestCreate,
    HarvestRead,
)

from ..deps import CurrentParty, PageParams, PartyWrite, SessionDep, Writer
from ..routing import strict_router

router = strict_router(prefix="/api/v1", tags=["production"])
FarmerWrite = Annotated[PartyWrite, Writer(Role.farmer)]
Season = Annotated[int | None, Query(ge=2000, le=2100, description="a calendar year (the harvest runs January–June)")]


@router.post("/farms", status_code=201, response_model=FarmRead)
def register_farm(farm_in: FarmCreate, write: FarmerWrite) -> JSONResponse:
    farm, warnings = service.record_farm(write.session, farmer=write.party, farm_in=farm_in)
    return write.respond(reads.farm_read(write.session, farm, warnings))


@router.get("/farms")
def list_farms(session: SessionDep, party: CurrentParty, page: PageParams) -> dict[str, Any]:
    result = service.list_farms(session, party=party, **page)
    return {"items": [reads.farm_read(session, f) for f in result.items], "next_cursor": result.next_cursor}


@router.get("/farms/{farm_id}", response_model=FarmRead)
def get_farm(farm_id: str, session: SessionDep, party: CurrentParty) -> FarmRead:
    return reads.farm_read(session, service.get_farm(session, party=party, farm_id=farm_id))


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


@router.get(
    "/farms/{farm_id}/export.geojson",
    response_class=GeoJSONResponse,
    responses={200: {"description": "an RFC 7946 Feature with the properties the EUDR system takes"}},
)
def export_farm(farm_id: str, session: SessionDep, party: CurrentParty) -> GeoJSONResponse:
    """The farm as the GeoJSON Feature of the EU deforestation regulation's information system."""
    farm = service.get_farm(session, party=party, farm_id=farm_id)
    return GeoJSONResponse(service.eudr_feature(session, farm))


@router.post("/harvests", status_code=201, response_model=HarvestRead)
def log_harvest(harvest_in: HarvestCreate, write: FarmerWrite) -> JSONResponse:
    harvest, _lot, warnings = harvests.record_harvest(write.session, farmer=write.party, harvest_in=harvest_in)
    return write.respond(reads.harvest_read(write.session, harvest, warnings, new=True))


@router.get("/harvests", response_model=PageRead[HarvestRead])
def list_harvests(
    session: SessionDep, party: CurrentParty, page: PageParams, farm_id: str | None = None, season: Season = None
) -> dict[str, Any]:
    """The caller's harvests (regulators: every farmer's), oldest first; ``farm_id``, ``season`` as corrected."""
    result = harvests.list_harvests(session, party=party, farm_id=farm_id, season=season, **page)
    return {"items": [reads.harvest_read(session, h) for h in result.items], "next_cursor": result.next_cursor}


@router.get("/harvests/{harvest_id}", response_model=HarvestRead)
def get_harvest(harvest_id: str, session: SessionDep, party: CurrentParty) -> HarvestRead:
    return reads.harvest_read(session, harvests.get_harvest(session, party=party, harvest_id=harvest_id))


@router.post("/farm-inputs", status_code=201, response_model=FarmInputRead)
def log_farm_input(input_in: FarmInputCreate, write: FarmerWrite) -> JSONResponse:
    record = service.record_farm_input(write.session, farmer=write.party, input_in=input_in)
    return write.respond(reads.farm_input_read(write.session, record))


@router.get("/farm-inputs/{input_id}", response_model=FarmInputRead)
def get_farm_input(input_id: str, session: SessionDep, party: CurrentParty) -> FarmInputRead:
    return reads.farm_input_read(session, service.get_farm_input(session, party=party, input_id=input_id))


@router.post("/corrections", status_code=201)
def correct(correction_in: CorrectionCreate, write: FarmerWrite) -> JSONResponse:
    correction = correct_record(write.session, party=write.party, correction_in=correction_in)
    return write.respond(reads.correction_result(write.session, correction))
