"""Offline verification of provenance bundles (SPEC §5.6): an honest bundle passes, each forgery fails by name.

The bundles come from ``tests.bundles`` (a MemoryStore, the proof *generator*, and a Signer), with its
``log`` and ``bundle`` fixtures; ``ledger.bundle`` checks them with ``ledger.verify`` alone.
"""

from __future__ import annotations

import ast
import base64
import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from ledger.bundle import check_consistency, open_saved_checkpoint, verify_bundle
from ledger.checkpoint import Signer
from ledger.lineage import Step, check_lineage, read_step
from tests.bundles import CHAIN, KERNEL, ORIGIN, PROCESSOR, TRADER, Log, b64, damage, failures, log_chain, only, record


class TestHonestBundle:
    def test_verifies_and_reports_what_it_checked(self, log: Log, bundle: dict[str, Any]) -> None:
        report = verify_bundle(bundle)
        assert report.valid and report.failures == []
        assert report.lot_id == KERNEL and report.records == len(CHAIN)
        assert report.checkpoint is not None
        assert (report.checkpoint.origin, report.checkpoint.size) == (ORIGIN, log.store.size())
        assert report.checkpoint.root == b64(log.store.root())
        assert report.key_id == log.signer.key_id.hex() and report.vkey == log.signer.vkey

    def test_verifies_with_the_right_key_pinned(self, log: Log, bundle: dict[str, Any]) -> None:
        assert verify_bundle(bundle, vkey=log.signer.vkey).valid

    def test_verifies_after_a_json_round_trip(self, bundle: dict[str, Any]) -> None:
        assert verify_bundle(json.loads(json.dumps(bundle))).valid

    def test_report_is_json(self, bundle: dict[str, Any]) -> None:
        data = json.loads(json.dumps(verify_bundle(bundle).to_dict()))
        assert data["valid"] is True and data["failures"] == [] and data["checkpoint"]["origin"] == ORIGIN

    def test_a_raw_lot_is_its_own_harvest(self, log: Log) -> None:
        assert verify_bundle(log.bundle("KRN26-RAW00002", ["H-FARM2-0001"])).valid

    def test_unknown_entry_types_are_allowed_but_still_proven(self, log: Log) -> None:
        log.log("moisture_reading", "M-0001", {"lot_id": KERNEL, "moisture_pct": "5.0"})
        bundle = log.bundle(KERNEL, [*CHAIN, "M-0001"])
        assert verify_bundle(bundle).valid
        record(bundle, "M-0001")["entry"]["data"]["moisture_pct"] = "4.0"
        assert failures(verify_bundle(bundle)) == [("inclusion", "moisture_reading", "M-0001", log.index["M-0001"])]

    def test_the_same_record_twice_is_harmless(self, bundle: dict[str, Any]) -> None:
        bundle["records"].append(copy.deepcopy(record(bundle, "H-FARM1-0001")))
        assert verify_bundle(bundle).valid

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
        assert verify_bundle(log.bundle("KRN26-K2", ["H-OTHER-0001", "B-0002"])).valid


