"""``/openapi.json`` as the API really answers (SPEC §4): one error schema, every status, real media types.

FastAPI documents the success of each route from its response model and class. What it
cannot see is what the rest of the app answers around a route, so it is added here, in
one place, from the shape of each operation:

- every operation: 400 (malformed JSON, a key given twice, a body too deep, a body where
  none is taken), 413 (a body over the limit) and 422 (invalid input, control characters
  in a query);
- a path parameter, or a query parameter naming a record (``party_id``): 404 (unknown id,
  or a path holding a control character);
- a caller's key (``security``): 401 (no or bad key) and 403 (another role, another party's record);
- a write (it takes ``Idempotency-Key``): 409 (a conflict of state, a reused key) and 404
  (its body names an unknown lot, farm or party);
- any error status a route declares itself (``responses=``), with the route's description.

Each of them answers the ``Error`` schema as JSON, except the pages' 404 and the
400 a page documents (the buyer's page: not a GTIN), which are pages, and the EPCIS
interface's, which are RFC 7807 ``Problem``s (``application/problem+json``): there what the
rest of the API calls 422 is 400, and a query can be 503 while the event index catches up.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

ERROR_REF = "#/components/schemas/Error"
DESCRIPTIONS = {
    400: "The request is malformed: not JSON, a key given twice, nested too deep, or a body where none is taken",
    401: "No API key, or one that is not known",
    403: "Authenticated, but not allowed: another role, or another party's record",
    404: "No such resource: an unknown id, in the path or named by the body",
    409: "A conflict with the current state (already received, already accepted), or an Idempotency-Key reused "
    "for another request",
    413: "The body is over the size limit",
    422: "Invalid input or a broken rule (mass balance, impossible yield…): see `detail` and `fields`",
}
HTML_PAGES = frozenset({"pages"})
PROBLEM_TAGS = frozenset({"epcis"})
PROBLEM_REF = "#/components/schemas/Problem"


class FieldError(BaseModel):
    loc: list[str] = Field(description="where: `body`, `query` or `path`, then the field's path")
    msg: str


class Error(BaseModel):
    """Every error the API answers (SPEC §4)."""

    error: str = Field(description="a snake_case code, e.g. `mass_balance_violation`")
    detail: str = Field(description="a sentence a person can act on")
    fields: list[FieldError] | None = Field(default=None, description="for invalid input: each field at fault")


class Problem(BaseModel):
    """Every error of the EPCIS interface (RFC 7807, the GS1 REST bindings' exceptions)."""

    type: str = Field(description="`epcisException:ValidationException`, `…:QueryParameterException`…")
    title: str
    status: int
    detail: str = Field(description="a sentence a person can act on")
    error: str = Field(description="the code the rest of the API would answer (SPEC §4)")
    fields: list[FieldError] | None = None


def statuses(operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from its shape (see the module's docstring)."""
    params = operation.get("parameters", [])
    found = {400, 413, 422}
    if any(p.get("in") == "path" or p.get("name", "").endswith("_id") for p in params):
        found.add(404)
    if operation.get("security"):
        found |= {401, 403}
    if any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key" for p in params):
        found |= {404, 409}
    return found


def _problem_statuses(operation: dict[str, Any]) -> set[int]:
    return (statuses(operation) - {422}) | {400, 503}


def _error_response(status: int, page: bool, existing: dict[str, Any] | None, problem: bool = False) -> dict[str, Any]:
    if problem:
        return {
            "description": (existing or {}).get("description") or DESCRIPTIONS.get(status, "Not available yet: retry"),
            "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
        }
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    if page and (status == 404 or status == 400 and existing is not None):  # a 400 the page itself documents
        content = {"text/html": {"schema": {"type": "string"}}, **content}
    described = (existing or {}).get("description")
    return {"description": described or DESCRIPTIONS[status], "content": content}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Error`` schema and every error status to a FastAPI OpenAPI document (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for model in (Error, FieldError, Problem):
        components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components[model.__name__].pop("$defs", None)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            tags = set(operation.get("tags", []))
            page, problem = bool(HTML_PAGES & tags), bool(PROBLEM_TAGS & tags)
            responses = operation["responses"]
            if problem:
                responses.pop("422", None)
            declared = {int(s) for s in responses if s.isdigit() and 400 <= int(s) < 500 and s != "422"}
            for status in sorted((_problem_statuses(operation) if problem else statuses(operation)) | declared):
                responses[str(status)] = _error_response(status, page, responses.get(str(status)), problem)
    return schema


def contract(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi``: FastAPI's document with the error model, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = document_errors(schema)
        return app.openapi_schema

    return openapi
