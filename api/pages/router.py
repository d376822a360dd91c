"""The buyer's page: ``GET /01/{gtin}/10/{lot_id}`` (no authentication), a GS1 Digital Link.

HTML by default, in Vietnamese unless ``?lang=en`` or ``Accept-Language`` asks for
English; ``Accept: application/json`` gives the same view as JSON. It is also a GS1-conformant
resolver (``traceability.buyer.resolver``): ``HEAD`` is answered as ``GET``; every answer has a
``Link`` header of the lot's link types; ``?linkType=all`` or ``Accept: application/linkset+json``
is the lot's linkset (RFC 9264); a link type the lot has (``?linkType=gs1:traceability``) is a 307
to it, any other the page. A GTIN that is not one (a wrong check digit) is a friendly 400 page, an
unknown pair a 404 page (or the JSON error shape of SPEC §4); ``/.well-known/gs1resolver``
describes the resolver.

The view comes from ``traceability.buyer.cache`` (computed once per state of the log) and
each rendition of it (JSON, HTML in each language, the linkset, the ``Link`` header) is rendered
once per cached view; every answer carries the rendition's ``ETag``, and ``If-None-Match`` naming it is a 304.
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

from traceability.buyer import resolver
from traceability.buyer.cache import pages_for
from traceability.buyer.resolver import ALL, LINKSET_TYPE
from traceability.buyer.schemas import BuyerView
from traceability.buyer.service import country_name
from traceability.db import is_sqlite
from traceability.errors import BadRequest, NotFound

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
LINK = "link"  # the cached page's ``Link`` header, kept with its renditions
RESOLVER_NAME = "Cashew traceability: the buyer's pages"
# The resolver's answers are public: a page of another origin may read them, and their Link header.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Link"}
HTML = "text/html; charset=utf-8"
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(css=CSS, country_name=country_name)


def _weights(accept: str | None) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            weights[media.lower()] = float(q)
        except ValueError:
            weights[media.lower()] = 0.0
    return weights


def _html_q(weights: dict[str, float]) -> float:
    return max(weights.get("text/html", 0.0), weights.get("application/xhtml+xml", 0.0))


def wants_json(accept: str | None) -> bool:
    """True when the client prefers JSON to HTML (browsers send text/html first)."""
    weights = _weights(accept)
    json_q = weights.get("application/json", 0.0)
    return json_q > 0 and json_q > _html_q(weights)


def wants_linkset(accept: str | None) -> bool:
    """True when the client asks for the linkset before the page (``Accept: application/linkset+json``)."""
    weights = _weights(accept)
    linkset_q = weights.get(LINKSET_TYPE, 0.0)
    return linkset_q > 0 and linkset_q > _html_q(weights) and linkset_q >= weights.get("application/json", 0.0)


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


@dataclass(frozen=True)
class Asked:
    gtin: str
    lot_id: str
    as_json: bool
    texts: Texts
    link_type: str | None  # in its compact form (gs1:pip), or ``all``, or as given when no lot has it
    if_none_match: str | None
    as_linkset: bool = False

    @property
    def rendition(self) -> str:
        if self.as_linkset:
            return "linkset"
        return "json" if self.as_json else f"html-{self.texts.lang}"

    @property
    def redirects(self) -> bool:
        """A link type is asked for: the answer is a redirect to it, if the lot has it."""
        return self.link_type is not None and self.link_type != ALL and not self.as_linkset


PAGE = "/01/{gtin}/10/{lot_id}"
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/json": {}, LINKSET_TYPE: {}}},
    304: {"description": "`If-None-Match` names the answer's `ETag`: nothing changed since"},
    307: {"description": "`linkType` names a link type the lot has (`gs1:pip`, `gs1:traceability`…): to it"},
    400: {"description": "the GTIN is not one (a wrong check digit): an HTML page, or JSON when asked for"},
    404: {"description": "unknown GTIN/lot pair: an HTML page, or JSON when asked for"},
}


@router.get(
    PAGE,
    response_model=BuyerView,
    response_class=HTMLResponse,
    summary="The buyer's page of a labelled lot (GS1 Digital Link), a GS1-conformant resolver",
    responses=PAGE_RESPONSES,
)
@router.head(PAGE, include_in_schema=False)
async def buyer_page(
    request: Request,
    gtin: str,
    lot_id: str,
    lang: Annotated[str | None, Query(description="`vi` (default) or `en`; wins over Accept-Language")] = None,
    link_type: Annotated[
        str | None,
        Query(
            alias="linkType",
            description="`all`: the linkset; a link type (`gs1:pip`, `gs1:traceability`, `gs1:epcis`, "
            "`gs1:certificationInfo`, or its URI `https://gs1.org/voc/…`): a redirect to it",
        ),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    compact = resolver.link_type(link_type)
    asked = Asked(
        gtin,
        lot_id,
        wants_json(accept),
        Texts(negotiate(lang, accept_language)),
        compact,
        if_none_match,
        as_linkset=compact == ALL or (compact is None and wants_linkset(accept)),
    )
    state = app_state(request)
    if is_sqlite(state.engine) and not asked.redirects:
        # A page already rendered at the log's state costs a lookup and one read of two rows of a local
        # file (~10 µs): less than handing the request to a worker thread. PostgreSQL is a round trip
        # over the network, which must not hold the event loop.
        base_url = state.settings.public_base_url
        pages = pages_for(state.engine)
        names = (asked.rendition, LINK)
        found = pages.rendered(state.engine, gtin=gtin, lot_id=lot_id, base_url=base_url, names=names)
        if found is not None:
            (body, tag), (link, _) = found
            return _respond(asked, body, tag, link.decode())
    # The rest in one worker thread: a sync route with a session dependency would hop to the thread
    # pool three times per request, which cost more than serving the cached page.
    return await run_in_threadpool(_answer, state, asked)


@router.get(
    "/.well-known/gs1resolver",
    summary="The GS1 resolver description document of the buyer's pages",
    response_model=dict[str, Any],
)
@router.head("/.well-known/gs1resolver", include_in_schema=False)
def resolver_description(request: Request) -> JSONResponse:
    base_url = app_state(request).settings.public_base_url
    return JSONResponse(resolver.resolver_description(base_url, RESOLVER_NAME), headers=CORS)


def _renderer(asked: Asked, base_url: str) -> Callable[[BuyerView], bytes]:
    if asked.as_linkset:
        return lambda view: resolver.linkset_json(view, base_url)
    return _json if asked.as_json else _page_html(asked.texts)


def _answer(state: AppState, asked: Asked) -> Response:
    base_url = state.settings.public_base_url
    try:
        page = pages_for(state.engine).page(state.engine, gtin=asked.gtin, lot_id=asked.lot_id, base_url=base_url)
    except (BadRequest, NotFound) as exc:
        return _error(asked, exc, base_url)
    link = page.rendition(LINK, lambda view: resolver.link_header(view, base_url).encode())[0].decode()
    if asked.redirects:
        assert asked.link_type is not None
        target = resolver.choose(resolver.links(page.view, base_url), asked.link_type, asked.texts.lang)
        if target is not None:
            return RedirectResponse(target.href, status_code=307, headers=_headers() | CORS | {"Link": link})
    return _respond(asked, *page.rendition(asked.rendition, _renderer(asked, base_url)), link)


def _error(asked: Asked, exc: BadRequest | NotFound, base_url: str) -> Response:
    """The 400 page (not a GTIN) or the 404 page (an unknown pair), or their JSON when JSON is asked for."""
    status = 400 if isinstance(exc, BadRequest) else 404
    extra = CORS | {"Link": resolver.described_by(base_url)}
    if asked.as_json or asked.as_linkset:
        return JSONResponse(error_body(exc.code, exc.detail), status_code=status, headers=_headers() | extra)
    template = "bad_request.html" if status == 400 else "not_found.html"
    response = _html(template, asked.texts, status, gtin=asked.gtin, lot_id=asked.lot_id)
    response.headers.update(extra)
    return response


def _respond(asked: Asked, body: bytes, tag: str, link: str) -> Response:
    headers = (_headers() if asked.as_json or asked.as_linkset else _headers(asked.texts.lang)) | CORS
    headers |= {"ETag": tag, "Cache-Control": "no-cache", "Link": link}
    if not_modified(asked.if_none_match, tag):
        return Response(status_code=304, headers=headers)
    media_type = LINKSET_TYPE if asked.as_linkset else "application/json" if asked.as_json else HTML
    return Response(body, media_type=media_type, headers=headers)