class TestInclusion:
    def test_a_changed_quantity_names_the_record(self, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "H-FARM1-0001")["entry"]["data"]["quantity_g"] = 2_500_000
        failure = only(verify_bundle(bundle))
        assert (failure.check, failure.record_type, failure.record_id, failure.index) == (
            "inclusion",
            "harvest",
            "H-FARM1-0001",
            log.index["H-FARM1-0001"],
        )
        assert "changed after it was logged" in failure.reason

    def test_a_flipped_proof_hash(self, log: Log, bundle: dict[str, Any]) -> None:
        proof = record(bundle, "B-0001")["proof"]
        raw = bytearray(base64.b64decode(proof[1]))
        raw[0] ^= 1
        proof[1] = b64(bytes(raw))
        assert failures(verify_bundle(bundle)) == [("inclusion", "batch", "B-0001", log.index["B-0001"])]

    def test_a_truncated_proof(self, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "S-0001")["proof"].pop()
        assert failures(verify_bundle(bundle)) == [("inclusion", "split", "S-0001", log.index["S-0001"])]

    def test_an_entry_moved_to_another_index(self, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "Q-0001")["index"] = log.index["F-0001"]
        assert failures(verify_bundle(bundle)) == [("inclusion", "quality_test", "Q-0001", log.index["F-0001"])]

    def test_an_index_beyond_the_checkpoint(self, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "L-0001")["index"] = log.store.size()
        failure = only(verify_bundle(bundle))
        assert failure.check == "inclusion" and "beyond" in failure.reason and failure.record_id == "L-0001"

    @pytest.mark.parametrize("bad", ["not base64!", b64(b"short"), 7, None])
    def test_a_malformed_proof_hash(self, bundle: dict[str, Any], bad: object) -> None:
        record(bundle, "R-0001")["proof"][0] = bad
        failure = only(verify_bundle(bundle))
        assert (failure.check, failure.record_id) == ("inclusion", "R-0001") and "malformed" in failure.reason

    def test_two_different_entries_at_one_index(self, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "Q-0001")["index"] = log.index["L-0001"]
        report = verify_bundle(bundle)
        assert ("inclusion", "quality_test", "Q-0001", log.index["L-0001"]) in failures(report)
        assert any("one position of the log holds one entry" in f.reason for f in report.failures)

    def test_every_record_is_checked(self, bundle: dict[str, Any]) -> None:
        for entry_id in ("H-FARM2-0001", "I-0001", "L-0001"):
            record(bundle, entry_id)["entry"]["by"] = "P-MALLORY001"
        assert [f.record_id for f in verify_bundle(bundle).failures] == ["H-FARM2-0001", "I-0001", "L-0001"]


class TestRemovedRecords:
    def test_a_missing_harvest_breaks_the_lineage_at_the_batch(self, log: Log) -> None:
        report = verify_bundle(log.bundle(KERNEL, [i for i in CHAIN if i != "H-FARM2-0001"]))
        failure = only(report)
        assert (failure.check, failure.record_type, failure.record_id) == ("lineage", "batch", "B-0001")
        assert "KRN26-RAW00002" in failure.reason and "missing" in failure.reason

    def test_a_missing_batch_leaves_the_lot_unproduced(self, log: Log) -> None:
        failure = only(verify_bundle(log.bundle(KERNEL, [i for i in CHAIN if i != "B-0001"])))
        assert (failure.check, failure.record_type, failure.record_id, failure.index) == ("lineage", None, None, None)
        assert KERNEL in failure.reason

    def test_a_missing_label_is_not_detectable(self, log: Log) -> None:
        # Only the lineage must be closed: a bundle cannot prove that no other record mentions the lot.
        assert verify_bundle(log.bundle(KERNEL, [i for i in CHAIN if i != "L-0001"])).valid


