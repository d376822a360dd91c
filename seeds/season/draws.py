"""Drawing a season's farms and figures from the distributions of ``data``, with one seeded
generator (the order of the draws is part of what makes a season reproducible)."""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from traceability.units import KG_PER_LB

from .data import (
    CERTIFICATE_PREFIX,
    CERTIFICATE_SHARES,
    COMMUNES,
    DISTRICT_WEIGHTS,
    DOMESTIC_NUTS_PER_KG,
    DOMESTIC_OUTTURN_LBS,
    ESTATE_HA_MAX,
    ESTATE_HA_MIN,
    ESTATE_SHARE,
    FAMILY_NAMES,
    FARM_HA_MAX,
    FARM_HA_MIN,
    FARM_HA_MU,
    FARM_HA_SIGMA,
    GIVEN_NAMES,
    GRADE_MIX,
    HARVEST_DAYS,
    HARVEST_MODE_DAY,
    HARVEST_START,
    IMPROVED_SHARE,
    IMPROVED_T_PER_HA,
    IMPROVED_VARIETIES,
    LAPSED_SHARE,
    MOISTURE_MEASURED_SHARE,
    PICKINGS,
    SECOND_PLOT_SHARE,
    TRADITIONAL_T_PER_HA,
)


@dataclass(frozen=True)
class Picking:
    day: date
    quantity_g: int
    moisture_pct: Decimal | None


@dataclass(frozen=True)
class Certificate:
    scheme: str
    certificate_no: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class FarmPlan:
    """One farm of the season, before it is registered."""

    number: int
    household: int
    district: str
    commune: str
    area_ha: Decimal
    variety: str
    planted_year: int
    outturn_lbs: float  # its nuts' quality, what a cutting test of its lots finds
    nuts_per_kg: int
    certificates: tuple[Certificate, ...]
    pickings: tuple[Picking, ...]

    @property
    def harvest_g(self) -> int:
        return sum(p.quantity_g for p in self.pickings)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def farm_area_ha(rng: random.Random) -> Decimal:
    """Household plots lognormal within 0.3–10 ha, a few estates of 20–50 ha (two decimals)."""
    if rng.random() < ESTATE_SHARE:
        ha = rng.uniform(ESTATE_HA_MIN, ESTATE_HA_MAX)
    else:
        ha = 0.0
        while not FARM_HA_MIN <= ha <= FARM_HA_MAX:
            ha = rng.lognormvariate(FARM_HA_MU, FARM_HA_SIGMA)
    return Decimal(f"{ha:.2f}")


def season_yield_t_per_ha(rng: random.Random, improved: bool) -> float:
    if improved:
        return rng.uniform(*IMPROVED_T_PER_HA)
    mean, sd, low, high = TRADITIONAL_T_PER_HA
    return min(high, max(low, rng.gauss(mean, sd)))


def picking_days(rng: random.Random, season: int, count: int) -> list[date]:
    """``count`` distinct days between February and June, drawn from a triangle peaking in March."""
    start = date(season, *HARVEST_START)
    days: set[int] = set()
    while len(days) < count:
        days.add(int(rng.triangular(0, HARVEST_DAYS, HARVEST_MODE_DAY)) % HARVEST_DAYS)
    return [start + timedelta(days=d) for d in sorted(days)]


def pickings(rng: random.Random, season: int, total_g: int) -> tuple[Picking, ...]:
    """The season's nuts in 1–4 pickings; the split follows how much fell between them."""
    count = int(weighted(rng, {str(k): v for k, v in PICKINGS.items()}))
    days = picking_days(rng, season, count)
    weights = [rng.uniform(0.6, 1.4) for _ in days]
    made, out = 0, []
    for n, (day, w) in enumerate(zip(days, weights, strict=True)):
        grams = total_g - made if n == count - 1 else int(total_g * w / sum(weights))
        made += grams
        moisture = Decimal(rng.randint(80, 120)) / 10 if rng.random() < MOISTURE_MEASURED_SHARE else None
        out.append(Picking(day, max(grams, 1000), moisture))
    return tuple(out)


