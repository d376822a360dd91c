"""Errors under ``/epcis`` speak RFC 7807 (``application/problem+json``), as the EPCIS 2.0 REST
bindings require; everywhere else errors keep SPEC §4's shape. Both carry the same ``error``
code and ``detail``, so one handler serves both."""

from typing import Any

EPCIS_PREFIX = "/epcis"
PROBLEM_TYPE = "application/problem+json"
# The bindings' exception for each status (epcisException:…).
_EXCEPTIONS = {
    400: ("ValidationException", "The request is not valid"),
    401: ("SecurityException", "Authentication required"),
    403: ("SecurityException", "Not allowed"),
    404: ("NoSuchResourceException", "Resource not found"),
    405: ("ValidationException", "Method not allowed"),
    406: ("NotAcceptableException", "Not acceptable"),
    409: ("ResourceAlreadyExistsException", "Resource already exists"),
    413: ("CaptureLimitExceededException", "Capture payload too large"),
    415: ("UnsupportedMediaTypeException", "Unsupported media type"),
    422: ("ValidationException", "The request is not valid"),
    503: ("ImplementationException", "Not available yet"),
}
_QUERY_CODES = {"invalid_query", "invalid_token"}


def speaks_problem(path: str) -> bool:
    return path == EPCIS_PREFIX or path.startswith(EPCIS_PREFIX + "/")


def problem_body(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """SPEC §4's error body (``error``, ``detail``, ``fields``) as an RFC 7807 problem. Input the
    EPCIS bindings call invalid is 400 there, whatever status the rest of the API gives it."""
    name, title = _EXCEPTIONS.get(status, ("ImplementationException", "The server failed"))
    if body.get("error") in _QUERY_CODES:
        name, title = "QueryParameterException", "The query is not valid"
    problem: dict[str, Any] = {"type": f"epcisException:{name}", "title": title, "status": epcis_status(status)}
    problem |= {k: v for k, v in body.items() if k in ("detail", "error", "fields")}
    return problem


def epcis_status(status: int) -> int:
    return 400 if status == 422 else status
