"""Group commit (``traceability.db``): concurrent writes share one transaction, one ledger
append, one checkpoint and one commit; a member that is refused writes nothing and does not
fail the others; each member's commit returns only once the group has committed."""

import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from ledger.checkpoint import Signer
from tests.traceability.test_concurrent_appends import check_log, setup_farms
from traceability.anchoring import SqlLog, anchoring_info, load_or_create_signer
from traceability.anchoring.models import LedgerEntry
from traceability.db import open_session, unit_of_work, waiting_writers
from traceability.errors import RuleViolation
from traceability.parties.models import Party
from traceability.production.harvests import record_harvest
from traceability.production.models import Harvest
from traceability.production.schemas import HarvestCreate
from traceability.settings import Settings

Outcome = dict[str, Any]


def harvest(session: Any, farmer_id: str, farm_id: str, kg: str, day: date = date(2026, 3, 2)) -> Harvest:
    farmer = session.get(Party, farmer_id)
    assert farmer is not None
    made, _lot, _warnings = record_harvest(
        session, farmer=farmer, harvest_in=HarvestCreate(farm_id=farm_id, harvested_on=day, quantity_kg=Decimal(kg))
    )
    return made


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.005)


def log_state(engine: Engine) -> tuple[int, int]:
    with open_session(engine) as session:
        log = SqlLog(session.connection())
        return log.size(), log.checkpoint_count()


def entry_ids(engine: Engine) -> set[str]:
    with open_session(engine) as session:
        return set(session.scalars(select(col(LedgerEntry.record_id))))


@pytest.fixture
def signer(settings: Settings) -> Signer:
    settings.log_key_file.parent.mkdir(parents=True, exist_ok=True)
    return load_or_create_signer(settings.log_key_file, settings.log_origin)


class TestOneGroup:
    def test_a_refused_member_writes_nothing_and_the_others_commit_together(
        self, engine: Engine, settings: Settings, signer: Signer
    ) -> None:
        farmer_id, farms = setup_farms(engine, settings)
        size, checkpoints = log_state(engine)
        outcome: Outcome = {}
        c_worked = threading.Event()

        def refused() -> None:  # one harvest flushed (it got an index), then a refusal: all of it goes
            try:
                with unit_of_work(engine, info=anchoring_info(signer)) as session:
                    outcome["b_first"] = harvest(session, farmer_id, farms[1], "100").id
                    harvest(session, farmer_id, farms[1], "20000")  # 6.7 t/ha on 3 ha: impossible
            except RuleViolation as exc:
                outcome["b"] = exc

        def accepted() -> None:
            with unit_of_work(engine, info=anchoring_info(signer)) as session:
                outcome["c"] = harvest(session, farmer_id, farms[2], "250").id
                c_worked.set()

        first = open_session(engine, write=True, info=anchoring_info(signer))  # holds the turn
        a = harvest(first, farmer_id, farms[0], "300").id
        b, c = threading.Thread(target=refused), threading.Thread(target=accepted)
        b.start()
        wait_for(lambda: waiting_writers(engine) == 1, "the second write waits for its turn")
        c.start()
        wait_for(lambda: waiting_writers(engine) == 2, "the third write waits too")
        first.commit()  # hands the turn on, and returns once the whole group has committed
        assert c_worked.is_set(), "the first write was acknowledged only after the group it shared had committed"
        first.close()
        b.join(timeout=30)
        c.join(timeout=30)

        assert isinstance(outcome["b"], RuleViolation) and outcome["b"].code == "season_yield_impossible"
        written = entry_ids(engine)
        assert {a, outcome["c"]} <= written and outcome["b_first"] not in written
        with open_session(engine) as session:
            assert session.get(Harvest, outcome["b_first"]) is None
        new_size, new_checkpoints = log_state(engine)
        assert new_checkpoints == checkpoints + 1, "one signed checkpoint for the group"
        assert new_size > size
        assert check_log(engine, settings) == new_size  # no gap where the refused entries were

    def test_a_write_alone_commits_at_once(self, engine: Engine, settings: Settings, signer: Signer) -> None:
        farmer_id, farms = setup_farms(engine, settings)
        _size, checkpoints = log_state(engine)
        with unit_of_work(engine, info=anchoring_info(signer)) as session:
            made = harvest(session, farmer_id, farms[0], "12.5").id
        assert made in entry_ids(engine)
        assert log_state(engine)[1] == checkpoints + 1
        check_log(engine, settings)

    def test_a_write_session_commits_once(self, engine: Engine, settings: Settings, signer: Signer) -> None:
        farmer_id, farms = setup_farms(engine, settings)
        session = open_session(engine, write=True, info=anchoring_info(signer))
        harvest(session, farmer_id, farms[0], "10")
        session.commit()
        with pytest.raises(Exception, match="already committed"):
            session.commit()
        session.close()
        check_log(engine, settings)


class TestManyThreads:
    def test_threads_writing_at_once_keep_the_log_whole(
        self, engine: Engine, settings: Settings, signer: Signer
    ) -> None:
        farmer_id, farms = setup_farms(engine, settings)
        start, _ = log_state(engine)
        made: list[str] = []
        refused: list[RuleViolation] = []

        def write(n: int) -> None:
            for i in range(10):
                try:
                    with unit_of_work(engine, info=anchoring_info(signer)) as session:
                        made.append(harvest(session, farmer_id, farms[n % len(farms)], "5").id)
                        if (n + i) % 4 == 0:  # every fourth write is refused after it flushed
                            harvest(session, farmer_id, farms[n % len(farms)], "50000")
                except RuleViolation as exc:
                    refused.append(exc)
                    made.pop()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(made) + len(refused) == 80 and len(refused) == 20
        written = entry_ids(engine)
        assert set(made) <= written
        size = check_log(engine, settings)
        with open_session(engine) as session:
            harvests = session.scalars(select(col(Harvest.id)).where(col(Harvest.ledger_index) >= start)).all()
        assert sorted(harvests) == sorted(made), "exactly the acknowledged harvests, none of the refused"
        assert size > start
