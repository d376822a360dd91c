"""The buyer's page: ``GET /01/{gtin}/10/{lot_id}`` (no authentication), a GS1 Digital Link.

HTML by default, in Vietnamese unless ``?lang=en`` or ``Accept-Language`` asks for
English; ``Accept: application/json`` gives the same view as JSON;
``?linkType=gs1:traceability`` redirects to the lot's provenance bundle. An
unknown pair is a friendly 404 page (or the JSON error shape of SPEC §4).
"""

import base64
import hashlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import Header, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from traceability.buyer.schemas import BuyerView
from traceability.buyer.service import buyer_view, country_name
from traceability.errors import NotFound

from ..deps import SessionDep, State
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


@router.get(
    "/01/{gtin}/10/{lot_id}",
    response_model=BuyerView,
    response_class=HTMLResponse,
    summary="The buyer's page of a labelled lot (GS1 Digital Link)",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        307: {"description": "`linkType=gs1:traceability`: to the lot's provenance bundle"},
        404: {"description": "unknown GTIN/lot pair: an HTML page, or JSON when asked for"},
    },
)
def buyer_page(
    gtin: str,
    lot_id: str,
    session: SessionDep,
    state: State,
    lang: Annotated[str | None, Query(description="`vi` (default) or `en`; wins over Accept-Language")] = None,
    link_type: Annotated[str | None, Query(alias="linkType", description="`gs1:traceability`: the bundle")] = None,
    accept: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    as_json = wants_json(accept)
    texts = Texts(negotiate(lang, accept_language))
    try:
        view = buyer_view(session, gtin=gtin, lot_id=lot_id, base_url=state.settings.public_base_url)
    except NotFound as exc:
        if as_json:
            return JSONResponse(error_body(exc.code, exc.detail), status_code=404, headers=_headers())
        return _html("not_found.html", texts, 404, gtin=gtin, lot_id=lot_id)
    if link_type == TRACEABILITY:
        return RedirectResponse(f"/api/v1/lots/{view.lot_id}/provenance", status_code=307, headers=_headers())
    if as_json:
        return JSONResponse(view.model_dump(mode="json"), headers=_headers())
    return _html("buyer.html", texts, v=view, provenance_path=f"/api/v1/lots/{view.lot_id}/provenance")
