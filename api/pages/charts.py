"""Charts as inline SVG, drawn on the server: no script, no library, nothing fetched.

The page must render with no internet access and under a CSP that forbids
scripts; SVG presentation attributes (``fill``, ``x``…) need neither. Each chart
carries a ``<title>`` and ``aria-label`` and the page shows its numbers beside it.
"""

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640  # the monthly chart, full width
BAR_CHART_W = 440  # bar charts sit two abreast
LABEL_W = 120
ROW_H = 30
BAR_H = 20
COLUMN_H = 220


def nice_ceiling(value: float) -> float:
    """The round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ) at or above ``value``: the top of an axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def bar_chart(
    rows: Sequence[tuple[str, float]], *, title: str, fmt: Callable[[float], str], fill: str, width: int = BAR_CHART_W
) -> Markup:
    """Horizontal bars, largest first as given, each with its label and value."""
    top = nice_ceiling(max((v for _, v in rows), default=0))
    bar_w = width - LABEL_W - 80
    height = max(len(rows), 1) * ROW_H + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW_H
        w = max(bar_w * value / top, 1.5 if value > 0 else 0)
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 5}" text-anchor="end" font-size="14" fill="#1f2a23">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_W}" y="{y}" width="{bar_w}" height="{BAR_H}" rx="4" fill="#eee4d2"/>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" rx="4" fill="{fill}"/>'
            f'<text x="{LABEL_W + bar_w + 6}" y="{y + BAR_H - 5}" font-size="13" fill="#5d665f">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    title: str,
    fmt: Callable[[float], str],
) -> Markup:
    """Grouped columns: one group per label (a month), one column per series, a legend on top."""
    top = nice_ceiling(max((v for _, _, values in series for v in values), default=0))
    left, legend_h, axis_h = 64, 28, 22
    plot_w, height = WIDTH - left - 8, legend_h + COLUMN_H + axis_h
    group_w = plot_w / max(len(labels), 1)
    col_w = (group_w - 6) / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    x = left
    for name, fill, _ in series:  # legend
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{fill}"/>'
            f'<text x="{x + 17}" y="17" font-size="13" fill="#1f2a23">{escape(name)}</text>'
        )
        x += 22 + 8 * len(name)
    for tick in range(5):  # horizontal grid, 0 to top
        value = top * tick / 4
        y = legend_h + COLUMN_H - COLUMN_H * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e7dcc8"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#5d665f">'
            f"{escape(fmt(value))}</text>"
        )
    for g, label in enumerate(labels):
        gx = left + g * group_w + 3
        for s, (name, fill, values) in enumerate(series):
            h = COLUMN_H * values[g] / top
            parts.append(
                f'<rect x="{gx + s * col_w:.1f}" y="{legend_h + COLUMN_H - h:.1f}" width="{max(col_w - 1, 1):.1f}" '
                f'height="{h:.1f}" fill="{fill}"><title>{escape(label)} · {escape(name)}: '
                f"{escape(fmt(values[g]))}</title></rect>"
            )
        parts.append(
            f'<text x="{gx + group_w / 2 - 3:.1f}" y="{legend_h + COLUMN_H + 16}" text-anchor="middle" '
            f'font-size="12" fill="#5d665f">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
