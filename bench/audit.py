"""Integrity audit benchmark: ``run_audit`` over 10^5 and 10^6 genuine ledger entries.

Run from the project root::

    .venv/bin/python -m bench.audit                 # 10^5, 10^6 and dense 10^5 entries (~20 min here)
    .venv/bin/python -m bench.audit --quick         # 10^4: a smoke run (well under a minute)
    .venv/bin/python -m bench.audit --sizes 100000 --dense 0

What it measures (SPEC §8.3), each on a SQLite *file* in a fresh temporary
directory (schema from ``traceability.migrate.upgrade``, engine from
``traceability.db.make_engine``, as ``cashew audit`` opens them):

1. the build, once per size (a one-off, reported apart): a sector of farmers,
   farms, harvests (each with its raw-nut lot and origin), dispatches to
   processors and their receipts, imports, cutting tests, processing batches
   (kernel, shell and testa lots with blended origins) and shipments, written
   through the ORM in transactions of ``--txn`` anchored records. Every
   anchored record gets its entry from the normal ``before_flush`` hook
   (``traceability.anchoring.anchor``) and every commit signs a checkpoint;
   only the unanchored rows (parties, lots, origins, state updates) go in as
   plain Core inserts. Ids and nonces are seeded; record times walk through
   the harvest seasons;
2. ``traceability.audit.run_audit(session, verifier=...)`` in a
   fresh process per size (verifier from the log's key file, as the CLI
   does), after evicting the database from the OS page cache: wall time,
   entries/s and the process's peak RSS; the report must be clean;
3. the time of each of the audit's three steps (entries and nodes; records
   without an entry; checkpoints), in another fresh process;
4. ``--dense``: the same at a smaller size with one signed checkpoint per
   anchored record, which is what the API leaves behind (every write
   transaction signs one), since the audit's last step is per checkpoint;
5. on the first size, after the timed runs: three planted faults (a
   harvest's quantity changed, a receipt deleted, a tile hash rewritten)
   that the audit must report.

Prints a Markdown report and writes ``bench/results/audit.json``. Each measurement
is a worker of this module run in its own process by ``bench.harness.in_process``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
)
from bench.harness import file_mb as db_mb
from bench.harness import power_of_ten as _n

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlmodel import SQLModel

ORIGIN = "bench.cashew.example/ledger"
SEED = 8301
TXN = 10_000
FLUSH = 500
now = time.perf_counter


# -- the sector: what gets built ------------------------------------------------------------------
@dataclass
class Plan:
    """How many anchored records of each kind (one ledger entry each), over which seasons."""

    farm: int
    harvest: int
    dispatch: int
    receipt: int
    imports: int
    test: int
    batch: int
    shipment: int
    seasons: list[int] = field(default_factory=lambda: [2024, 2025, 2026])
    processors: int = 40
    farms_first: bool = False  # register every farm before the first harvest (a one-season database)

    def counts(self) -> dict[str, int]:
        return {
            "farm": self.farm,
            "harvest": self.harvest,
            "dispatch": self.dispatch,
            "receipt": self.receipt,
            "import": self.imports,
            "test": self.test,
            "batch": self.batch,
            "shipment": self.shipment,
        }

    def entries(self) -> int:
        return sum(self.counts().values())


def audit_plan(entries: int) -> Plan:
    """Exactly ``entries`` records: 4% farms, a few imports, tests, batches and shipments, and
    harvests of which about one in seven is dispatched to a processor and received."""
    farms, imports, tests = entries // 25, entries // 1000, entries // 500
    batches, shipments = entries // 1000, entries // 2500
    rest = entries - farms - imports - tests - batches - shipments
    moved = round((rest - rest / 1.3) / 2)
    return Plan(
        farm=farms,
        harvest=rest - 2 * moved,
        dispatch=moved,
        receipt=moved,
        imports=imports,
        test=tests,
        batch=batches,
        shipment=shipments,
        processors=max(5, entries // 12_500),
    )


_CORE = {"bu-dang", "bu-gia-map", "phu-rieng", "dong-phu"}
_GRADES = {"W240": 0.25, "W320": 0.45, "WS": 0.12, "LP": 0.10, "SP": 0.08}
_ORIGINS = ["CI", "GH", "NG", "KH", "TZ", "BJ", "GW", "CI", "CI", "GH"]
_DESTINATIONS = ["US", "US", "NL", "CN", "DE", "AE", "AU", "GB", "CA", "JP"]
_VARIETIES = ["PN1", "AB29", "AB05-08", "local"]
_VN = timedelta(hours=7)


def container_no(rng: random.Random) -> str:
    """A well-formed ISO 6346 container number (owner, U, serial, check digit)."""
    values, v = {}, 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if v % 11 == 0:
            v += 1
        values[letter], v = v, v + 1
    code = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3)) + "U" + f"{rng.randrange(10**6):06d}"
    total = sum((values[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(code))
    return code + str(total % 11 % 10)


class Sector:
    """Generates the records of a ``Plan`` in a plausible order and writes them, ``txn`` anchored
    records per transaction (and, with ``checkpoint_every``, a signed checkpoint every so many)."""

    def __init__(
        self,
        engine: Any,
        signer: Any,
        plan: Plan,
        *,
        seed: int = SEED,
        txn: int = TXN,
        flush: int = FLUSH,
        checkpoint_every: int | None = None,
    ) -> None:
        from traceability.places import DISTRICTS

        self.engine, self.signer, self.plan, self.txn = engine, signer, plan, txn
        self.group = checkpoint_every or min(flush, txn)
        self.dense = checkpoint_every is not None
        self.seed = seed
        self.rng = random.Random(seed)
        self.left = plan.counts()
        self.total = plan.entries()
        self.done = 0
        self.codes = list(DISTRICTS)
        self.weights = [3 if c in _CORE else 1 for c in self.codes]
        self.centres = {c: (d.lon, d.lat) for c, d in DISTRICTS.items()}
        self.at = self._moment(0.0)
        self.day = (self.at + _VN).date()
        self.farmers: list[str] = []
        self.farms: list[tuple[str, str, str]] = []  # farm id, owner, district
        self.processors: list[str] = []
        self.farm_lots: list[tuple[str, str, int, str, str]] = []  # lot, farmer, grams, district, farm
        self.in_transit: deque[tuple[str, str, str, int, tuple[Any, ...]]] = deque()
        self.sent: list[tuple[str, str, str, int, tuple[Any, ...]]] = []  # dispatched in the group being built
        self.farms_ready = 0  # farms already flushed: a harvest names one of these
        self.held: dict[str, list[tuple[str, int, list[tuple[Any, ...]]]]] = {}
        self.kernels: dict[str, list[str]] = {}
        self.made: dict[str, int] = {k: 0 for k in self.left}
        self.checkpoints = 0
        self._reset()

    # -- time: the seasons' harvest months (January–June), walked through in order ----------------
    def _moment(self, progress: float) -> datetime:
        seasons = self.plan.seasons
        k = min(len(seasons) - 1, int(progress * len(seasons)))
        within = progress * len(seasons) - k
        start = datetime(seasons[k], 1, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
        return (start + timedelta(seconds=within * 180 * 86400)).replace(microsecond=0)

    def _tick(self) -> None:
        self.at = max(self.at + timedelta(microseconds=1), self._moment(self.done / self.total))
        self.day = (self.at + _VN).date()

    # -- buffers of one write group --------------------------------------------------------------
    def _reset(self) -> None:
        self.parties: list[dict[str, Any]] = []
        self.lots: list[dict[str, Any]] = []
        self.origins: list[dict[str, Any]] = []
        self.parents: list[dict[str, Any]] = []
        self.anchored: list[Any] = []
        self.shipment_lots: list[dict[str, Any]] = []
        self.lot_updates: dict[str, dict[str, Any]] = {}
        self.transfer_updates: list[dict[str, Any]] = []

    def _party(self, role: str, name: str, district: str | None) -> str:
        from traceability import ids

        pid = ids.new_id("P")
        self.parties.append(
            {
                "id": pid,
                "name": name,
                "role": role,
                "district": district,
                "country": "VN",
                "gs1_company_prefix": f"8935{len(self.processors):03d}" if role == "processor" else None,
                "created_at": self.at,
            }
        )
        return pid

    def _lot(
        self,
        lot_id: str,
        product: str,
        grade: str | None,
        grams: int,
        owner: str,
        by: tuple[str, str],
        origins: list[tuple[Any, ...]],
    ) -> None:
        self.lots.append(
            {
                "lot_id": lot_id,
                "product": product,
                "grade": grade,
                "quantity_g": grams,
                "owner_id": owner,
                "status": "held",
                "created_by_type": by[0],
                "created_by_id": by[1],
                "produced_on": self.day,
                "certifications": [],
                "created_at": self.at,
            }
        )
        self.origins += [
            {"lot_id": lot_id, "country": c, "district": d, "farm_id": f, "share": s} for c, d, f, s in origins
        ]

    def _anchor(self, record: Any) -> None:
        record.recorded_at = self.at  # the flush hook keeps it, and makes the entry from it
        self.anchored.append(record)

    # -- the records -----------------------------------------------------------------------------
    def farm(self) -> None:
        from traceability import ids
        from traceability.places import CURRENT_PROVINCE, LEGACY_PROVINCE
        from traceability.production.models import Farm

        rng = self.rng
        district = rng.choices(self.codes, self.weights)[0]
        if self.farmers and rng.random() < 0.2:
            owner = self.farmers[-1 - rng.randrange(min(50, len(self.farmers)))]  # a neighbour's second plot
        else:
            owner = self._party("farmer", f"Farmer {len(self.farmers) + 1}", district)
            self.farmers.append(owner)
        lon0, lat0 = self.centres[district]
        lon, lat = round(lon0 + rng.gauss(0, 0.04), 6), round(lat0 + rng.gauss(0, 0.04), 6)
        farm = Farm(
            id=ids.new_id("F"),
            owner_id=owner,
            name=f"Vườn điều {len(self.farms) + 1}",
            legacy_province=LEGACY_PROVINCE,
            district=district,
            province=CURRENT_PROVINCE,
            commune=f"Xã {rng.randint(1, 12)}",
            area_m2=rng.randint(5_000, 40_000),
            geometry={"type": "Point", "coordinates": [lon, lat]},
            computed_area_m2=None,
            min_lon=lon,
            min_lat=lat,
            max_lon=lon,
            max_lat=lat,
            planted_year=rng.randint(1995, 2020),
            variety=rng.choice(_VARIETIES),
        )
        self._anchor(farm)
        self.farms.append((farm.id, owner, district))

    def harvest(self) -> None:
        from decimal import Decimal

        from traceability import ids
        from traceability.production.harvests import new_lot_id
        from traceability.production.models import Harvest
        from traceability.units import decimal_text

        rng = self.rng
        farm_id, farmer, district = self.farms[rng.randrange(self.farms_ready)]
        grams = rng.randint(50_000, 600_000)
        harvest = Harvest(
            id=ids.new_id("H"),
            farm_id=farm_id,
            farmer_id=farmer,
            lot_id=new_lot_id(self.day.year),
            harvested_on=self.day,
            quantity_g=grams,
            moisture_pct=decimal_text(Decimal(rng.randint(80, 120)) / 10),
        )
        self._anchor(harvest)
        self._lot(harvest.lot_id, "rcn", None, grams, farmer, ("harvest", harvest.id), [("VN", district, farm_id, 1.0)])
        lot = (harvest.lot_id, farmer, grams, district, farm_id)
        if len(self.farm_lots) < 50_000:
            self.farm_lots.append(lot)
        else:  # keep a bounded pool of undelivered lots
            self.farm_lots[rng.randrange(len(self.farm_lots))] = lot

    def dispatch(self) -> None:
        from traceability import ids
        from traceability.processing.models import Transfer

        pool, k = self.farm_lots, self.rng.randrange(len(self.farm_lots))
        (lot_id, farmer, grams, district, farm_id), pool[k] = pool[k], pool[-1]
        pool.pop()
        to = self.processors[self.rng.randrange(len(self.processors))]
        transfer = Transfer(id=ids.new_id("T"), lot_id=lot_id, from_party_id=farmer, to_party_id=to, quantity_g=grams)
        self._anchor(transfer)
        self.lot_updates.setdefault(lot_id, {})["status"] = "in_transit"
        self.sent.append((transfer.id, lot_id, to, grams, ("VN", district, farm_id, 1.0)))

    def receipt(self) -> None:
        from traceability import ids
        from traceability.processing.models import Receipt

        transfer_id, lot_id, to, grams, origin = self.in_transit.popleft()
        received = grams - self.rng.randint(0, min(2_000, grams // 50))
        self._anchor(
            Receipt(id=ids.new_id("R"), transfer_id=transfer_id, lot_id=lot_id, party_id=to, received_g=received)
        )
        self.lot_updates.setdefault(lot_id, {}).update(owner_id=to, quantity_g=received, status="held")
        self.transfer_updates.append({"b_id": transfer_id, "status": "received", "received_g": received})
        self.held.setdefault(to, []).append((lot_id, received, [origin]))

    def import_(self) -> None:
        from traceability import ids
        from traceability.processing.models import Import

        rng = self.rng
        party = self.processors[rng.randrange(len(self.processors))]
        country, grams = rng.choice(_ORIGINS), rng.randint(15_000, 25_000) * 1000
        record = Import(
            id=ids.new_id("I"),
            party_id=party,
            lot_id=ids.new_id(f"RCN{self.day.year % 100:02d}", 8),
            origin_country=country,
            quantity_g=grams,
            container_no=container_no(rng),
            supplier=f"Exporter {country}-{rng.randint(1, 30)}",
            arrived_on=self.day,
            documents=[],
        )
        self._anchor(record)
        self._lot(record.lot_id, "rcn", None, grams, party, ("import", record.id), [(country, None, None, 1.0)])
        self.held.setdefault(party, []).append((record.lot_id, grams, [(country, None, None, 1.0)]))

    def _holder(self, stock: dict[str, list[Any]]) -> str | None:
        party = self.processors[self.rng.randrange(len(self.processors))]
        if stock.get(party):
            return party
        return next((p for p, lots in stock.items() if lots), None)

    def test(self) -> bool:
        from decimal import Decimal

        from traceability import ids, rules
        from traceability.processing.models import QualityTest
        from traceability.processing.quality import outturn_lbs
        from traceability.units import decimal_text

        party = self._holder(self.held)
        if party is None:
            return False
        rng = self.rng
        lot_id = rng.choice(self.held[party])[0]
        good, spotted, reject = (
            Decimal(rng.randint(2200, 2900)) / 10,
            Decimal(rng.randint(0, 100)) / 10,
            Decimal(rng.randint(0, 200)) / 10,
        )
        outturn = outturn_lbs(good, spotted, Decimal(1000))
        nuts = rng.randint(160, 220)
        self._anchor(
            QualityTest(
                id=ids.new_id("Q"),
                party_id=party,
                lot_id=lot_id,
                tested_on=self.day,
                sample_g="1000",
                nut_count=nuts,
                good_kernel_g=decimal_text(good),
                spotted_kernel_g=decimal_text(spotted),
                reject_kernel_g=decimal_text(reject),
                moisture_pct=decimal_text(Decimal(rng.randint(80, 110)) / 10),
                spotted_factor=decimal_text(rules.SPOTTED_FACTOR),
                outturn_lbs=f"{outturn:.2f}",
                nut_count_per_kg=nuts,
            )
        )
        return True

    def batch(self) -> bool:
        from collections import defaultdict

        from traceability import ids
        from traceability.lots.operations import new_lot_id
        from traceability.processing.models import Batch

        party = self._holder(self.held)
        if party is None:
            return False
        stock, k = self.held[party], self.rng.randint(8, 20)
        inputs, self.held[party] = stock[:k], stock[k:]
        raw = sum(g for _, g, _ in inputs)
        shares: dict[tuple[Any, ...], float] = defaultdict(float)
        for _, grams, origins in inputs:
            for country, district, farm_id, share in origins:
                shares[(country, district, farm_id)] += share * grams / raw
        origin = [(*key, share) for key, share in shares.items()]
        batch_id = ids.new_id("B")
        kernel = raw * 0.235
        outputs: list[tuple[str, str | None, int]] = [("kernel", g, int(kernel * s)) for g, s in _GRADES.items()]
        outputs += [("shell", None, int(raw * 0.70)), ("testa", None, int(raw * 0.025))]
        made = []
        for product, grade, grams in outputs:
            lot_id = new_lot_id(product, self.day.year)
            self._lot(lot_id, product, grade, grams, party, ("batch", batch_id), origin)
            self.parents += [{"lot_id": lot_id, "parent_lot_id": i, "quantity_g": g} for i, g, _ in inputs]
            made.append({"lot_id": lot_id, "product": product, "grade": grade, "quantity_g": grams})
            if product == "kernel":
                self.kernels.setdefault(party, []).append(lot_id)
        for lot_id, _, _ in inputs:
            self.lot_updates.setdefault(lot_id, {}).update(quantity_g=0, status="consumed")
        self._anchor(
            Batch(
                id=batch_id,
                party_id=party,
                processed_on=self.day,
                loss_g=raw - sum(g for *_, g in outputs),
                inputs=[{"lot_id": i, "quantity_g": g} for i, g, _ in inputs],
                outputs=made,
            )
        )
        return True

    def shipment(self) -> bool:
        from traceability import ids
        from traceability.trade.models import Shipment

        party = self._holder(self.kernels)
        if party is None:
            return False
        stock, k = self.kernels[party], self.rng.randint(2, 6)
        lots, self.kernels[party] = stock[:k], stock[k:]
        shipment = Shipment(
            id=ids.new_id("SH"),
            party_id=party,
            lot_ids=lots,
            container_no=container_no(self.rng),
            port_of_loading="VNCLI",
            destination_country=self.rng.choice(_DESTINATIONS),
            shipped_on=self.day,
            documents=[],
        )
        self._anchor(shipment)
        self.shipment_lots += [{"shipment_id": shipment.id, "lot_id": lot_id} for lot_id in lots]
        for lot_id in lots:
            self.lot_updates.setdefault(lot_id, {})["status"] = "shipped"
        return True

    # -- the schedule ----------------------------------------------------------------------------
    def _feasible(self, kind: str) -> bool:
        if kind == "harvest":
            return bool(self.farms_ready) and not (self.plan.farms_first and self.left["farm"])
        if kind in ("dispatch",):
            return bool(self.farm_lots) and bool(self.processors)
        if kind == "receipt":
            return bool(self.in_transit)
        if kind in ("test", "batch"):
            return any(self.held.values())
        if kind == "shipment":
            return any(self.kernels.values())
        return True

    def _next(self) -> str | None:
        """The next kind of record, or None when the group must be written first."""
        if self.plan.farms_first and self.left["farm"]:
            return "farm"
        kinds = [k for k, n in self.left.items() if n and self._feasible(k)]
        if kinds:
            return self.rng.choices(kinds, [self.left[k] for k in kinds])[0]
        if self.anchored:
            return None  # what is waiting may need this group's farms or transfers
        # what cannot happen any more becomes harvests: the total stays exact
        self.left["harvest"] += sum(n for k, n in self.left.items() if k != "harvest")
        for k in self.left:
            self.left[k] = 0 if k != "harvest" else self.left[k]
        return "harvest"

    def build(self, progress: Any = None) -> dict[str, Any]:
        """Write everything; return what was made and how long it took."""
        from traceability import clock, ids

        with ids.seeded(self.seed), clock.frozen(lambda: self.at):
            session = self._open()
            for n in range(self.plan.processors):
                self.processors.append(self._party("processor", f"Processor {n + 1}", self.codes[n % len(self.codes)]))
            in_txn = 0
            while self.done < self.total:
                kind = self._next()
                if kind is None:
                    self._write(session)
                    in_txn += len(self._last)
                    continue
                self._tick()
                method = self.import_ if kind == "import" else getattr(self, kind)
                if method() is False:
                    continue
                self.left[kind] -= 1
                self.made[kind] += 1
                self.done += 1
                if len(self.anchored) >= self.group or self.done == self.total:
                    self._write(session)
                    in_txn += len(self._last)
                    if in_txn >= self.txn or self.done == self.total:
                        session.commit()  # before_commit signs a checkpoint over the new entries
                        session.close()
                        self.checkpoints += 1
                        in_txn = 0
                        if progress:
                            progress(self.done, self.total)
                        if self.done < self.total:
                            session = self._open()
        return {"made": self.made, "entries": self.done, "parties": len(self.farmers) + len(self.processors)}

    def _open(self) -> Any:
        from traceability.anchoring import anchoring_info
        from traceability.db import open_session

        return open_session(self.engine, write=True, info=anchoring_info(self.signer))

    @staticmethod
    def _table(model: type[SQLModel]) -> Table:
        """A model's table (SQLModel's metaclass sets ``__table__``; its type does not declare it)."""
        from sqlalchemy import Table, inspect

        table = inspect(model).local_table
        assert isinstance(table, Table)
        return table

    def _write(self, session: Any) -> None:
        from sqlalchemy import bindparam, update

        from traceability.anchoring import SqlLog
        from traceability.lots.models import Lot, LotOrigin, LotParent
        from traceability.parties.models import Party
        from traceability.processing.models import Transfer
        from traceability.trade.models import ShipmentLot

        conn = session.connection()
        for table, rows in (
            (self._table(Party), self.parties),
            (self._table(Lot), self.lots),
            (self._table(LotOrigin), self.origins),
            (self._table(LotParent), self.parents),
        ):
            if rows:
                conn.execute(table.insert(), rows)
        session.add_all(self.anchored)
        session.flush()  # the hook appends one entry per anchored record, in the order added
        # Only now may later records name these (a flush inserts its tables in no set order, and
        # nothing here declares relationships): harvests on these farms, receipts of these transfers.
        self.farms_ready = len(self.farms)
        self.in_transit.extend(self.sent)
        self.sent = []
        if self.shipment_lots:
            conn.execute(self._table(ShipmentLot).insert(), self.shipment_lots)
        lot = self._table(Lot)
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for lot_id, changes in self.lot_updates.items():
            by_columns.setdefault(tuple(sorted(changes)), []).append({"b_lot": lot_id, **changes})
        for columns, rows in by_columns.items():
            conn.execute(
                update(lot).where(lot.c.lot_id == bindparam("b_lot")).values({c: bindparam(c) for c in columns}), rows
            )
        if self.transfer_updates:
            t = self._table(Transfer)
            conn.execute(
                update(t)
                .where(t.c.id == bindparam("b_id"))
                .values(status=bindparam("status"), received_g=bindparam("received_g")),
                self.transfer_updates,
            )
        if self.dense:  # sign now, as the commit of a transaction of this many records would
            SqlLog(conn).sign(self.signer, self.at)
            self.checkpoints += 1
        self._last = self.anchored
        session.expunge_all()
        self._reset()


def signer_for(key_file: str) -> Any:
    from traceability.anchoring import load_or_create_signer

    return load_or_create_signer(Path(key_file), ORIGIN)


# -- workers --------------------------------------------------------------------------------------
def w_build(task: dict[str, Any]) -> dict[str, Any]:
    from traceability.db import make_engine
    from traceability.migrate import upgrade

    path = task["path"]
    plan = Plan(**task["plan"])
    upgrade(sqlite_url(path))
    engine = make_engine(sqlite_url(path))
    signer = signer_for(task["key"])
    started = now()

    def progress(done: int, total: int) -> None:
        if done * 10 // total != (done - task.get("txn", TXN)) * 10 // total:
            print(f"    built {done:,}/{total:,} entries, {now() - started:.0f} s", file=sys.stderr, flush=True)

    sector = Sector(
        engine,
        signer,
        plan,
        txn=task.get("txn", TXN),
        flush=task.get("flush", FLUSH),
        checkpoint_every=task.get("checkpoint_every"),
    )
    made = sector.build(progress)
    seconds = now() - started
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size = c.exec_driver_sql("SELECT size FROM ledger_head").scalar_one()
        checkpoints = c.exec_driver_sql("SELECT count(*) FROM ledger_checkpoint").scalar_one()
        lots = c.exec_driver_sql("SELECT count(*) FROM lot").scalar_one()
        origins = c.exec_driver_sql("SELECT count(*) FROM lot_origin").scalar_one()
    engine.dispose()
    assert size == plan.entries(), (size, plan.entries())
    return {
        **made,
        "build_s": seconds,
        "entries_per_s": size / seconds,
        "log_size": size,
        "checkpoints": checkpoints,
        "lots": lots,
        "lot_origins": origins,
        "db_mb": db_mb(path),
        "peak_rss_mb": peak_rss_mb(),
    }


def _audit_setup(task: dict[str, Any]) -> tuple[Any, Any, float]:
    t = now()
    from ledger.checkpoint import Verifier
    from traceability.db import make_engine

    imports = now() - t
    verifier = Verifier.from_vkey(signer_for(task["key"]).vkey)
    return make_engine(sqlite_url(task["path"])), verifier, imports


def w_audit(task: dict[str, Any]) -> dict[str, Any]:
    """``run_audit`` as ``cashew audit`` calls it, in this fresh process."""
    engine, verifier, imports = _audit_setup(task)
    from traceability.audit import run_audit
    from traceability.db import open_session

    rss_before = rss_mb()
    t = now()
    with open_session(engine) as session:
        report = run_audit(session, verifier=verifier)
    seconds = now() - t
    engine.dispose()
    problems = [p.__dict__ for p in report.problems]
    return {
        "entries": report.entries,
        "records": report.records,
        "checkpoints": report.checkpoints,
        "problems": len(problems),
        "first_problems": problems[:10],
        "clean": not problems,
        "audit_s": seconds,
        "entries_per_s": report.entries / seconds,
        "imports_s": imports,
        "rss_before_audit_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def w_steps(task: dict[str, Any]) -> dict[str, Any]:
    """The audit's three steps timed one by one (the module's own functions, in ``run_audit``'s order)."""
    engine, verifier, _ = _audit_setup(task)
    from traceability import audit
    from traceability.db import open_session

    out: dict[str, Any] = {}
    with open_session(engine) as session:
        report, models = audit.AuditReport(), audit.anchored_models()
        timed: tuple[tuple[str, Callable[[], object]], ...] = (
            ("entries_and_nodes", lambda: audit._check_entries(session, report, models)),
            ("records_without_entry", lambda: audit._check_orphans(session, report, models)),
            ("checkpoints", lambda: audit._check_checkpoints(session, report, verifier, report.entries)),
        )
        for name, step in timed:
            t = now()
            step()
            out[name + "_s"] = now() - t
            out[name + "_rss_mb"] = peak_rss_mb()
    engine.dispose()
    out.update(problems=len(report.problems), checkpoints=report.checkpoints)
    return out


