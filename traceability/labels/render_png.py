"""A label as a 300 dpi PNG (100 × 50 mm = 1181 × 591 px), dpi recorded in the file."""

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .render_layout import LABEL_H_MM, LABEL_W_MM, QR_SIZE_MM, QR_X_MM, QR_Y_MM, LabelLayout, fonts, label_layout
from .service import LabelData

DPI = 300
PX_PER_MM = DPI / 25.4
PX_PER_PT = DPI / 72


def px(mm: float) -> int:
    return round(mm * PX_PER_MM)


def _font(size_px: float, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    f = fonts()
    return _load(f.bold_file if bold else f.regular_file, size_px)


@lru_cache(maxsize=64)
def _load(path: Path | None, size_px: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font file opened once per size; Pillow's own font when there is no file (text is then ASCII)."""
    return ImageFont.load_default(size_px) if path is None else ImageFont.truetype(str(path), size_px)


def _paste_qr(image: Image.Image, layout: LabelLayout) -> None:
    """Whole pixels per module, centred in the QR box, so every module is as crisp as the printer."""
    n = len(layout.modules)
    module = max(1, int(QR_SIZE_MM * PX_PER_MM) // n)
    symbol = Image.new("L", (n, n), 255)
    symbol.putdata([0 if dark else 255 for row in layout.modules for dark in row])
    symbol = symbol.resize((n * module, n * module), Image.Resampling.NEAREST)
    offset = (px(QR_SIZE_MM) - n * module) // 2
    image.paste(symbol, (px(QR_X_MM) + offset, px(QR_Y_MM) + offset))


def render_png(layout: LabelLayout) -> bytes:
    image = Image.new("L", (px(LABEL_W_MM), px(LABEL_H_MM)), 255)
    _paste_qr(image, layout)
    draw = ImageDraw.Draw(image)
    for line in layout.lines:
        font = _font(round(line.size_pt * PX_PER_PT, 1), line.bold)
        draw.text((line.x_mm * PX_PER_MM, line.baseline_mm * PX_PER_MM), line.text, fill=0, font=font, anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def label_png(data: LabelData) -> bytes:
    """One label, 1181 × 591 px at 300 dpi, grey-scale."""
    return render_png(label_layout(data))
