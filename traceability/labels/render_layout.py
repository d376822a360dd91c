"""One label's layout in millimetres, shared by the PNG, SVG and PDF renderers.

A label is 100 × 50 mm (the thermal-label size, and a tenth of an A4 sheet): the QR
code on the left with its quiet zone, the text for people on the right, and the GS1
element string across the foot. Text is measured with the font the PDF embeds, so the
three formats wrap the same way.

Fonts: a TrueType font with Vietnamese glyphs is looked for in the usual places (DejaVu
Sans from Debian's ``fonts-dejavu-core``, other distributions' paths, the copy that
matplotlib ships, Noto Sans). Without one, text falls back to reportlab's Helvetica
and is folded to ASCII ("Bình Phước" → "Binh Phuoc") rather than printed with holes.
"""

import importlib.util
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from .render_qr import Modules, qr_modules
from .service import PRODUCT_OF_VIETNAM, LabelData

LABEL_W_MM, LABEL_H_MM = 100.0, 50.0
MM_PER_PT = 25.4 / 72
QR_X_MM, QR_Y_MM, QR_SIZE_MM = 1.5, 1.5, 42.0  # the box includes the 4-module quiet zone
TEXT_X_MM, TEXT_RIGHT_MM, TEXT_TOP_MM, TEXT_BOTTOM_MM = 45.0, 97.5, 3.0, 43.5
FOOT_X_MM, FOOT_BASELINE_MM, FOOT_RIGHT_MM = 3.0, 47.6, 97.5
LEADING = 1.24
NBSP = "\u00a0"
ASCENT = 0.95  # of the font size: room for Vietnamese stacked diacritics (Ấ, Ể)
FONT_SEARCH = [  # (regular, bold)
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/local/share/fonts/DejaVuSans.ttf", "/usr/local/share/fonts/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
]
VIETNAMESE_SAMPLE = "ĂÂĐÊÔƠƯăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹẠẢẤẦẨẪẬẮẰẲẴẶỆỌỘỢỤỨỪỬỮỰ"
CERTIFICATION_NAMES = {
    "organic-eu": "EU Organic",
    "organic-us": "US Organic (NOP)",
    "vietgap": "VietGAP",
    "globalgap": "GLOBALG.A.P.",
    "rainforest-alliance": "Rainforest Alliance",
    "fairtrade": "Fairtrade",
}


@dataclass(frozen=True)
class Fonts:
    """The fonts labels are set in: the registered reportlab names and, for TrueType, the files."""

    regular: str
    bold: str
    regular_file: Path | None = None
    bold_file: Path | None = None
    covered: frozenset[int] = field(default=frozenset(), repr=False)  # code points both faces have

    @property
    def unicode(self) -> bool:
        return self.regular_file is not None

    def printable(self, text: str) -> str:
        """The text itself when the font has every glyph, else its ASCII folding."""
        if self.unicode and all(ord(ch) in self.covered for ch in text):
            return text
        return fold_ascii(text)


def fold_ascii(text: str) -> str:
    """ "Côte d'Ivoire, Bình Phước" → "Cote d'Ivoire, Binh Phuoc": what Helvetica can print."""
    if NBSP in text:  # kept: it marks where a line must not break (see ``wrap``)
        return NBSP.join(fold_ascii(part) for part in text.split(NBSP))
    text = text.translate({0x0111: "d", 0x0110: "D", 0x2026: "...", 0x2013: "-", 0x2014: "-", 0x2019: "'"})
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _candidates() -> Iterable[tuple[Path, Path]]:
    for regular, bold in FONT_SEARCH:
        yield Path(regular), Path(bold)
    spec = importlib.util.find_spec("matplotlib")  # ships DejaVu Sans; found without importing it
    for location in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(location) / "mpl-data" / "fonts" / "ttf"
        yield ttf / "DejaVuSans.ttf", ttf / "DejaVuSans-Bold.ttf"


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """The first TrueType font found with Vietnamese glyphs, registered once per process; else Helvetica."""
    for regular, bold in _candidates():
        if not regular.is_file():
            continue
        try:
            faces = [TTFont("CashewSans", str(regular))]
            if bold.is_file():
                faces.append(TTFont("CashewSans-Bold", str(bold)))
        except (OSError, TTFError):  # an unreadable font file is skipped, not fatal
            continue
        covered = frozenset.intersection(*(frozenset(face.face.charToGlyph) for face in faces))
        if not all(ord(ch) in covered for ch in VIETNAMESE_SAMPLE):
            continue
        for face in faces:
            pdfmetrics.registerFont(face)
        bold_name = faces[-1].fontName
        return Fonts("CashewSans", bold_name, regular, bold if len(faces) > 1 else regular, covered)
    return Fonts("Helvetica", "Helvetica-Bold")


