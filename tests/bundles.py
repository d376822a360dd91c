"""Bundles for the verifier's tests, built as a dishonest operator would build them.

A ``Log`` holds a MemoryStore (the proof *generator*, ``ledger.tree``) and a
Signer, logs whatever it is told and hands out bundles; the verifiers check
them with ``ledger.verify`` alone. ``log_chain`` logs a cashew lineage, and
the ``log`` and ``bundle`` fixtures (registered in ``tests/conftest.py``)
give it and its kernel lot's bundle to any test.
"""

from __future__ import annotations

import base64
import copy
import random
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from ledger.bundle import BundleReport, Failure
from ledger.checkpoint import Checkpoint, Signer, sign_checkpoint
from ledger.entry import canonical_json, make_entry, new_nonce
from ledger.store import MemoryStore

ORIGIN = "test.cashew.local/ledger"
FARMER, PROCESSOR, TRADER = "P-FARMER0001", "P-PROC00001", "P-TRADE0001"
KERNEL = "KRN26-K320W0001"
CHAIN = ["H-FARM1-0001", "H-FARM2-0001", "S-0001", "T-0001", "R-0001", "I-0001", "Q-0001", "B-0001", "L-0001"]
"""The entries on the kernel lot's lineage that ``log_chain`` logs, in log order."""
ODD_VALUES: tuple[object, ...] = (None, 0, -1, 1.5, "", "x", "AAAA", [], {}, True, 2**70, [None], {"x": 1})


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class Log:
    """A dishonest-capable operator: logs whatever it is told, signs checkpoints, hands out bundles.

    Its bundles name their subject under ``subject_key``.
    """

    def __init__(self, signer: Signer | None = None, *, subject_key: str = "lot_id") -> None:
        self.store = MemoryStore()
        self.signer = signer or Signer.generate(ORIGIN)
        self.subject_key = subject_key
        self.index: dict[str, int] = {}
        self.entries: dict[str, dict[str, Any]] = {}
        self._clock = (datetime(2026, 3, 14, 8, tzinfo=UTC) + timedelta(hours=h) for h in count())

    def log(self, type: str, id: str, data: dict[str, Any], by: str = PROCESSOR) -> int:
        entry = make_entry(type=type, id=id, at=next(self._clock), by=by, data=data, nonce=new_nonce())
        [index] = self.store.append([canonical_json(entry)])
        self.index[id], self.entries[id] = index, entry
        return index

    def checkpoint(self, signer: Signer | None = None) -> str:
        size = self.store.size()
        return sign_checkpoint(Checkpoint(ORIGIN, size, self.store.root(size)), signer or self.signer)

    def bundle(self, subject: str, ids: list[str]) -> dict[str, Any]:
        size = self.store.size()
        records = [
            {
                "entry": copy.deepcopy(self.entries[i]),
                "index": self.index[i],
                "proof": [b64(h) for h in self.store.inclusion_proof(self.index[i], size)],
            }
            for i in sorted(ids, key=self.index.__getitem__)
        ]
        return {
            self.subject_key: subject,
            "log": {"origin": ORIGIN, "vkey": self.signer.vkey},
            "checkpoint": self.checkpoint(),
            "records": records,
        }


def record(bundle: dict[str, Any], entry_id: str) -> dict[str, Any]:
    """The bundle's record of the entry ``entry_id``."""
    return next(r for r in bundle["records"] if r["entry"]["id"] == entry_id)


def failures(report: BundleReport) -> list[tuple[str, str | None, str | None, int | None]]:
    """Each failure as (check, record type, record id, index)."""
    return [(f.check, f.record_type, f.record_id, f.index) for f in report.failures]


def only(report: BundleReport) -> Failure:
    """The report's one failure."""
    assert not report.valid and len(report.failures) == 1, report.failures
    return report.failures[0]


