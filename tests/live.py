"""A real server in a subprocess, for tests that talk to the API as a separate program would."""

import socket
import subprocess
import time
from collections.abc import Container, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(
    proc: subprocess.Popen[bytes],
    url: str,
    log: Path,
    timeout: float = 30,
    *,
    probe: str = "/ledger/checkpoint",
    accept: Container[int] = (200,),
) -> None:
    """Wait until ``GET probe`` on the server at ``url`` answers a status in ``accept``.

    Fails the test if the server exits or takes longer than ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}{probe}", timeout=1).status_code in accept:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not start within {timeout} s: {log.read_text()[-2000:]}")
        time.sleep(0.1)


@contextmanager
def live_process(
    args: list[str],
    *,
    port: int,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    timeout: float = 30,
    probe: str = "/ledger/checkpoint",
    accept: Container[int] = (200,),
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start ``args`` (a server listening on ``port``), wait until it answers, yield it and its base URL, stop it.

    The server answers when ``GET probe`` gets a status in ``accept``.
    """
    url = f"http://127.0.0.1:{port}"
    with open(log, "a") as out:
        # A session of its own: a test may kill the server with all its worker processes (os.killpg).
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_serving(proc, url, log, timeout, probe=probe, accept=accept)
            yield proc, url
        finally:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def live_server(
    args: list[str], *, port: int, env: dict[str, str], cwd: Path, log: Path, timeout: float = 30
) -> Iterator[str]:
    """Start ``args`` (a server listening on ``port``), wait until it answers, yield its base URL, stop it."""
    with live_process(args, port=port, env=env, cwd=cwd, log=log, timeout=timeout) as (_proc, url):
        yield url