@dataclass(frozen=True)
class Text:
    """One line of text: left end of its baseline, from the label's top-left corner."""

    x_mm: float
    baseline_mm: float
    size_pt: float
    bold: bool
    text: str


@dataclass(frozen=True)
class LabelLayout:
    data: LabelData
    modules: Modules  # the QR symbol, quiet zone included, True = dark
    lines: tuple[Text, ...]

    @property
    def module_mm(self) -> float:
        return QR_SIZE_MM / len(self.modules)


def width_mm(text: str, size_pt: float, bold: bool) -> float:
    f = fonts()
    width_pt: float = pdfmetrics.stringWidth(text, f.bold if bold else f.regular, size_pt)
    return width_pt * MM_PER_PT


def wrap(text: str, size_pt: float, bold: bool, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` mm; the last line ends in "…" when text is left over."""
    lines: list[str] = []
    words = [w for w in text.split(" ") if w]  # never at a no-break space
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and width_mm(f"{line} {words[0]}", size_pt, bold) <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words or (lines and width_mm(lines[-1], size_pt, bold) > width):
        last = lines[-1] + (" " + " ".join(words) if words else "")
        ellipsis = fonts().printable("…")
        while len(last) > 1 and width_mm(last + ellipsis, size_pt, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ellipsis
    return lines


def _blocks(data: LabelData) -> list[tuple[str, float, bool, int] | float]:
    """(text, size in pt, bold, most lines), or a gap in mm."""
    weight = f"{data.net_weight_kg:f} kg" + (f" ({data.net_weight_lb.normalize():f} lb)" if data.net_weight_lb else "")
    # Each country's share stays on one line: "Vietnam 16% (Bình Phước)" never breaks inside.
    shares = ", ".join(part.replace(" ", NBSP) for part in data.origin_line.split(", "))
    origin = data.origin_line if data.origin_line == PRODUCT_OF_VIETNAM else f"Origin: {shares}"
    blocks: list[tuple[str, float, bool, int] | float] = [
        (data.product_name, 12.0, True, 1),
        (data.product_name_vi, 10.0, False, 1),
        1.0,
        (f"Net weight: {weight}", 9.0, True, 1),
        (f"Lot: {data.lot_id}", 9.0, True, 1),
        0.8,
        (origin, 8.0, False, 2),
        (f"Processor: {data.processor_name}", 8.0, False, 2),
        (f"Packed: {data.packed_on.isoformat()}", 8.0, False, 1),
    ]
    if data.certifications:
        names = ", ".join(CERTIFICATION_NAMES.get(c, c) for c in data.certifications)
        blocks.append((f"Certified: {names}", 7.5, False, 2))
    return blocks


def _column(data: LabelData, scale: float) -> tuple[list[Text], float]:
    printable, width = fonts().printable, TEXT_RIGHT_MM - TEXT_X_MM
    lines, y = [], TEXT_TOP_MM
    for block in _blocks(data):
        if isinstance(block, float):
            y += block * scale
            continue
        text, size, bold, max_lines = block
        text, size = printable(text), size * scale
        if max_lines == 1:  # a lot id or a weight is never cut short: its line shrinks to fit
            size = fit(text, size, bold, width)
        for line in wrap(text, size, bold, width, max_lines):
            lines.append(Text(TEXT_X_MM, y + size * MM_PER_PT * ASCENT, size, bold, line.replace(NBSP, " ")))
            y += size * MM_PER_PT * LEADING
    return lines, y


def fit(text: str, size_pt: float, bold: bool, width: float) -> float:
    """The size, at most ``size_pt`` and no less than 5 pt, at which the text fits ``width`` mm."""
    while size_pt > 5 and width_mm(text, size_pt, bold) > width:
        size_pt -= 0.25
    return size_pt


def _foot(data: LabelData) -> Text:
    size = fit(data.element_string, 9.0, False, FOOT_RIGHT_MM - FOOT_X_MM)
    return Text(FOOT_X_MM, FOOT_BASELINE_MM, size, False, data.element_string)


def label_layout(data: LabelData) -> LabelLayout:
    """Where everything goes; long origin or processor lines wrap, and the column shrinks to fit."""
    for scale in (1.0, 0.94, 0.88, 0.82, 0.76):
        lines, bottom = _column(data, scale)
        if bottom <= TEXT_BOTTOM_MM:
            break
    return LabelLayout(data, qr_modules(data.uri), (*lines, _foot(data)))
