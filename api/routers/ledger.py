"""The public ledger (SPEC §5.5): no authentication."""

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import PlainTextResponse, Response

from traceability.anchoring import service, witnesses
from traceability.errors import NotFound

from ..deps import SessionDep, State
from ..routing import strict_router

router = strict_router(prefix="/ledger", tags=["ledger"])
Count = Annotated[int, Query(ge=0, le=2**62)]


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    responses={404: {"description": "No checkpoint has that many witness cosignatures yet (`cosigned`)"}},
)
def checkpoint(
    session: SessionDep,
    cosigned: Annotated[
        int | None,
        Query(ge=1, le=64, description="the newest checkpoint with at least this many witness cosignatures"),
    ] = None,
) -> PlainTextResponse:
    """The latest signed checkpoint with every witness cosignature collected for it (SPEC §5.7)."""
    found = service.latest_checkpoint(session) if cosigned is None else witnesses.newest_cosigned(session, cosigned)
    if found is None:
        raise NotFound(f"no checkpoint has {cosigned} witness cosignatures yet", code="not_cosigned")
    return PlainTextResponse(witnesses.cosigned(session, found), media_type="text/plain; charset=utf-8")


@router.get("/key")
def key(state: State) -> dict[str, str]:
    return {"origin": state.signer.name, "vkey": state.signer.vkey}


@router.get("/proof/inclusion")
def inclusion(session: SessionDep, index: Count, size: Count) -> dict[str, Any]:
    return service.inclusion(session, index=index, size=size)


@router.get("/proof/consistency")
def consistency(session: SessionDep, first: Count, second: Count) -> dict[str, Any]:
    return service.consistency(session, first=first, second=second)


@router.get("/tile/{level}/{index_path:path}", response_class=Response)
def tile(level: str, index_path: str, session: SessionDep) -> Response:
    data = service.tile(session, level=level, index_path=index_path)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Cache-Control": "public, max-age=31536000, immutable"} if ".p/" not in index_path else {},
    )
