"""The cashew rules of a provenance bundle (SPEC §5.6): no prices, a closed lineage, mass conserved.

``verify_provenance_bundle`` runs the ledger's checks and these rules; the
bundles come from ``tests.bundles`` (a MemoryStore and a Signer), and the
ledger's own checks are tested in ``tests/ledger/test_bundle.py``.
"""

from __future__ import annotations

import ast
import copy
import json
from typing import Any

import pytest

from tests.bundles import CHAIN, KERNEL, TRADER, Log, damaged_bundles, failures, only, record
from tests.conftest import ROOT
from traceability.provenance.bundle_rules import PRIVATE_TYPES, verify_provenance_bundle
from traceability.provenance.lineage import Step, check_lineage, read_step


class TestHonestBundle:
    def test_verifies_and_names_its_lot(self, log: Log, bundle: dict[str, Any]) -> None:
        report = verify_provenance_bundle(bundle, vkey=log.signer.vkey)
        assert report.valid and report.subject == KERNEL and report.records == len(CHAIN)
        assert list(report.to_dict())[:2] == ["valid", "lot_id"] and report.to_dict()["lot_id"] == KERNEL

    def test_a_raw_lot_is_its_own_harvest(self, log: Log) -> None:
        assert verify_provenance_bundle(log.bundle("KRN26-RAW00002", ["H-FARM2-0001"])).valid

    def test_entries_that_make_no_lot_are_allowed_but_still_proven(self, log: Log) -> None:
        log.log("moisture_reading", "M-0001", {"lot_id": KERNEL, "moisture_pct": "5.0"})
        bundle = log.bundle(KERNEL, [*CHAIN, "M-0001"])
        assert verify_provenance_bundle(bundle).valid
        record(bundle, "M-0001")["entry"]["data"]["moisture_pct"] = "4.0"
        assert failures(verify_provenance_bundle(bundle)) == [
            ("inclusion", "moisture_reading", "M-0001", log.index["M-0001"])
        ]

    def test_the_same_record_twice_does_not_produce_its_lot_twice(self, bundle: dict[str, Any]) -> None:
        bundle["records"].append(copy.deepcopy(record(bundle, "H-FARM1-0001")))
        assert verify_provenance_bundle(bundle).valid

    def test_a_batch_without_loss_g_loses_nothing(self, log: Log) -> None:
        log.log(
            "batch",
            "B-0002",
            {
                "batch_id": "B-0002",
                "inputs": [{"lot_id": "KRN26-OTHER001", "quantity_g": 700_000}],
                "outputs": [{"lot_id": "KRN26-K2", "product": "kernel", "grade": "W240", "quantity_g": 700_000}],
            },
        )
        assert verify_provenance_bundle(log.bundle("KRN26-K2", ["H-OTHER-0001", "B-0002"])).valid


class TestRemovedRecords:
    def test_a_changed_quantity_is_an_inclusion_failure_only(self, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "H-FARM1-0001")["entry"]["data"]["quantity_g"] = 2_500_000
        failure = only(verify_provenance_bundle(bundle))
        assert (failure.check, failure.record_type, failure.record_id, failure.index) == (
            "inclusion",
            "harvest",
            "H-FARM1-0001",
            log.index["H-FARM1-0001"],
        )
        assert "changed after it was logged" in failure.reason

    def test_a_missing_harvest_breaks_the_lineage_at_the_batch(self, log: Log) -> None:
        report = verify_provenance_bundle(log.bundle(KERNEL, [i for i in CHAIN if i != "H-FARM2-0001"]))
        failure = only(report)
        assert (failure.check, failure.record_type, failure.record_id) == ("lineage", "batch", "B-0001")
        assert "KRN26-RAW00002" in failure.reason and "missing" in failure.reason

    def test_a_missing_batch_leaves_the_lot_unproduced(self, log: Log) -> None:
        failure = only(verify_provenance_bundle(log.bundle(KERNEL, [i for i in CHAIN if i != "B-0001"])))
        assert (failure.check, failure.record_type, failure.record_id, failure.index) == ("lineage", None, None, None)
        assert KERNEL in failure.reason

    def test_a_missing_label_is_not_detectable(self, log: Log) -> None:
        # Only the lineage must be closed: a bundle cannot prove that no other record mentions the lot.
        assert verify_provenance_bundle(log.bundle(KERNEL, [i for i in CHAIN if i != "L-0001"])).valid

    def test_a_tampered_record_still_counts_for_the_lineage(self, log: Log, bundle: dict[str, Any]) -> None:
        # A changed entry fails its inclusion; it is not also reported as missing from the lineage.
        record(bundle, "I-0001")["entry"]["data"]["origin_country"] = "VN"
        assert failures(verify_provenance_bundle(bundle)) == [("inclusion", "import", "I-0001", log.index["I-0001"])]


