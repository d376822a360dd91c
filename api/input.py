"""What the API reads, read strictly before any route sees it (SPEC §4, §8.4).

One ASGI middleware, in front of every route:

- a path holding a control character is 404 and a query value holding one is 422:
  no NUL reaches a database, whichever database it is;
- a body is read whole, up to the limit, however it is sent (``Content-Length`` or
  chunked): beyond it, 413;
- a JSON body is parsed once, strictly: not UTF-8, ``NaN``/``Infinity``, a number too big
  to read, a key given twice, or nesting deeper than ``MAX_DEPTH`` is 400; a string
  holding NUL or another C0 control character other than tab and newline is 422
  (the schemas then refuse tab and newline too, outside free text);
- a GET, HEAD, DELETE or OPTIONS carrying a body other than ``{}`` is 400
  (POST routes that take no body refuse one in ``api.routing``);
- every answer says ``X-Content-Type-Options: nosniff``.

The parsed body is left in the ASGI scope, so the route and the idempotency
fingerprint read it without parsing again.
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from traceability.schemas import has_control

from .problem import PROBLEM_TYPE, epcis_status, problem_body, speaks_problem

BODY = "cashew.body"
JSON_BODY = "cashew.json"
MISSING: Any = object()
MAX_DEPTH = 32
BODILESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff")]

# An escape in the JSON text that can make a control character other than tab and newline;
# without one, no parsed string can hold such a character (raw ones are not valid JSON).
_CONTROL_ESCAPE = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|[bfr])")


@dataclass
class Refused(Exception):
    """Input refused before any route ran: the status and the SPEC §4 error body."""

    status: int
    code: str
    detail: str
    fields: list[dict[str, Any]] | None = None

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.detail, self.fields)


def error_body(code: str, detail: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON of every error (SPEC §4): ``error``, ``detail`` and, for invalid input, ``fields``."""
    body: dict[str, Any] = {"error": code, "detail": detail}
    if fields is not None:
        body["fields"] = fields
    return body


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    made = dict(pairs)
    if len(made) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return made


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def parse_json(body: bytes) -> Any:
    """A JSON text read strictly; raises ``Refused`` (400 or 422) with what was wrong."""
    try:
        text = body.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_finite)
    except _DuplicateKey as exc:
        raise Refused(
            400, "duplicate_json_key", f"the key {exc.key!r} appears twice in one object; send it once"
        ) from None
    except RecursionError:
        raise Refused(400, "json_too_deep", f"the JSON body nests deeper than {MAX_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, "malformed_json", f"the request body is not valid JSON: {exc}") from None
    _check_tree(value, strings=_CONTROL_ESCAPE.search(body) is not None)
    return value


def _check_tree(value: Any, *, strings: bool) -> None:
    """Depth, and (when the text could make one) control characters in keys and strings.

    Only containers are walked when strings need no check, and a value's place in the body
    is kept only when it may have to be named, so a plain body costs one pass over its lists
    and objects.
    """
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 0, ())]
    while stack:
        item, depth, loc = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise Refused(400, "json_too_deep", f"the JSON body nests deeper than {MAX_DEPTH} levels")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if not strings:
                    if isinstance(child, dict | list):
                        stack.append((child, depth + 1, loc))
                    continue
                if isinstance(key, str) and has_control(key):
                    _control_refused((*loc, key), "a key")
                stack.append((child, depth + 1, (*loc, key)))
        elif strings and isinstance(item, str) and has_control(item, allow_tab_newline=True):
            _control_refused(loc, "a string")


def _control_refused(loc: tuple[str | int, ...], what: str) -> None:
    field = ".".join(str(p) for p in loc) or "the body"
    raise Refused(
        422,
        "invalid_input",
        f"{field}: {what} holds a control character (NUL or another C0 character); remove it",
        [{"loc": ["body", *[str(p) for p in loc]], "msg": "control characters are not allowed"}],
    )


def _is_json(headers: dict[bytes, bytes]) -> bool:
    kind = headers.get(b"content-type")
    if kind is None:
        return True
    main = kind.split(b";")[0].strip().lower()
    return main == b"application/json" or (main.startswith(b"application/") and main.endswith(b"+json"))


def _check_path_and_query(scope: Scope) -> None:
    if has_control(scope["path"]):
        raise Refused(404, "not_found", "no such resource: the path holds a control character")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if has_control(name) or has_control(value):
            raise Refused(
                422,
                "invalid_input",
                f"query parameter {name!r} holds a control character; remove it",
                [{"loc": ["query", name], "msg": "control characters are not allowed"}],
            )


class StrictInput:
    """Pure ASGI middleware applying the input policy above; ``max_bytes`` bounds every body."""

    def __init__(self, app: ASGIApp, max_bytes: int, limits: Mapping[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.limits = dict(limits or {})  # path → its own bound (a capture of EPCIS events)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = dict(scope["headers"])
        limit = self.limits.get(scope["path"], self.max_bytes)
        try:
            _check_path_and_query(scope)
            body = await self._read(headers, receive, limit)
            parsed = parse_json(body) if body and _is_json(headers) else MISSING
            if body and scope["method"] in BODILESS_METHODS and parsed != {}:
                raise unexpected_body()
        except Refused as refused:
            await _answer(send, refused, scope["path"])
            return
        scope[BODY], scope[JSON_BODY] = body, parsed
        await self.app(scope, _replay(receive, body), send)

    async def _read(self, headers: dict[bytes, bytes], receive: Receive, limit: int) -> bytes:
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise _too_large(limit)
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _too_large(limit: int) -> Refused:
    return Refused(413, "body_too_large", f"request bodies are limited to {limit} bytes here")


def unexpected_body() -> Refused:
    return Refused(400, "unexpected_body", "this request takes no body: send none (or {})")


def _replay(receive: Receive, body: bytes) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *(h for h in SECURITY_HEADERS if h[0] not in names)]
        await send(message)

    return wrapped


async def _answer(send: Send, refused: Refused, path: str) -> None:
    body, status, kind = refused.body(), refused.status, b"application/json"
    if speaks_problem(path):
        body, status, kind = problem_body(status, body), epcis_status(status), PROBLEM_TYPE.encode()
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
