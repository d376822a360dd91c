"""The route class of every router: the body parsed once by ``api.input``, and no body
where a route takes none (SPEC §4)."""

from collections.abc import Callable, Coroutine
from typing import Any

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


class StrictRoute(APIRoute):
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