class TestMass:
    def test_a_logged_batch_that_makes_mass(self, log: Log) -> None:
        log.log(
            "batch",
            "B-0666",
            {
                "batch_id": "B-0666",
                "loss_g": 0,
                "inputs": [{"lot_id": "KRN26-OTHER001", "quantity_g": 700_000}],
                "outputs": [{"lot_id": "KRN26-FAKE001", "product": "kernel", "grade": "W240", "quantity_g": 900_000}],
            },
        )
        failure = only(verify_provenance_bundle(log.bundle("KRN26-FAKE001", ["H-OTHER-0001", "B-0666"])))
        assert (failure.check, failure.record_type, failure.record_id, failure.index) == (
            "mass",
            "batch",
            "B-0666",
            log.index["B-0666"],
        )
        assert "200 kg more than its inputs (700 kg)" in failure.reason

    def test_the_stated_loss_counts(self, log: Log) -> None:
        log.log(
            "batch",
            "B-0667",
            {
                "batch_id": "B-0667",
                "loss_g": 100_001,
                "inputs": [{"lot_id": "KRN26-OTHER001", "quantity_g": 700_000}],
                "outputs": [{"lot_id": "KRN26-FAKE002", "product": "kernel", "grade": "W240", "quantity_g": 600_000}],
            },
        )
        failure = only(verify_provenance_bundle(log.bundle("KRN26-FAKE002", ["H-OTHER-0001", "B-0667"])))
        assert failure.check == "mass" and "0.001 kg more" in failure.reason


class TestLineage:
    def test_a_lot_made_from_itself(self, log: Log) -> None:
        log.log(
            "batch",
            "B-LOOP",
            {
                "batch_id": "B-LOOP",
                "inputs": [{"lot_id": "KRN26-LOOP", "quantity_g": 1000}],
                "outputs": [{"lot_id": "KRN26-LOOP", "product": "kernel", "grade": "W320", "quantity_g": 1000}],
            },
        )
        failure = only(verify_provenance_bundle(log.bundle("KRN26-LOOP", ["B-LOOP"])))
        assert (failure.check, failure.record_id) == ("lineage", "B-LOOP") and "made from itself" in failure.reason

    def test_a_lot_produced_twice(self, log: Log) -> None:
        log.log("import", "I-TWICE", {"lot_id": "KRN26-RAW00002", "origin_country": "GH", "quantity_g": 1_500_000})
        failure = only(verify_provenance_bundle(log.bundle(KERNEL, [*CHAIN, "I-TWICE"])))
        assert (failure.check, failure.record_type, failure.record_id) == ("lineage", "import", "I-TWICE")

    def test_steps(self) -> None:
        split = {"type": "split", "id": "S-1", "data": {"lot_id": "A", "new_lot_id": "B", "quantity_g": 5}}
        assert read_step(split) == Step("split", "S-1", (("A", 5),), (("B", 5),))
        assert read_step({"type": "label", "id": "L-1", "data": {"lot_id": "A"}}) is None
        with pytest.raises(ValueError, match="inputs are empty"):
            read_step({"type": "batch", "id": "B-1", "data": {"batch_id": "B-1", "inputs": [], "outputs": []}})

    def test_check_lineage_reports_by_position(self) -> None:
        entries = [
            {"type": "harvest", "id": "H-1", "data": {"lot_id": "A", "quantity_g": -1}},
            {"type": "split", "id": "S-1", "data": {"lot_id": "A", "new_lot_id": "B", "quantity_g": 1}},
        ]
        problems = check_lineage("B", entries)
        assert [(p.check, p.entry) for p in problems] == [("format", 0), ("lineage", 1)]


