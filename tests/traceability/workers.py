"""Code run in separate OS processes by the concurrency tests (must be importable)."""

import sys
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from ledger.checkpoint import Signer
from traceability.anchoring import anchoring_info, load_or_create_signer
from traceability.db import make_engine, unit_of_work
from traceability.parties.models import Party
from traceability.production.harvests import record_harvest
from traceability.production.schemas import FarmInputCreate, HarvestCreate, InputCategory
from traceability.production.service import record_farm_input


def append_harvests(
    url: str, key_file: str, origin: str, farmer_id: str, farm_id: str, count: int, threads: int = 1
) -> None:
    """Log ``count`` harvests (and an input every 5th), each a write of its own as API writes are,
    from ``threads`` threads at once (their writes share groups)."""
    engine = make_engine(url)
    signer = load_or_create_signer(Path(key_file), origin)
    runners = [
        threading.Thread(target=_write, args=(engine, signer, farmer_id, farm_id, range(t, count, threads)))
        for t in range(threads)
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    engine.dispose()


def _write(engine: Engine, signer: Signer, farmer_id: str, farm_id: str, numbers: range) -> None:
    start = date(2026, 2, 1)
    for i in numbers:
        with unit_of_work(engine, info=anchoring_info(signer)) as session:
            farmer = session.get(Party, farmer_id)
            assert farmer is not None
            day = start + timedelta(days=i % 100)
            record_harvest(
                session,
                farmer=farmer,
                harvest_in=HarvestCreate(
                    farm_id=farm_id, harvested_on=day, quantity_kg=Decimal("10.5"), moisture_pct=Decimal("9")
                ),
            )
            if i % 5 == 0:
                record_farm_input(
                    session,
                    farmer=farmer,
                    input_in=FarmInputCreate(
                        farm_id=farm_id, category=InputCategory.fertilizer, product="urea", applied_on=day
                    ),
                )
        print(i, flush=True)


if __name__ == "__main__":
    url, key_file, origin, farmer_id, farm_id, count, threads = sys.argv[1:8]
    append_harvests(url, key_file, origin, farmer_id, farm_id, int(count), int(threads))
