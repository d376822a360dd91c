"""One place mapping every error to the JSON shape of SPEC §4."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from traceability.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    TooLarge,
    Unauthorized,
    Unavailable,
)
from traceability.idempotency.service import StoredResponse

from .input import Refused, error_body
from .problem import PROBLEM_TYPE, epcis_status, problem_body, speaks_problem

log = logging.getLogger("cashew.api")

STATUS = {
    BadRequest: 400,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    RuleViolation: 422,
    Unavailable: 503,
}
NOT_AN_OBJECT = {"json_invalid", "model_attributes_type", "dict_type", "model_type", "missing"}
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}


class Replay(Exception):
    """A retried write: answer with the response stored for its Idempotency-Key."""

    def __init__(self, stored: StoredResponse):
        self.stored = stored


def answer(path: str, body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answer in the dialect of its path: RFC 7807 under ``/epcis``, SPEC §4 elsewhere."""
    if speaks_problem(path):
        return JSONResponse(
            problem_body(status, body), status_code=epcis_status(status), headers=headers, media_type=PROBLEM_TYPE
        )
    return JSONResponse(body, status_code=status, headers=headers)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, Unavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    return answer(request.url.path, error_body(exc.code, exc.detail, exc.fields), status, headers)


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(
        e.get("type") in NOT_AN_OBJECT
        and tuple(e.get("loc", ()))[:1] == ("body",)
        and len(e.get("loc", ())) <= 1
        or e.get("type") == "json_invalid"
        for e in errors
    ):
        return answer(
            request.url.path,
            error_body(
                "malformed_json", "the request body must be a JSON object (send Content-Type: application/json)"
            ),
            400,
        )
    fields = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors]
    where = ", ".join(".".join(f["loc"][1:] or f["loc"]) for f in fields[:5])
    return answer(
        request.url.path, error_body("invalid_input", f"some fields are missing or invalid: {where}", fields), 422
    )


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed")
        else {
            404: "no such resource; see /docs for the API's routes",
            405: "this method is not allowed on this path; see /docs",
        }.get(exc.status_code, str(exc.detail))
    )
    return answer(request.url.path, error_body(code, detail), exc.status_code, getattr(exc, "headers", None))


def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    return answer(request.url.path, exc.body(), exc.status)


def _replay(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Replay)
    return JSONResponse(exc.stored.body, status_code=exc.stored.status_code, headers={"Idempotent-Replayed": "true"})


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return answer(
        request.url.path, error_body("internal_error", "the server failed; the request was not recorded"), 500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Replay, _replay)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(Exception, _unexpected)
