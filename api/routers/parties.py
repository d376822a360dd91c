"""Parties: registered by the operator (admin token); each reads its own."""

from fastapi.responses import JSONResponse

from traceability.parties.schemas import PartyCreate, PartyCreated, PartyRead
from traceability.parties.service import create_party

from ..deps import AdminWrite, CurrentParty
from ..routing import strict_router

router = strict_router(prefix="/api/v1/parties", tags=["parties"])


@router.post("", status_code=201, response_model=PartyCreated)
def register_party(party_in: PartyCreate, write: AdminWrite) -> JSONResponse:
    party, key = create_party(write.session, party_in=party_in)
    return write.respond(PartyCreated(**party.model_dump(), api_key=key), secrets=("api_key",))


@router.get("/me", response_model=PartyRead)
def me(party: CurrentParty) -> PartyRead:
    return PartyRead(**party.model_dump())
