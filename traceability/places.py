"""Places: the legacy districts of Bình Phước and the current province (DOMAIN.md, Places).

Bình Phước merged into Đồng Nai on 1 July 2025 (Resolution 202/2025/QH15) and the
district level was abolished. Statistics and the geographical indication are still
written against the legacy districts, so a farm keeps its legacy province and
district beside the current province and commune.
"""

import unicodedata
from dataclasses import dataclass

from .errors import RuleViolation

LEGACY_PROVINCE = "Bình Phước"
CURRENT_PROVINCE = "Đồng Nai"


@dataclass(frozen=True)
class District:
    code: str
    name: str
    lat: float
    lon: float
    cashew_core: bool = False


DISTRICTS: dict[str, District] = {
    d.code: d
    for d in [
        District("bu-dang", "Bù Đăng", 11.77, 107.24, True),
        District("bu-gia-map", "Bù Gia Mập", 11.95, 106.99, True),
        District("bu-dop", "Bù Đốp", 11.99, 106.83),
        District("phuoc-long", "Phước Long", 11.83, 106.99),
        District("phu-rieng", "Phú Riềng", 11.72, 106.93, True),
        District("dong-phu", "Đồng Phú", 11.49, 106.96, True),
        District("dong-xoai", "Đồng Xoài", 11.53, 106.89),
        District("loc-ninh", "Lộc Ninh", 11.84, 106.59),
        District("hon-quan", "Hớn Quản", 11.58, 106.62),
        District("binh-long", "Bình Long", 11.65, 106.60),
        District("chon-thanh", "Chơn Thành", 11.43, 106.66),
    ]
}


def slug(text: str, separator: str = "-") -> str:
    """Vietnamese text as a lower-case ASCII code: accents dropped, đ as d, words joined (``Bù Đăng`` → ``bu-dang``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return separator.join(ascii_text.lower().split())


_BY_SLUG = {slug(d.name): d.code for d in DISTRICTS.values()} | {c: c for c in DISTRICTS}


def normalise_district(value: str) -> str:
    """Accept a code (``bu-dang``) or a name with or without accents (``Bù Đăng``, ``bu dang``)."""
    code = _BY_SLUG.get(slug(value.strip()))
    if code is None:
        known = ", ".join(f"{d.code} ({d.name})" for d in DISTRICTS.values())
        raise ValueError(f"unknown district {value!r}; use one of the legacy districts of {LEGACY_PROVINCE}: {known}")
    return code


def district(code: str) -> District:
    try:
        return DISTRICTS[code]
    except KeyError:
        raise RuleViolation(f"unknown district {code!r}", code="unknown_district") from None
