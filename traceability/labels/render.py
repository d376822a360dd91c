"""Rendering labels (SPEC §7): PNG at 300 dpi, SVG, PDF, and sheets for A4 or thermal printers.

The layout lives in ``render_layout`` (millimetres, shared); each format draws it.
"""

from .render_layout import Fonts, LabelLayout, fonts, label_layout
from .render_pdf import LABELS_PER_A4, SHEETS, Sheet, label_pdf, labels_pdf
from .render_png import DPI, label_png
from .render_svg import label_svg

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}

__all__ = [
    "DPI",
    "LABELS_PER_A4",
    "MEDIA_TYPES",
    "SHEETS",
    "Fonts",
    "LabelLayout",
    "Sheet",
    "fonts",
    "label_layout",
    "label_pdf",
    "label_png",
    "label_svg",
    "labels_pdf",
]
