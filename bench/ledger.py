"""Ledger benchmark: our SQL Merkle log against pymerkle 7 ``SqliteTree``, same run, same disk.

Run from the project root::

    .venv/bin/python -m bench.ledger                      # sizes 10^4, 10^5, 10^6 (~2–3 min); = make bench
    .venv/bin/python -m bench.ledger --quick              # smoke run (seconds)
    .venv/bin/python -m bench.ledger --sizes 100000,1000000,10000000

What it measures (SPEC §5.3 and §10), each on a SQLite *file* in a fresh
temporary directory; our schema comes from ``traceability.migrate.upgrade``
and our engine from ``traceability.db.make_engine`` (WAL, synchronous=FULL):

1. durable single-entry appends, one transaction each, as an API write does
   (ours with and without signing a checkpoint per append; pymerkle's
   ``append_entry``, also with its connection switched to WAL for reference);
2. bulk appends of 10,000-leaf transactions up to each size (ours: ``SqlLog.append``;
   pymerkle: ``append_entries``), then one proof at once;
3. inclusion and consistency proofs at random positions against the whole
   tree, from a freshly started process (new engine / new ``SqliteTree``):
   time to open, first call, median and p99;
4. peak RSS of every one of those processes (each size runs in its own
   processes, so the figures are per size).

Every proof we time is verified afterwards with ``ledger.verify``; our root at
each size must equal pymerkle's ``get_root``, and our first inclusion proofs
must equal pymerkle's paths (the script aborts otherwise).

Prints a Markdown report and writes ``bench/results/ledger.json``. Each measurement
is a worker of this module run in its own process by ``bench.harness.in_process``.
Only the standard library is imported at module level so that the pymerkle workers'
RSS does not include SQLAlchemy.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any, ClassVar

from bench.harness import (
    command_line,
    evict,
    fsync_ms,
    in_process,
    machine,
    options,
    peak_rss_mb,
    rss_mb,
    run,
    save,
    scratch,
    sqlite_url,
    stats_ms,
)
from bench.harness import power_of_ten as _n

BATCH = 10_000
SEED = 9162
ORIGIN = "bench.cashew.example/ledger"
now = time.perf_counter


# -- leaves ---------------------------------------------------------------------------------------
_ALPHA = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code(raw: bytes, n: int = 10) -> str:
    v = int.from_bytes(raw, "big")
    return "".join(_ALPHA[(v >> (5 * k)) & 31] for k in range(n))


def entry(i: int) -> dict[str, Any]:
    """A realistic SPEC §5.2 entry, a pure function of ``i`` (same leaves for both logs)."""
    h = hashlib.sha256(b"cashew-bench:%d" % i).digest()
    nonce = base64.urlsafe_b64encode(h[:16]).rstrip(b"=").decode()
    by, lot, farm = "PARTY-" + _code(h[16:23]), "LOT-" + _code(h[20:27]), "FARM-" + _code(h[24:31])
    day = f"2026-{1 + h[0] % 12:02d}-{1 + h[1] % 28:02d}"
    at = f"{day}T{h[2] % 24:02d}:{h[3] % 60:02d}:{h[4] % 60:02d}Z"
    grams = 1000 + int.from_bytes(h[5:8], "big") * 7
    kind = i % 10
    if kind < 6:
        etype, rid = "harvest", "HARVEST-" + _code(h[8:15])
        data = {
            "farm_id": farm,
            "lot_id": lot,
            "quantity_g": grams,
            "harvested_on": day,
            "moisture_pct": f"{8 + h[9] % 4}.{h[10] % 100:02d}",
            "plot_id": "PLOT-" + _code(h[11:18]),
        }
    elif kind < 8:
        etype, rid = "dispatch", "TRANSFER-" + _code(h[8:15])
        data = {
            "transfer_id": rid,
            "lot_id": lot,
            "from": by,
            "to": "PARTY-" + _code(h[12:19]),
            "quantity_g": grams,
            "vehicle": f"61C-{h[13] * 7 % 1000:03d}.{h[14] % 100:02d}",
        }
    elif kind < 9:
        etype, rid = "receipt", "TRANSFER-" + _code(h[8:15])
        data = {"transfer_id": rid, "lot_id": lot, "received_g": grams - h[11], "note": "weighed at gate"}
    else:
        etype, rid = "quality_test", "QTEST-" + _code(h[8:15])
        data = {
            "lot_id": lot,
            "outturn_lbs": f"{44 + h[9] % 10}.{h[10] % 100:02d}",
            "nut_count_per_kg": 160 + h[11] % 60,
            "moisture_pct": f"{8 + h[12] % 4}.{h[13] % 100:02d}",
            "defective_pct": f"{h[14] % 9}.{h[15] % 100:02d}",
        }
    return {"v": 1, "type": etype, "id": rid, "at": at, "by": by, "data": data, "nonce": nonce}


def leaf(i: int) -> tuple[bytes, tuple[str, str]]:
    """(leaf_data, (type, record_id)): JCS of ``entry(i)``.

    ``json.dumps`` with sorted keys and no spaces is RFC 8785 for entries like
    these (ASCII keys, strings and integers only); ``check_leaves`` asserts it
    against the ``rfc8785`` library on a sample.
    """
    e = entry(i)
    data = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return data, (e["type"], e["id"])


def leaves(start: int, end: int) -> tuple[list[bytes], list[tuple[str, str]]]:
    pairs = [leaf(i) for i in range(start, end)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def check_leaves() -> float:
    from ledger.entry import canonical_json

    sizes = []
    for i in range(0, 5000, 7):
        data, _ = leaf(i)
        assert data == canonical_json(entry(i)), f"leaf {i} is not JCS"
        sizes.append(len(data))
    return sum(sizes) / len(sizes)


# -- measuring helpers ----------------------------------------------------------------------------
def dir_size_mb(*paths: str) -> float:
    return sum(os.path.getsize(p) for p in paths if os.path.exists(p)) / 2**20


def proof_positions(size: int, count: int, kind: str) -> list[int]:
    """Random leaf indices (inclusion) or first sizes (consistency); the same list for both logs."""
    rng = random.Random(f"{SEED}:{kind}:{size}")
    if kind == "inclusion":
        return [rng.randrange(size) for _ in range(count)]
    return [rng.randrange(1, size) for _ in range(count)]


def digest_paths(paths: list[list[bytes]]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(len(path).to_bytes(2, "big"))
        for node in path:
            h.update(node)
    return h.hexdigest()


# -- workers: ours --------------------------------------------------------------------------------
def _our_engine(path: str, fresh: bool) -> Any:
    from sqlalchemy import pool

    from traceability.db import make_engine

    if fresh:
        from traceability.migrate import upgrade

        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        upgrade(sqlite_url(path))
    return make_engine(sqlite_url(path), poolclass=pool.QueuePool)


def _signer() -> Any:
    from ledger.checkpoint import Signer

    return Signer.from_seed(ORIGIN, hashlib.sha256(b"bench signer").digest())


def w_appends(task: dict[str, Any]) -> dict[str, Any]:
    """Durable single-entry appends, one transaction each; variants interleaved by rounds."""
    from datetime import UTC, datetime

    from pymerkle import SqliteTree

    from traceability.anchoring.store import SqlLog
    from traceability.db import open_session

    d, n, rounds = task["dir"], task["n"], task["rounds"]
    signer = _signer()
    ours = _our_engine(f"{d}/appends-ours.db", fresh=True)
    ours_signed = _our_engine(f"{d}/appends-ours-signed.db", fresh=True)
    pym = SqliteTree(f"{d}/appends-pymerkle.db")
    pym_wal = SqliteTree(f"{d}/appends-pymerkle-wal.db")
    with pym_wal.con:
        pym_wal.con.execute("PRAGMA journal_mode=WAL")
        pym_wal.con.execute("PRAGMA synchronous=FULL")

    def mode(t: SqliteTree) -> tuple[Any, Any]:
        return t.con.execute("PRAGMA journal_mode").fetchone(), t.con.execute("PRAGMA synchronous").fetchone()

    pym_modes = {"pymerkle": mode(pym), "pymerkle_wal": mode(pym_wal)}

    def our_append(engine: Any, data: bytes, kind: tuple[str, str], sign: bool) -> None:
        session = open_session(engine, write=True)  # BEGIN IMMEDIATE, as every API write
        try:
            log = SqlLog(session.connection())
            log.append([data], [kind])
            if sign:
                log.sign(signer, datetime.now(UTC))
            session.commit()
        finally:
            session.close()

    variants: dict[str, Callable[[bytes, tuple[str, str]], object]] = {
        "ours": lambda data, kind: our_append(ours, data, kind, False),
        "ours_signed": lambda data, kind: our_append(ours_signed, data, kind, True),
        "pymerkle": lambda data, kind: pym.append_entry(data),
        "pymerkle_wal": lambda data, kind: pym_wal.append_entry(data),
    }
    warm = 10  # the first appends of each variant are not timed (compiled statements, first pages)
    data, kinds = leaves(0, n + warm)
    for fn in variants.values():
        for i in range(warm):
            fn(data[i], kinds[i])
    pos = {name: warm for name in variants}
    samples: dict[str, list[float]] = {name: [] for name in variants}
    per_round = math.ceil(n / rounds)
    for r in range(rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            fn = variants[name]
            for _ in range(per_round):
                i = pos[name]
                if i >= n + warm:
                    break
                t = now()
                fn(data[i], kinds[i])
                samples[name].append(now() - t)
                pos[name] += 1

    # correctness: the same n leaves give the same root everywhere; one checkpoint per signed append
    with ours.connect() as c:
        root = SqlLog(c).root()
    with ours_signed.connect() as c:
        log = SqlLog(c)
        assert log.root() == root and log.size() == n + warm
        assert log.checkpoint_count() == n + warm, log.checkpoint_count()
    assert pym.get_root(n + warm) == root and pym_wal.get_root(n + warm) == root, "root differs from pymerkle"
    out: dict[str, Any] = {"n": n, "rounds": rounds, "pymerkle_modes": pym_modes, "root": root.hex()}
    for name, s in samples.items():
        total = sum(s)
        out[name] = {"appends_per_s": len(s) / total, **stats_ms(s)}
    out["ratio_ours_vs_pymerkle"] = out["ours"]["appends_per_s"] / out["pymerkle"]["appends_per_s"]
    out["ratio_ours_signed_vs_pymerkle"] = out["ours_signed"]["appends_per_s"] / out["pymerkle"]["appends_per_s"]
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def w_grouped(task: dict[str, Any]) -> dict[str, Any]:
    """Durable appends as API writes make them: ``writers`` threads, each write its own
    ``unit_of_work`` adding one anchored record (the anchoring hook, the write group, one signed
    checkpoint per group), against pymerkle ``append_entry`` one by one, in the same process."""
    import threading

    from pymerkle import SqliteTree
    from sqlmodel import Field

    from traceability.anchoring import Anchored, SqlLog, anchoring_info
    from traceability.db import unit_of_work

    class BenchRecord(Anchored, table=True):
        __tablename__ = "bench_record"
        entry_type: ClassVar[str] = "bench"
        id: str = Field(primary_key=True, max_length=32)

        def entry_by(self) -> str:
            return "P-BENCH"

        def entry_data(self) -> dict[str, Any]:
            return {"n": self.id}

    d, n, writers = task["dir"], task["n"], task["writers"]
    signer = _signer()
    path = f"{d}/grouped-{writers}.db"
    engine = _our_engine(path, fresh=True)
    BenchRecord.metadata.tables["bench_record"].create(engine)
    latencies: list[float] = []

    def write(first: int) -> None:
        for i in range(first, n, writers):
            t = now()
            with unit_of_work(engine, info=anchoring_info(signer)) as session:
                session.add(BenchRecord(id=f"B{i}"))
            latencies.append(now() - t)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    t0 = now()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ours = n / (now() - t0)
    with engine.connect() as c:
        log = SqlLog(c)
        assert log.size() == n, log.size()
        checkpoints = log.checkpoint_count()
    pym = SqliteTree(f"{d}/grouped-pymerkle-{writers}.db")
    data, _kinds = leaves(0, n)
    t0 = now()
    for leaf_data in data:
        pym.append_entry(leaf_data)
    theirs = n / (now() - t0)
    return {
        "n": n,
        "writers": writers,
        "ours_appends_per_s": ours,
        "pymerkle_appends_per_s": theirs,
        "ratio": ours / theirs,
        "checkpoints": checkpoints,
        "writes_per_commit": n / checkpoints,
        **stats_ms(latencies),
        "peak_rss_mb": peak_rss_mb(),
    }


def w_load_ours(task: dict[str, Any]) -> dict[str, Any]:
    from ledger.tree import consistency_proof, inclusion_proof
    from traceability.anchoring.store import SqlLog
    from traceability.db import unit_of_work

    path, size, batch = task["path"], task["size"], task["batch"]
    engine = _our_engine(path, fresh=True)
    rss_start = rss_mb()
    busy = 0.0
    wall = now()
    rss_samples = []
    for start in range(0, size, batch):
        data, kinds = leaves(start, min(size, start + batch))
        t = now()
        with unit_of_work(engine) as session:
            SqlLog(session.connection()).append(data, kinds)
        busy += now() - t
        rss_samples.append((start + len(data), rss_mb()))
    wall = now() - wall
    # proofs are ready at once: one of each, on a new connection, straight after the last commit
    rng = random.Random(SEED)
    t = now()
    with engine.connect() as c:
        inc = inclusion_proof(SqlLog(c), rng.randrange(size), size)
    first_inclusion = now() - t
    t = now()
    with engine.connect() as c:
        con = consistency_proof(SqlLog(c), rng.randrange(1, size), size)
    first_consistency = now() - t
    engine.dispose()
    return {
        "size": size,
        "batch": batch,
        "append_s": busy,
        "wall_s": wall,
        "leaves_per_s": size / busy,
        "proof_after_load_ms": {"inclusion": first_inclusion * 1e3, "consistency": first_consistency * 1e3},
        "proof_lengths": [len(inc), len(con)],
        "db_mb": dir_size_mb(path, path + "-wal"),
        "rss_after_imports_mb": rss_start,
        "rss_during_load_mb": _rss_trace(rss_samples),
        "peak_rss_mb": peak_rss_mb(),
    }


def _rss_trace(samples: list[tuple[int, float]]) -> list[list[float]]:
    """Up to ~10 (leaves, RSS MiB) points of the load, the last one included."""
    step = max(1, len(samples) // 10)
    picked = samples[step - 1 :: step]
    if picked[-1] != samples[-1]:
        picked.append(samples[-1])
    return [[n, round(r, 1)] for n, r in picked]


def w_proofs_ours(task: dict[str, Any]) -> dict[str, Any]:
    """Open a new engine in a new process, then time proofs against the whole tree."""
    t0 = now()
    from sqlalchemy import pool  # noqa: F401

    from ledger.tree import consistency_proof, inclusion_proof
    from traceability.anchoring.store import SqlLog
    from traceability.db import make_engine  # noqa: F401

    imports = now() - t0
    path, size, count, kind = task["path"], task["size"], task["count"], task["kind"]
    positions = proof_positions(size, count, kind)
    prove = inclusion_proof if kind == "inclusion" else consistency_proof

    t = now()
    engine = _our_engine(path, fresh=False)
    conn = engine.connect()
    log = SqlLog(conn)
    open_s = now() - t
    samples, proofs = [], []
    for p in positions:
        t = now()
        proofs.append(prove(log, p, size))
        samples.append(now() - t)
    first_ms = samples[0] * 1e3
    # the same proofs again: caches now warm
    warm = []
    for p in positions:
        t = now()
        prove(log, p, size)
        warm.append(now() - t)
    conn.close()

    # once more, each in its own pooled connection and transaction (one API request's share)
    per_txn = []
    for p in positions:
        t = now()
        with engine.connect() as c:
            prove(SqlLog(c), p, size)
        per_txn.append(now() - t)

    # verify every timed proof, and hand the parent a digest to compare with pymerkle
    from ledger.hashing import leaf_hash
    from ledger.verify import verify_consistency, verify_inclusion

    with engine.connect() as c:
        log = SqlLog(c)
        root = log.root(size)
        assert log.size() == size
        for p, proof in zip(positions, proofs, strict=True):
            if kind == "inclusion":
                verify_inclusion(leaf_hash(log.leaf_data(p)), p, size, proof, root)
            else:
                verify_consistency(p, size, proof, log.root(p), root)
    engine.dispose()
    return {
        "size": size,
        "kind": kind,
        "count": count,
        "imports_s": imports,
        "open_ms": open_s * 1e3,
        "first_ms": first_ms,
        **stats_ms(samples),
        "warm": stats_ms(warm),
        "per_transaction": stats_ms(per_txn),
        "root": root.hex(),
        "digest_first": digest_paths(proofs[: task["compare"]]),
        "peak_rss_mb": peak_rss_mb(),
    }


def w_appends_at_size(task: dict[str, Any]) -> dict[str, Any]:
    """Durable single appends (+ a signed checkpoint each) on top of the n-leaf stores: flat in n?"""
    from datetime import UTC, datetime

    from pymerkle import SqliteTree

    from traceability.anchoring.store import SqlLog
    from traceability.db import open_session

    size, count = task["size"], task["count"]
    signer = _signer()
    engine = _our_engine(task["path"], fresh=False)
    pym = SqliteTree(task["pym_path"])
    data, kinds = leaves(size, size + count)
    ours: list[float] = []
    signed: list[float] = []
    theirs: list[float] = []
    for i in range(count):
        t = now()
        session = open_session(engine, write=True)
        log = SqlLog(session.connection())
        log.append([data[i]], [kinds[i]])
        if i % 2:
            log.sign(signer, datetime.now(UTC))
        session.commit()
        (signed if i % 2 else ours).append(now() - t)
        session.close()
        t = now()
        pym.append_entry(data[i])
        theirs.append(now() - t)
    with engine.connect() as c:
        root = SqlLog(c).root()
    assert root == pym.get_root(size + count), "root differs from pymerkle after the appends"
    pym.close()
    engine.dispose()
    return {
        "size": size,
        "count": count,
        "ours": stats_ms(ours[1:]),
        "ours_signed": stats_ms(signed[1:]),
        "pymerkle": stats_ms(theirs[1:]),
        "peak_rss_mb": peak_rss_mb(),
    }


# -- workers: pymerkle ----------------------------------------------------------------------------
def w_load_pymerkle(task: dict[str, Any]) -> dict[str, Any]:
    from pymerkle import SqliteTree

    path, size, batch = task["path"], task["size"], task["batch"]
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    tree = SqliteTree(path)
    rss_start = rss_mb()
    busy = 0.0
    wall = now()
    rss_samples = []
    for start in range(0, size, batch):
        data, _ = leaves(start, min(size, start + batch))
        t = now()
        tree.append_entries(data)
        busy += now() - t
        rss_samples.append((start + len(data), rss_mb()))
    wall = now() - wall
    rng = random.Random(SEED)
    t = now()
    tree.prove_inclusion(rng.randrange(size) + 1, size)
    first_inclusion = now() - t
    t = now()
    tree.prove_consistency(rng.randrange(1, size), size)
    first_consistency = now() - t
    tree.close()
    return {
        "size": size,
        "batch": batch,
        "append_s": busy,
        "wall_s": wall,
        "leaves_per_s": size / busy,
        "proof_after_load_ms": {"inclusion": first_inclusion * 1e3, "consistency": first_consistency * 1e3},
        "db_mb": dir_size_mb(path),
        "rss_after_imports_mb": rss_start,
        "rss_during_load_mb": _rss_trace(rss_samples),
        "peak_rss_mb": peak_rss_mb(),
    }


def w_proofs_pymerkle(task: dict[str, Any]) -> dict[str, Any]:
    from pymerkle import SqliteTree

    path, size, count, kind = task["path"], task["size"], task["count"], task["kind"]
    positions = proof_positions(size, count, kind)
    t = now()
    tree = SqliteTree(path)  # its constructor also checks that leaf ids are contiguous (a COUNT(*))
    open_s = now() - t
    samples, proofs = [], []
    for p in positions:
        t = now()
        if kind == "inclusion":
            proofs.append(tree.prove_inclusion(p + 1, size))
        else:
            proofs.append(tree.prove_consistency(p, size))
        samples.append(now() - t)
    first_ms = samples[0] * 1e3
    warm = []
    for p in positions:
        t = now()
        if kind == "inclusion":
            tree.prove_inclusion(p + 1, size)
        else:
            tree.prove_consistency(p, size)
        warm.append(now() - t)
    t = now()
    root = tree.get_root(size)
    root_s = now() - t
    out = {
        "size": size,
        "kind": kind,
        "count": count,
        "open_ms": open_s * 1e3,
        "first_ms": first_ms,
        **stats_ms(samples),
        "warm": stats_ms(warm),
        "root": root.hex(),
        "get_root_ms_after_proofs": root_s * 1e3,
        "cache": tree.get_cache_info()._asdict(),
        "peak_rss_mb": peak_rss_mb(),
    }
    if kind == "inclusion":
        for p, proof in zip(positions[:20], proofs[:20], strict=True):
            proof.verify(proof.path[0], root, index=p + 1, size=size)
        out["digest_first"] = digest_paths([pr.path[1:] for pr in proofs[: task["compare"]]])
    tree.close()
    return out


WORKERS = {
    "appends": w_appends,
    "grouped": w_grouped,
    "load_ours": w_load_ours,
    "proofs_ours": w_proofs_ours,
    "appends_at_size": w_appends_at_size,
    "load_pymerkle": w_load_pymerkle,
    "proofs_pymerkle": w_proofs_pymerkle,
}


# -- the driver -----------------------------------------------------------------------------------
def proof_count_pymerkle(size: int, ours: int) -> int:
    return max(20, min(ours, 10**8 // size))


def drive(args: argparse.Namespace) -> None:
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000])
    )
    n_appends = args.appends or (200 if args.quick else 2_000)
    n_proofs = args.proofs or (200 if args.quick else 1_000)
    n_at_size = 50 if args.quick else 200
    started = time.time()
    with scratch("ledger", keep=args.keep, where=args.dir) as folder:
        workdir = str(folder)
        info = machine("sqlalchemy", "pymerkle")
        info["disk"] = workdir
        info["fsync_median_ms"] = fsync_ms(workdir)
        avg_leaf = check_leaves()
        print(f"ledger benchmark in {workdir}: sizes {sizes}, {n_appends} appends, {n_proofs} proofs", file=sys.stderr)
        results: dict[str, Any] = {
            "command": command_line(),
            "machine": info,
            "avg_leaf_bytes": avg_leaf,
            "sizes": sizes,
            "batch": args.batch,
        }
        results["appends"] = measure({"worker": "appends", "dir": workdir, "n": n_appends, "rounds": 4})
        results["grouped"] = [
            measure({"worker": "grouped", "dir": workdir, "n": n_appends, "writers": writers}) for writers in (1, 8, 32)
        ]
        results["per_size"] = [
            per_size(
                workdir, size, batch=args.batch, proofs=n_proofs, at_size=n_at_size, warm=args.warm, keep=args.keep
            )
            for size in sizes
        ]
    save(results, args.json, report, started)


def per_size(
    workdir: str, size: int, *, batch: int, proofs: int, at_size: int, warm: bool, keep: bool
) -> dict[str, Any]:
    """Bulk load both logs to ``size``, then proofs from fresh processes, then single appends on top."""
    ours_db, pym_db = f"{workdir}/ours-{size}.db", f"{workdir}/pymerkle-{size}.db"
    row: dict[str, Any] = {"size": size}
    row["load_ours"] = measure({"worker": "load_ours", "path": ours_db, "size": size, "batch": batch})
    row["load_pymerkle"] = measure({"worker": "load_pymerkle", "path": pym_db, "size": size, "batch": batch})
    n_pym = proof_count_pymerkle(size, proofs)
    compare = min(20, n_pym)
    for kind in ("inclusion", "consistency"):
        row["cold"] = not warm and evict(ours_db) and evict(pym_db)
        task = {"path": ours_db, "size": size, "kind": kind, "compare": compare}
        row[f"{kind}_ours"] = measure({"worker": "proofs_ours", **task, "count": proofs})
        if not warm:
            evict(pym_db)
        row[f"{kind}_pymerkle"] = measure({"worker": "proofs_pymerkle", **task, "path": pym_db, "count": n_pym})
    # correctness across implementations
    assert row["inclusion_ours"]["root"] == row["inclusion_pymerkle"]["root"], f"root differs at {size}"
    assert row["consistency_ours"]["root"] == row["consistency_pymerkle"]["root"], size
    assert row["inclusion_ours"]["digest_first"] == row["inclusion_pymerkle"]["digest_first"], (
        f"inclusion proofs differ from pymerkle's at {size}"
    )
    row["root"] = row["inclusion_ours"]["root"]
    # last, since it grows both logs: do single appends still cost the same at this size?
    row["appends_at_size"] = measure(
        {"worker": "appends_at_size", "path": ours_db, "pym_path": pym_db, "size": size, "count": 2 * at_size}
    )
    if not keep:
        for p in (ours_db, ours_db + "-wal", ours_db + "-shm", pym_db):
            if os.path.exists(p):
                os.unlink(p)
    return row


def measure(task: dict[str, Any]) -> dict[str, Any]:
    """One worker in a new Python process (its own RSS, cold SQLite and engine caches)."""
    label = f"{task.get('size', task.get('n', ''))} {task.get('kind', '')}"
    return in_process("ledger", task, label)


def parser() -> argparse.ArgumentParser:
    ap = options("ledger", __doc__)
    ap.add_argument("--sizes", help="comma-separated tree sizes (default 10000,100000,1000000)")
    ap.add_argument("--appends", type=int, help="single durable appends per variant (default 2000)")
    ap.add_argument("--proofs", type=int, help="proofs of each kind per size, ours (default 1000)")
    ap.add_argument("--batch", type=int, default=BATCH, help="leaves per bulk transaction")
    ap.add_argument("--dir", help="where to put the databases (default: a fresh temp dir, removed after)")
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="do not evict the databases from the OS page cache before the proof processes",
    )
    return ap


# -- the report -----------------------------------------------------------------------------------
def _f(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _ms(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:,.0f}"


def report(r: dict[str, Any]) -> str:
    m, a = r["machine"], r["appends"]
    out = [
        f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}, SQLAlchemy {m['libraries']['sqlalchemy']}, pymerkle {m['libraries']['pymerkle']}; "
        f"disk fsync (4 KiB write + fsync) median {m['fsync_median_ms']:.2f} ms.",
        f"Leaves: realistic §5.2 entries, {r['avg_leaf_bytes']:.0f} bytes on average (JCS).",
        "",
        f"### Durable single-entry appends ({a['n']:,} per variant, one transaction each, "
        f"variants interleaved in {a['rounds']} rounds)",
        "",
        "| variant | appends/s | median ms | p99 ms | vs pymerkle |",
        "|---|--:|--:|--:|--:|",
    ]
    base = a["pymerkle"]["appends_per_s"]
    labels = {
        "ours": "ours: BEGIN IMMEDIATE, `SqlLog.append([leaf])`, COMMIT (WAL, synchronous=FULL)",
        "ours_signed": "ours + `SqlLog.sign` of a checkpoint in the same transaction (what the API does)",
        "pymerkle": "pymerkle `SqliteTree.append_entry` (as shipped: "
        f"journal_mode={a['pymerkle_modes']['pymerkle'][0]}, synchronous={a['pymerkle_modes']['pymerkle'][1]})",
        "pymerkle_wal": "pymerkle `append_entry`, its connection set to WAL + synchronous=FULL (reference only)",
    }
    for key, label in labels.items():
        v = a[key]
        out.append(
            f"| {label} | {_f(v['appends_per_s'])} | {_ms(v['median_ms'])} | {_ms(v['p99_ms'])} | "
            f"{v['appends_per_s'] / base:.2f}× |"
        )

    out += [
        "",
        "### Durable appends as API writes make them: each write a `unit_of_work` adding one anchored record, "
        "from concurrent writers (write groups: one append, one signed checkpoint, one commit per group)",
        "",
        "| writers | ours appends/s | pymerkle `append_entry` appends/s (same process, one by one) | ours / pymerkle "
        "| writes per commit | median ms | p99 ms | peak RSS MiB |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for g in r.get("grouped", []):
        out.append(
            f"| {g['writers']} | {_f(g['ours_appends_per_s'])} | {_f(g['pymerkle_appends_per_s'])} | "
            f"{g['ratio']:.2f}× | {g['writes_per_commit']:.1f} | {_ms(g['median_ms'])} | {_ms(g['p99_ms'])} | "
            f"{g['peak_rss_mb']:.0f} |"
        )

    rows = r["per_size"]
    out += [
        "",
        f"### Bulk append ({r['batch']:,} leaves per transaction), then one proof at once",
        "",
        "| leaves | ours leaves/s | pymerkle leaves/s | ours / pymerkle | ours: 1st inclusion / consistency "
        "proof right after the load (ms) | pymerkle: same (ms) | ours DB MiB | pymerkle DB MiB |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        lo, lp = row["load_ours"], row["load_pymerkle"]
        out.append(
            f"| {_n(row['size'])} | {_f(lo['leaves_per_s'])} | {_f(lp['leaves_per_s'])} | "
            f"{lo['leaves_per_s'] / lp['leaves_per_s']:.2f}× | "
            f"{_ms(lo['proof_after_load_ms']['inclusion'])} / {_ms(lo['proof_after_load_ms']['consistency'])} | "
            f"{_ms(lp['proof_after_load_ms']['inclusion'])} / {_ms(lp['proof_after_load_ms']['consistency'])} | "
            f"{lo['db_mb']:.0f} | {lp['db_mb']:.0f} |"
        )

    cold = (
        "the database files evicted from the OS page cache first (posix_fadvise DONTNEED)"
        if rows[0].get("cold")
        else "OS page cache warm (--warm)"
    )
    out += [
        "",
        "### Proofs from a freshly started process, against the whole tree (random positions)",
        "",
        f'New process per row, new engine / new `SqliteTree`; {cold}. "open" = engine + first '
        'connection (ours) or the `SqliteTree` constructor (pymerkle); "first call" = the first proof '
        'after that; "cold pass" = the first pass over the random positions (first call included), '
        'one connection; "warm pass" = the same positions again; "per request" (ours) = once more, '
        "each proof in its own pooled connection and read transaction, as an API request does.",
        "",
        "| leaves | proof | impl | proofs | open ms | first call ms | cold pass median / p99 / mean ms | "
        "warm pass median / p99 ms | per request median / p99 ms |",
        "|--:|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        for kind in ("inclusion", "consistency"):
            for impl in ("ours", "pymerkle"):
                p = row[f"{kind}_{impl}"]
                txn = (
                    f"{_ms(p['per_transaction']['median_ms'])} / {_ms(p['per_transaction']['p99_ms'])}"
                    if "per_transaction" in p
                    else "–"
                )
                out.append(
                    f"| {_n(row['size'])} | {kind} | {impl} | {p['n']:,} | {_ms(p['open_ms'])} | "
                    f"{_ms(p['first_ms'])} | {_ms(p['median_ms'])} / {_ms(p['p99_ms'])} / "
                    f"{_ms(p['mean_ms'])} | {_ms(p['warm']['median_ms'])} / {_ms(p['warm']['p99_ms'])} | "
                    f"{txn} |"
                )

    k = rows[0]["appends_at_size"]["count"]
    out += [
        "",
        "### Durable single appends on top of each bulk-loaded log (median / p99 ms; "
        f"{k // 2} ours, {k // 2} ours + signed, {k} pymerkle, interleaved)",
        "",
        "| leaves already in the log | ours | ours + signed checkpoint | pymerkle `append_entry` |",
        "|--:|--:|--:|--:|",
    ]
    for row in rows:
        a2 = row["appends_at_size"]
        out.append(
            f"| {_n(row['size'])} | "
            + " | ".join(
                f"{_ms(a2[k]['median_ms'])} / {_ms(a2[k]['p99_ms'])}" for k in ("ours", "ours_signed", "pymerkle")
            )
            + " |"
        )

    out += [
        "",
        "### Peak RSS per process (MiB; each size and step in its own process)",
        "",
        "| leaves | ours: bulk load | ours: inclusion proofs | ours: consistency proofs | "
        "pymerkle: bulk load | pymerkle: inclusion proofs | pymerkle: consistency proofs |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        vals = [
            row[k]["peak_rss_mb"]
            for k in (
                "load_ours",
                "inclusion_ours",
                "consistency_ours",
                "load_pymerkle",
                "inclusion_pymerkle",
                "consistency_pymerkle",
            )
        ]
        out.append(f"| {_n(row['size'])} | " + " | ".join(f"{v:.1f}" for v in vals) + " |")

    out += [
        "",
        "Roots (ours = pymerkle `get_root`, asserted): "
        + ", ".join(f"{_n(row['size'])}: `{row['root'][:16]}…`" for row in rows),
    ]
    out += ["", "### Targets (SPEC §10)", "", "| target | measured | |", "|---|---|---|"]
    out += [f"| {t} | {meas} | {'met' if ok else '**not met**'} |" for t, meas, ok in targets(r)]
    return "\n".join(out)


def targets(r: dict[str, Any]) -> list[tuple[str, str, bool]]:
    a, rows = r["appends"], r["per_size"]
    res = [
        (
            "one durable append per transaction ≥ 5× pymerkle `append_entry`",
            f"{a['ratio_ours_vs_pymerkle']:.2f}× ({a['ratio_ours_signed_vs_pymerkle']:.2f}× with a signed checkpoint "
            f"per append)",
            a["ratio_ours_vs_pymerkle"] >= 5,
        )
    ]
    if r.get("grouped"):
        g = max(r["grouped"], key=lambda row: row["writers"])
        res.append(
            (
                "durable appends as API writes make them, concurrent writers, ≥ 5× pymerkle `append_entry`",
                f"{g['ratio']:.2f}× with {g['writers']} writers ({g['writes_per_commit']:.1f} writes per commit, "
                "each with its signed checkpoint)",
                g["ratio"] >= 5,
            )
        )
    worst = min(rows, key=lambda row: row["load_ours"]["leaves_per_s"] / row["load_pymerkle"]["leaves_per_s"])
    ratio = worst["load_ours"]["leaves_per_s"] / worst["load_pymerkle"]["leaves_per_s"]
    res.append(
        (
            "bulk append ≥ pymerkle `append_entries`, proofs ready at once",
            f"worst {ratio:.2f}× (at {_n(worst['size'])}); first proof right after the load "
            f"{_ms(worst['load_ours']['proof_after_load_ms']['inclusion'])} ms",
            ratio >= 1,
        )
    )
    big = max(rows, key=lambda row: row["size"])
    for kind in ("inclusion", "consistency"):
        p = big[f"{kind}_ours"]
        res.append(
            (
                f"{kind} proof at {_n(big['size'])}, first call after opening: ≤ 1 ms median, ≤ 5 ms p99",
                f"fresh process, cold cache: first call {_ms(p['first_ms'])} ms, median {_ms(p['median_ms'])} ms, "
                f"p99 {_ms(p['p99_ms'])} ms (warm: median {_ms(p['warm']['median_ms'])} ms, "
                f"p99 {_ms(p['warm']['p99_ms'])} ms)",
                p["median_ms"] <= 1 and p["p99_ms"] <= 5,
            )
        )
    mem = [row for row in rows if row["size"] >= 10**5]
    if len(mem) >= 2:
        keys = ("load_ours", "inclusion_ours", "consistency_ours")
        lo_row, hi_row = mem[0], mem[-1]
        growth = max(hi_row[k]["peak_rss_mb"] - lo_row[k]["peak_rss_mb"] for k in keys)
        res.append(
            (
                f"memory flat from 10^5 to 10^7 leaves (measured {_n(lo_row['size'])} → {_n(hi_row['size'])})",
                f"peak RSS grows by at most {growth:+.1f} MiB per process",
                growth <= 10,
            )
        )
    return res


if __name__ == "__main__":
    run(parser(), drive, WORKERS)
