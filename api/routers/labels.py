"""Labels (SPEC §6.2, §7): one lot's label as PNG, SVG or PDF, and sheets of labels.

These GETs may write: a lot's first printing anchors its ``label`` entry. They run as
writes (serialised, committed before the answer) and commit *before* rendering, so the
ledger's write lock is never held while a thousand QR codes are drawn.
"""

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response

from traceability.labels import render, service
from traceability.labels.render import Sheet
from traceability.parties.models import Role

from ..deps import PartyWrite, State, Writer
from ..routing import strict_router

# A label is a document, never a page that runs anything (an SVG could carry script).
LABEL_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
router = strict_router(prefix="/api/v1", tags=["labels"])
Holder = Annotated[PartyWrite, Writer(Role.processor, Role.trader)]


def _binary(kind: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {render.MEDIA_TYPES[kind]: {}}, "description": description}}


def _file(body: bytes | str, kind: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "no-store",
        "Content-Security-Policy": LABEL_CSP,
    }
    return Response(body, media_type=render.MEDIA_TYPES[kind], headers=headers)


def _label(write: PartyWrite, state: State, lot_id: str) -> service.LabelData:
    data = service.label_data(
        write.session,
        party=write.party,
        lot_id=lot_id,
        base_url=state.settings.public_base_url,
    )
    write.session.commit()
    return data


@router.get("/lots/{lot_id}/label.png", response_class=Response, responses=_binary("png", "the label, 300 dpi"))
def label_png(lot_id: str, write: Holder, state: State) -> Response:
    """A lot's carton label, 100 × 50 mm at 300 dpi (1181 × 591 px)."""
    return _file(render.label_png(_label(write, state, lot_id)), "png", f"label-{lot_id}.png")


@router.get("/lots/{lot_id}/label.svg", response_class=Response, responses=_binary("svg", "the label, vector"))
def label_svg(lot_id: str, write: Holder, state: State) -> Response:
    """A lot's carton label as SVG (millimetre units, vector QR code)."""
    return _file(render.label_svg(_label(write, state, lot_id)), "svg", f"label-{lot_id}.svg")


@router.get("/lots/{lot_id}/label.pdf", response_class=Response, responses=_binary("pdf", "the label, 100 × 50 mm"))
def label_pdf(lot_id: str, write: Holder, state: State) -> Response:
    """A lot's carton label on one 100 × 50 mm page."""
    return _file(render.label_pdf(_label(write, state, lot_id)), "pdf", f"label-{lot_id}.pdf")


@router.get("/labels.pdf", response_class=Response, responses=_binary("pdf", "a sheet of labels"))
def labels_sheet(
    write: Holder,
    state: State,
    lots: Annotated[
        str,
        Query(
            description=f"lot ids, comma-separated (at most {service.MAX_SHEET_LABELS}); "
            "a lot named n times gets n labels"
        ),
    ],
    sheet: Annotated[
        Sheet, Query(alias="format", description="a4: ten labels a page; thermal-100x50: one a page")
    ] = "a4",
) -> Response:
    """A sheet of labels; if any lot may not be printed by the caller, none is and nothing is written."""
    lot_ids = service.sheet_lot_ids(lots)
    labels = service.labels_data(
        write.session,
        party=write.party,
        lot_ids=lot_ids,
        base_url=state.settings.public_base_url,
    )
    write.session.commit()
    return _file(render.labels_pdf(labels, sheet=sheet), "pdf", f"labels-{sheet}.pdf")
