"""The plan of a generated season, drawn before anything is written: the farms and their
pickings, the days farms register, and the containers of imported nuts with their factories.

Imports are sized from the farms' own harvest so that local nuts are ``LOCAL_SHARE`` of
what the province's factories take in (DOMAIN.md: about 30 %).
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum import iso6346

from traceability import rules

from . import data, draws
from .places import Plots

REGISTRATION = ((1, 5), 26)  # farms register from 5 January, over 26 days


@dataclass
class Container:
    """A container of imported raw nuts, before it arrives."""

    country: str
    grams: int
    outturn_lbs: float
    nuts_per_kg: int
    supplier: str
    container_no: str
    processor: int  # the factory's number
    lot_id: str = ""  # given by the import when it is recorded


@dataclass(frozen=True)
class SeasonSize:
    farms: int
    season: int
    seed: int
    processors: int | None = None
    traders: int | None = None


def container_no(rng: random.Random) -> str:
    """An ISO 6346 container number of a real carrier's owner code, with its check digit."""
    body = rng.choice(data.CARRIERS) + f"{rng.randrange(10**6):06d}"
    return body + iso6346.calc_check_digit(body)


class SeasonPlan:
    """Every draw of the season that does not depend on what the services answer."""

    def __init__(self, size: SeasonSize) -> None:
        self.season = size.season
        self.rng = random.Random(f"cashew-season:{size.seed}")
        self.processors = size.processors or max(2, round(size.farms * data.PROCESSORS_PER_FARM))
        self.traders = size.traders or max(2, round(size.farms * data.TRADERS_PER_FARM))
        self.start, self.end = date(size.season, 1, 2), date(size.season, *data.SEASON_END)
        self.farms = draws.plan_farms(self.rng, size.season, size.farms)
        self.plots = Plots(self.rng)
        self.farm_ids: dict[int, str] = {}
        self.registrations: dict[date, list[draws.FarmPlan]] = defaultdict(list)
        (month, day), span = REGISTRATION
        # Plots drawn as polygons (above 4 ha) are surveyed first. It also keeps the overlap check of each new
        # polygon, which reads every registered farm west of its east edge, to the few farms registered before it.
        order = sorted(self.farms, key=lambda farm: (farm.area_ha <= rules.POLYGON_REQUIRED_ABOVE_HA, farm.number))
        for n, farm in enumerate(order):
            self.registrations[date(size.season, month, day) + timedelta(days=n * span // len(order))].append(farm)
        self.pickings: dict[date, list[tuple[draws.FarmPlan, draws.Picking]]] = defaultdict(list)
        for farm in self.farms:
            for picking in farm.pickings:
                self.pickings[picking.day].append((farm, picking))
        self.domestic_g = sum(farm.harvest_g for farm in self.farms)
        self.imported_g = int(self.domestic_g * (1 - data.LOCAL_SHARE) / data.LOCAL_SHARE)
        self.arrivals: dict[date, list[Container]] = defaultdict(list)

    def expected_calls(self) -> int:
        """About how many service calls the season makes (for a progress bar; the story decides)."""
        lots = sum(len(farm.pickings) for farm in self.farms)
        custody = 2 + 2 * data.VIA_COLLECTOR_SHARE  # farm gate, and a truck for collectors' lots
        containers = self.imported_g / (sum(data.CONTAINER_T) / 2 * 1_000_000)
        runs = (self.domestic_g + self.imported_g) / (sum(data.BATCH_T) / 2 * 1_000_000)
        return int(len(self.farms) + lots * (1.3 + custody) + containers * 2 + runs * 5.6)

    def schedule_imports(self, weights: list[float]) -> None:
        """Containers until ``imported_g`` is reached, each to a factory by its ``weights``, on a day of its month."""
        rng, left = self.rng, self.imported_g
        origins = {country: share for country, (share, _, _) in data.ORIGINS.items()}
        months = {str(m): share for m, share in data.IMPORT_MONTHS.items()}
        while left > 0:
            grams = min(left, int(rng.uniform(*data.CONTAINER_T) * 1_000_000))
            left -= grams
            country = draws.weighted(rng, origins)
            _, outturn, count = data.ORIGINS[country]
            month = int(draws.weighted(rng, months))
            day = date(self.season, month, 1) + timedelta(days=rng.randrange(28))
            processor = rng.choices(range(len(weights)), weights)[0]
            supplier = f"{rng.choice(data.SUPPLIERS[country])} Cashew Export {rng.randint(1, 40):02d}"
            self.arrivals[day].append(
                Container(
                    country=country,
                    grams=max(grams, 1_000_000),
                    outturn_lbs=round(rng.uniform(*outturn), 2),
                    nuts_per_kg=rng.randint(*count),
                    supplier=supplier,
                    container_no=container_no(rng),
                    processor=processor,
                )
            )
