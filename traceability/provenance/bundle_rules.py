"""The cashew rules of a provenance bundle (SPEC §5.6), on top of the ledger's own checks.

``ledger.bundle`` checks what holds for any log: the bundle's shape, the
checkpoint's signature and every record's inclusion. This module adds what a
cashew bundle must mean: it names a lot (``lot_id``), carries no record with
prices or terms (``PRIVATE_TYPES``), and its lot's lineage is closed, each lot
made once, and mass conserved (``.lineage``). Standard library and ``ledger``
only, so ``cashew verify`` runs without the database layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.bundle import BundleReport, Failure, Record, Subject, verify_bundle

from .lineage import check_lineage

__all__ = [
    "LOT",
    "PRIVATE_TYPES",
    "bundle_recalls",
    "check_lot_lineage",
    "refuse_private",
    "verify_provenance_bundle",
]

LOT = Subject("lot_id", "lot")
"""A provenance bundle is about one lot, named by its top-level ``lot_id``."""

PRIVATE_TYPES = frozenset({"contract", "listing", "offer"})
"""Entry types that carry prices or commercial terms: never in a bundle."""


def refuse_private(record: Record) -> list[Failure]:
    """A "format" failure for a record of a priced type, even one the log did write."""
    if record.type not in PRIVATE_TYPES:
        return []
    return [
        record.failure(
            "format",
            (
                f"it is a {record.type} record, which carries prices and terms: a bundle must "
                "not carry prices, so the operator leaked it"
            ),
        )
    ]


def check_lot_lineage(lot_id: str | None, records: Sequence[Record]) -> list[Failure]:
    """The "lineage", "mass" and "format" failures of the lineage of ``lot_id`` among ``records``.

    Nothing to judge when the bundle names no lot (that is already a "format" failure).
    """
    if lot_id is None:
        return []
    failures = []
    for problem in check_lineage(lot_id, [record.entry for record in records]):
        if problem.entry is None:
            failures.append(Failure(problem.check, None, None, None, problem.reason))
        else:
            failures.append(records[problem.entry].failure(problem.check, problem.reason))
    return failures


def verify_provenance_bundle(bundle: Mapping[str, Any], *, vkey: str | None = None) -> BundleReport:
    """Run every check of SPEC §5.6 on ``bundle`` (parsed JSON) and report every failure.

    The ledger's checks (format, signature, inclusion), then the cashew rules:
    no priced record, a closed lineage, mass conserved. With ``vkey`` (the
    key the buyer pins), the checkpoint is checked with it, and a bundle
    naming another key fails. Raises ValueError only if ``vkey`` itself is
    malformed; anything wrong with ``bundle`` is a failure.
    """
    return verify_bundle(bundle, vkey=vkey, subject=LOT, record_rules=(refuse_private,), rules=(check_lot_lineage,))


def bundle_recalls(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``recall`` entries a bundle carries (SPEC §6.5): each means the lot was recalled.

    A recall is still a valid bundle, and these are what ``cashew verify`` reports about it:
    the recall's id, the lot found unsafe, when (the entry's ``at``), by whom (a party id) and
    the reason's SHA-256, with the record's index. Whether each is included in the log is
    checked with every other record.
    """
    records = bundle.get("records")
    found = []
    for record in records if isinstance(records, list) else []:
        entry = record.get("entry") if isinstance(record, Mapping) else None
        if not isinstance(entry, Mapping) or entry.get("type") != "recall":
            continue
        data = entry.get("data")
        data = data if isinstance(data, Mapping) else {}
        found.append(
            {
                "recall_id": data.get("recall_id"),
                "lot_id": data.get("lot_id"),
                "at": entry.get("at"),
                "by": entry.get("by"),
                "reason_sha256": data.get("reason_sha256"),
                "index": record.get("index"),
            }
        )
    return found
