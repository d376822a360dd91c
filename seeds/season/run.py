"""Playing a season's events in large write transactions, with a clock that walks through it."""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from ledger.checkpoint import Signer
from traceability import clock, ids
from traceability.anchoring import SqlLog, anchoring_info, load_or_create_signer
from traceability.db import make_engine, unit_of_work
from traceability.settings import Settings

from . import data
from .actors import VIETNAM, local
from .plan import SeasonPlan, SeasonSize
from .story import SeasonStory

RECORDS_PER_TRANSACTION = 5_000  # service calls per write transaction (one signed checkpoint each)
STEP = timedelta(milliseconds=10)  # between two calls of one hour: ledger times always grow
PROGRESS_EVERY = 200  # service calls between two reports of progress
Progress = Callable[[date, int, int, Mapping[str, int]], None]  # (day, calls made, calls expected, tally)


class SeasonError(Exception):
    """The season cannot be generated here (the database is not empty, the season is not over, too many processors)."""


@dataclass(frozen=True)
class SeasonResult:
    tally: dict[str, int]  # service calls by kind
    ledger_size: int
    root_hash: bytes
    checkpoints: int
    regulator_key: str
    seconds: float


class SeasonClock:
    """``now()`` for the season: the moment of the current event, never earlier than the last one."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def at(self, moment: datetime) -> None:
        self.current = max(self.current + STEP, moment)


def generate_season(
    engine: Engine,
    signer: Signer,
    size: SeasonSize,
    *,
    base_url: str,
    records_per_transaction: int = RECORDS_PER_TRANSACTION,
    progress: Progress | None = None,
) -> SeasonResult:
    """Write one season into an empty, migrated database through the domain services.

    Raises ``SeasonError`` if the ledger already holds entries, the season's story
    (January to September) is not over yet (its dates would lie in the future), or
    there are more processors than GS1 company prefixes to give them.
    """
    started = time.perf_counter()
    end = date(size.season, *data.SEASON_END)
    if end >= clock.local_today():
        raise SeasonError(f"season {size.season} runs until {end.isoformat()}: choose a season that is over")
    if size.processors is not None and size.processors > data.MAX_PROCESSORS:
        raise SeasonError(f"at most {data.MAX_PROCESSORS:,} processors: each needs a GS1 company prefix of its own")
    plan = SeasonPlan(size)
    story = SeasonStory(plan, base_url)
    expected, done = plan.expected_calls(), 0
    season_clock = SeasonClock(local(plan.start, 0))
    events = story.events()
    with ids.seeded(size.seed), clock.frozen(season_clock):
        with unit_of_work(engine, info=anchoring_info(signer)) as session:
            if SqlLog(session.connection()).lock()[0]:
                raise SeasonError("the database already holds ledger entries: generate a season into a fresh one")
        finished = False
        while not finished:
            with unit_of_work(engine, info=anchoring_info(signer)) as session:
                session.add_all(story.companies())  # known to this session: no query to find a recipient
                finished = True
                for n, event in enumerate(events, 1):
                    season_clock.at(event.at)
                    event.action(session)
                    if event.kind:
                        story.tally[event.kind] += 1
                    done += 1
                    if progress is not None and done % PROGRESS_EVERY == 0:
                        progress((event.at + VIETNAM).date(), done, max(expected, done), story.tally)
                    if n >= records_per_transaction:
                        finished = False
                        break
    if progress is not None:
        progress(plan.end, done, done, story.tally)
    return _result(engine, story, time.perf_counter() - started)


def _result(engine: Engine, story: SeasonStory, seconds: float) -> SeasonResult:
    with engine.connect() as conn:
        log = SqlLog(conn)
        latest = log.latest_checkpoint()
        checkpoints = log.checkpoint_count()
    assert latest is not None, "a season writes entries"
    return SeasonResult(
        tally=dict(story.tally),
        ledger_size=latest.size,
        root_hash=latest.root_hash,
        checkpoints=checkpoints,
        regulator_key=story.answers.regulator_key,
        seconds=seconds,
    )


def seed_season(settings: Settings, size: SeasonSize, *, progress: Progress | None = None) -> SeasonResult:
    """``cashew seed season``: a season into ``settings.database_url`` (migrated), signed with its key file."""
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    engine = make_engine(settings.database_url)
    try:
        return generate_season(engine, signer, size, base_url=settings.public_base_url, progress=progress)
    finally:
        engine.dispose()


__all__ = ["RECORDS_PER_TRANSACTION", "SeasonError", "SeasonResult", "generate_season", "seed_season"]
