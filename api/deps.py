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
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, params
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.checkpoint import Signer
from traceability.anchoring import anchoring_info
from traceability.anchoring.witnesses import WitnessPolicy
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
    policy: WitnessPolicy | None = None  # the witnesses asked to cosign (SPEC §5.7), if any


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
    """One write by its caller; answer through ``respond``.

    The write joins its process's write group (``traceability.db``) on the first use of
    ``session``, in the endpoint's own thread, and ``respond`` commits it: the turn it
    holds in the group spans the endpoint's work only, never a hop back to the event loop
    (the body is validated, the caller authenticated and a replay looked up before).
    ``party`` is None only for the operator's writes (``AdminWrite``); a party's write is
    a ``PartyWrite``.
    """

    state: AppState
    party: Party | None
    actor_id: str
    key: str | None
    fingerprint: str
    _session: Session | None = field(default=None, init=False, repr=False)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = _join(self.state, self.actor_id, self.key, self.fingerprint)
        return self._session

    def release(self) -> None:
        """Give the write's turn up, writing nothing more (once the endpoint is done)."""
        if self._session is not None:
            self._session.rollback()
            self._session.close()

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


def _check_replay(state: AppState, actor_id: str, key: str | None, fingerprint: str) -> None:
    """A stored response for ``key`` is replayed without joining a group (most retries end here)."""
    if key is None:
        return
    idempotency.check_key(key)
    with open_session(state.engine) as reading:
        stored = idempotency.find_replay(reading, party_id=actor_id, key=key, request_fingerprint=fingerprint)
    if stored is not None:
        raise Replay(stored)


def _join(state: AppState, actor_id: str, key: str | None, fingerprint: str) -> Session:
    """The write's session, a member of the write group. The replay is looked up again inside,
    where an answer stored by an earlier member of the same group is replayed once that group
    has committed."""
    session = open_session(state.engine, write=True, info=anchoring_info(state.signer))
    if key is not None:
        try:
            stored = idempotency.find_replay(session, party_id=actor_id, key=key, request_fingerprint=fingerprint)
        except BaseException:
            session.close()
            raise
        if stored is not None:
            session.rollback()
            settle(session)
            session.close()
            raise Replay(stored)
    return session


W = TypeVar("W", bound=Write)


@contextmanager
def _writing(write: W) -> Iterator[W]:
    try:
        yield write
    finally:
        write.release()


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
        _check_replay(state, party.id, key, fingerprint)
        with _writing(PartyWrite(state, party, party.id, key, fingerprint)) as write:
            yield write

    return params.Depends(open_write, scope="function")


def _admin_write(
    state: State, actor: Annotated[str, Depends(admin)], fingerprint: Fingerprint, key: IdempotencyKey = None
) -> Iterator[Write]:
    _check_replay(state, actor, key, fingerprint)
    with _writing(Write(state, None, actor, key, fingerprint)) as write:
        yield write


AdminWrite = Annotated[Write, Depends(_admin_write, scope="function")]


def page_params(limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise RuleViolation(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    return {"limit": limit, "cursor": cursor}


PageParams = Annotated[dict[str, Any], Depends(page_params)]
