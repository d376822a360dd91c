"""Labels as PDF (reportlab): one label, an A4 sheet of ten, or a roll of 100 × 50 mm thermal labels.

A4 sheet: two columns by five rows of 100 × 50 mm labels, centred (5 mm side margins,
23.5 mm top and bottom). The labels abut, so one guillotine cut separates two of them;
light grey guides mark each label's edge and crop marks in the margins line up the cuts.
Each label keeps its own 1.5–3 mm inner margin, so a cut a little off the line clips
nothing. The QR code is also a link to the Digital Link URI in the PDF.
"""

import io
from collections.abc import Sequence
from typing import Literal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .render_layout import LABEL_H_MM, LABEL_W_MM, QR_SIZE_MM, QR_X_MM, QR_Y_MM, LabelLayout, fonts, label_layout
from .render_qr import dark_runs
from .service import LabelData

Sheet = Literal["a4", "thermal-100x50"]
SHEETS: tuple[Sheet, ...] = ("a4", "thermal-100x50")
A4_COLUMNS, A4_ROWS = 2, 5
LABELS_PER_A4 = A4_COLUMNS * A4_ROWS
A4_LEFT_MM = (A4[0] / mm - A4_COLUMNS * LABEL_W_MM) / 2
A4_TOP_MM = (A4[1] / mm - A4_ROWS * LABEL_H_MM) / 2
CROP_GAP_MM, CROP_LEN_MM = 1.5, 3.0
THERMAL = (LABEL_W_MM * mm, LABEL_H_MM * mm)


def draw_label(canvas: Canvas, layout: LabelLayout, left: float, top: float) -> None:
    """Draw one label whose top-left corner is at (left, top) in points from the page's bottom-left."""
    module = layout.module_mm * mm
    qr_left, qr_top = left + QR_X_MM * mm, top - QR_Y_MM * mm
    canvas.saveState()
    canvas.transform(module, 0, 0, -module, qr_left, qr_top)  # module units, rows counted down from the top
    canvas.setFillGray(0)
    # One filled path of whole-module rectangles, written directly: formatting a thousand
    # floats through reportlab's path object would cost more than encoding the QR code.
    canvas.addLiteral(" ".join(f"{x} {y} {n} 1 re" for y, x, n in dark_runs(layout.modules)) + " f")
    canvas.restoreState()
    canvas.linkURL(
        layout.data.uri, (qr_left, qr_top - QR_SIZE_MM * mm, qr_left + QR_SIZE_MM * mm, qr_top), relative=0, thickness=0
    )
    f = fonts()
    for line in layout.lines:
        canvas.setFont(f.bold if line.bold else f.regular, line.size_pt)
        canvas.drawString(left + line.x_mm * mm, top - line.baseline_mm * mm, line.text)


def _new_canvas(out: io.BytesIO, pagesize: tuple[float, float], labels: Sequence[LabelData]) -> Canvas:
    canvas = Canvas(out, pagesize=pagesize, pageCompression=1)
    lots = list(dict.fromkeys(d.lot_id for d in labels))
    canvas.setTitle(f"Carton labels: {', '.join(lots[:5])}{'…' if len(lots) > 5 else ''}")
    canvas.setSubject("GS1 Digital Link carton labels")
    canvas.setCreator("cashew-trace")
    if labels:
        canvas.setAuthor(labels[0].processor_name)
    return canvas


def _cut_guides(canvas: Canvas, count: int) -> None:
    """Light grey label edges for the cells in use, and crop marks in the margins for every cut."""
    page_w, page_h = A4
    left, top = A4_LEFT_MM * mm, page_h - A4_TOP_MM * mm
    rows = -(-count // A4_COLUMNS)
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0.75)
    for i in range(count):
        row, col = divmod(i, A4_COLUMNS)
        canvas.rect(
            left + col * LABEL_W_MM * mm,
            top - (row + 1) * LABEL_H_MM * mm,
            LABEL_W_MM * mm,
            LABEL_H_MM * mm,
            stroke=1,
            fill=0,
        )
    canvas.setStrokeGray(0)
    gap, length = CROP_GAP_MM * mm, CROP_LEN_MM * mm
    bottom = top - rows * LABEL_H_MM * mm
    for col in range(A4_COLUMNS + 1):
        x = left + col * LABEL_W_MM * mm
        canvas.line(x, top + gap, x, top + gap + length)
        canvas.line(x, bottom - gap, x, bottom - gap - length)
    right = left + A4_COLUMNS * LABEL_W_MM * mm
    for row in range(rows + 1):
        y = top - row * LABEL_H_MM * mm
        canvas.line(left - gap, y, max(left - gap - length, 0), y)
        canvas.line(right + gap, y, min(right + gap + length, page_w), y)


def _a4(canvas: Canvas, layouts: Sequence[LabelLayout]) -> None:
    page_h = A4[1]
    for start in range(0, len(layouts), LABELS_PER_A4):
        page = layouts[start : start + LABELS_PER_A4]
        _cut_guides(canvas, len(page))
        for i, layout in enumerate(page):
            row, col = divmod(i, A4_COLUMNS)
            draw_label(
                canvas, layout, (A4_LEFT_MM + col * LABEL_W_MM) * mm, page_h - (A4_TOP_MM + row * LABEL_H_MM) * mm
            )
        canvas.showPage()


def _thermal(canvas: Canvas, layouts: Sequence[LabelLayout]) -> None:
    for layout in layouts:
        draw_label(canvas, layout, 0, THERMAL[1])
        canvas.showPage()


def labels_pdf(labels: Sequence[LabelData], sheet: Sheet = "a4") -> bytes:
    """A sheet of labels: A4 pages of ten, or one 100 × 50 mm page per label for a thermal printer.

    Each label's QR code is computed once; a lot named twice gets two labels.
    """
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    out = io.BytesIO()
    canvas = _new_canvas(out, A4 if sheet == "a4" else THERMAL, labels)
    layouts: dict[str, LabelLayout] = {}
    for data in labels:
        if data.uri not in layouts:
            layouts[data.uri] = label_layout(data)
    (_a4 if sheet == "a4" else _thermal)(canvas, [layouts[d.uri] for d in labels])
    canvas.save()
    return out.getvalue()


def label_pdf(data: LabelData) -> bytes:
    """One label on a 100 × 50 mm page."""
    return labels_pdf([data], sheet="thermal-100x50")
