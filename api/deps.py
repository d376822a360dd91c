"""Dependencies: sessions, the calling party, roles, and the write unit of every POST.

A write is a member of its process's write group (``traceability.db``): the group's one
transaction holds the ledger's sequencing lock, so writes are serialised the same way
on SQLite and PostgreSQL. ``Write.respond`` commits the member, together with the
response stored for its ``Idempotency-Key``, and returns only once the group has
committed, *before* the response is sent.
"""

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, params
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.checkpoint import Signer
from traceability.anchoring import anchoring_info
from traceability.db import open_session, settle
from traceability.errors import Forbidden, RuleViolation, Unauthorized
from traceability.idempotency import service as idempotency
from traceability.pagination import DEFAULT_LIMIT, MAX_LIMIT
from traceability.parties.models import Party, Role
from traceability.parties.service import is_party_key, party_for_key, require_role
from traceability.settings import Settings

from .errors import Replay
from .input import MISSING
from .routing import parsed_body

ADMIN = "__admin__"
_bearer = HTTPBearer(auto_error=False, description="The party's API key (or the admin token for /parties)")


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    signer: Signer


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.cashew  # set by create_app
    return state


State = Annotated[AppState, Depends(app_state)]


def read_session(state: State) -> Iterator[Session]:
    session = open_session(state.engine)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(read_session, scope="function")]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("send your API key as 'Authorization: Bearer <key>'")
    return credentials.credentials


def current_party(state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Party:
    token = _token(credentials)
    with open_session(state.engine) as session:
        return party_for_key(session, token)


CurrentParty = Annotated[Party, Depends(current_party)]


def RequireRole(*roles: Role) -> params.Depends:  # noqa: N802 - a marker, like Depends
    """The calling party, if it holds one of ``roles``: ``Annotated[Party, RequireRole(...)]``."""

    def check(party: CurrentParty) -> Party:
        require_role(party, *roles)
        return party

    return params.Depends(check)


def admin(state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    expected = state.settings.admin_token
    if not expected:
        raise Forbidden("party administration is closed: the operator has not set CASHEW_ADMIN_TOKEN")
    token = _token(credentials)
    if not hmac.compare_digest(token.encode(), expected.encode()):
        with open_session(state.engine) as session:
            if is_party_key(session, token):
                raise Forbidden("only the operator's admin token manages parties; a party's API key cannot")
        raise Unauthorized("the admin token is not valid")
    return ADMIN


async def request_fingerprint(request: Request) -> str:
    body = parsed_body(request)
    if body is MISSING:
        raw = await request.body()
        body = raw if raw else None
    return idempotency.fingerprint(request.method, request.url.path, body)


@dataclass
class Write:
    """One write transaction with its caller; answer through ``respond``.

    ``party`` is None only for the operator's writes (``AdminWrite``); a party's write
    is a ``PartyWrite``.
    """

    session: Session
    party: Party | None
    actor_id: str
    key: str | None
    fingerprint: str

    def respond(self, body: Any, status_code: int = 201, *, secrets: tuple[str, ...] = ()) -> JSONResponse:
        """Commit, then answer. ``secrets`` are fields never stored for a replay (an API key is shown once)."""
        content = jsonable_encoder(body)
        if self.key is not None:
            stored = {k: (None if k in secrets else v) for k, v in content.items()}
            if secrets:
                stored["note"] = "replayed: secrets such as the API key are shown only in the first response"
            idempotency.remember(
                self.session,
                party_id=self.actor_id,
                key=self.key,
                request_fingerprint=self.fingerprint,
                status_code=status_code,
                body=stored,
            )
        self.session.commit()
        return JSONResponse(content, status_code=status_code)


@dataclass
class PartyWrite(Write):
    """A write by a registered party: ``party`` is never None."""

    party: Party


@contextmanager
def _write_session(state: AppState, actor_id: str, key: str | None, fingerprint: str) -> Iterator[Session]:
    """The write, a member of the process's write group; a stored response for ``key`` is
    replayed instead. The replay is looked up before joining (most retries end there,
    without waiting for a turn), and again inside, where an answer stored by an earlier
    member of the same group is replayed once that group has committed."""
    if key is not None:
        idempotency.check_key(key)
        with open_session(state.engine) as reading:
            stored = idempotency.find_replay(reading, party_id=actor_id, key=key, request_fingerprint=fingerprint)
        if stored is not None:
            raise Replay(stored)
    session = open_session(state.engine, write=True, info=anchoring_info(state.signer))
    try:
        if key is not None:
            stored = idempotency.find_replay(session, party_id=actor_id, key=key, request_fingerprint=fingerprint)
            if stored is not None:
                session.rollback()
                settle(session)
                raise Replay(stored)
        yield session
    finally:
        session.rollback()
        session.close()


IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Retry-safe key; reuse it on retries")
]
Fingerprint = Annotated[str, Depends(request_fingerprint)]


def Writer(*roles: Role) -> params.Depends:  # noqa: N802 - a marker, like Depends
    """A write by a party holding one of ``roles``: ``Annotated[PartyWrite, Writer(...)]``."""

    def open_write(
        state: State, party: CurrentParty, fingerprint: Fingerprint, key: IdempotencyKey = None
    ) -> Iterator[PartyWrite]:
        require_role(party, *roles)
        with _write_session(state, party.id, key, fingerprint) as session:
            yield PartyWrite(session, party, party.id, key, fingerprint)

    return params.Depends(open_write, scope="function")


def _admin_write(
    state: State, actor: Annotated[str, Depends(admin)], fingerprint: Fingerprint, key: IdempotencyKey = None
) -> Iterator[Write]:
    with _write_session(state, actor, key, fingerprint) as session:
        yield Write(session, None, actor, key, fingerprint)


AdminWrite = Annotated[Write, Depends(_admin_write, scope="function")]


def page_params(limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise RuleViolation(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    return {"limit": limit, "cursor": cursor}


PageParams = Annotated[dict[str, Any], Depends(page_params)]
