"""The buyer's page: ``GET /01/{gtin}/10/{lot_id}`` (no authentication), a GS1 Digital Link.

HTML by default, in Vietnamese unless ``?lang=en`` or ``Accept-Language`` asks for
English; ``Accept: application/json`` gives the same view as JSON;
``?linkType=gs1:traceability`` redirects to the lot's provenance bundle. An
unknown pair is a friendly 404 page (or the JSON error shape of SPEC §4).

The view comes from ``traceability.buyer.cache`` (computed once per state of the log) and
each rendition of it (JSON, HTML in each language) is rendered once per cached view; every
answer carries the rendition's ``ETag``, and ``If-None-Match`` naming it is a 304.
"""

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool

from traceability.buyer.cache import pages_for
from traceability.buyer.schemas import BuyerView
from traceability.buyer.service import country_name
from traceability.db import is_sqlite
from traceability.errors import NotFound

from ..deps import AppState, app_state
from ..input import error_body
from ..routing import strict_router
from .i18n import Texts, negotiate

router = strict_router(tags=["pages"])

HERE = Path(__file__).parent
CSS = (HERE / "static" / "buyer.css").read_text(encoding="utf-8")
CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
# Nothing may load from elsewhere: the page must render offline and leak no scan to a third party.
CSP = (
    f"default-src 'none'; style-src 'sha256-{CSS_HASH}'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
TRACEABILITY = "gs1:traceability"
HTML = "text/html; charset=utf-8"
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(css=CSS, country_name=country_name)


def wants_json(accept: str | None) -> bool:
    """True when the client prefers JSON to HTML (browsers send text/html first)."""
    weights: dict[str, float] = {}
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            weights[media.lower()] = float(q)
        except ValueError:
            weights[media.lower()] = 0.0
    json_q = weights.get("application/json", 0.0)
    html_q = max(weights.get("text/html", 0.0), weights.get("application/xhtml+xml", 0.0))
    return json_q > 0 and json_q > html_q


def _headers(lang: str | None = None) -> dict[str, str]:
    headers = {"Vary": "Accept, Accept-Language", "X-Content-Type-Options": "nosniff"}
    if lang:
        headers |= {"Content-Language": lang, "Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"}
    return headers


def _html(template: str, texts: Texts, status_code: int = 200, **context: Any) -> HTMLResponse:
    body = templates.get_template(template).render(t=texts, **context)
    return HTMLResponse(body, status_code=status_code, headers=_headers(texts.lang))


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """True when the client's ``If-None-Match`` already names this rendition (RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    names = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in names or tag in names


def _json(view: BuyerView) -> bytes:
    return bytes(JSONResponse(view.model_dump(mode="json")).body)


def _page_html(texts: Texts) -> Callable[[BuyerView], bytes]:
    def render(view: BuyerView) -> bytes:
        path = f"/api/v1/lots/{view.lot_id}/provenance"
        return templates.get_template("buyer.html").render(t=texts, v=view, provenance_path=path).encode()

    return render


@router.get(
    "/01/{gtin}/10/{lot_id}",
    response_model=BuyerView,
    response_class=HTMLResponse,
    summary="The buyer's page of a labelled lot (GS1 Digital Link)",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        304: {"description": "`If-None-Match` names the answer's `ETag`: nothing changed since"},
        307: {"description": "`linkType=gs1:traceability`: to the lot's provenance bundle"},
        404: {"description": "unknown GTIN/lot pair: an HTML page, or JSON when asked for"},
    },
)
async def buyer_page(
    request: Request,
    gtin: str,
    lot_id: str,
    lang: Annotated[str | None, Query(description="`vi` (default) or `en`; wins over Accept-Language")] = None,
    link_type: Annotated[str | None, Query(alias="linkType", description="`gs1:traceability`: the bundle")] = None,
    accept: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    asked = Asked(gtin, lot_id, wants_json(accept), Texts(negotiate(lang, accept_language)), link_type, if_none_match)
    state = app_state(request)
    if is_sqlite(state.engine) and link_type is None:
        # A page already rendered at the log's state costs a lookup and one read of two rows of a local
        # file (~10 µs): less than handing the request to a worker thread. PostgreSQL is a round trip
        # over the network, which must not hold the event loop.
        base_url = state.settings.public_base_url
        pages = pages_for(state.engine)
        found = pages.rendered(state.engine, gtin=gtin, lot_id=lot_id, base_url=base_url, name=asked.rendition)
        if found is not None:
            return _respond(asked, *found)
    # The rest in one worker thread: a sync route with a session dependency would hop to the thread
    # pool three times per request, which cost more than serving the cached page.
    return await run_in_threadpool(_answer, state, asked)


@dataclass(frozen=True)
class Asked:
    gtin: str
    lot_id: str
    as_json: bool
    texts: Texts
    link_type: str | None
    if_none_match: str | None

    @property
    def rendition(self) -> str:
        return "json" if self.as_json else f"html-{self.texts.lang}"


def _answer(state: AppState, asked: Asked) -> Response:
    try:
        page = pages_for(state.engine).page(
            state.engine, gtin=asked.gtin, lot_id=asked.lot_id, base_url=state.settings.public_base_url
        )
    except NotFound as exc:
        if asked.as_json:
            return JSONResponse(error_body(exc.code, exc.detail), status_code=404, headers=_headers())
        return _html("not_found.html", asked.texts, 404, gtin=asked.gtin, lot_id=asked.lot_id)
    if asked.link_type == TRACEABILITY:
        return RedirectResponse(f"/api/v1/lots/{page.view.lot_id}/provenance", status_code=307, headers=_headers())
    return _respond(asked, *page.rendition(asked.rendition, _json if asked.as_json else _page_html(asked.texts)))


def _respond(asked: Asked, body: bytes, tag: str) -> Response:
    headers = (_headers() if asked.as_json else _headers(asked.texts.lang)) | {"ETag": tag, "Cache-Control": "no-cache"}
    if not_modified(asked.if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json" if asked.as_json else HTML, headers=headers)
