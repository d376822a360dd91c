"""The buyer's page as a GS1-conformant resolver (SPEC §7): the links a labelled lot has.

Each link is derived from the buyer's view alone (its Digital Link URI, its certifications), so
that the cache that keeps the view keeps what is derived from it too. The link types are the
GS1 Web Vocabulary's: ``gs1:pip`` (the page, in Vietnamese and English), ``gs1:traceability``
(the provenance bundle), ``gs1:epcis`` (the lot's EPCIS events, SPEC §9.1) and, where the lot
carries a certification, ``gs1:certificationInfo`` (the page's certification section). Linksets
(RFC 9264) name them by their URIs (``https://gs1.org/voc/pip``), the ``Link`` header (RFC 8288)
and the ``linkType`` parameter by the compact form (``gs1:pip``); ``linkType`` takes both.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .schemas import BuyerView

VOCABULARY = "https://gs1.org/voc/"
PREFIX = "gs1:"
PIP, TRACEABILITY, EPCIS, CERTIFICATION_INFO = "gs1:pip", "gs1:traceability", "gs1:epcis", "gs1:certificationInfo"
DEFAULT = PIP  # what a URI without a link type, or with one the lot does not have, is answered with
ALL = "all"  # ``linkType=all``: the linkset
LINKSET_TYPE = "application/linkset+json"
LANGUAGES = ("vi", "en")
# The forms of the vocabulary's namespace a client may use in ``linkType`` (the vocabulary names them equivalent).
NAMESPACES = (VOCABULARY, "http://gs1.org/voc/", "https://www.gs1.org/voc/", "https://ref.gs1.org/voc/")
TITLES = {
    (PIP, "vi"): "Trang thông tin sản phẩm",
    (PIP, "en"): "Product information page",
    (TRACEABILITY, None): "Provenance bundle: the lot's records with their ledger proofs",
    (EPCIS, None): "EPCIS 2.0 events of the lot",
    (CERTIFICATION_INFO, "vi"): "Chứng nhận của lô hàng",
    (CERTIFICATION_INFO, "en"): "Certifications of the lot",
}


@dataclass(frozen=True)
class Link:
    rel: str  # the compact link type: gs1:pip
    href: str
    type: str
    hreflang: str | None = None

    @property
    def title(self) -> str:
        return TITLES[(self.rel, self.hreflang)]

    def header(self) -> str:
        """The link as an RFC 8288 link-value."""
        lang = f'; hreflang="{self.hreflang}"' if self.hreflang else ""
        return f'<{self.href}>; rel="{self.rel}"; type="{self.type}"{lang}'

    def target(self) -> dict[str, Any]:
        """The link as an RFC 9264 target object (``hreflang`` is a list there)."""
        found: dict[str, Any] = {"href": self.href, "title": self.title, "type": self.type}
        if self.hreflang:
            found["hreflang"] = [self.hreflang]
        return found


def link_type(value: str | None) -> str | None:
    """A ``linkType`` as its compact form (``https://gs1.org/voc/pip`` → ``gs1:pip``); ``all`` as is;
    anything else unchanged (a link type no lot has, answered with the default)."""
    if value is None:
        return None
    value = value.strip()
    for namespace in NAMESPACES:
        if value.startswith(namespace):
            return PREFIX + value.removeprefix(namespace)
    return value


def links(view: BuyerView, base_url: str) -> list[Link]:
    """The links the lot has, the default (the page) first."""
    base, anchor = base_url.rstrip("/"), view.digital_link
    found = [Link(PIP, f"{anchor}?lang={lang}", "text/html", lang) for lang in LANGUAGES]
    found.append(Link(TRACEABILITY, view.ledger.provenance_url, "application/json"))
    found.append(Link(EPCIS, f"{base}/epcis/events?MATCH_anyEPCClass={quote(anchor, safe='')}", "application/ld+json"))
    if view.certifications:
        found += [
            Link(CERTIFICATION_INFO, f"{anchor}?lang={lang}#certifications", "text/html", lang) for lang in LANGUAGES
        ]
    return found


def choose(found: list[Link], rel: str, lang: str) -> Link | None:
    """The link of type ``rel`` in the buyer's language, else in any; None when the lot has no such link."""
    of_type = [link for link in found if link.rel == rel]
    return next((link for link in of_type if link.hreflang == lang), of_type[0] if of_type else None)


def linkset(view: BuyerView, base_url: str) -> dict[str, Any]:
    """The RFC 9264 linkset of the lot: one context (its Digital Link URI), its links by type URI."""
    context: dict[str, Any] = {"anchor": view.digital_link, "description": description_of(view)}
    for link in links(view, base_url):
        context.setdefault(VOCABULARY + link.rel.removeprefix(PREFIX), []).append(link.target())
    return {"linkset": [context]}


def linkset_json(view: BuyerView, base_url: str) -> bytes:
    return json.dumps(linkset(view, base_url), ensure_ascii=False, separators=(",", ":")).encode()


def linkset_url(anchor: str) -> str:
    return f"{anchor}?linkType={ALL}"


def link_header(view: BuyerView, base_url: str) -> str:
    """The ``Link`` header of every answer about the lot: its links, its linkset and the resolver's description."""
    values = [link.header() for link in links(view, base_url)]
    values.append(f'<{linkset_url(view.digital_link)}>; rel="linkset"; type="{LINKSET_TYPE}"')
    return ", ".join([*values, described_by(base_url)])


def described_by(base_url: str) -> str:
    """The link to the resolver's description, which every answer of the resolver carries."""
    return f'<{base_url.rstrip("/")}/.well-known/gs1resolver>; rel="describedby"; type="application/json"'


def description_of(view: BuyerView) -> str:
    grade = f" {view.grade}" if view.grade else ""
    return f"{view.product}{grade}, lot {view.lot_id}"


def resolver_description(base_url: str, name: str) -> dict[str, Any]:
    """The resolver description document served at ``/.well-known/gs1resolver`` (GS1 Conformant
    Resolver Standard 1.2, its description file schema)."""
    return {
        "name": name,
        "resolverRoot": base_url.rstrip("/"),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": VOCABULARY, "prefix": PREFIX}],
        "linkTypeDefaultCanBeLinkset": False,
        "linkTypes": [PIP, TRACEABILITY, EPCIS, CERTIFICATION_INFO],
    }


__all__ = [
    "ALL",
    "CERTIFICATION_INFO",
    "DEFAULT",
    "EPCIS",
    "LINKSET_TYPE",
    "PIP",
    "TRACEABILITY",
    "Link",
    "choose",
    "described_by",
    "link_header",
    "link_type",
    "links",
    "linkset",
    "linkset_json",
    "linkset_url",
    "resolver_description",
]