def w_tamper(task: dict[str, Any]) -> dict[str, Any]:
    """Plant three faults behind the application's back; the audit must report each one."""
    import sqlite3

    from ledger.tiles import tile_path

    con = sqlite3.connect(task["path"])
    with con:
        harvest, grams = con.execute(
            "SELECT id, quantity_g FROM harvest ORDER BY ledger_index LIMIT 1 OFFSET 7"
        ).fetchone()
        con.execute("UPDATE harvest SET quantity_g = ? WHERE id = ?", (grams + 1000, harvest))
        receipt, receipt_idx = con.execute(
            "SELECT id, ledger_index FROM receipt ORDER BY ledger_index LIMIT 1 OFFSET 3"
        ).fetchone()
        con.execute("DELETE FROM receipt WHERE id = ?", (receipt,))
        tile_idx = con.execute("SELECT max(idx) FROM ledger_tile WHERE level = 0").fetchone()[0] // 2
        (tile,) = con.execute("SELECT hashes FROM ledger_tile WHERE level = 0 AND idx = ?", (tile_idx,)).fetchone()
        body = bytearray(tile)
        body[4 * 32 : 5 * 32] = bytes(32)  # one leaf hash of a full tile rewritten
        con.execute("UPDATE ledger_tile SET hashes = ? WHERE level = 0 AND idx = ?", (bytes(body), tile_idx))
    con.close()
    engine, verifier, _ = _audit_setup(task)
    from traceability.audit import run_audit
    from traceability.db import open_session

    t = now()
    with open_session(engine) as session:
        report = run_audit(session, verifier=verifier)
    seconds = now() - t
    found = [(p.record_type, p.record_id, p.problem) for p in report.problems]
    expected = {"harvest": harvest, "receipt": receipt, "ledger_tile": tile_path(0, tile_idx)}
    missed = [kind for kind, rid in expected.items() if not any(t == kind and r == rid for t, r, _ in found)]
    assert not missed, f"the audit missed the planted {missed}: {found}"
    return {
        "planted": expected,
        "receipt_index": receipt_idx,
        "problems": len(found),
        "found": [f"{t} {r}: {p}" for t, r, p in found],
        "audit_s": seconds,
    }


