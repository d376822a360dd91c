"""Offline verification of bundles by ``ledger.bundle``: an honest bundle passes, each forgery fails by name.

The entries here are of neutral types ("thing", "note", "mark"): the ledger's
checks hold for any log, and what entries must mean is left to rules, whose
hook is tested at the end. The cashew rules are tested in
``tests/traceability/test_bundle_rules.py``.
"""

from __future__ import annotations

import ast
import base64
import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ledger.bundle import (
    Failure,
    Record,
    Subject,
    check_consistency,
    open_saved_checkpoint,
    verify_bundle,
)
from ledger.checkpoint import Signer
from tests.bundles import ORIGIN, Log, b64, damaged_bundles, failures, only, record

SUBJECT = "S-0001"
THINGS = ["T-0001", "T-0002", "N-0001", "M-0001", "T-0003", "N-0002"]
"""The entries about ``SUBJECT`` that ``log_things`` logs, in log order."""


def log_things(log: Log) -> None:
    """Three things, notes and a mark about them; an unrelated entry first and another among them."""
    log.log("other", "O-0001", {"about": "S-0999", "text": "not ours"})
    log.log("thing", "T-0001", {"subject": SUBJECT, "name": "first", "count": 3})
    log.log("thing", "T-0002", {"subject": SUBJECT, "name": "second", "count": 5})
    log.log("note", "N-0001", {"about": "T-0001", "text": "looked at"})
    log.log("other", "O-0002", {"about": "S-0999", "text": "still not ours"})
    log.log("mark", "M-0001", {"about": "T-0002", "tags": ["blue", "round"]})
    log.log("thing", "T-0003", {"subject": SUBJECT, "name": "third", "count": 0, "parts": [{"n": 1}, {"n": 2}]})
    log.log("note", "N-0002", {"about": "T-0003", "text": "é, ü and — in UTF-8"})


@pytest.fixture
def things() -> Log:
    made = Log(subject_key="subject")
    log_things(made)
    return made


@pytest.fixture
def thing_bundle(things: Log) -> dict[str, Any]:
    return things.bundle(SUBJECT, THINGS)


