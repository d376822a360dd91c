"""Go's own signed-note verifier (``golang.org/x/mod/sumdb/note``) opens our checkpoints (SPEC §5.7).

A cosigned checkpoint must open with the log's key alone: cosignature lines are
more note signatures, which a verifier that does not know their keys counts as
unverified. ``tests/go/noteverify`` is built once per session from Debian's Go
and x/mod sources, offline (GOPATH mode). Skipped when they are missing
(``apt-get install golang-go golang-golang-x-mod-dev``; ``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger import (
    Checkpoint,
    CosignatureSigner,
    MemoryStore,
    Signer,
    cosign,
    sign_checkpoint,
    verify_cosignatures,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEVERIFY = PROJECT_ROOT / "tests" / "go" / "noteverify"
DEBIAN_GOPATH = Path("/usr/share/gocode")
X_MOD_NOTE = DEBIAN_GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb" / "note" / "note.go"
ORIGIN = "cashew.local/ledger"
TIME = 1_733_300_000


@dataclass(frozen=True)
class Opened:
    """What Go's ``note.Open`` returned: the text and the ``name+keyid`` of each signature."""

    text: str
    verified: list[str]
    unverified: list[str]


def key_label(name: str, key_id: bytes) -> str:
    return f"{name}+{key_id.hex()}"


@pytest.fixture(scope="session")
def noteverify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built ``noteverify`` binary; skips when Go or the x/mod sources are not installed."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go not installed (apt-get install golang-go); .ci/run installs it")
    if not X_MOD_NOTE.is_file():
        pytest.skip(f"golang.org/x/mod sources not found at {X_MOD_NOTE} (apt-get install golang-golang-x-mod-dev)")
    out = tmp_path_factory.mktemp("noteverify")
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(DEBIAN_GOPATH),
        "GOCACHE": str(out / "cache"),
        "GOFLAGS": "",
        "GOENV": "off",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    binary = out / "noteverify"
    built = subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=NOTEVERIFY, env=env, capture_output=True, text=True
    )
    if built.returncode != 0:
        pytest.fail(f"go build of tests/go/noteverify failed:\n{built.stderr}")
    return binary


def go_open(noteverify: Path, vkey: str, note: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(noteverify), vkey], input=note, capture_output=True, text=True, encoding="utf-8", timeout=30
    )


def opened(noteverify: Path, vkey: str, note: str) -> Opened:
    """Go's reading of ``note`` with ``vkey``; fails the test if Go refuses it."""
    result = go_open(noteverify, vkey, note)
    assert result.returncode == 0, f"Go refused the note: {result.stderr}"
    return Opened(**json.loads(result.stdout))


@pytest.fixture(scope="module")
def log() -> Signer:
    return Signer(ORIGIN, bytes(range(32)))


@pytest.fixture(scope="module")
def checkpoint() -> Checkpoint:
    store = MemoryStore()
    store.append([f"entry {i}".encode() for i in range(13)])
    return Checkpoint(ORIGIN, store.size(), store.root())


@pytest.fixture(scope="module")
def note(checkpoint: Checkpoint, log: Signer) -> str:
    return sign_checkpoint(checkpoint, log)


@pytest.fixture(scope="module")
def witnesses() -> list[CosignatureSigner]:
    return [
        CosignatureSigner("witness.example/a", bytes(range(32, 64))),
        CosignatureSigner("witness.example/b", bytes(range(64, 96))),
    ]


@pytest.fixture(scope="module")
def cosigned(note: str, witnesses: list[CosignatureSigner]) -> str:
    """The log's checkpoint with both witnesses' cosignature lines after the log's signature."""
    cosigned = note + "".join(cosign(note, witness, TIME + i) for i, witness in enumerate(witnesses))
    checks = verify_cosignatures(cosigned, [w.verifier() for w in witnesses])
    assert all(check.valid for check in checks.values())
    return cosigned


def tamper_root_line(note: str, position: int) -> str:
    """``note`` with the character at ``position`` of its root line (the third) swapped for another."""
    lines = note.split("\n")
    root = lines[2]
    lines[2] = root[:position] + ("A" if root[position] != "A" else "B") + root[position + 1 :]
    return "\n".join(lines)


class TestOurCheckpoint:
    def test_opens_with_the_log_vkey(self, noteverify: Path, note: str, checkpoint: Checkpoint, log: Signer) -> None:
        result = opened(noteverify, log.vkey, note)
        assert result == Opened(checkpoint.body(), [key_label(log.name, log.key_id)], [])

    def test_is_refused_with_another_key_of_the_same_name(self, noteverify: Path, note: str) -> None:
        other = Signer(ORIGIN, bytes(range(1, 33)))
        result = go_open(noteverify, other.vkey, note)
        assert (result.returncode, result.stderr) == (1, "noteverify: note has no verifiable signatures\n")


class TestCosignedCheckpoint:
    def test_opens_with_the_log_vkey_alone(
        self, noteverify: Path, cosigned: str, checkpoint: Checkpoint, log: Signer
    ) -> None:
        result = opened(noteverify, log.vkey, cosigned)
        assert result.text == checkpoint.body()
        assert result.verified == [key_label(log.name, log.key_id)]

    def test_go_counts_the_cosignatures_as_unverified_signatures(
        self, noteverify: Path, cosigned: str, log: Signer, witnesses: list[CosignatureSigner]
    ) -> None:
        result = opened(noteverify, log.vkey, cosigned)
        assert result.unverified == [key_label(w.name, w.key_id) for w in witnesses]


class TestTamperedCheckpoint:
    @pytest.mark.parametrize("which", ["signed", "cosigned"])
    def test_every_changed_byte_of_the_root_line_is_refused(
        self, noteverify: Path, note: str, cosigned: str, log: Signer, which: str
    ) -> None:
        original = note if which == "signed" else cosigned
        refusal = (1, f"noteverify: invalid signature for key {key_label(log.name, log.key_id)}\n")
        outcomes = {}
        for position in range(len(original.split("\n")[2])):
            result = go_open(noteverify, log.vkey, tamper_root_line(original, position))
            outcomes[position] = (result.returncode, result.stderr)
        assert len(outcomes) == 44  # base64 of a 32-byte root
        assert outcomes == dict.fromkeys(outcomes, refusal)


class TestGoReference:
    def test_the_go_reference_note_opens(self, noteverify: Path, go_reference: dict[str, str]) -> None:
        name, key_id_hex, _ = go_reference["vkey"].split("+", 2)
        result = opened(noteverify, go_reference["vkey"], go_reference["note"])
        assert result == Opened(go_reference["text"], [f"{name}+{key_id_hex}"], [])
