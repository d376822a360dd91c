"""GS1 identifiers as the CBV 2.0 event hash reads them: EPC URNs and GS1 Digital Link URIs on any
domain, written as canonical ``https://id.gs1.org`` URIs (as the reference generator does)."""

import re
from collections.abc import Callable

__all__ = ["digital_link"]

# GS1 identifiers: EPC URNs and GS1 Digital Link URIs on any domain, as canonical https://id.gs1.org URIs.
_GS1 = "https://id.gs1.org"
_EPC_CHAR = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
)
_CPI_CHAR = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_DL_CHAR = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_PERCENT = str.maketrans({"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"})


def _digits(width: int, twelve: str = "") -> str:
    """Company prefix (6-12 digits), dot, reference: ``width`` digits together."""
    splits = [rf"\d{{{prefix}}}\.\d{{{width - prefix}}}" for prefix in range(6, 12)]
    return "(?:" + "|".join([*splits, twelve or rf"\d{{12}}\.\d{{{width - 12}}}"]) + ")"


def _chars(char: str, room: int) -> str:
    """Company prefix, dot, then up to ``room`` characters together."""
    return "(?:" + "|".join(rf"\d{{{prefix}}}\.{char}{{1,{room - prefix}}}" for prefix in range(6, 13)) + ")"


def _checked(body: str) -> str:
    """A GS1 key body with its check digit."""
    total = sum(int(digit) * (1 if at % 2 else 3) for at, digit in enumerate(reversed(body)))
    return body + str(-total % 10)


def _body(uri: str, start: int, dot: int, width: int, indicator: bool = False) -> str:
    """The digits of an EPC URN's company prefix and reference (``width`` together), indicator digit first."""
    prefix = uri[start:dot]
    reference = uri[dot + 1 : dot + 1 + width - len(prefix)]
    return reference[:1] + prefix + reference[1:] if indicator else prefix + reference


def _percent(text: str) -> str:
    return text.translate(_PERCENT)


def _gln(uri: str, start: int, dot: int) -> str:
    """A GLN with extension 0 is the GLN; any other extension is AI 254."""
    extension = uri[start + 14 :]
    return "/414/" + _checked(_body(uri, start, dot, 12)) + ("" if extension == "0" else "/254/" + _percent(extension))


def _cpi(uri: str, start: int, dot: int, serial: bool) -> str:
    last = uri.rfind(".")
    cpi = "/8010/" + _percent(uri[start:dot] + uri[dot + 1 : last])
    return cpi + "/8011/" + uri[last + 1 :] if serial else cpi


def _gtin(uri: str, start: int, dot: int) -> str:
    return _checked(_body(uri, start, dot, 13, indicator=True))


def _key12(uri: str, start: int, dot: int, lead: str = "") -> str:
    return _checked(lead + _body(uri, start, dot, 12))


