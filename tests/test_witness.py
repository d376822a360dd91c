"""The witness (SPEC §5.7, C2SP tlog-witness): its state machine, its HTTP server and its commands.

The logic is driven directly with real logs built from ``ledger`` (fast); then two
``cashew witness serve`` processes are driven over HTTP as a log would, one of them
killed and restarted on its state file.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import signal
import stat
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ledger import (
    EMPTY_ROOT,
    Checkpoint,
    MemoryStore,
    Signer,
    Verifier,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)
from ledger.cosignature import CosignatureSigner, CosignatureVerifier, verify_cosignatures
from ledger.witness import TEXT, TLOG_SIZE, Witness, origin_hash
from tests.witnesses import make_witness, run_cashew, serving

ORIGIN = "cashew.example/log"
NOW = 1_760_000_000


@dataclass
class Log:
    """A log as the witness sees it: leaves in a MemoryStore and a key that signs its checkpoints."""

    signer: Signer
    store: MemoryStore = field(default_factory=MemoryStore)

    def grow(self, count: int, tag: str = "honest") -> Log:
        start = self.store.size()
        self.store.append([f"{tag} leaf {i}".encode() for i in range(start, start + count)])
        return self

    def note(self, size: int | None = None) -> str:
        size = self.store.size() if size is None else size
        return sign_checkpoint(Checkpoint(self.signer.name, size, self.store.root(size)), self.signer)

    def request(self, old: int, size: int | None = None) -> bytes:
        """An add-checkpoint body from ``old`` to ``size`` (default: all) with the right proof."""
        size = self.store.size() if size is None else size
        proof = self.store.consistency_proof(old, size) if old else []
        return body(old, proof, self.note(size))


def body(old: int | str, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}"] + [base64.b64encode(p).decode() for p in proof]
    return ("\n".join(lines) + "\n\n" + note).encode()


def log_key(name: str = ORIGIN, n: int = 1) -> Signer:
    return Signer(name, hashlib.sha256(f"{name} {n}".encode()).digest())


@pytest.fixture
def key() -> Signer:
    return log_key()


@pytest.fixture
def log(key: Signer) -> Log:
    return Log(key).grow(5)


@pytest.fixture
def cosigner() -> CosignatureSigner:
    return CosignatureSigner("witness.example/w1", bytes(range(32)))


@pytest.fixture
def witness(tmp_path: Path, cosigner: CosignatureSigner, key: Signer) -> Witness:
    return Witness(tmp_path / "witness.db", cosigner, [key.verifier()])


def status(witness: Witness, request: bytes) -> int:
    return witness.add_checkpoint(request, NOW).status


class TestAddCheckpoint:
    def test_first_checkpoint_from_old_0_is_cosigned(
        self, witness: Witness, log: Log, cosigner: CosignatureSigner
    ) -> None:
        answer = witness.add_checkpoint(log.request(0), NOW)
        assert (answer.status, answer.content_type) == (200, TEXT)
        cosigned = log.note() + answer.body.decode()
        check = verify_cosignatures(cosigned, [cosigner.verifier()])[cosigner.name]
        assert check.valid and check.cosignature is not None and check.cosignature.timestamp == NOW
        assert witness.size(ORIGIN) == 5

    def test_growing_with_a_valid_consistency_proof(
        self, witness: Witness, log: Log, cosigner: CosignatureSigner
    ) -> None:
        assert status(witness, log.request(0)) == 200
        for grow in (1, 2, 7, 50, 1):
            old = log.store.size()
            log.grow(grow)
            answer = witness.add_checkpoint(log.request(old), NOW + old)
            assert answer.status == 200, answer.body
            assert verify_cosignatures(log.note() + answer.body.decode(), [cosigner.verifier()])[cosigner.name].valid
        assert witness.size(ORIGIN) == 66

    def test_the_same_checkpoint_again_is_cosigned_again(self, witness: Witness, log: Log) -> None:
        assert status(witness, log.request(0)) == 200
        assert status(witness, log.request(5)) == 200

    def test_wrong_old_gets_409_with_the_witness_size(self, witness: Witness, log: Log) -> None:
        assert status(witness, log.request(0)) == 200
        log.grow(3)
        for old in (0, 2, 7):
            answer = witness.add_checkpoint(log.request(old), NOW)
            assert answer == (409, TLOG_SIZE, b"5\n"), old

    def test_a_never_seen_log_is_at_size_0(self, witness: Witness, log: Log) -> None:
        assert witness.add_checkpoint(log.request(3), NOW) == (409, TLOG_SIZE, b"0\n")

    def test_a_bad_proof_gets_422(self, witness: Witness, log: Log) -> None:
        assert status(witness, log.request(0)) == 200
        log.grow(6)
        proof = log.store.consistency_proof(5, 11)
        for i in range(len(proof)):
            bad = [*proof[:i], bytes([proof[i][0] ^ 1]) + proof[i][1:], *proof[i + 1 :]]
            assert status(witness, body(5, bad, log.note())) == 422, i
        assert status(witness, body(5, proof[:-1], log.note())) == 422
        assert status(witness, body(5, [], log.note())) == 422
        assert witness.size(ORIGIN) == 5

    def test_same_size_other_root_gets_422(self, witness: Witness, log: Log, key: Signer) -> None:
        assert status(witness, log.request(0)) == 200
        other = Log(key).grow(5, "other")
        assert status(witness, other.request(5)) == 422  # old 5, no proof, another root

    def test_size_0_with_a_non_empty_root_gets_422(self, witness: Witness, key: Signer) -> None:
        note = sign_checkpoint(Checkpoint(ORIGIN, 0, hashlib.sha256(b"x").digest()), key)
        assert status(witness, body(0, [], note)) == 422

    def test_size_0_with_the_empty_root_is_cosigned(self, witness: Witness, key: Signer) -> None:
        assert status(witness, body(0, [], sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), key))) == 200

    def test_old_0_with_a_proof_gets_422(self, witness: Witness, log: Log) -> None:
        assert status(witness, body(0, [hashlib.sha256(b"p").digest()], log.note())) == 422

    def test_old_above_the_size_gets_400(self, witness: Witness, log: Log) -> None:
        assert status(witness, body(6, [], log.note())) == 400

    @pytest.mark.parametrize(
        "garbage",
        [
            b"",
            b"hello",
            b"old 0",
            b"old 0\n",
            b"old \n\n",
            b"old -1\n\n",
            b"old 00\n\n",
            b"old 01\n\n",
            b"old 1 \n\n",
            b"OLD 0\n\n",
            b"old 0\nnot base64!\n\n",
            b"old 0\n" + base64.b64encode(bytes(31)) + b"\n\n",
            b"\xff\xfe\n\n",
        ],
    )
    def test_garbage_gets_400(self, witness: Witness, log: Log, garbage: bytes) -> None:
        assert status(witness, garbage) == 400
        assert status(witness, garbage + log.note().encode()) == 400

    def test_more_than_63_proof_lines_get_400(self, witness: Witness, log: Log) -> None:
        assert status(witness, body(1, [bytes(32)] * 64, log.note())) == 400

    @pytest.mark.parametrize(
        "bad_note",
        [
            "cashew.example/log\n5\n",  # no signatures
            "cashew.example/log\n05\n{root}\n\n{sig}",  # size with a leading zero
            "cashew.example/log\n5\n{root}x\n\n{sig}",  # root not base64
            "cashew.example/log\n5\n\n{sig}",  # two lines
            "cashew.example/log\n5\n{root}\n\u2014 cashew.example/log\n",  # no blank line, bad signature line
        ],
    )
    def test_a_malformed_checkpoint_gets_400(self, witness: Witness, log: Log, bad_note: str) -> None:
        note = log.note()
        root, sig = note.split("\n")[2], note.split("\n\n")[1]
        assert status(witness, body(0, [], bad_note.format(root=root, sig=sig))) == 400

    def test_an_unknown_origin_gets_404(self, witness: Witness) -> None:
        stranger = Log(log_key("other.example/log")).grow(3)
        assert status(witness, stranger.request(0)) == 404

    def test_signed_by_a_stranger_s_key_gets_403(self, witness: Witness) -> None:
        forger = Log(log_key(ORIGIN, 2)).grow(5)  # the trusted origin, another key
        assert status(witness, forger.request(0)) == 403

    def test_a_forged_line_under_the_trusted_name_and_key_id_gets_403(self, witness: Witness, log: Log) -> None:
        note = log.note()
        text, line = note.split("\n\n")
        raw = base64.b64decode(line.split(" ")[2])
        forged = raw[:10] + bytes([raw[10] ^ 1]) + raw[11:]
        forged_note = f"{text}\n\n\u2014 {ORIGIN} {base64.b64encode(forged).decode()}\n"
        assert status(witness, body(0, [], forged_note)) == 403
        # ...even next to a valid one by another trusted key of the same log
        second = log_key(ORIGIN, 3)
        both = Witness(witness.db_path, witness.signer, [log.signer.verifier(), second.verifier()])
        valid_line = sign_note(text + "\n", second).split("\n\n")[1]
        assert status(both, body(0, [], forged_note + valid_line)) == 403

    def test_unknown_signature_lines_are_ignored(self, witness: Witness, log: Log) -> None:
        extra = sign_note(log.note().split("\n\n")[0] + "\n", log_key("someone.example", 9)).split("\n\n")[1]
        assert status(witness, body(0, [], log.note() + extra)) == 200

    def test_extension_lines_are_cosigned_with_the_checkpoint(
        self, witness: Witness, log: Log, key: Signer, cosigner: CosignatureSigner
    ) -> None:
        text = Checkpoint(ORIGIN, 5, log.store.root()).body() + "extension line\n"
        note = sign_note(text, key)
        answer = witness.add_checkpoint(body(0, [], note), NOW)
        assert answer.status == 200
        assert verify_cosignatures(note + answer.body.decode(), [cosigner.verifier()])[cosigner.name].valid

    def test_a_log_may_have_several_keys(self, tmp_path: Path, cosigner: CosignatureSigner, log: Log) -> None:
        rotated = log_key(ORIGIN, 4)
        witness = Witness(tmp_path / "w.db", cosigner, [log.signer.verifier(), rotated.verifier()])
        assert status(witness, log.request(0)) == 200
        log.signer = rotated
        log.grow(2)
        assert status(witness, log.request(5)) == 200


class TestForkedLog:
    def test_a_fork_never_gets_a_cosignature_once_the_honest_log_was_cosigned(
        self, witness: Witness, log: Log, key: Signer
    ) -> None:
        assert status(witness, log.request(0)) == 200
        fork = Log(key)
        fork.store.append([f"honest leaf {i}".encode() for i in range(3)])  # shares the first 3 leaves
        fork.grow(2, "fork")
        assert fork.store.root() != log.store.root()
        assert status(witness, fork.request(5)) == 422  # same size, other root
        fork.grow(4, "fork")
        assert status(witness, fork.request(5)) == 422  # the fork's own proof from its size 5
        assert status(witness, fork.request(0)) == 409
        assert status(witness, fork.request(3)) == 409
        # the honest log keeps getting cosignatures
        log.grow(4)
        assert status(witness, log.request(5)) == 200
        assert status(witness, fork.request(9)) == 422

    def test_a_proof_from_the_honest_tree_does_not_carry_the_fork(
        self, witness: Witness, log: Log, key: Signer
    ) -> None:
        assert status(witness, log.request(0)) == 200
        fork = Log(key).grow(5).grow(3, "fork")
        log.grow(3)
        honest_proof = log.store.consistency_proof(5, 8)
        assert status(witness, body(5, honest_proof, fork.note())) == 422


class TestState:
    def test_a_restarted_witness_remembers(self, witness: Witness, log: Log, key: Signer) -> None:
        assert status(witness, log.request(0)) == 200
        again = Witness(witness.db_path, witness.signer, [key.verifier()])
        assert again.add_checkpoint(log.request(0), NOW) == (409, TLOG_SIZE, b"5\n")
        assert status(again, Log(key).grow(5, "fork").request(5)) == 422

    def test_a_refused_request_changes_nothing(self, witness: Witness, log: Log) -> None:
        assert status(witness, log.request(0)) == 200
        before = witness.checkpoint(origin_hash(ORIGIN))
        log.grow(2)
        assert status(witness, body(5, [], log.note())) == 422
        assert witness.checkpoint(origin_hash(ORIGIN)) == before
        assert witness.size(ORIGIN) == 5

    def test_get_checkpoint_serves_the_latest_cosigned_note(
        self, witness: Witness, log: Log, key: Signer, cosigner: CosignatureSigner
    ) -> None:
        assert witness.checkpoint(origin_hash(ORIGIN)).status == 404
        assert status(witness, log.request(0)) == 200
        log.grow(2)
        assert status(witness, log.request(5)) == 200
        answer = witness.checkpoint(origin_hash(ORIGIN))
        assert (answer.status, answer.content_type) == (200, TEXT)
        note = answer.body.decode()
        assert verify_checkpoint(note, key.verifier(), ORIGIN).size == 7
        assert verify_cosignatures(note, [cosigner.verifier()])[cosigner.name].valid
        assert witness.checkpoint(origin_hash(ORIGIN).upper()).status == 404
        assert witness.checkpoint(origin_hash("other.example/log")).status == 404


class TestRaces:
    def test_two_threads_from_the_same_old_size_exactly_one_wins(
        self, tmp_path: Path, cosigner: CosignatureSigner, key: Signer
    ) -> None:
        for round_ in range(10):
            witness = Witness(tmp_path / f"race{round_}.db", cosigner, [key.verifier()])
            base = Log(key).grow(4)
            assert status(witness, base.request(0)) == 200
            a, b = Log(key).grow(4).grow(2, "a"), Log(key).grow(4).grow(3, "b")
            requests = [a.request(4), b.request(4)]
            results = race(witness, requests)
            assert sorted(results) == [200, 409], round_
            assert witness.size(ORIGIN) in (6, 7)

    def test_two_processes_on_one_file_exactly_one_wins(
        self, tmp_path: Path, cosigner: CosignatureSigner, key: Signer
    ) -> None:
        db = tmp_path / "shared.db"
        witness = Witness(db, cosigner, [key.verifier()])
        assert status(witness, Log(key).grow(4).request(0)) == 200
        requests = [Log(key).grow(4).grow(n, f"fork{n}").request(4) for n in range(1, 5)]
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, ProcessPoolExecutor(len(requests), mp_context=context) as pool:
            ready = manager.Barrier(len(requests))
            futures = [pool.submit(_submit_in_process, str(db), cosigner.skey, key.vkey, r, ready) for r in requests]
            results = [f.result(timeout=60) for f in futures]
        assert sorted(results) == [200, 409, 409, 409]


def race(witness: Witness, requests: list[bytes]) -> list[int]:
    """Submit ``requests`` to ``witness`` from one thread each, released together; their statuses."""
    barrier = threading.Barrier(len(requests))
    results: list[int] = []

    def submit(request: bytes) -> None:
        barrier.wait()
        results.append(status(witness, request))

    threads = [threading.Thread(target=submit, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _submit_in_process(db: str, skey: str, vkey: str, request: bytes, ready: threading.Barrier) -> int:
    """One witness process: wait for the others, then submit."""
    witness = Witness(db, CosignatureSigner.from_skey(skey), [Verifier.from_vkey(vkey)])
    ready.wait()
    return witness.add_checkpoint(request, NOW).status


# Through real processes: `cashew witness key` and two `cashew witness serve`.


class TestWitnessKeyCommand:
    def test_writes_a_0600_key_and_prints_its_vkey(self, tmp_path: Path) -> None:
        out = tmp_path / "w1.key"
        result = run_cashew("witness", "key", "--name", "witness.example/w1", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        vkey = result.stdout.strip()
        verifier = CosignatureVerifier.from_vkey(vkey)
        assert verifier.name == "witness.example/w1"
        assert CosignatureSigner.from_skey(out.read_text().strip()).vkey == vkey

    def test_refuses_to_overwrite(self, tmp_path: Path) -> None:
        out = tmp_path / "w1.key"
        out.write_text("precious\n")
        result = run_cashew("witness", "key", "--name", "witness.example/w1", "--out", str(out))
        assert result.returncode == 2 and "exists" in result.stderr
        assert out.read_text() == "precious\n"

    def test_refuses_a_bad_name(self, tmp_path: Path) -> None:
        result = run_cashew("witness", "key", "--name", "has space", "--out", str(tmp_path / "k"))
        assert result.returncode == 2 and not (tmp_path / "k").exists()


def post(url: str, request: bytes) -> httpx.Response:
    return httpx.post(f"{url}/add-checkpoint", content=request, timeout=10)


class TestWitnessServe:
    def test_two_witnesses_cosign_and_one_remembers_across_a_restart(self, tmp_path: Path, key: Signer) -> None:
        log = Log(key).grow(5)
        first, second = make_witness(tmp_path, "w1"), make_witness(tmp_path, "w2")
        verifiers = [CosignatureVerifier.from_vkey(first.vkey), CosignatureVerifier.from_vkey(second.vkey)]
        with serving(first, key.vkey, ORIGIN) as (proc1, url1), serving(second, key.vkey, ORIGIN) as (_proc2, url2):
            lines = []
            for url in (url1, url2):
                answer = post(url, log.request(0))
                assert answer.status_code == 200, answer.text
                assert answer.headers["content-type"] == TEXT
                lines.append(answer.text)
            checks = verify_cosignatures(log.note() + "".join(lines), verifiers)
            assert all(c.valid for c in checks.values()), checks
            assert verify_checkpoint(log.note() + "".join(lines), key.verifier(), ORIGIN).size == 5

            log.grow(3)
            assert post(url1, log.request(5)).status_code == 200
            conflict = post(url2, log.request(8))
            assert (conflict.status_code, conflict.text) == (409, "5\n")
            assert conflict.headers["content-type"] == TLOG_SIZE
            monitored = httpx.get(f"{url1}/{origin_hash(ORIGIN)}/checkpoint", timeout=10)
            assert verify_checkpoint(monitored.text, key.verifier(), ORIGIN).size == 8
            assert post(url1, b"old 0\n\n" + b"x" * 70_000).status_code == 413
            assert post(url2, Log(log_key(ORIGIN, 2)).grow(9).request(5)).status_code == 403  # another key
            assert post(url2, Log(log_key("other.example/log")).grow(3).request(0)).status_code == 404
            bad_proof = post(
                url2, log.request(5).replace(b"\n\n", b"\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", 1)
            )
            assert bad_proof.status_code == 422, bad_proof.text

            os.killpg(proc1.pid, signal.SIGKILL)  # no clean shutdown: the state must already be on disk
            proc1.wait()
        with serving(first, key.vkey, ORIGIN) as (_proc, url1):
            assert (post(url1, log.request(0)).status_code, post(url1, log.request(0)).text) == (409, "8\n")
            fork = Log(key).grow(8, "fork").grow(2, "fork")
            assert post(url1, fork.request(8)).status_code == 422
            assert post(url1, Log(key).grow(8, "fork").request(8)).status_code == 422
            log.grow(1)
            answer = post(url1, log.request(8))
            assert answer.status_code == 200
            assert verify_cosignatures(log.note() + answer.text, verifiers[:1])["w1.example"].valid

    def test_refuses_a_bad_log_key(self, tmp_path: Path) -> None:
        served = make_witness(tmp_path, "w1")
        result = run_cashew("witness", "serve", "--key", str(served.key_file), "--db", str(served.db), "--log", "nope")
        assert result.returncode == 2 and "error" in result.stderr