class TestFormat:
    @pytest.mark.parametrize("kind", sorted(PRIVATE_TYPES))
    def test_a_priced_record_fails_even_though_it_is_logged(self, log: Log, kind: str) -> None:
        log.log(
            kind,
            "C-0001",
            {
                "contract_id": "C-0001",
                "listing_id": "X-0001",
                "lot_id": KERNEL,
                "quantity_g": 1_400_000,
                "price": "7.10",
                "currency": "USD",
                "buyer": TRADER,
                "seller": "P-PROC00001",
            },
        )
        failure = only(verify_provenance_bundle(log.bundle(KERNEL, [*CHAIN, "C-0001"])))
        assert (failure.check, failure.record_type, failure.record_id) == ("format", kind, "C-0001")
        assert "must not carry prices" in failure.reason

    def test_a_priced_record_is_refused_where_it_stands(self, log: Log, bundle: dict[str, Any]) -> None:
        # Its refusal comes with its own record's failures, before later records' and the lineage's.
        listing = copy.deepcopy(log.bundle(KERNEL, ["X-0001"])["records"][0])
        listing["entry"].pop("nonce")
        bundle["records"].insert(1, listing)
        record(bundle, "B-0001")["proof"].pop()
        bundle["records"].remove(record(bundle, "I-0001"))
        report = verify_provenance_bundle(bundle)
        assert [(f.check, f.record_id) for f in report.failures] == [
            ("format", "X-0001"),
            ("format", "X-0001"),
            ("inclusion", "X-0001"),
            ("inclusion", "B-0001"),
            ("lineage", "B-0001"),
        ]
        assert "'nonce'" in report.failures[0].reason and "must not carry prices" in report.failures[1].reason

    def test_a_bundle_without_a_lot(self, bundle: dict[str, Any]) -> None:
        del bundle["lot_id"]
        failure = only(verify_provenance_bundle(bundle))
        assert failure.reason == "the bundle names no lot (lot_id must be a non-empty string, got None)"

    def test_not_an_object(self) -> None:
        failure = only(verify_provenance_bundle([1, 2]))  # type: ignore[arg-type]
        assert failure.reason == "the bundle is not a JSON object but list: it is not a provenance bundle"

    def test_malformed_lineage_data(self, log: Log) -> None:
        log.log("batch", "B-BAD", {"batch_id": "B-BAD", "inputs": "all of them", "outputs": []})
        bundle = log.bundle(KERNEL, [*CHAIN, "B-BAD"])
        failure = only(verify_provenance_bundle(bundle))
        assert (failure.check, failure.record_id) == ("format", "B-BAD") and "inputs" in failure.reason


class TestNeverRaises:
    def test_random_damage_gives_failures_not_exceptions(self, log: Log) -> None:
        for bundle in damaged_bundles(log, KERNEL, CHAIN, seed=9162, n=400):
            report = verify_provenance_bundle(bundle)
            json.dumps(report.to_dict())
            assert all(f.reason for f in report.failures)


@pytest.mark.parametrize("module", ["bundle_rules.py", "lineage.py"])
def test_the_rules_share_no_code_with_the_proof_generator(module: str) -> None:
    tree = ast.parse((ROOT / "traceability" / "provenance" / module).read_text(encoding="utf-8"))
    imported = {str(node.module) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & {"ledger", "ledger.tree", "ledger.store", "ledger.tiles"}, imported
