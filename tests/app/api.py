"""The API beside the browser: what a test checks after a browser action, as a party sees it."""

from typing import Any

import httpx

from tests.app.conftest import Served


def call(served: Served, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to the served app with the party's key."""
    return httpx.request(method, f"{served.url}{path}", headers={"Authorization": f"Bearer {key}"}, **kwargs)


def ok(answer: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful answer (anything else fails the test with the server's words)."""
    assert answer.status_code < 300, answer.text
    body: dict[str, Any] = answer.json()
    return body


def items(served: Served, key: str, path: str) -> list[dict[str, Any]]:
    """A list's items (one page: pass ``limit`` in ``path`` where more may exist)."""
    return list(ok(call(served, key, "GET", path))["items"])