WORKERS = {"build": w_build, "audit": w_audit, "steps": w_steps, "tamper": w_tamper}


# -- the driver -----------------------------------------------------------------------------------
def measure_in_process(task: dict[str, Any]) -> dict[str, Any]:
    """One worker in a new Python process (its own peak RSS, cold engine and caches)."""
    return in_process("audit", task, str(task.get("label", "")))


def measure(
    workdir: str,
    entries: int,
    *,
    txn: int,
    flush: int,
    checkpoint_every: int | None,
    warm: bool,
    steps: bool,
    tamper: bool,
    label: str,
) -> dict[str, Any]:
    path, key = f"{workdir}/audit-{label}.db", f"{workdir}/log.key"
    plan = audit_plan(entries)
    row: dict[str, Any] = {
        "entries": entries,
        "label": label,
        "txn": txn,
        "checkpoint_every": checkpoint_every,
        "plan": plan.counts(),
    }
    row["build"] = measure_in_process(
        {
            "worker": "build",
            "label": label,
            "path": path,
            "key": key,
            "plan": plan.__dict__,
            "txn": txn,
            "flush": flush,
            "checkpoint_every": checkpoint_every,
        }
    )
    row["cold"] = not warm and evict(path)
    row["audit"] = measure_in_process({"worker": "audit", "label": label, "path": path, "key": key})
    assert row["audit"]["clean"], f"the audit of a clean database found problems: {row['audit']['first_problems']}"
    assert row["audit"]["entries"] == entries and row["audit"]["records"] == entries, row["audit"]
    if steps:
        if not warm:
            evict(path)
        row["steps"] = measure_in_process({"worker": "steps", "label": label, "path": path, "key": key})
    if tamper:
        row["tamper"] = measure_in_process({"worker": "tamper", "label": label, "path": path, "key": key})
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return row


