"""``cashew seed season``: a deterministic province season, written through the domain services.

The plan (``plan``, from the distributions of ``data``) is drawn from the seed; the story
(``story``) turns it into service calls, day by day; ``generate_season`` plays them in
transactions of ``records_per_transaction`` calls, each signing a checkpoint as every
write transaction does. Ids and nonces come from ``ids.seeded(seed)`` and ``now()`` from
a clock that walks through the season, so the same seed, size and signing key give the
same ledger root.
"""

from .plan import SeasonPlan, SeasonSize
from .run import SeasonError, SeasonResult, generate_season, seed_season

__all__ = ["SeasonError", "SeasonPlan", "SeasonResult", "SeasonSize", "generate_season", "seed_season"]