class TestSignature:
    def test_resigned_with_another_key(self, log: Log, bundle: dict[str, Any]) -> None:
        bundle["checkpoint"] = log.checkpoint(Signer.generate(ORIGIN))
        failure = only(verify_bundle(bundle))
        assert failure.check == "signature" and failure.record_id is None and "does not verify" in failure.reason

    def test_resigned_and_the_bundle_names_the_new_key_but_the_old_one_is_pinned(
        self, log: Log, bundle: dict[str, Any]
    ) -> None:
        mallory = Signer.generate(ORIGIN)
        bundle["checkpoint"], bundle["log"]["vkey"] = log.checkpoint(mallory), mallory.vkey
        assert verify_bundle(bundle).valid  # the reason to pin the key
        report = verify_bundle(bundle, vkey=log.signer.vkey)
        assert [f.check for f in report.failures] == ["signature", "signature"]
        assert report.failures[0].reason.startswith(
            f"the bundle names key {mallory.vkey} but you pinned {log.signer.vkey}"
        )
        assert report.key_id == log.signer.key_id.hex()

    def test_a_wrong_pinned_key(self, bundle: dict[str, Any]) -> None:
        other = Signer.generate(ORIGIN).vkey
        report = verify_bundle(bundle, vkey=other)
        assert [f.check for f in report.failures] == ["signature", "signature"]
        assert f"but you pinned {other}" in report.failures[0].reason

    def test_a_malformed_pinned_key_is_the_callers_error(self, bundle: dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            verify_bundle(bundle, vkey="not-a-key")

    def test_a_malformed_bundle_key(self, bundle: dict[str, Any]) -> None:
        bundle["log"]["vkey"] = "cashew+00000000+AAAA"
        assert only(verify_bundle(bundle)).check == "signature"

    def test_a_rewritten_root_fails_the_signature_and_every_proof(self, log: Log, bundle: dict[str, Any]) -> None:
        lines = bundle["checkpoint"].split("\n")
        lines[2] = b64(bytes(32))
        bundle["checkpoint"] = "\n".join(lines)
        checks = [f.check for f in verify_bundle(bundle).failures]
        assert checks == ["signature"] + ["inclusion"] * len(CHAIN)

    def test_another_logs_origin(self, log: Log, bundle: dict[str, Any]) -> None:
        bundle["log"]["origin"] = "elsewhere.example/ledger"
        failure = only(verify_bundle(bundle))
        assert failure.check == "signature" and "elsewhere.example/ledger" in failure.reason


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
        failure = only(verify_bundle(log.bundle("KRN26-FAKE001", ["H-OTHER-0001", "B-0666"])))
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
        failure = only(verify_bundle(log.bundle("KRN26-FAKE002", ["H-OTHER-0001", "B-0667"])))
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
        failure = only(verify_bundle(log.bundle("KRN26-LOOP", ["B-LOOP"])))
        assert (failure.check, failure.record_id) == ("lineage", "B-LOOP") and "made from itself" in failure.reason

    def test_a_lot_produced_twice(self, log: Log) -> None:
        log.log("import", "I-TWICE", {"lot_id": "KRN26-RAW00002", "origin_country": "GH", "quantity_g": 1_500_000})
        failure = only(verify_bundle(log.bundle(KERNEL, [*CHAIN, "I-TWICE"])))
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
    @pytest.mark.parametrize("kind", ["contract", "listing"])
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
                "seller": PROCESSOR,
            },
        )
        failure = only(verify_bundle(log.bundle(KERNEL, [*CHAIN, "C-0001"])))
        assert (failure.check, failure.record_type, failure.record_id) == ("format", kind, "C-0001")
        assert "must not carry prices" in failure.reason

    def test_a_float_with_the_same_canonical_form_is_still_refused(self, log: Log, bundle: dict[str, Any]) -> None:
        # JCS writes 2000000.0 as 2000000: the proof alone would not notice, the no-float rule does.
        record(bundle, "H-FARM1-0001")["entry"]["data"]["quantity_g"] = 2_000_000.0
        report = verify_bundle(bundle)
        assert ("format", "harvest", "H-FARM1-0001", log.index["H-FARM1-0001"]) in failures(report)
        assert "float" in report.failures[0].reason

    def test_an_integer_beyond_json_precision(self, bundle: dict[str, Any]) -> None:
        record(bundle, "H-FARM2-0001")["entry"]["data"]["quantity_g"] = 2**60
        report = verify_bundle(bundle)
        assert report.failures[0].check == "format" and report.failures[0].record_id == "H-FARM2-0001"

    @pytest.mark.parametrize("shape", [None, [], "bundle", 42])
    def test_not_an_object(self, shape: Any) -> None:
        assert only(verify_bundle(shape)).check == "format"

    @pytest.mark.parametrize("key", ["lot_id", "log", "checkpoint", "records"])
    def test_a_missing_key(self, bundle: dict[str, Any], key: str) -> None:
        del bundle[key]
        report = verify_bundle(bundle)
        assert not report.valid and report.failures[0].check == "format"

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda r: r.clear(),
            lambda r: r.update(entry="harvest"),
            lambda r: r.update(index="3"),
            lambda r: r.update(index=-1),
            lambda r: r.update(index=True),
            lambda r: r.update(proof="AAAA"),
            lambda r: r["entry"].pop("nonce"),
            lambda r: r["entry"].update(v=2),
            lambda r: r["entry"].update(data=[1]),
            lambda r: r["entry"].update(id=17),
        ],
        ids=[
            "empty",
            "entry-text",
            "index-text",
            "index-negative",
            "index-bool",
            "proof-text",
            "no-nonce",
            "version-2",
            "data-list",
            "id-number",
        ],
    )
    def test_a_malformed_record(self, bundle: dict[str, Any], mutate: Any) -> None:
        mutate(record(bundle, "L-0001"))
        report = verify_bundle(bundle)
        assert not report.valid and report.records == len(CHAIN)
        assert report.failures[0].check in ("format", "inclusion")

    def test_a_record_that_is_not_an_object(self, bundle: dict[str, Any]) -> None:
        bundle["records"].append("H-FARM1-0001")
        assert "record 10 of the bundle" in only(verify_bundle(bundle)).reason

    def test_malformed_lineage_data(self, log: Log, bundle: dict[str, Any]) -> None:
        log.log("batch", "B-BAD", {"batch_id": "B-BAD", "inputs": "all of them", "outputs": []})
        bundle = log.bundle(KERNEL, [*CHAIN, "B-BAD"])
        failure = only(verify_bundle(bundle))
        assert (failure.check, failure.record_id) == ("format", "B-BAD") and "inputs" in failure.reason