class TestHonestBundle:
    def test_verifies_and_reports_what_it_checked(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        report = verify_bundle(thing_bundle)
        assert report.valid and report.failures == []
        assert report.subject == SUBJECT and report.records == len(THINGS)
        assert report.checkpoint is not None
        assert (report.checkpoint.origin, report.checkpoint.size) == (ORIGIN, things.store.size())
        assert report.checkpoint.root == b64(things.store.root())
        assert report.key_id == things.signer.key_id.hex() and report.vkey == things.signer.vkey

    def test_verifies_with_the_right_key_pinned(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        assert verify_bundle(thing_bundle, vkey=things.signer.vkey).valid

    def test_verifies_after_a_json_round_trip(self, thing_bundle: dict[str, Any]) -> None:
        assert verify_bundle(json.loads(json.dumps(thing_bundle))).valid

    def test_report_is_json(self, thing_bundle: dict[str, Any]) -> None:
        data = json.loads(json.dumps(verify_bundle(thing_bundle).to_dict()))
        assert data["valid"] is True and data["failures"] == [] and data["checkpoint"]["origin"] == ORIGIN
        assert list(data) == ["valid", "subject", "checkpoint", "key_id", "vkey", "records", "failures"]

    def test_any_entry_type_is_allowed_but_still_proven(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "M-0001")["entry"]["data"]["tags"] = ["red", "round"]
        assert failures(verify_bundle(thing_bundle)) == [("inclusion", "mark", "M-0001", things.index["M-0001"])]

    def test_the_same_record_twice_is_harmless(self, thing_bundle: dict[str, Any]) -> None:
        thing_bundle["records"].append(copy.deepcopy(record(thing_bundle, "T-0001")))
        assert verify_bundle(thing_bundle).valid

    def test_a_missing_record_is_not_detectable(self, things: Log) -> None:
        # Without rules, a bundle cannot prove that no other record concerns its subject.
        assert verify_bundle(things.bundle(SUBJECT, [i for i in THINGS if i != "N-0001"])).valid


class TestInclusion:
    def test_a_changed_value_names_the_record(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "T-0001")["entry"]["data"]["count"] = 4
        failure = only(verify_bundle(thing_bundle))
        assert (failure.check, failure.record_type, failure.record_id, failure.index) == (
            "inclusion",
            "thing",
            "T-0001",
            things.index["T-0001"],
        )
        assert "changed after it was logged" in failure.reason

    def test_a_flipped_proof_hash(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        proof = record(thing_bundle, "T-0003")["proof"]
        raw = bytearray(base64.b64decode(proof[1]))
        raw[0] ^= 1
        proof[1] = b64(bytes(raw))
        assert failures(verify_bundle(thing_bundle)) == [("inclusion", "thing", "T-0003", things.index["T-0003"])]

    def test_a_truncated_proof(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "T-0002")["proof"].pop()
        assert failures(verify_bundle(thing_bundle)) == [("inclusion", "thing", "T-0002", things.index["T-0002"])]

    def test_an_entry_moved_to_another_index(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "M-0001")["index"] = things.index["O-0001"]
        assert failures(verify_bundle(thing_bundle)) == [("inclusion", "mark", "M-0001", things.index["O-0001"])]

    def test_an_index_beyond_the_checkpoint(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "N-0002")["index"] = things.store.size()
        failure = only(verify_bundle(thing_bundle))
        assert failure.check == "inclusion" and "beyond" in failure.reason and failure.record_id == "N-0002"

    @pytest.mark.parametrize("bad", ["not base64!", b64(b"short"), 7, None])
    def test_a_malformed_proof_hash(self, thing_bundle: dict[str, Any], bad: object) -> None:
        record(thing_bundle, "N-0001")["proof"][0] = bad
        failure = only(verify_bundle(thing_bundle))
        assert (failure.check, failure.record_id) == ("inclusion", "N-0001") and "malformed" in failure.reason

    def test_two_different_entries_at_one_index(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "M-0001")["index"] = things.index["N-0002"]
        report = verify_bundle(thing_bundle)
        assert ("inclusion", "mark", "M-0001", things.index["N-0002"]) in failures(report)
        assert any("one position of the log holds one entry" in f.reason for f in report.failures)

    def test_every_record_is_checked(self, thing_bundle: dict[str, Any]) -> None:
        for entry_id in ("T-0002", "M-0001", "N-0002"):
            record(thing_bundle, entry_id)["entry"]["by"] = "P-MALLORY001"
        assert [f.record_id for f in verify_bundle(thing_bundle).failures] == ["T-0002", "M-0001", "N-0002"]


class TestSignature:
    def test_resigned_with_another_key(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        thing_bundle["checkpoint"] = things.checkpoint(Signer.generate(ORIGIN))
        failure = only(verify_bundle(thing_bundle))
        assert failure.check == "signature" and failure.record_id is None and "does not verify" in failure.reason

    def test_resigned_and_the_bundle_names_the_new_key_but_the_old_one_is_pinned(
        self, things: Log, thing_bundle: dict[str, Any]
    ) -> None:
        mallory = Signer.generate(ORIGIN)
        thing_bundle["checkpoint"], thing_bundle["log"]["vkey"] = things.checkpoint(mallory), mallory.vkey
        assert verify_bundle(thing_bundle).valid  # the reason to pin the key
        report = verify_bundle(thing_bundle, vkey=things.signer.vkey)
        assert [f.check for f in report.failures] == ["signature", "signature"]
        assert report.failures[0].reason.startswith(
            f"the bundle names key {mallory.vkey} but you pinned {things.signer.vkey}"
        )
        assert report.key_id == things.signer.key_id.hex()

    def test_a_wrong_pinned_key(self, thing_bundle: dict[str, Any]) -> None:
        other = Signer.generate(ORIGIN).vkey
        report = verify_bundle(thing_bundle, vkey=other)
        assert [f.check for f in report.failures] == ["signature", "signature"]
        assert f"but you pinned {other}" in report.failures[0].reason

    def test_a_malformed_pinned_key_is_the_callers_error(self, thing_bundle: dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            verify_bundle(thing_bundle, vkey="not-a-key")

    def test_a_malformed_bundle_key(self, thing_bundle: dict[str, Any]) -> None:
        thing_bundle["log"]["vkey"] = "cashew+00000000+AAAA"
        assert only(verify_bundle(thing_bundle)).check == "signature"

    def test_a_rewritten_root_fails_the_signature_and_every_proof(self, thing_bundle: dict[str, Any]) -> None:
        lines = thing_bundle["checkpoint"].split("\n")
        lines[2] = b64(bytes(32))
        thing_bundle["checkpoint"] = "\n".join(lines)
        checks = [f.check for f in verify_bundle(thing_bundle).failures]
        assert checks == ["signature"] + ["inclusion"] * len(THINGS)

    def test_another_logs_origin(self, thing_bundle: dict[str, Any]) -> None:
        thing_bundle["log"]["origin"] = "elsewhere.example/ledger"
        failure = only(verify_bundle(thing_bundle))
        assert failure.check == "signature" and "elsewhere.example/ledger" in failure.reason


class TestFormat:
    def test_a_float_with_the_same_canonical_form_is_still_refused(
        self, things: Log, thing_bundle: dict[str, Any]
    ) -> None:
        # JCS writes 5.0 as 5: the proof alone would not notice, the no-float rule does.
        record(thing_bundle, "T-0002")["entry"]["data"]["count"] = 5.0
        report = verify_bundle(thing_bundle)
        assert ("format", "thing", "T-0002", things.index["T-0002"]) in failures(report)
        assert "float" in report.failures[0].reason

    def test_an_integer_beyond_json_precision(self, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "T-0001")["entry"]["data"]["count"] = 2**60
        report = verify_bundle(thing_bundle)
        assert report.failures[0].check == "format" and report.failures[0].record_id == "T-0001"

    @pytest.mark.parametrize("shape", [None, [], "bundle", 42])
    def test_not_an_object(self, shape: Any) -> None:
        failure = only(verify_bundle(shape))
        assert failure.check == "format" and "is not a JSON object" in failure.reason

    @pytest.mark.parametrize("key", ["subject", "log", "checkpoint", "records"])
    def test_a_missing_key(self, thing_bundle: dict[str, Any], key: str) -> None:
        del thing_bundle[key]
        report = verify_bundle(thing_bundle)
        assert not report.valid and report.failures[0].check == "format"

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda r: r.clear(),
            lambda r: r.update(entry="thing"),
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
    def test_a_malformed_record(self, thing_bundle: dict[str, Any], mutate: Any) -> None:
        mutate(record(thing_bundle, "N-0002"))
        report = verify_bundle(thing_bundle)
        assert not report.valid and report.records == len(THINGS)
        assert report.failures[0].check in ("format", "inclusion")

    def test_a_record_that_is_not_an_object(self, thing_bundle: dict[str, Any]) -> None:
        thing_bundle["records"].append("T-0001")
        assert f"record {len(THINGS) + 1} of the bundle" in only(verify_bundle(thing_bundle)).reason


class TestSince:
    def test_a_grown_log_is_consistent_with_a_saved_checkpoint(self, things: Log) -> None:
        saved_note, saved_size = things.checkpoint(), things.store.size()
        things.log("note", "N-LATER", {"about": "T-0001", "text": "later"})
        report = verify_bundle(things.bundle(SUBJECT, THINGS))
        saved, problems = open_saved_checkpoint(saved_note, vkey=report.vkey)
        assert problems == [] and saved.size == saved_size
        proof = [b64(h) for h in things.store.consistency_proof(saved_size)]
        assert check_consistency(saved, report, proof) == []
        assert check_consistency(saved, report, proof[:-1])[0].check == "consistency"

    def test_a_forked_log_is_not(self, things: Log) -> None:
        fork = Log(things.signer, subject_key="subject")
        log_things(fork)  # the same records, other nonces: another history under the same key
        saved, _ = open_saved_checkpoint(fork.checkpoint(), vkey=things.signer.vkey)
        things.log("note", "N-LATER", {"about": "T-0001", "text": "later"})
        report = verify_bundle(things.bundle(SUBJECT, THINGS))
        proof = [b64(h) for h in things.store.consistency_proof(saved.size)]
        [failure] = check_consistency(saved, report, proof)
        assert failure.check == "consistency" and "do not trust it" in failure.reason

    def test_a_shrunken_log_is_not(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        report = verify_bundle(thing_bundle)
        things.log("note", "N-LATER", {"about": "T-0001", "text": "later"})
        saved, _ = open_saved_checkpoint(things.checkpoint(), vkey=report.vkey)
        assert "rolled back" in check_consistency(saved, report, [])[0].reason

    def test_a_saved_checkpoint_under_another_key(self, things: Log) -> None:
        _, problems = open_saved_checkpoint(things.checkpoint(Signer.generate(ORIGIN)), vkey=things.signer.vkey)
        assert [p.check for p in problems] == ["consistency"]

    def test_not_a_checkpoint(self, things: Log) -> None:
        with pytest.raises(ValueError):
            open_saved_checkpoint("hello\n", vkey=things.signer.vkey)


class TestRules:
    """The extension point: record rules judge each record as it is read, bundle rules the whole."""

    @staticmethod
    def no_marks(record: Record) -> list[Failure]:
        return [record.failure("format", "marks are not allowed here")] if record.type == "mark" else []

    def test_a_subject_of_ones_own(self, things: Log) -> None:
        widget = Subject("widget_id", "widget")
        bundle = things.bundle(SUBJECT, THINGS)
        bundle["widget_id"] = bundle.pop("subject")
        report = verify_bundle(bundle, subject=widget)
        assert report.valid and report.subject == SUBJECT and list(report.to_dict())[:2] == ["valid", "widget_id"]
        del bundle["widget_id"]
        failure = only(verify_bundle(bundle, subject=widget))
        assert failure.reason == "the bundle names no widget (widget_id must be a non-empty string, got None)"

    def test_a_record_rules_failures_are_the_records_own(self, things: Log, thing_bundle: dict[str, Any]) -> None:
        record(thing_bundle, "M-0001")["entry"]["data"]["tags"] = []
        record(thing_bundle, "N-0002")["proof"].pop()
        report = verify_bundle(thing_bundle, record_rules=[self.no_marks])
        assert failures(report) == [
            ("format", "mark", "M-0001", things.index["M-0001"]),
            ("inclusion", "mark", "M-0001", things.index["M-0001"]),
            ("inclusion", "note", "N-0002", things.index["N-0002"]),
        ]
        assert report.failures[0].reason == "marks are not allowed here"

    def test_a_record_rule_sees_even_a_malformed_record(self, thing_bundle: dict[str, Any]) -> None:
        seen: list[tuple[str | None, str | None, int | None]] = []

        def watch(record: Record) -> list[Failure]:
            seen.append((record.type, record.id, record.index))
            return []

        record(thing_bundle, "T-0002")["entry"]["id"] = 17
        record(thing_bundle, "N-0001")["index"] = "3"
        thing_bundle["records"].append(copy.deepcopy(record(thing_bundle, "T-0001")))  # read, then counted once
        verify_bundle(thing_bundle, record_rules=[watch])
        assert [(kind, entry_id) for kind, entry_id, _ in seen] == [
            ("thing", "T-0001"),
            ("thing", None),
            ("note", "N-0001"),
            ("mark", "M-0001"),
            ("thing", "T-0003"),
            ("note", "N-0002"),
            ("thing", "T-0001"),
        ]
        assert seen[2][2] is None

    def test_a_bundle_rule_sees_the_subject_and_each_well_formed_record_once(
        self, things: Log, thing_bundle: dict[str, Any]
    ) -> None:
        seen: list[tuple[str | None, list[tuple[str | None, str | None, int | None]]]] = []

        def watch(subject: str | None, records: Sequence[Record]) -> list[Failure]:
            seen.append((subject, [(r.type, r.id, r.index) for r in records]))
            return []

        thing_bundle["records"].append(copy.deepcopy(record(thing_bundle, "T-0001")))
        record(thing_bundle, "T-0002")["entry"]["data"]["count"] = 6  # not proven, but well-formed
        record(thing_bundle, "N-0001")["entry"]["v"] = 2  # malformed: withheld
        report = verify_bundle(thing_bundle, record_rules=[self.no_marks], rules=[watch])
        assert [(f.check, f.record_id) for f in report.failures] == [
            ("inclusion", "T-0002"),
            ("format", "N-0001"),
            ("inclusion", "N-0001"),
            ("format", "M-0001"),
        ]
        well_formed = ["T-0001", "T-0002", "T-0003", "N-0002"]
        assert seen == [(SUBJECT, [(things.entries[i]["type"], i, things.index[i]) for i in well_formed])]
        del thing_bundle["subject"]
        verify_bundle(thing_bundle, rules=[watch])
        assert seen[-1][0] is None

    def test_bundle_rules_report_last_in_their_order_under_their_own_names(
        self, things: Log, thing_bundle: dict[str, Any]
    ) -> None:
        def count(subject: str | None, records: Sequence[Record]) -> list[Failure]:
            return [r.failure("count", "it counts nothing") for r in records if r.entry["data"].get("count") == 0]

        def whole(subject: str | None, records: Sequence[Record]) -> list[Failure]:
            return [Failure("size", None, None, None, f"{subject} has {len(records)} records")]

        record(thing_bundle, "T-0001")["proof"].pop()
        report = verify_bundle(thing_bundle, rules=[whole, count])
        assert failures(report) == [
            ("inclusion", "thing", "T-0001", things.index["T-0001"]),
            ("size", None, None, None),
            ("count", "thing", "T-0003", things.index["T-0003"]),
        ]
        assert report.failures[1].reason == f"{SUBJECT} has {len(THINGS)} records"
        assert report.to_dict()["failures"][2]["check"] == "count"


class TestNeverRaises:
    def test_random_damage_gives_failures_not_exceptions(self, things: Log) -> None:
        for bundle in damaged_bundles(things, SUBJECT, THINGS, seed=9162, n=400):
            report = verify_bundle(bundle, record_rules=[TestRules.no_marks])
            json.dumps(report.to_dict())
            assert all(f.reason for f in report.failures)


def test_the_verifier_shares_no_code_with_the_proof_generator() -> None:
    tree = ast.parse((Path(__file__).resolve().parents[2] / "ledger" / "bundle.py").read_text(encoding="utf-8"))
    imported = {
        f"{node.module}.{alias.name}" if node.module == "ledger" else str(node.module)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & {"ledger.tree", "ledger.store", "ledger.tiles"}, imported
