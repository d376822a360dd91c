"""A label as SVG: millimetre units, the QR code as one vector path, text as text."""

from xml.sax.saxutils import escape, quoteattr

from .render_layout import LABEL_H_MM, LABEL_W_MM, MM_PER_PT, QR_X_MM, QR_Y_MM, LabelLayout, label_layout
from .render_qr import dark_runs
from .service import LabelData

FONT_FAMILY = "'DejaVu Sans', 'Noto Sans', Arial, sans-serif"


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _qr_path(layout: LabelLayout) -> str:
    """Dark runs in module units, scaled into the QR box (crisp edges, no anti-aliasing seams)."""
    d = "".join(f"M{x} {y}h{n}v1h-{n}z" for y, x, n in dark_runs(layout.modules))
    transform = f"translate({_num(QR_X_MM)} {_num(QR_Y_MM)}) scale({_num(layout.module_mm)})"
    return f'<path fill="#000" shape-rendering="crispEdges" transform="{transform}" d="{d}"/>'


def render_svg(layout: LabelLayout) -> str:
    data = layout.data
    texts = []
    for line in layout.lines:
        weight = ' font-weight="bold"' if line.bold else ""
        texts.append(
            f'<text x="{_num(line.x_mm)}" y="{_num(line.baseline_mm)}" '
            f'font-size="{_num(line.size_pt * MM_PER_PT)}"{weight}>{escape(line.text)}</text>'
        )
    title = f"{data.product_name}, lot {data.lot_id}"
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            (
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(LABEL_W_MM)}mm" height="{_num(LABEL_H_MM)}mm" '
                f'viewBox="0 0 {_num(LABEL_W_MM)} {_num(LABEL_H_MM)}">'
            ),
            f"<title>{escape(title)}</title>",
            f"<desc>{escape(data.uri)}</desc>",
            f'<rect width="{_num(LABEL_W_MM)}" height="{_num(LABEL_H_MM)}" fill="#fff"/>',
            f"<a href={quoteattr(data.uri)}>{_qr_path(layout)}</a>",
            f'<g font-family="{FONT_FAMILY}" fill="#000">',
            *texts,
            "</g>",
            "</svg>",
            "",
        ]
    )


def label_svg(data: LabelData) -> str:
    """One label as a standalone SVG document, 100 × 50 mm."""
    return render_svg(label_layout(data))
