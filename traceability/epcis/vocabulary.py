"""The names EPCIS documents use here: contexts, event types, CBV words, our URIs.

Lots are named by their GS1 Digital Link URI once they carry a label and by
``{base}/lot/{lot_id}`` before (SPEC §9.1), parties by ``{base}/party/{id}``; the
platform's own extension members live under the ``cashew`` prefix, whose namespace is the
same on every instance (so an event keeps its hash wherever it is captured).
"""

import re
from typing import Any

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
STANDARD_CONTEXTS = frozenset(
    {
        EPCIS_CONTEXT,
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
CASHEW_PREFIX = "cashew"
CASHEW_NAMESPACE = "urn:cashew-traceability:epcis:"
LEDGER_MEMBER = "cashew:ledger"  # {index, leafHash}: where the event's entry sits in this server's log
CONTEXT: list[Any] = [EPCIS_CONTEXT, {CASHEW_PREFIX: CASHEW_NAMESPACE}]
SCHEMA_VERSION = "2.0"
TIME_ZONE = "+07:00"  # Vietnam: where our events happen
UOM_KG = "KGM"

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")

# Full forms of CBV words, read back to the bare word the documents use (``commissioning``).
_CBV_FORMS = (
    re.compile(r"^https?://ref\.gs1\.org/cbv/(?:BizStep|Disp)-(?P<word>[A-Za-z_]+)$"),
    re.compile(r"^urn:epcglobal:cbv:(?:bizstep|disp):(?P<word>[A-Za-z_]+)$"),
)


def bare_word(value: str) -> str:
    """A CBV business step or disposition in its bare-word form; any other URI unchanged."""
    for form in _CBV_FORMS:
        if found := form.match(value):
            return found["word"]
    return value


class Names:
    """This server's URIs for lots and parties, and the lot a URI of ours names."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self._ours = re.compile(
            re.escape(self.base) + r"/(?:lot/(?P<plain>[A-Z0-9-]{1,20})|01/\d{14}/10/(?P<labelled>[A-Z0-9-]{1,20}))$"
        )

    def lot(self, lot_id: str) -> str:
        return f"{self.base}/lot/{lot_id}"

    def party(self, party_id: str) -> str:
        return f"{self.base}/party/{party_id}"

    def batch(self, batch_id: str) -> str:
        return f"{self.base}/batch/{batch_id}"

    def lot_of(self, uri: str) -> str | None:
        """The lot a URI of this server names (either form), else None."""
        found = self._ours.match(uri)
        return None if found is None else found["plain"] or found["labelled"]