_Converter = Callable[[str, int, int], str]
_DOUBLE_DOT = r"\d{12}\.\."  # the reference's pattern for a 12-digit company prefix of GRAI and GDTI
# EPC URN scheme -> (pattern after "urn:epc:<scheme>:", path of the canonical URI); start is the index
# after the scheme, dot the index of the URN's first ".".
_SCHEMES: dict[str, tuple[str, _Converter]] = {
    "id:sgtin": (
        _digits(13) + rf"\.{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: f"/01/{_gtin(u, s, d)}/21/" + _percent(u[s + 15 :]),
    ),
    "id:sscc": (_digits(17) + "$", lambda u, s, d: "/00/" + _checked(_body(u, s, d, 17, indicator=True))),
    "id:sgln": (_digits(12) + rf"\.{_EPC_CHAR}{{1,20}}$", _gln),
    "id:grai": (
        _digits(12, _DOUBLE_DOT) + rf"\.{_EPC_CHAR}{{1,16}}$",
        lambda u, s, d: "/8003/" + _key12(u, s, d, lead="0") + _percent(u[s + 14 :]),
    ),
    "id:giai": (_chars(_EPC_CHAR, 30) + "$", lambda u, s, d: "/8004/" + u[s:d] + _percent(u[d + 1 :])),
    "id:gsrn": (_digits(17) + "$", lambda u, s, d: "/8018/" + _checked(u[s:d] + u[d + 1 :])),
    "id:gsrnp": (_digits(17) + "$", lambda u, s, d: "/8017/" + _checked(u[s:d] + u[d + 1 :])),
    "id:gdti": (
        _digits(12, _DOUBLE_DOT) + rf"{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: "/253/" + _key12(u, s, d) + _percent(u[s + 14 :]),
    ),
    "id:cpi": (_chars(_CPI_CHAR, 30) + r"\.\d{1,12}$", lambda u, s, d: _cpi(u, s, d, serial=True)),
    "id:sgcn": (_digits(12) + r"\.\d{1,12}$", lambda u, s, d: "/255/" + _key12(u, s, d) + u[s + 14 :]),
    "id:ginc": (_chars(_EPC_CHAR, 30) + "$", lambda u, s, d: "/401/" + u[s:d] + _percent(u[d + 1 :])),
    "id:gsin": (_digits(16) + "$", lambda u, s, d: "/402/" + _checked(u[s:d] + u[d + 1 :])),
    "id:itip": (
        _digits(13) + rf"\.\d{{2}}\.\d{{2}}\.{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: f"/8006/{_gtin(u, s, d)}{u[s + 15 : s + 17]}{u[s + 18 : s + 20]}/21/" + _percent(u[s + 21 :]),
    ),
    "id:upui": (
        _digits(13) + rf"\.{_EPC_CHAR}{{1,28}}$",
        lambda u, s, d: f"/01/{_gtin(u, s, d)}/235/" + _percent(u[s + 15 :]),
    ),
    "id:pgln": (_digits(12) + "$", lambda u, s, d: "/417/" + _key12(u, s, d)),
    "class:lgtin": (
        _digits(13) + rf"\.{_EPC_CHAR}{{1,20}}$",
        lambda u, s, d: f"/01/{_gtin(u, s, d)}/10/" + _percent(u[s + 15 :]),
    ),
    "idpat:sgtin": (_digits(13) + r"\.\*$", lambda u, s, d: "/01/" + _gtin(u, s, d)),
    "idpat:grai": (_digits(12, _DOUBLE_DOT) + r"\.\*$", lambda u, s, d: "/8003/" + _key12(u, s, d, lead="0")),
    "idpat:gdti": (_digits(12, _DOUBLE_DOT) + r"\.\*$", lambda u, s, d: "/253/" + _key12(u, s, d)),
    "idpat:sgcn": (_digits(12, _DOUBLE_DOT) + r"\.\*$", lambda u, s, d: "/255/" + _key12(u, s, d)),
    "idpat:cpi": (_chars(_CPI_CHAR, 30) + r"\.\*$", lambda u, s, d: _cpi(u, s, d, serial=False)),
    "idpat:itip": (
        _digits(13) + r"\.\d{2}\.\d{2}\.\*$",
        lambda u, s, d: f"/8006/{_gtin(u, s, d)}{u[s + 15 : s + 17]}{u[s + 18 : s + 20]}",
    ),
    "idpat:upui": (_digits(13) + r"\.\*$", lambda u, s, d: "/01/" + _gtin(u, s, d)),
}
_EPC_URNS = {
    scheme: (re.compile(re.escape(f"urn:epc:{scheme}:") + pattern), len(f"urn:epc:{scheme}:"), convert)
    for scheme, (pattern, convert) in _SCHEMES.items()
}

