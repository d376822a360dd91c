"""Witnesses as separate programs: ``cashew witness key`` and ``cashew witness serve`` processes."""

import os
import subprocess
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from ledger.witness import origin_hash
from tests.conftest import ROOT
from tests.live import free_port, live_process

CASHEW = str(Path(sys.executable).parent / "cashew")


def run_cashew(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASHEW, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


@dataclass
class Served:
    vkey: str
    key_file: Path
    db: Path
    port: int
    log: Path

    def args(self, log_vkey: str) -> list[str]:
        return [CASHEW, "witness", "serve", "--key", str(self.key_file), "--db", str(self.db)] + [
            "--log",
            log_vkey,
            "--port",
            str(self.port),
        ]


def make_witness(tmp_path: Path, name: str) -> Served:
    key_file = tmp_path / f"{name}.key"
    result = run_cashew("witness", "key", "--name", f"{name}.example", "--out", str(key_file))
    assert result.returncode == 0, result.stderr
    return Served(result.stdout.strip(), key_file, tmp_path / f"{name}.db", free_port(), tmp_path / f"{name}.log")


def serving(served: Served, log_vkey: str, origin: str) -> AbstractContextManager[tuple[subprocess.Popen[bytes], str]]:
    """``cashew witness serve`` for the one log (``origin``), ready once it answers its monitoring URL."""
    return live_process(
        served.args(log_vkey),
        port=served.port,
        env=dict(os.environ),
        cwd=ROOT,
        log=served.log,
        probe=f"/{origin_hash(origin)}/checkpoint",
        accept=(200, 404),
    )
