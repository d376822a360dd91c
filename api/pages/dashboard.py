"""``GET /dashboard``: the sector's figures for the public (SPEC §6.4), no authentication.

Aggregates only: the same season summary regulators read, without any party's
name or figure. Vietnamese by default, English with ``?lang=en``; charts are
inline SVG drawn here, so the page needs nothing from the internet.
"""

import base64
import hashlib
import threading
from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from traceability import clock
from traceability.anchoring import SqlLog
from traceability.oversight.summary import seasons_with_harvests, summary
from traceability.places import DISTRICTS

from ..deps import SessionDep
from ..routing import strict_router
from .charts import bar_chart, column_chart
from .i18n import Texts, negotiate
from .router import CSS, HERE, templates

router = strict_router(tags=["pages"])

DASHBOARD_CSS = CSS + (HERE / "static" / "dashboard.css").read_text(encoding="utf-8")
_HASH = base64.b64encode(hashlib.sha256(DASHBOARD_CSS.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_HASH}'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
FLOWS = (
    ("harvest", "#2f7d50"),
    ("received", "#8fbf9f"),
    ("imported", "#c9892a"),
    ("kernel", "#e9c77b"),
    ("exported", "#1f5a3b"),
)


class FiguresCache:
    """A season's figures, kept while the ledger does not grow.

    Everything the summary sums (harvests, receipts, imports, tests, batches,
    shipments, corrections) changes only through anchored writes, so the
    ledger's size is a version number: a public page viewed a thousand times
    between two writes computes its figures once.
    """

    def __init__(self, seasons: int = 16) -> None:
        self.seasons = seasons
        self.figures: dict[int, tuple[int, dict[str, Any]]] = {}
        self.lock = threading.Lock()

    def summary(self, session: Session, season: int) -> dict[str, Any]:
        size = SqlLog(session.connection()).size()
        with self.lock:
            cached = self.figures.get(season)
        if cached is not None and cached[0] == size:
            return cached[1]
        figures = summary(session, season)
        with self.lock:
            if len(self.figures) >= self.seasons:
                self.figures.pop(next(iter(self.figures)))
            self.figures[season] = (size, figures)
        return figures


def figures_cache(request: Request) -> FiguresCache:
    """One cache per application (each app serves one database)."""
    state = request.app.state
    if not hasattr(state, "figures_cache"):
        state.figures_cache = FiguresCache()
    cache: FiguresCache = state.figures_cache
    return cache


def _charts(t: Texts, s: dict[str, Any]) -> dict[str, Any]:
    districts = [
        (DISTRICTS[d["district"]].name if d["district"] in DISTRICTS else d["district"], d["quantity_kg"])
        for d in s["harvest"]["by_district"]
    ]
    grades = [(g["grade"], g["quantity_kg"]) for g in s["kernel"]["by_grade"]]
    imports = [
        (t.country(c["country"], c["name"]), c["quantity_kg"]) for c in s["raw_nuts_received"]["imported_by_country"]
    ]
    exports = [(t.country(c["country"], c["name"]), c["quantity_kg"]) for c in s["exports"]["by_destination"]]
    months = [t.month(m) for m in range(1, 13)]
    series = [(t(f"flow_{flow}"), fill, [row[flow] for row in s["monthly"]]) for flow, fill in FLOWS]
    monthly_rows = [(f"{months[i]} · {name}", values[i]) for i in range(12) for name, _, values in series if values[i]]
    return {
        "district_rows": districts,
        "grade_rows": grades,
        "import_rows": imports,
        "export_rows": exports,
        "monthly_rows": monthly_rows,
        "district_svg": bar_chart(districts, title=t("dash_by_district"), fmt=t.mass, fill="#2f7d50"),
        "grade_svg": bar_chart(grades, title=t("dash_by_grade"), fmt=t.mass, fill="#e9c77b"),
        "import_svg": bar_chart(imports, title=t("dash_by_origin"), fmt=t.mass, fill="#c9892a"),
        "export_svg": bar_chart(exports, title=t("dash_by_destination"), fmt=t.mass, fill="#1f5a3b"),
        "monthly_svg": column_chart(months, series, title=t("dash_monthly"), fmt=t.mass),
    }


@router.get("/dashboard", response_class=HTMLResponse, summary="Public dashboard of the sector's figures")
def dashboard(
    request: Request,
    session: SessionDep,
    season: Annotated[
        int | None, Query(ge=2000, le=2100, description="default: the latest season with harvests")
    ] = None,
    lang: Annotated[str | None, Query(description="`vi` (default) or `en`")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    t = Texts(negotiate(lang, accept_language))
    seasons = seasons_with_harvests(session)
    year = season or (seasons[0] if seasons else clock.today().year)
    figures = figures_cache(request).summary(session, year)
    body = templates.get_template("dashboard.html").render(
        t=t,
        css=DASHBOARD_CSS,
        s=figures,
        query_prefix=f"season={year}&",
        seasons=sorted(set(seasons[:6]) | {year}, reverse=True),
        **_charts(t, figures),
    )
    headers = {
        "Content-Language": t.lang,
        "Content-Security-Policy": CSP,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Language",
        "Cache-Control": "public, max-age=300",
    }
    return HTMLResponse(body, headers=headers)