_DL_KEYS = "01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc"
_DL_KEYS += "|402|gsin|8003|grai|8004|giai"
_DIGITAL_LINK = re.compile(
    rf"https?:(?://(?:[^/?#]*@)?[^/?#:]*(?::[^/?#]*)?)?(?:[^?#]*/(?:{_DL_KEYS})/\d{{4}}[^/]+|/[A-Za-z_-]{{10}}$)"
)
_DL_KEY = re.compile(rf"/(?:{_DL_KEYS})/\d{{4}}[^/]")
_SHORT_NAMES = tuple(
    (f"/{name}/", f"/{ai}/")
    for name, ai in (
        ("gtin", "01"), ("itip", "8006"), ("cpid", "8010"), ("gln", "414"), ("party", "417"), ("gsrnp", "8017"),
        ("gsrn", "8018"), ("gcn", "255"), ("sscc", "00"), ("gdti", "253"), ("ginc", "401"), ("gsin", "402"),
        ("grai", "8003"), ("giai", "8004"), ("cpv", "22"), ("lot", "10"), ("ser", "21"),
    )
)  # fmt: skip
# The reference leaves the dots of id.gs1.org unescaped in its patterns.
_ON_GS1 = re.compile(r"https://id.gs1.org/(?:01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/\d{4}[^/]+")
# The keys the reference looks for, in its order, to move a URI onto id.gs1.org.
_KEY_SEARCH = "00 01 253 255 401 402 414 417 8003 8004 8006 8010 8017 8018"
_PRIMARY_KEYS = tuple(f"/{key}/" for key in _KEY_SEARCH.split())
_GTIN_DIGITS = tuple((re.compile(rf"https://id.gs1.org/01/\d{{{n}}}"), "0" * (14 - n)) for n in (14, 13, 12, 8))
_ITEM = r"https://id.gs1.org/(?:8006/\d{18}|01/\d{14})"
_CPV_LAST = re.compile(rf"{_ITEM}/22/{_DL_CHAR}{{0,20}}$")
_CPV_BEFORE = re.compile(rf"{_ITEM}/22/[/{_DL_CHAR[1:-1]}]{{0,20}}$")
_LOT_AND_SERIAL = re.compile(rf"{_ITEM}/10/{_DL_CHAR}{{0,20}}/21/{_DL_CHAR}{{0,20}}$")
_CPI_DL_CHAR = r"[\x23\x2D\x2F\x30-\x39\x41-\x5A]"
_CANONICAL_DL = re.compile(
    r"https://id.gs1.org/(?:"
    + "|".join(
        (
            r"00/\d{18}",
            rf"01/\d{{14}}(?:/21/{_DL_CHAR}{{0,20}}|/10/{_DL_CHAR}{{0,20}}|/235/{_DL_CHAR}{{0,28}})?",
            rf"253/\d{{13}}{_DL_CHAR}{{0,17}}",
            r"255/\d{13}\d{0,12}",
            rf"401/{_DL_CHAR}{{0,30}}",
            r"402/\d{17}",
            rf"414/\d{{13}}(?:/254/{_DL_CHAR}{{0,20}})?",
            r"417/\d{13}",
            rf"8003/\d{{14}}{_DL_CHAR}{{0,16}}",
            rf"8004/{_DL_CHAR}{{0,30}}",
            rf"8006/\d{{18}}(?:/21/{_DL_CHAR}{{0,20}}|/10/{_DL_CHAR}{{0,20}})?",
            rf"8010/{_CPI_DL_CHAR}{{0,30}}(?:/8011/\d{{0,12}})?",
            r"8017/\d{18}",
            r"8018/\d{18}",
        )
    )
    + ")$"
)


def digital_link(value: str) -> str | None:
    """The canonical GS1 Digital Link URI of an EPC URN or of a Digital Link URI on any domain, or None."""
    if "." not in value:
        return None
    if value.startswith("urn:epc:"):
        end = value.find(":", value.find(":", 8) + 1)
        urn = _EPC_URNS.get(value[8:end]) if end > 0 else None
        if urn is None or urn[0].match(value) is None:
            return None
        return _GS1 + urn[2](value, urn[1], value.index("."))
    # The pattern's other branch (a path of ten letters) never yields a valid URI; finding a key first is faster.
    if _DL_KEY.search(value) is None or _DIGITAL_LINK.match(value) is None:
        return None
    return _constrained(value)


def _constrained(uri: str) -> str | None:
    """A Digital Link URI on id.gs1.org, without query, CPV or a lot beside a serial, if it is then valid."""
    uri = uri.split("?", 1)[0]
    for name, ai in _SHORT_NAMES:
        uri = uri.replace(name, ai)
    if _ON_GS1.match(uri) is None:
        at = next((at for key in _PRIMARY_KEYS if (at := uri.find(key)) != -1), -1)
        if at != -1:
            uri = _GS1 + uri[at:]
    for digits, zeros in _GTIN_DIGITS:
        if digits.match(uri):
            uri = uri.replace("/01/", "/01/" + zeros) if zeros else uri
            break
    cpv = uri[uri.find("/22/") + 4 :]
    if _CPV_LAST.match(uri):
        uri = uri[: uri.find("/22/")] + cpv[cpv.find("/") : -1]
    if _CPV_BEFORE.match(uri):
        uri = uri[: uri.find("/22/")] + cpv[cpv.find("/") :]
    if _LOT_AND_SERIAL.match(uri):
        lot = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + lot[lot.find("/") :]
    return uri if _CANONICAL_DL.match(uri) else None
