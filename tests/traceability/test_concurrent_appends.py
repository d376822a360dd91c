"""Several OS processes append at once (SPEC §8.1, §8.2): no index twice, no gap, no record
without its entry, the root matches the latest checkpoint, and checkpoints are consistent."""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlmodel import col

from ledger.checkpoint import Verifier, verify_checkpoint
from ledger.entry import canonical_json
from ledger.hashing import leaf_hash
from ledger.store import MemoryStore
from ledger.verify import verify_consistency
from tests.conftest import ROOT
from traceability.anchoring import Anchored, SqlLog, anchoring_info, load_or_create_signer
from traceability.anchoring.models import LedgerCheckpoint, LedgerEntry
from traceability.db import open_session, unit_of_work
from traceability.models import metadata
from traceability.parties.schemas import PartyCreate
from traceability.parties.service import create_party
from traceability.production.schemas import FarmCreate
from traceability.production.service import record_farm
from traceability.settings import Settings

PROCESSES = 4
THREADS = 3  # per process: their writes share write groups, the processes' groups take turns
EACH = 30


def anchored_models() -> list[type[Anchored]]:
    return [m.class_ for m in Anchored._sa_registry.mappers if issubclass(m.class_, Anchored)]


def setup_farms(engine: Engine, settings: Settings) -> tuple[str, list[str]]:
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    with unit_of_work(engine, info=anchoring_info(signer)) as session:
        farmer, _ = create_party(session, party_in=PartyCreate(name="Hộ ông Tư", role="farmer"))
        farms = []
        for n in range(PROCESSES):
            farm, _ = record_farm(
                session,
                farmer=farmer,
                farm_in=FarmCreate(
                    name=f"Lô {n}",
                    district="bu-dang",
                    commune="Đức Liễu",
                    area_ha=Decimal("3"),
                    geometry={"type": "Point", "coordinates": [107.24 + n * 0.01, 11.77]},
                ),
            )
            farms.append(farm.id)
        return farmer.id, farms


def spawn(
    settings: Settings, farmer_id: str, farm_id: str, count: int, threads: int = THREADS
) -> subprocess.Popen[str]:
    args = [
        sys.executable,
        "-m",
        "tests.traceability.workers",
        settings.database_url,
        str(settings.log_key_file),
        settings.log_origin,
        farmer_id,
        farm_id,
        str(count),
        str(threads),
    ]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def check_log(engine: Engine, settings: Settings) -> int:
    """Every invariant of the log; returns its size."""
    with open_session(engine) as session:
        log = SqlLog(session.connection())
        size = log.size()
        indices = [i for (i,) in session.execute(select(col(LedgerEntry.idx)).order_by(col(LedgerEntry.idx)))]
        assert indices == list(range(size)), "indices 0..n-1, each exactly once"
        # Every record has its entry, and the entry is exactly the one rebuilt from the record.
        seen = 0
        for model in anchored_models():
            for record in session.scalars(select(model)):
                assert record.ledger_index is not None, f"{model.__name__} {record.entry_id()} has no entry"
                leaf = session.get(LedgerEntry, record.ledger_index)
                assert leaf is not None and leaf.record_id == record.entry_id()
                assert bytes(leaf.leaf_data) == canonical_json(record.to_entry())
                seen += 1
        assert seen == size, "every entry has its record"
        # The root, recomputed from the leaves alone, equals the latest signed checkpoint's.
        reference = MemoryStore()
        reference.append([bytes(session.get_one(LedgerEntry, i).leaf_data) for i in range(size)])
        latest = log.latest_checkpoint()
        assert latest is not None and latest.size == size
        verifier = Verifier.from_vkey(load_or_create_signer(settings.log_key_file, settings.log_origin).vkey)
        assert verify_checkpoint(latest.note, verifier).root_hash == reference.root() == log.root(size)
        # Each stored checkpoint is consistent with the next.
        checkpoints = list(session.scalars(select(LedgerCheckpoint).order_by(col(LedgerCheckpoint.size))))
        for older, newer in zip(checkpoints, checkpoints[1:], strict=False):
            proof = log_consistency(log, older.size, newer.size)
            verify_consistency(older.size, newer.size, proof, older.root_hash, newer.root_hash)
        assert leaf_hash(bytes(session.get_one(LedgerEntry, 0).leaf_data)) == log.get_nodes([(0, 0)])[0]
        return size


def log_consistency(log: SqlLog, first: int, second: int) -> list[bytes]:
    from ledger.tree import consistency_proof

    return consistency_proof(log, first, second) if 0 < first < second else []


class TestConcurrentAppends:
    def test_processes_appending_at_once_never_fork_the_log(self, engine: Engine, settings: Settings) -> None:
        settings.log_key_file.parent.mkdir(parents=True, exist_ok=True)
        farmer_id, farms = setup_farms(engine, settings)
        start = check_log(engine, settings)
        workers = [spawn(settings, farmer_id, farm, EACH) for farm in farms]
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
        size = check_log(engine, settings)
        assert size == start + PROCESSES * (EACH + EACH // 5)

    def test_a_writer_killed_mid_append_leaves_a_consistent_log(self, engine: Engine, settings: Settings) -> None:
        settings.log_key_file.parent.mkdir(parents=True, exist_ok=True)
        farmer_id, farms = setup_farms(engine, settings)
        victim = spawn(settings, farmer_id, farms[0], 10_000, threads=1)
        others = [spawn(settings, farmer_id, farm, 15) for farm in farms[1:]]
        assert victim.stdout is not None
        for line in victim.stdout:  # let it write a few, then kill it mid-stream
            if int(line) >= 10:
                break
        time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        for worker in others:
            _, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
        check_log(engine, settings)
        with open_session(engine) as session:
            assert session.execute(select(func.count()).select_from(metadata.tables["harvest"])).scalar_one() >= 10 + 45
