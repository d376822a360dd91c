"""A witnessed log (SPEC §5.7), end to end: ``cashew serve`` with a witness policy, two real
``cashew witness serve`` processes, bundles verified with ``cashew verify --witness``, a forked log
that never gets a cosignature, and writes that keep flowing while a witness is down.

Everything runs as separate programs talking HTTP (SQLite files; the database does not matter to
the witnesses, and the cosignature table is covered on both databases by the API tests).
"""

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.checkpoint import verify_checkpoint
from ledger.cosignature import CosignatureSigner, CosignatureVerifier, verify_cosignatures
from tests.conftest import ROOT
from tests.factories import farm_body, harvest_body
from tests.live import free_port, live_server
from tests.witnesses import CASHEW, Served, make_witness, run_cashew, serving
from traceability.anchoring import load_or_create_signer

ORIGIN = "witnessed.cashew.test/ledger"
ADMIN = "witnessed-admin"
SETTLE_S = 20.0  # how long a test waits for a cosignature that must come (the witnesses answer in ms)


@dataclass
class LogServer:
    url: str
    db: Path

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN}"}

    def checkpoint(self, cosigned: int | None = None) -> httpx.Response:
        params = {} if cosigned is None else {"cosigned": cosigned}
        return httpx.get(f"{self.url}/ledger/checkpoint", params=params, timeout=10)

    def size(self) -> int:
        return verify_checkpoint(self.checkpoint().text, load_key_verifier(self.db.parent), ORIGIN).size


def load_key_verifier(folder: Path) -> Any:
    return load_or_create_signer(folder / "log.key", ORIGIN).verifier()


def policy(path: Path, witnesses: list[Served], quorum: int) -> Path:
    lines = [
        f"witness {CosignatureVerifier.from_vkey(w.vkey).name} {w.vkey} http://127.0.0.1:{w.port}" for w in witnesses
    ]
    path.write_text("\n".join(["# the test's witnesses", *lines, f"quorum {quorum}", ""]))
    return path


def log_server(stack: ExitStack, folder: Path, policy_file: Path, key_file: Path, workers: int = 1) -> LogServer:
    folder.mkdir(exist_ok=True)
    if key_file != folder / "log.key":
        (folder / "log.key").write_bytes(key_file.read_bytes())
        (folder / "log.key").chmod(0o600)
    port = free_port()
    env = dict(os.environ) | {
        "CASHEW_DATABASE_URL": f"sqlite:///{folder}/cashew.db",
        "CASHEW_LOG_KEY_FILE": str(folder / "log.key"),
        "CASHEW_LOG_ORIGIN": ORIGIN,
        "CASHEW_ADMIN_TOKEN": ADMIN,
        "CASHEW_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CASHEW_WITNESS_POLICY": str(policy_file),
    }
    args = [CASHEW, "serve", "--port", str(port), "--workers", str(workers)]
    url = stack.enter_context(live_server(args, port=port, env=env, cwd=ROOT, log=folder / "server.log", timeout=60))
    return LogServer(url, folder / "cashew.db")


def write(log: LogServer, n: int = 1) -> list[str]:
    """``n`` harvests by a new farmer (and its farm): the lots they created."""
    farmer = httpx.post(
        f"{log.url}/api/v1/parties", json={"name": "Nông dân", "role": "farmer"}, headers=log.admin(), timeout=10
    ).json()
    auth = {"Authorization": f"Bearer {farmer['api_key']}"}
    farm = httpx.post(f"{log.url}/api/v1/farms", json=farm_body(), headers=auth, timeout=10)
    assert farm.status_code == 201, farm.text
    lots = []
    for i in range(n):
        body = harvest_body(farm.json()["id"], quantity_kg=100 + i)
        harvest = httpx.post(f"{log.url}/api/v1/harvests", json=body, headers=auth, timeout=10)
        assert harvest.status_code == 201, harvest.text
        lots.append(harvest.json()["lot_id"])
    return lots


def cosigned_size(log: LogServer, count: int) -> int | None:
    answer = log.checkpoint(count)
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    return verify_checkpoint(answer.text, load_key_verifier(log.db.parent), ORIGIN).size


