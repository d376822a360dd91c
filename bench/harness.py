"""The one harness every benchmark of ``bench/`` runs on.

- **Options** every script takes (``--quick``, ``--json``), and the way a script is run:
  ``python -m bench.NAME`` drives; the same module run with ``--worker '<task>'`` measures
  one thing in a fresh Python process (its own peak RSS, cold caches) and prints its result
  as one JSON line (``in_process``).
- **Timing**: ``now``, ``stats_ms``, ``percentile`` (nearest rank), ``best``, ``interleaved``.
- **The machine**: ``machine``, ``fsync_ms``, ``evict`` (drop a file from the page cache),
  ``peak_rss_mb``.
- **Result files** under ``bench/results/`` (``save``) and scratch directories (``scratch``).
- **Servers and load**: ``Server`` starts ``cashew serve`` or any ASGI app under a given server
  on a free port and waits until it answers; ``load`` runs ``wrk`` against it and reads
  requests/s and latency percentiles from wrk's Lua ``done`` hook.

Only the standard library is imported here, so that a worker's peak RSS holds only what
it imports itself.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
now = time.perf_counter

Task = dict[str, Any]
Worker = Callable[[Task], dict[str, Any]]


# -- running a benchmark --------------------------------------------------------------------------
def options(name: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes; the script adds its own."""
    parser = argparse.ArgumentParser(
        prog=f"python -m bench.{name}",
        description=(doc or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and counts: a smoke run")
    parser.add_argument(
        "--json",
        type=Path,
        default=RESULTS / f"{name}.json",
        help=f"where the results go (default bench/results/{name}.json)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser


def run(
    parser: argparse.ArgumentParser, drive: Callable[[argparse.Namespace], None], workers: Mapping[str, Worker]
) -> None:
    """Parse the command line; measure one worker's task (``--worker``) or drive the whole benchmark."""
    args = parser.parse_args()
    if args.worker:
        task = json.loads(args.worker)
        print(json.dumps(workers[task["worker"]](task)))
        return
    drive(args)


def in_process(name: str, task: Task, label: str = "") -> dict[str, Any]:
    """Run ``task["worker"]`` of ``bench.NAME`` in a new Python process; its JSON result, plus the
    process's wall time (``process_s``) and peak resident set (``process_peak_rss_mb``, from wait4)."""
    started = now()
    proc = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}", "--worker", json.dumps(task)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"worker {task['worker']} {label} failed ({proc.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["process_s"] = now() - started
    result["process_peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    print(f"  {task['worker']:<16} {label:>18} {result['process_s']:8.1f} s", file=sys.stderr, flush=True)
    return result


def save(results: dict[str, Any], path: Path, report: Callable[[dict[str, Any]], str], started: float) -> None:
    """Write the JSON results, print their Markdown report, and say where the JSON went."""
    results["elapsed_s"] = time.time() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(report(results))
    print(f"\n(JSON: {os.path.relpath(path, ROOT)}; {results['elapsed_s']:.0f} s)", file=sys.stderr)


def command_line() -> str:
    """How this benchmark was started, as one would type it from the project root."""
    module = Path(sys.argv[0]).stem
    return " ".join([f".venv/bin/python -m bench.{module}", *sys.argv[1:]])


@contextmanager
def scratch(prefix: str, *, keep: bool = False, where: str | None = None) -> Iterator[Path]:
    """A fresh directory (under ``$BENCH_TMP`` if set), removed afterwards unless ``keep``."""
    path = (
        Path(where)
        if where
        else Path(tempfile.mkdtemp(prefix=f"cashew-bench-{prefix}-", dir=os.environ.get("BENCH_TMP")))
    )
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        if not keep and not where:
            shutil.rmtree(path, ignore_errors=True)


# -- timing ---------------------------------------------------------------------------------------
def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile, ``p`` in [0, 1]. Requires a non-empty list."""
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))]


def stats_ms(samples: list[float]) -> dict[str, float]:
    """Count, median, p95, p99, mean and max of durations in seconds, as milliseconds."""
    s = sorted(samples)
    return {
        "n": len(s),
        "median_ms": percentile(s, 0.5) * 1e3,
        "p95_ms": percentile(s, 0.95) * 1e3,
        "p99_ms": percentile(s, 0.99) * 1e3,
        "mean_ms": sum(s) / len(s) * 1e3,
        "max_ms": s[-1] * 1e3,
    }


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest of ``repeat`` runs (seconds), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = now()
        result = work()
        times.append(now() - started)
    return min(times), result


def interleaved(repeat: int, works: dict[str, Callable[[], Any]]) -> dict[str, list[float]]:
    """Every work timed ``repeat`` times, taking turns, so a busy moment falls on all of them."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repeat):
        for name, work in works.items():
            started = now()
            work()
            times[name].append(now() - started)
    return times


# -- the machine ----------------------------------------------------------------------------------
def _status(pid: int | str, key: str) -> float:
    """A ``/proc/PID/status`` memory line (VmHWM, VmRSS) in MiB; NaN when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set of this process (VmHWM), MiB."""
    value = _status("self", "VmHWM")
    return value if not math.isnan(value) else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    return _status("self", "VmRSS")


def machine(*libraries: str) -> dict[str, Any]:
    """CPU, memory, OS, Python, SQLite and the versions of ``libraries`` (distribution names)."""
    cpu = "unknown"
    with suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    versions: dict[str, str | None] = {}
    for name in libraries:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "libraries": versions,
    }


def machine_line(results: Mapping[str, Any]) -> str:
    """The machine and the load average before and after a run, as a report's first line."""
    m = results["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    return (
        f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}; {libs}. Load average (1 min) at the start {results['load_average'][0]:.2f}, "
        f"at the end {results['load_average_after'][0]:.2f}."
    )


def fsync_ms(directory: Path | str) -> float:
    """Median of 200 write(4 KiB) + fsync on the benchmark's disk (what a durable commit waits for)."""
    path = os.path.join(directory, "fsync.probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    samples = []
    try:
        for _ in range(200):
            t = now()
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
            samples.append(now() - t)
    finally:
        os.close(fd)
        os.unlink(path)
    return stats_ms(samples)["median_ms"]


def evict(path: Path | str) -> bool:
    """Drop a database's pages (and its -wal, -shm) from the OS page cache (posix_fadvise DONTNEED,
    no privileges needed): a new process then really reads the disk."""
    done = False
    for p in (str(path), f"{path}-wal", f"{path}-shm"):
        if os.path.exists(p) and hasattr(os, "posix_fadvise"):
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                done = True
            finally:
                os.close(fd)
    return done


def file_mb(path: Path | str) -> float:
    """Size of a SQLite database with its WAL, MiB."""
    return sum(os.path.getsize(p) for p in (str(path), f"{path}-wal") if os.path.exists(p)) / 2**20


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{path}"


def power_of_ten(n: int) -> str:
    """``10^5`` for 100000; other numbers with thousands separators (report tables)."""
    exp = math.log10(n) if n > 0 else 0.5
    return f"10^{int(exp)}" if exp.is_integer() else f"{n:,}"


# -- servers --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_SERVE_APP = (
    "import sys; from cli.serving import serve_app; "
    "serve_app(sys.argv[1], port=int(sys.argv[2]), workers=int(sys.argv[3]), factory=bool(sys.argv[4]))"
)

# How each serving stack runs an ASGI application ``module:attribute`` (a factory when ``factory``).
STACKS: dict[str, Callable[[str, bool, int, int], list[str]]] = {
    "uvicorn (h11, asyncio)": lambda app, factory, port, workers: [
        *(str(BIN / "uvicorn"), app, "--http", "h11", "--loop", "asyncio"),
        *(["--factory"] if factory else []),
        *("--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"),
    ],
    "uvicorn (httptools, uvloop)": lambda app, factory, port, workers: [
        *(str(BIN / "uvicorn"), app, "--http", "httptools", "--loop", "uvloop"),
        *(["--factory"] if factory else []),
        *("--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"),
    ],
    "granian (ASGI)": lambda app, factory, port, workers: [
        *(str(BIN / "granian"), "--interface", "asgi", app),
        *(["--factory"] if factory else []),
        *("--port", str(port), "--workers", str(workers), "--no-ws", "--log-level", "warning"),
    ],
    # What `cashew serve` runs (cli/serving.py), for any application.
    "cashew serve": lambda app, factory, port, workers: [
        *(sys.executable, "-c", _SERVE_APP, app, str(port), str(workers), "1" if factory else ""),
    ],
}


class Server:
    """A server process on a free port of 127.0.0.1, ready when ``ready_path`` answers a status in
    ``ready`` (200 unless told).

    ``with Server(...) as server:`` starts it (in its own session, so that stopping it stops its
    workers too), yields it with ``url`` set, and stops it; ``peak_rss_mb()`` reads the peak
    resident set of each of its processes while it runs, ``cpu_s()`` the CPU time they used.
    """

    def __init__(
        self,
        command: Callable[[int], list[str]],
        *,
        env: dict[str, str],
        ready_path: str,
        log: Path,
        timeout: float = 120,
        ready: tuple[int, ...] = (200,),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = command(self.port)
        self.env = {**os.environ, **env}
        self.ready_path, self.log, self.timeout, self.ready = ready_path, log, timeout, ready
        self.proc: subprocess.Popen[bytes] | None = None
        self.memory: dict[str, float] = {}

    @classmethod
    def cashew(cls, *, env: dict[str, str], workers: int, log: Path) -> Server:
        """``cashew serve`` as a user starts it (migrations first, then the server it runs)."""
        return cls(
            lambda port: [str(BIN / "cashew"), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            ready_path="/ledger/checkpoint",
            log=log,
        )

    @classmethod
    def asgi(cls, app: str, *, stack: str, workers: int, env: dict[str, str], ready_path: str, log: Path) -> Server:
        """The ASGI application factory ``module:function`` under one of ``STACKS``."""
        build = STACKS[stack]
        return cls(lambda port: build(app, True, port, workers), env=env, ready_path=ready_path, log=log)

    def __enter__(self) -> Server:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        deadline = time.monotonic() + self.timeout
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{' '.join(self.args[:3])} exited: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as answer:
                    if answer.status in self.ready:
                        return self
            except urllib.error.HTTPError as exc:
                if exc.code in self.ready:
                    return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit(f"the server did not answer within {self.timeout} s: {self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def processes(self) -> list[int]:
        """The server's process and all its descendants."""
        assert self.proc is not None
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with suppress(OSError):
                    todo += [int(c) for c in task.read_text().split()]
        return found

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak RSS (VmHWM) of the server's processes so far: the largest one, and their sum."""
        peaks = [p for p in (_status(pid, "VmHWM") for pid in self.processes()) if not math.isnan(p)]
        self.memory = {"max_process_mb": max(peaks, default=0.0), "sum_mb": sum(peaks), "processes": len(peaks)}
        return self.memory

    def cpu_s(self) -> float:
        """User and system CPU seconds the server's running processes have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.processes():
            with suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15)
        return total

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.peak_rss_mb()
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


# -- load -----------------------------------------------------------------------------------------
WRK = "wrk"  # Debian package `wrk` (apt-get install wrk); see bench/README.md

# wrk's Lua hooks: every thread gets a number (``thread_id``, for unique keys), and ``done``
# prints the summary and the latency percentiles as one JSON line that ``load`` reads.
_LUA_HOOKS = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end
function done(summary, latency, requests)
  local e = summary.errors
  local p = {}
  for _, q in ipairs({50, 90, 99, 99.9}) do p[#p + 1] = string.format('"%s": %d', q, latency:percentile(q)) end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "mean_us": %f, "max_us": %d, "percentiles_us": {%s}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, table.concat(p, ", ")))
end
"""


@dataclass
class Load:
    """What one wrk run measured. ``non_2xx`` counts answers with a status ≥ 400 (wrk's count);
    ``socket_errors`` connect, read and write errors and requests over the timeout."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    non_2xx: int
    socket_errors: int
    connections: int
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return asdict(self)


def load(
    url: str,
    *,
    connections: int,
    duration: float,
    method: str = "GET",
    body: str | None = None,
    headers: dict[str, str] | None = None,
    script: str = "",
    threads: int = 2,
    timeout: float = 30,
    lua_file: Path | None = None,
) -> Load:
    """Run wrk against ``url`` for ``duration`` seconds over ``connections`` keep-alive connections.

    ``script`` is Lua added before the harness's hooks: a ``request`` function there builds each
    request (it may use the global ``thread_id``); otherwise every request is ``method`` with
    ``body`` and ``headers``. Requests slower than ``timeout`` seconds count as socket errors.
    """
    if shutil.which(WRK) is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (see bench/README.md)")
    fixed = [f"wrk.method = {json.dumps(method)}"]
    if body is not None:
        fixed.append(f"wrk.body = {_lua_string(body)}")
    for name, value in (headers or {}).items():
        fixed.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    lua = "\n".join([*fixed, script, _LUA_HOOKS])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    if lua_file is not None:
        shutil.copyfile(f.name, lua_file)
    try:
        out = subprocess.run(
            [
                *(
                    WRK,
                    "-t",
                    str(min(threads, connections)),
                    "-c",
                    str(connections),
                    "-d",
                    f"{max(1, round(duration))}s",
                ),
                *("--timeout", f"{timeout}s", "-s", f.name, url),
            ],
            capture_output=True,
            text=True,
            timeout=duration + timeout + 60,
        )
    finally:
        os.unlink(f.name)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    r = json.loads(line.removeprefix("WRK_JSON "))
    seconds = r["duration_us"] / 1e6
    p = r["percentiles_us"]
    return Load(
        requests=r["requests"],
        seconds=seconds,
        requests_per_s=r["requests"] / seconds,
        p50_ms=p["50"] / 1e3,
        p90_ms=p["90"] / 1e3,
        p99_ms=p["99"] / 1e3,
        max_ms=r["max_us"] / 1e3,
        mean_ms=r["mean_us"] / 1e3,
        non_2xx=r["status"],
        socket_errors=r["connect"] + r["read"] + r["write"] + r["timeout"],
        connections=connections,
    )


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Of several loads of the same thing (``Load.row()``s), the one with the median requests/s (the
    lower middle), so that its percentiles belong together; with the spread of requests/s over all."""
    ranked = sorted(runs, key=lambda r: r["requests_per_s"])
    middle = ranked[(len(ranked) - 1) // 2]
    return {
        **middle,
        "runs": len(ranked),
        "rps_min": ranked[0]["requests_per_s"],
        "rps_max": ranked[-1]["requests_per_s"],
    }


def _lua_string(text: str) -> str:
    """A Lua long-bracket string literal holding ``text`` exactly."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def lua_table(rows: list[list[str]]) -> str:
    """A Lua table of string tuples, e.g. prepared request bodies and keys."""
    return "{" + ",\n".join("{" + ", ".join(_lua_string(c) for c in row) + "}" for row in rows) + "}"