def damage(node: Any, rng: random.Random) -> None:
    """Replace one value somewhere below ``node`` with an odd one, or delete it."""
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, (dict, list)) and child and rng.random() < 0.7:
            node = child
            continue
        if isinstance(node, dict) and rng.random() < 0.2:
            del node[key]
        else:
            node[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        return


def damaged_bundles(log: Log, subject: str, ids: list[str], *, seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` copies of the bundle of ``ids``, each damaged in one to three places, and its checkpoint's text
    sometimes too."""
    rng = random.Random(seed)
    bundles = []
    for _ in range(n):
        bundle = log.bundle(subject, ids)
        for _ in range(rng.randint(1, 3)):
            damage(bundle, rng)
        if isinstance(bundle.get("checkpoint"), str) and bundle["checkpoint"] and rng.random() < 0.3:
            note = bundle["checkpoint"]
            at = rng.randrange(len(note))
            bundle["checkpoint"] = note[:at] + rng.choice(["\n", "\x00", "\u2014", "+", " ", "é"]) + note[at + 1 :]
        bundles.append(bundle)
    return bundles


def log_chain(log: Log) -> None:
    """Two farm harvests → a split sent to a processor → a batch with an import → a labelled kernel lot.

    Unrelated entries are interleaved, as in a real log.
    """
    log.log(
        "farm",
        "F-0001",
        {"farm_id": "F-0001", "district": "bu-dang", "area_m2": 50_000, "geometry_sha256": "ab" * 32},
        by=FARMER,
    )
    log.log(
        "harvest",
        "H-FARM1-0001",
        {
            "farm_id": "F-0001",
            "lot_id": "KRN26-RAW00001",
            "quantity_g": 2_000_000,
            "harvested_on": "2026-03-12",
            "moisture_pct": "9.5",
        },
        by=FARMER,
    )
    log.log(
        "harvest",
        "H-FARM2-0001",
        {
            "farm_id": "F-0002",
            "lot_id": "KRN26-RAW00002",
            "quantity_g": 1_500_000,
            "harvested_on": "2026-03-13",
            "moisture_pct": "10.1",
        },
        by=FARMER,
    )
    log.log(
        "harvest",
        "H-OTHER-0001",
        {
            "farm_id": "F-0009",
            "lot_id": "KRN26-OTHER001",
            "quantity_g": 700_000,
            "harvested_on": "2026-03-13",
            "moisture_pct": "9.0",
        },
        by="P-SOMEONE01",
    )
    log.log(
        "split",
        "S-0001",
        {"lot_id": "KRN26-RAW00001", "new_lot_id": "KRN26-RAW00001A", "quantity_g": 1_500_000},
        by=FARMER,
    )
    log.log(
        "dispatch",
        "T-0001",
        {
            "transfer_id": "T-0001",
            "lot_id": "KRN26-RAW00001A",
            "from": FARMER,
            "to": PROCESSOR,
            "quantity_g": 1_500_000,
        },
        by=FARMER,
    )
    log.log("receipt", "R-0001", {"transfer_id": "T-0001", "lot_id": "KRN26-RAW00001A", "received_g": 1_500_000})
    log.log(
        "import",
        "I-0001",
        {
            "lot_id": "KRN26-IMP00001",
            "origin_country": "CI",
            "quantity_g": 3_000_000,
            "container_no": "CSQU3054383",
            "arrived_on": "2026-03-01",
            "documents": [],
        },
    )
    log.log(
        "quality_test",
        "Q-0001",
        {
            "lot_id": "KRN26-IMP00001",
            "outturn_lbs": "48.50",
            "nut_count_per_kg": 182,
            "moisture_pct": "8.9",
            "sample_g": "1000",
            "tested_on": "2026-03-02",
        },
    )
    log.log(
        "batch",
        "B-0001",
        {
            "batch_id": "B-0001",
            "processed_on": "2026-03-20",
            "loss_g": 400_000,
            "inputs": [
                {"lot_id": "KRN26-RAW00001A", "quantity_g": 1_500_000},
                {"lot_id": "KRN26-RAW00002", "quantity_g": 1_500_000},
                {"lot_id": "KRN26-IMP00001", "quantity_g": 3_000_000},
            ],
            "outputs": [
                {"lot_id": KERNEL, "product": "kernel", "grade": "W320", "quantity_g": 1_400_000},
                {"lot_id": "KRN26-SHELL0001", "product": "shell", "grade": None, "quantity_g": 4_200_000},
            ],
        },
    )
    log.log(
        "label",
        "L-0001",
        {"lot_id": KERNEL, "gtin": "08935412000013", "uri": f"http://127.0.0.1:8000/01/08935412000013/10/{KERNEL}"},
    )
    log.log("listing", "X-0001", {"listing_id": "X-0001", "lot_id": KERNEL, "quantity_g": 1_400_000})


@pytest.fixture
def log() -> Log:
    """A log holding ``log_chain``'s cashew lineage, and a listing of its kernel lot."""
    made = Log()
    log_chain(made)
    return made


@pytest.fixture
def bundle(log: Log) -> dict[str, Any]:
    """The honest provenance bundle of the kernel lot."""
    return log.bundle(KERNEL, CHAIN)