def until(condition: Any, what: str, timeout: float = SETTLE_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def verify(bundle_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cashew("verify", bundle_url, *args)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    load_or_create_signer(tmp_path / "log.key", ORIGIN)
    return tmp_path / "log.key"


@pytest.fixture
def witnesses(tmp_path: Path) -> list[Served]:
    return [make_witness(tmp_path, "w1"), make_witness(tmp_path, "w2")]


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def test_both_witnesses_cosign_and_the_bundle_proves_it(
    tmp_path: Path, key_file: Path, witnesses: list[Served], stack: ExitStack
) -> None:
    vkey = load_or_create_signer(key_file, ORIGIN).vkey
    for w in witnesses:
        stack.enter_context(serving(w, vkey, ORIGIN))
    log = log_server(stack, tmp_path, policy(tmp_path / "policy", witnesses, 2), key_file)
    [lot] = write(log)
    size = log.size()
    until(lambda: (cosigned_size(log, 2) or 0) >= size, "both cosignatures")
    note = log.checkpoint(2).text
    verifiers = [CosignatureVerifier.from_vkey(w.vkey) for w in witnesses]
    assert all(check.valid for check in verify_cosignatures(note, verifiers).values())
    assert verify_checkpoint(note, load_key_verifier(tmp_path), ORIGIN).size >= size  # the log's key alone

    bundle = f"{log.url}/api/v1/lots/{lot}/provenance"
    both = verify(bundle, "--witness", witnesses[0].vkey, "--witness", witnesses[1].vkey)
    assert both.returncode == 0, both.stdout + both.stderr
    assert both.stdout.count("cosigned at") == 2 and "w1.example" in both.stdout and "w2.example" in both.stdout
    stranger = CosignatureSigner.generate("stranger.example").vkey
    refused = verify(bundle, "--witness", witnesses[0].vkey, "--witness", stranger, "--quorum", "2")
    assert refused.returncode == 1, refused.stdout
    assert "stranger.example (missing" in refused.stdout and "INVALID" in refused.stdout
    accepted = verify(bundle, "--witness", witnesses[0].vkey, "--witness", stranger, "--quorum", "1")
    assert accepted.returncode == 0, accepted.stdout
    assert "stranger.example MISSING" in accepted.stdout
    usage = verify(bundle, "--witness", witnesses[0].vkey, "--quorum", "2")
    assert usage.returncode == 2 and "--quorum" in usage.stderr


def test_a_forked_log_never_gets_a_cosignature_while_the_honest_one_does(
    tmp_path: Path, key_file: Path, witnesses: list[Served], stack: ExitStack
) -> None:
    vkey = load_or_create_signer(key_file, ORIGIN).vkey
    processes = {w.vkey: stack.enter_context(serving(w, vkey, ORIGIN))[0] for w in witnesses}
    policy_file = policy(tmp_path / "policy", witnesses, 2)
    honest = log_server(stack, tmp_path / "honest", policy_file, key_file)
    write(honest, 2)
    until(lambda: (cosigned_size(honest, 2) or 0) >= honest.size(), "the honest log's cosignatures")
    fork = log_server(stack, tmp_path / "fork", policy_file, key_file)  # the same key and origin, another database
    write(fork, 5)  # a longer history of its own
    write(honest, 1)
    until(lambda: (cosigned_size(honest, 2) or 0) >= honest.size(), "the honest log cosigned again")
    time.sleep(1.0)  # the fork's cosigner has asked, and asked again
    assert cosigned_size(fork, 1) is None

    # A witness killed without a word and restarted on its state keeps refusing the fork.
    first = witnesses[0]
    os.killpg(processes[first.vkey].pid, signal.SIGKILL)
    processes[first.vkey].wait()
    with serving(first, vkey, ORIGIN):
        write(fork, 1)
        write(honest, 1)
        until(lambda: (cosigned_size(honest, 2) or 0) >= honest.size(), "the honest log cosigned after the restart")
        time.sleep(1.0)
        assert cosigned_size(fork, 1) is None


def test_writes_flow_while_a_witness_is_down_and_its_cosignature_catches_up(
    tmp_path: Path, key_file: Path, witnesses: list[Served], stack: ExitStack
) -> None:
    vkey = load_or_create_signer(key_file, ORIGIN).vkey
    up = stack.enter_context(serving(witnesses[0], vkey, ORIGIN))
    log = log_server(stack, tmp_path, policy(tmp_path / "policy", witnesses, 2), key_file)  # the second is down
    lots = write(log, 5)
    size = log.size()
    until(lambda: (cosigned_size(log, 1) or 0) >= size, "the first witness's cosignature")
    assert cosigned_size(log, 2) is None
    # The bundle waits a little for its quorum, then comes against the latest checkpoint, one cosignature short.
    bundle = f"{log.url}/api/v1/lots/{lots[-1]}/provenance"
    short = verify(bundle, "--witness", witnesses[0].vkey, "--witness", witnesses[1].vkey)
    assert short.returncode == 1 and "w2.example (missing" in short.stdout, short.stdout
    assert up[0].poll() is None
    with serving(witnesses[1], vkey, ORIGIN):
        until(lambda: (cosigned_size(log, 2) or 0) >= size, "the second witness catching up")
        assert verify(bundle, "--witness", witnesses[0].vkey, "--witness", witnesses[1].vkey).returncode == 0


def test_the_log_learns_a_witness_size_from_409(
    tmp_path: Path, key_file: Path, witnesses: list[Served], stack: ExitStack
) -> None:
    """The log forgets what it stored (its cosignatures deleted while it was down): the witness says its
    size with a 409, and the log proves consistency from there."""
    vkey = load_or_create_signer(key_file, ORIGIN).vkey
    stack.enter_context(serving(witnesses[0], vkey, ORIGIN))
    policy_file = policy(tmp_path / "policy", witnesses[:1], 1)
    with ExitStack() as first_run:
        log = log_server(first_run, tmp_path, policy_file, key_file)
        write(log, 2)
        until(lambda: (cosigned_size(log, 1) or 0) >= log.size(), "a cosignature")
    with sqlite3.connect(log.db) as conn:
        conn.execute("DELETE FROM ledger_cosignature")
    log = log_server(stack, tmp_path, policy_file, key_file)
    write(log, 1)
    until(lambda: (cosigned_size(log, 1) or 0) >= log.size(), "a cosignature from the size the witness told")