def drive(args: argparse.Namespace) -> None:
    default = [10_000] if args.quick else [100_000, 1_000_000]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else default
    dense = args.dense if args.dense is not None else (2_000 if args.quick else 100_000)
    started = time.time()
    with scratch("audit") as folder:
        workdir = str(folder)
        info = machine("sqlalchemy")
        info["fsync_median_ms"] = fsync_ms(workdir)
        print(f"audit benchmark in {workdir}: sizes {sizes}, dense {dense}", file=sys.stderr)
        results: dict[str, Any] = {"command": command_line(), "machine": info, "txn": args.txn, "flush": args.flush}
        common = {"txn": args.txn, "flush": args.flush, "warm": args.warm, "steps": not args.no_steps}
        rows = [
            measure(workdir, n, checkpoint_every=None, tamper=i == 0, label=f"{n}", **common)
            for i, n in enumerate(sizes)
        ]
        if dense:
            rows.append(measure(workdir, dense, checkpoint_every=1, tamper=False, label=f"{dense}-dense", **common))
        results["rows"] = rows
    save(results, args.json, report, started)


def parser() -> argparse.ArgumentParser:
    ap = options("audit", __doc__)
    ap.add_argument("--sizes", help="comma-separated entry counts (default 100000,1000000; --quick 10000)")
    ap.add_argument(
        "--dense",
        type=int,
        help="entries of the one-checkpoint-per-record database (default 100000, --quick 2000; 0 to skip)",
    )
    ap.add_argument("--txn", type=int, default=TXN, help="anchored records per build transaction (one checkpoint each)")
    ap.add_argument("--flush", type=int, default=FLUSH, help="anchored records per flush within a build transaction")
    ap.add_argument("--no-steps", action="store_true", help="skip the per-step timing processes")
    ap.add_argument("--warm", action="store_true", help="do not evict the database from the OS page cache first")
    return ap


