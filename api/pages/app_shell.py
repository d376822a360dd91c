"""The app (SPEC §6.6): ``/app``, one installable web app for the four roles, over the public API.

Its files are plain ES modules, a stylesheet per part, a web app manifest and a service
worker, served from this package (``app/``) as they are: no build step, nothing from the
internet. Every answer carries a strict Content-Security-Policy: scripts, styles, images and
connections from this server only, no inline script or style, no frames. The files are sent
with ``Cache-Control: no-cache`` (revalidated by their ETag): the service worker keeps the
copies the app needs offline.
"""

import hashlib
from pathlib import Path

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from traceability.errors import NotFound

from ..routing import strict_router

ROOT = Path(__file__).parent / "app"
APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
HEADERS = {
    "Content-Security-Policy": APP_CSP,
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

router = strict_router(include_in_schema=False)


@router.get("/app")
def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=308)


@router.get("/app/")
def app_index(request: Request) -> Response:
    return _file(request, ROOT / "index.html")


@router.get("/app/{path:path}")
def app_file(path: str, request: Request) -> Response:
    """A file of the app; 404 for anything else (no listing, nothing outside ``app/``)."""
    target = (ROOT / path).resolve()
    if not target.is_relative_to(ROOT.resolve()) or not target.is_file() or target.suffix not in MEDIA_TYPES:
        raise NotFound(f"no file {path!r} in the app")
    return _file(request, target)


def _file(request: Request, target: Path) -> Response:
    """The file with its validator (a digest of its bytes): 304 when the browser has it already."""
    body = target.read_bytes()
    headers = dict(HEADERS) | {"ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"'}
    if target.name == "sw.js":
        headers["Service-Worker-Allowed"] = "/app/"
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPES[target.suffix], headers=headers)