class TestSince:
    def test_a_grown_log_is_consistent_with_a_saved_checkpoint(self, log: Log, bundle: dict[str, Any]) -> None:
        saved_note, saved_size = log.checkpoint(), log.store.size()
        log.log("receipt", "R-LATER", {"transfer_id": "T-9", "lot_id": KERNEL, "received_g": 1})
        report = verify_bundle(log.bundle(KERNEL, CHAIN))
        saved, problems = open_saved_checkpoint(saved_note, vkey=report.vkey)
        assert problems == [] and saved.size == saved_size
        proof = [b64(h) for h in log.store.consistency_proof(saved_size)]
        assert check_consistency(saved, report, proof) == []
        assert check_consistency(saved, report, proof[:-1])[0].check == "consistency"

    def test_a_forked_log_is_not(self, log: Log) -> None:
        fork = Log(log.signer)
        log_chain(fork)  # the same records, other nonces: another history under the same key
        saved, _ = open_saved_checkpoint(fork.checkpoint(), vkey=log.signer.vkey)
        log.log("receipt", "R-LATER", {"transfer_id": "T-9", "lot_id": KERNEL, "received_g": 1})
        report = verify_bundle(log.bundle(KERNEL, CHAIN))
        proof = [b64(h) for h in log.store.consistency_proof(saved.size)]
        [failure] = check_consistency(saved, report, proof)
        assert failure.check == "consistency" and "do not trust it" in failure.reason

    def test_a_shrunken_log_is_not(self, log: Log, bundle: dict[str, Any]) -> None:
        report = verify_bundle(bundle)
        log.log("receipt", "R-LATER", {"transfer_id": "T-9", "lot_id": KERNEL, "received_g": 1})
        saved, _ = open_saved_checkpoint(log.checkpoint(), vkey=report.vkey)
        assert "rolled back" in check_consistency(saved, report, [])[0].reason

    def test_a_saved_checkpoint_under_another_key(self, log: Log, bundle: dict[str, Any]) -> None:
        _, problems = open_saved_checkpoint(log.checkpoint(Signer.generate(ORIGIN)), vkey=log.signer.vkey)
        assert [p.check for p in problems] == ["consistency"]

    def test_not_a_checkpoint(self, log: Log) -> None:
        with pytest.raises(ValueError):
            open_saved_checkpoint("hello\n", vkey=log.signer.vkey)


class TestNeverRaises:
    def test_random_damage_gives_failures_not_exceptions(self, log: Log) -> None:
        rng = random.Random(9162)
        for _ in range(400):
            bundle = log.bundle(KERNEL, CHAIN)
            for _ in range(rng.randint(1, 3)):
                damage(bundle, rng)
            if isinstance(bundle.get("checkpoint"), str) and bundle["checkpoint"] and rng.random() < 0.3:
                note = bundle["checkpoint"]
                at = rng.randrange(len(note))
                bundle["checkpoint"] = note[:at] + rng.choice(["\n", "\x00", "\u2014", "+", " ", "é"]) + note[at + 1 :]
            report = verify_bundle(bundle)
            json.dumps(report.to_dict())
            assert all(f.reason for f in report.failures)


@pytest.mark.parametrize("module", ["bundle.py", "lineage.py"])
def test_the_verifier_shares_no_code_with_the_proof_generator(module: str) -> None:
    tree = ast.parse((Path(__file__).resolve().parents[2] / "ledger" / module).read_text(encoding="utf-8"))
    imported = {
        f"{node.module}.{alias.name}" if node.module == "ledger" else str(node.module)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & {"ledger.tree", "ledger.store", "ledger.tiles"}, imported
