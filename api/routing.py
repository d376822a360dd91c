"""The route class of every router: the body parsed once by ``api.input``, and no body
where a route takes none (SPEC §4)."""

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, runtime_checkable

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from .input import BODY, JSON_BODY, MISSING, unexpected_body


class StrictRequest(Request):
    """A request whose body the input middleware has already read and parsed."""

    async def body(self) -> bytes:
        body = self.scope.get(BODY)
        return body if isinstance(body, bytes) else await super().body()

    async def json(self) -> Any:
        parsed = self.scope.get(JSON_BODY, MISSING)
        return parsed if parsed is not MISSING else await super().json()


def parsed_body(request: Request) -> Any:
    """The request's JSON body as the middleware parsed it, or ``MISSING`` (none, or not JSON)."""
    return request.scope.get(JSON_BODY, MISSING)


@runtime_checkable
class Releasable(Protocol):
    """A dependency holding something the endpoint's thread must give up when it is done
    (a write's turn in its group: see ``api.deps.Write``)."""

    def release(self) -> None: ...


def _releasing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A sync endpoint that releases its ``Releasable`` arguments in its own thread when it returns
    or raises, not a hop later in the dependency's teardown."""

    @functools.wraps(endpoint)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Releasable):
                    value.release()

    return call


class StrictRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _releasing(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()
        takes_body = self.body_field is not None

        async def handler(request: Request) -> Response:
            if not takes_body and request.scope.get(BODY) and parsed_body(request) != {}:
                raise unexpected_body()
            return await original(StrictRequest(request.scope, request.receive))

        return handler


def strict_router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes read input strictly; every router of the app is one."""
    return APIRouter(route_class=StrictRoute, **kwargs)