def certificates(rng: random.Random, season: int, number: int) -> tuple[Certificate, ...]:
    found = []
    for scheme, share in CERTIFICATE_SHARES.items():
        if rng.random() >= share:
            continue
        valid_from = date(season - rng.randint(1, 3), rng.randint(1, 12), 1)
        if rng.random() < LAPSED_SHARE:  # lapses in March–May and is not renewed
            valid_to = date(season, rng.randint(3, 5), 15)
        else:
            valid_to = date(season + rng.randint(1, 2), valid_from.month, 1) - timedelta(days=1)
        number_text = f"{CERTIFICATE_PREFIX[scheme]}-{valid_from.year}-{number:06d}"
        found.append(Certificate(scheme, number_text, valid_from, valid_to))
    return tuple(found)


def plan_farm(rng: random.Random, season: int, number: int, household: int, district: str) -> FarmPlan:
    area = farm_area_ha(rng)
    improved = rng.random() < IMPROVED_SHARE
    t_per_ha = season_yield_t_per_ha(rng, improved)
    total_g = max(int(float(area) * t_per_ha * 1_000_000), 1000)
    low, high = DOMESTIC_OUTTURN_LBS
    return FarmPlan(
        number=number,
        household=household,
        district=district,
        commune=rng.choice(COMMUNES[district]),
        area_ha=area,
        variety=rng.choice(IMPROVED_VARIETIES) if improved else "local",
        planted_year=rng.randint(season - 30, season - 6) if not improved else rng.randint(season - 15, season - 5),
        outturn_lbs=round(rng.uniform(low + (1.5 if improved else 0), high), 2),
        nuts_per_kg=rng.randint(*DOMESTIC_NUTS_PER_KG),
        certificates=certificates(rng, season, number),
        pickings=pickings(rng, season, total_g),
    )


def plan_farms(rng: random.Random, season: int, count: int) -> list[FarmPlan]:
    """The province's farms, household by household (a few households farm a second plot)."""
    farms: list[FarmPlan] = []
    household = 0
    while len(farms) < count:
        district = weighted(rng, DISTRICT_WEIGHTS)
        farms.append(plan_farm(rng, season, len(farms) + 1, household, district))
        if len(farms) < count and rng.random() < SECOND_PLOT_SHARE:
            farms.append(plan_farm(rng, season, len(farms) + 1, household, district))
        household += 1
    return farms


def person_name(rng: random.Random) -> str:
    middle = "Thị" if rng.random() < 0.4 else "Văn"
    return f"{weighted(rng, FAMILY_NAMES)} {middle} {rng.choice(GIVEN_NAMES)}"


def cutting_test_weights(outturn_lbs: float, rng: random.Random) -> tuple[Decimal, Decimal, Decimal]:
    """Good, spotted and rejected kernel of a 1,000 g sample that give this outturn (spotted at half weight)."""
    spotted = Decimal(rng.randint(50, 250)) / 10
    reject = Decimal(rng.randint(50, 300)) / 10
    kernel_g = Decimal(str(outturn_lbs)) * KG_PER_LB / 80 * 1000
    good = (kernel_g - spotted / 2).quantize(Decimal("0.1"))
    return good, spotted, reject


def recovery(outturn_lbs: float) -> float:
    """Kernel recovery of nuts of this outturn (DOMAIN.md: 53 lbs ≈ 30.1 %)."""
    return outturn_lbs * float(KG_PER_LB) / 80


def kernel_split(rng: random.Random, kernel_g: int) -> dict[str, int]:
    """A batch's kernel by grade, drawn around ``GRADE_MIX`` (grams; they add up to ``kernel_g``)."""
    weights = {g: share * math.exp(rng.gauss(0, 0.12)) for g, share in GRADE_MIX.items()}
    total = sum(weights.values())
    split = {g: int(kernel_g * w / total) for g, w in weights.items()}
    split["W320"] += kernel_g - sum(split.values())
    return split