# -- the report -----------------------------------------------------------------------------------
def report(r: dict[str, Any]) -> str:
    m = r["machine"]
    rows = r["rows"]
    out = [
        f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}, SQLAlchemy {m['libraries']['sqlalchemy']}; disk fsync (4 KiB write + fsync) median "
        f"{m['fsync_median_ms']:.2f} ms.",
        "",
        "### `run_audit` in a fresh process"
        + (" (database evicted from the OS page cache first)" if rows[0]["cold"] else ""),
        "",
        "| entries | records | checkpoints | audit s | entries/s | peak RSS MiB | RSS before the audit MiB "
        "| problems |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        a = row["audit"]
        name = _n(row["entries"]) + (" (one checkpoint per record)" if row["checkpoint_every"] else "")
        out.append(
            f"| {name} | {a['records']:,} | {a['checkpoints']:,} | {a['audit_s']:.1f} | "
            f"{a['entries_per_s']:,.0f} | "
            f"{a['peak_rss_mb']:.1f} | {a['rss_before_audit_mb']:.1f} | {a['problems']} |"
        )
    if all("steps" in row for row in rows):
        out += [
            "",
            "### The audit's steps, timed one by one (another fresh process)",
            "",
            "| entries | entries and nodes s | records without an entry s | checkpoints s | checkpoints | "
            "ms per checkpoint | peak RSS MiB |",
            "|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in rows:
            s = row["steps"]
            name = _n(row["entries"]) + (" dense" if row["checkpoint_every"] else "")
            out.append(
                f"| {name} | {s['entries_and_nodes_s']:.1f} | {s['records_without_entry_s']:.1f} | "
                f"{s['checkpoints_s']:.2f} | {s['checkpoints']:,} | "
                f"{s['checkpoints_s'] / s['checkpoints'] * 1e3:.2f} | "
                f"{s['checkpoints_rss_mb']:.1f} |"
            )
    out += [
        "",
        f"### The build (one-off; ORM, the normal flush hook; {r['txn']:,} records per transaction, "
        f"flushed every {r['flush']:,}, one checkpoint per transaction)",
        "",
        "| entries | farms | harvests | dispatches | receipts | imports | tests | batches | shipments | parties | "
        "lots | checkpoints | build s | entries/s | DB MiB |",
        "|--:|" + "--:|" * 14,
    ]
    for row in rows:
        b = row["build"]
        name = _n(row["entries"]) + (" dense" if row["checkpoint_every"] else "")
        out.append(
            f"| {name} | "
            + " | ".join(
                f"{b['made'][k]:,}"
                for k in ("farm", "harvest", "dispatch", "receipt", "import", "test", "batch", "shipment")
            )
            + f" | {b['parties']:,} | {b['lots']:,} | {b['checkpoints']:,} | {b['build_s']:.0f} | "
            f"{b['entries_per_s']:,.0f} | {b['db_mb']:.0f} |"
        )
    tampered = [row for row in rows if "tamper" in row]
    if tampered:
        t = tampered[0]["tamper"]
        out += [
            "",
            f"Planted faults at {_n(tampered[0]['entries'])} (harvest quantity changed, receipt deleted, "
            f"tile hash zeroed): {t['problems']} problems reported, each planted one among them "
            f"({t['audit_s']:.1f} s):",
            "",
        ]
        out += [f"- {line}" for line in t["found"]]
    plain = [row for row in rows if not row["checkpoint_every"]]
    if len(plain) >= 2:
        lo, hi = plain[0]["audit"], plain[-1]["audit"]
        out += [
            "",
            f"Memory: peak RSS {lo['peak_rss_mb']:.1f} MiB at {_n(plain[0]['entries'])}, "
            f"{hi['peak_rss_mb']:.1f} MiB at {_n(plain[-1]['entries'])} "
            f"({hi['peak_rss_mb'] - lo['peak_rss_mb']:+.1f} MiB for "
            f"{plain[-1]['entries'] // plain[0]['entries']}× the entries).",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    run(parser(), drive, WORKERS)
