"""One place mapping every error to the JSON shape of SPEC §4."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from traceability.errors import BadRequest, Conflict, DomainError, Forbidden, NotFound, RuleViolation, Unauthorized
from traceability.idempotency.service import StoredResponse

from .input import Refused, error_body

log = logging.getLogger("cashew.api")

STATUS = {BadRequest: 400, NotFound: 404, Unauthorized: 401, Forbidden: 403, Conflict: 409, RuleViolation: 422}
NOT_AN_OBJECT = {"json_invalid", "model_attributes_type", "dict_type", "model_type", "missing"}
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}


class Replay(Exception):
    """A retried write: answer with the response stored for its Idempotency-Key."""

    def __init__(self, stored: StoredResponse):
        self.stored = stored


def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc.code, exc.detail, exc.fields), status_code=status, headers=headers)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(
        e.get("type") in NOT_AN_OBJECT
        and tuple(e.get("loc", ()))[:1] == ("body",)
        and len(e.get("loc", ())) <= 1
        or e.get("type") == "json_invalid"
        for e in errors
    ):
        return JSONResponse(
            error_body(
                "malformed_json", "the request body must be a JSON object (send Content-Type: application/json)"
            ),
            status_code=400,
        )
    fields = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors]
    where = ", ".join(".".join(f["loc"][1:] or f["loc"]) for f in fields[:5])
    return JSONResponse(
        error_body("invalid_input", f"some fields are missing or invalid: {where}", fields), status_code=422
    )


def _http(_: Request, exc: Exception) -> JSONResponse:
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
    return JSONResponse(error_body(code, detail), status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    return JSONResponse(exc.body(), status_code=exc.status)


def _replay(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Replay)
    return JSONResponse(exc.stored.body, status_code=exc.stored.status_code, headers={"Idempotent-Replayed": "true"})


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "the server failed; the request was not recorded"), status_code=500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Replay, _replay)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(Exception, _unexpected)
