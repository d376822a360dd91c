"""Who takes part in a generated season, what each holds, and the story's shared state.

Plain state, no database: the chapters record every move through the services and keep
here only what they need to decide the next one (which lots a collector or a factory
holds, what their nuts are worth in kernel, which transfer is on its way).
"""

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from hashlib import sha256

from sqlmodel import Session

from traceability.parties.models import Party
from traceability.processing.schemas import Document

from . import data
from .plan import SeasonPlan

VIETNAM = timedelta(hours=7)
Action = Callable[[Session], None]


@dataclass(frozen=True)
class Event:
    """One service call at one moment."""

    at: datetime  # UTC
    kind: str  # what it counts as in the season's tally
    action: Action


def local(day: date, hour: int) -> datetime:
    """A Vietnamese local hour on ``day``, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - VIETNAM


def kg(grams: int) -> Decimal:
    return Decimal(grams) / 1000


def document(kind: str, reference: str) -> Document:
    """A document as the API takes it: its type and the SHA-256 of the file (here, of its reference)."""
    return Document(type=kind, sha256=sha256(f"{kind}:{reference}".encode()).hexdigest())


@dataclass
class HeldLot:
    lot_id: str
    grams: int
    outturn_lbs: float  # the nuts' true quality (what a cutting test finds)
    nuts_per_kg: int
    grade: str | None = None  # kernel lots


@dataclass
class Processor:
    party: Party
    number: int
    district: str
    weight: float  # its share of the province's processing
    batch_g: int = 0  # it starts a run once it holds that much raw nuts
    stock: list[HeldLot] = field(default_factory=list)

    @property
    def stock_g(self) -> int:
        return sum(lot.grams for lot in self.stock)

    def runs_on(self, day: date) -> bool:
        return (day.toordinal() + self.number) % data.PROCESS_EVERY_DAYS == 0


@dataclass
class Collector:
    party: Party
    number: int
    district: str
    stock: list[HeldLot] = field(default_factory=list)

    def sends_on(self, day: date) -> bool:
        return (day.toordinal() + self.number) % data.TRUCK_EVERY_DAYS == 0


@dataclass(frozen=True)
class Household:
    party: Party
    district: str
    collector: Collector | None  # the collector it sells to, or None
    processor: Processor | None  # or the factory it delivers to itself


@dataclass
class Delivery:
    """A transfer on its way: who weighs it in, and what it carries."""

    recipient: Party
    transfer_id: str
    lot: HeldLot
    loss: float
    test: bool = False
    processor: Processor | None = None  # the factory whose stock it joins (None: an exporter's)


@dataclass
class Answers:
    """What the services answered that the next events need."""

    transfer_id: str = ""
    listing_id: str = ""
    offer_id: str = ""
    regulator_key: str = ""
    kernels: list[HeldLot] = field(default_factory=list)  # the last run's kernel lots
    imported: tuple[Party, HeldLot] | None = None  # the last container's importer and lot


class StoryState:
    """What every chapter of the story reads and writes."""

    def __init__(self, plan: SeasonPlan, base_url: str) -> None:
        self.plan, self.base_url, self.rng = plan, base_url, plan.rng
        self.tally: Counter[str] = Counter()
        self.regulator: Party | None = None
        self.processors: list[Processor] = []
        self.collectors: list[Collector] = []
        self.exporters: list[Party] = []
        self.households: dict[int, Household] = {}
        self.answers = Answers()
        self.weigh_ins: dict[date, list[Delivery]] = defaultdict(list)
        self.tests: dict[date, list[tuple[Party, HeldLot]]] = defaultdict(list)
        self.sales: dict[date, list[tuple[Household, HeldLot]]] = defaultdict(list)
        self.trades: dict[date, list[tuple[Processor, Party, list[HeldLot]]]] = defaultdict(list)
        self.departures: dict[date, list[tuple[Party, list[HeldLot]]]] = defaultdict(list)

    def companies(self) -> list[Party]:
        """The department, the factories, collectors and exporters (a few hundred parties at most)."""
        regulator = [self.regulator] if self.regulator else []
        return regulator + [p.party for p in self.processors] + [c.party for c in self.collectors] + self.exporters

    def pick_processor(self, district: str | None = None) -> Processor:
        """A factory, by size; half the time one in ``district`` when there is one."""
        near = [p for p in self.processors if p.district == district]
        pool = near if near and self.rng.random() < 0.5 else self.processors
        return self.rng.choices(pool, [p.weight for p in pool])[0]

    def pick_collector(self, district: str) -> Collector:
        near = [c for c in self.collectors if c.district == district]
        return self.rng.choice(near or self.collectors)


def processor_weights(rng: random.Random, count: int) -> list[float]:
    """Factory sizes: lognormal, as shares of the province's processing."""
    sizes = [rng.lognormvariate(0, data.PROCESSOR_SIZE_SIGMA) for _ in range(count)]
    return [s / sum(sizes) for s in sizes]


def batch_target_g(total_input_g: int, weight: float, season_days: int) -> int:
    """A run of what the factory takes in over ``PROCESS_EVERY_DAYS`` days, within ``BATCH_T``."""
    low, high = data.BATCH_T
    per_run_t = total_input_g * weight * data.PROCESS_EVERY_DAYS / max(season_days, 1) / 1_000_000
    return int(min(high, max(low, per_run_t)) * 1_000_000)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
