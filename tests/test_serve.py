"""``cashew serve`` turns Nagle's algorithm off on every connection it accepts, with one worker or several.

Without ``TCP_NODELAY`` an answer written in two pieces (headers, then body) waits, on a
keep-alive connection, for the client's delayed ACK: 40 ms on Linux for every request after
the first. uvicorn up to 0.54 lost the option whenever its worker supervisor bound the
socket (``--workers 2``), see docs/decisions.md. The test reads the option on the server's
end of a live connection: it finds that socket through ``/proc`` and copies it out of the
worker with ``pidfd_getfd`` (Linux 5.6+, and the right to trace the server, which a parent
has over its children), so it needs no timing.
"""

import ctypes
import errno
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.live import free_port, live_server

CASHEW = str(Path(sys.executable).parent / "cashew")
SYS_PIDFD_OPEN, SYS_PIDFD_GETFD = 434, 438  # the same numbers on x86-64 and arm64

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the server's socket through /proc (Linux)")


def server_end_inode(client: socket.socket) -> int:
    """The inode of the server's socket of ``client``'s connection (IPv4 loopback), from /proc/net/tcp."""
    host, port = client.getsockname()
    server_host, server_port = client.getpeername()
    assert host == server_host == "127.0.0.1"
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return int(fields[9])
    raise AssertionError(f"no server end of {host}:{port} in /proc/net/tcp")


def holders(inode: int) -> Iterator[tuple[int, int]]:
    """(pid, fd) of every process holding the socket ``inode``."""
    target = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    yield int(pid), int(fd)
            except OSError:
                continue


def nodelay_of(pid: int, fd: int) -> int:
    """TCP_NODELAY of another process's socket, read from a copy of it (pidfd_getfd)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        pytest.skip(f"pidfd_open: {os.strerror(ctypes.get_errno())}")
    try:
        copy = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if copy < 0:
            code = ctypes.get_errno()
            if code in (errno.EPERM, errno.ENOSYS, errno.EACCES):
                pytest.skip(f"pidfd_getfd: {os.strerror(code)} (needs Linux 5.6+ and the right to trace the server)")
            raise OSError(code, os.strerror(code))
    finally:
        os.close(pidfd)
    with socket.socket(fileno=copy) as sock:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def read_answer(client: socket.socket) -> bytes:
    """One whole HTTP/1.1 answer with a Content-Length (so the next one starts clean); its head."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += client.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += client.recv(65536)
    assert len(body) == length, "an answer longer than its Content-Length"
    return head


@pytest.mark.parametrize("workers", [1, 2])
def test_every_accepted_connection_has_tcp_nodelay(tmp_path: Path, workers: int) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CASHEW_DATABASE_URL": f"sqlite:///{tmp_path}/cashew.db",
        "CASHEW_LOG_KEY_FILE": str(tmp_path / "log.key"),
    }
    args = [CASHEW, "serve", "--port", str(port), "--workers", str(workers)]
    with (
        live_server(args, port=port, env=env, cwd=ROOT, log=tmp_path / "server.log", timeout=60),
        socket.create_connection(("127.0.0.1", port), timeout=10) as client,
    ):
        for _ in range(2):  # two requests on one keep-alive connection
            client.sendall(b"GET /ledger/checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            head = read_answer(client)
            assert head.startswith(b"HTTP/1.1 200"), head[:200]
        found = list(holders(server_end_inode(client)))
        assert found, "no process holds the server's end of the connection"
        assert {nodelay_of(pid, fd) for pid, fd in found} == {1}
