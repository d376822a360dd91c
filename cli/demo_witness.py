"""The demo's witness (``cashew serve --demo-witness``, what ``make run`` starts): the Department's.

A ``cashew witness serve`` process beside the server, its key and state under the data folder
(``witness.key``, ``witness.db``, kept across runs), and a policy file naming it with quorum 1,
which the server's workers read from ``CASHEW_WITNESS_POLICY``. It stops with the server.
"""

import atexit
import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ledger.cosignature import CosignatureSigner
from traceability.anchoring import load_or_create_signer
from traceability.settings import Settings

from .witness import write_key

NAME = "witness.sonnmt.dongnai.gov.vn"  # the Department of Agriculture and Environment of Đồng Nai
STARTUP_S = 30.0
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class DemoWitness:
    vkey: str
    url: str
    policy: Path


def start(settings: Settings, port: int) -> DemoWitness:
    """Start the witness (creating its key on the first run) and write the policy that names it."""
    folder = settings.log_key_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    key_file, db, policy = folder / "witness.key", folder / "witness.db", folder / "witness-policy"
    if not key_file.exists():
        write_key(CosignatureSigner.generate(NAME), key_file)
    signer = CosignatureSigner.from_skey(key_file.read_text().strip())
    log_vkey = load_or_create_signer(settings.log_key_file, settings.log_origin).vkey
    url = f"http://127.0.0.1:{port}"
    args = ["witness", "serve", "--key", str(key_file), "--db", str(db), "--log", log_vkey, "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", *args], stdout=subprocess.DEVNULL, stderr=sys.stderr, preexec_fn=_die_with_parent
    )
    atexit.register(_stop, proc)
    _wait(proc, url)
    policy.write_text(
        f"# the demo's witness (cashew serve --demo-witness)\nwitness {NAME} {signer.vkey} {url}\nquorum 1\n"
    )
    return DemoWitness(signer.vkey, url, policy)


def _die_with_parent() -> None:
    """In the child, before it runs: Linux sends it SIGTERM when the server dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the demo witness stopped at start (exit {proc.returncode})")
        try:
            httpx.get(f"{url}/{'0' * 64}/checkpoint", timeout=1.0)  # 404: it answers
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"the demo witness did not answer on {url} within {STARTUP_S:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
