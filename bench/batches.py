"""A processing batch with 200 input lots (issue: processing pillar), through the HTTP API.

Run from the project root::

    .venv/bin/python -m bench.batches [--inputs 200] [--repeat 5]

Builds, on a temporary SQLite file, `--inputs` farms with one harvest each, all
delivered to one processor (through the service layer, one transaction), then times
`POST /api/v1/batches` consuming every lot into five kernel grades, shell and testa,
`--repeat` times on fresh copies of the database, and reports the median and max
(results in ``bench/results/batches.json``).
"""

import argparse
import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from bench.harness import command_line, machine, now, options, run, save, scratch, stats_ms
from traceability.anchoring import anchoring_info, load_or_create_signer
from traceability.db import make_engine, unit_of_work
from traceability.migrate import upgrade
from traceability.parties.schemas import PartyCreate
from traceability.parties.service import create_party
from traceability.processing.custody import dispatch, receive
from traceability.processing.schemas import DispatchCreate, ReceiveCreate
from traceability.production.harvests import record_harvest
from traceability.production.schemas import FarmCreate, HarvestCreate
from traceability.production.service import record_farm
from traceability.settings import Settings

PROCESSOR_KEY = "ck_bench_processor"


def build(folder: Path, inputs: int) -> tuple[Settings, list[tuple[str, int]]]:
    url = f"sqlite:///{folder}/bench.db"
    upgrade(url)
    settings = Settings(database_url=url, log_key_file=folder / "log.key", _env_file=None)
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    lots = []
    with unit_of_work(make_engine(url), info=anchoring_info(signer)) as session:
        processor, _ = create_party(
            session,
            party_in=PartyCreate(
                name="Bench processor",
                role="processor",
                gs1_company_prefix="8935999",
            ),
            api_key=PROCESSOR_KEY,
        )
        for n in range(inputs):
            farmer, _ = create_party(session, party_in=PartyCreate(name=f"Farmer {n}", role="farmer"))
            farm, _ = record_farm(
                session,
                farmer=farmer,
                farm_in=FarmCreate(
                    name=f"Farm {n}",
                    district=["bu-dang", "bu-gia-map", "phu-rieng", "dong-phu"][n % 4],
                    commune="X",
                    area_ha=Decimal("2.5"),
                    geometry={"type": "Point", "coordinates": [106.9 + (n % 50) * 0.005, 11.6 + n // 50 * 0.01]},
                ),
            )
            harvest, lot, _ = record_harvest(
                session,
                farmer=farmer,
                harvest_in=HarvestCreate(
                    farm_id=farm.id,
                    harvested_on=date(2026, 3, 1 + n % 28),
                    quantity_kg=Decimal(1500 + n),
                    moisture_pct=Decimal(9),
                ),
            )
            transfer, _ = dispatch(
                session,
                sender=farmer,
                lot_id=lot.lot_id,
                dispatch_in=DispatchCreate(to_party_id=processor.id, quantity_kg=Decimal(1500 + n)),
            )
            receive(
                session,
                recipient=processor,
                transfer_id=transfer.id,
                receive_in=ReceiveCreate(received_kg=Decimal(1500 + n)),
            )
            lots.append((lot.lot_id, (1500 + n) * 1000))
    return settings, lots


def body(lots: list[tuple[str, int]]) -> dict[str, object]:
    raw_g = sum(q for _, q in lots)
    kernel = raw_g * 0.235 / 1000
    grades = {"W240": 0.25, "W320": 0.45, "WS": 0.12, "LP": 0.10, "SP": 0.08}
    outputs = [{"product": "kernel", "grade": g, "quantity_kg": round(kernel * s, 3)} for g, s in grades.items()]
    outputs += [
        {"product": "shell", "quantity_kg": round(raw_g * 0.70 / 1000, 3)},
        {"product": "testa", "quantity_kg": round(raw_g * 0.025 / 1000, 3)},
    ]
    return {"inputs": [{"lot_id": lot_id, "quantity_kg": q / 1000} for lot_id, q in lots], "outputs": outputs}


def drive(args: argparse.Namespace) -> None:
    inputs, repeat = (20, 2) if args.quick else (args.inputs, args.repeat)
    started = time.time()
    with scratch("batches") as folder:
        template = folder / "template"
        template.mkdir()
        settings, lots = build(template, inputs)
        timings = []
        for n in range(repeat):
            copy = folder / f"run{n}"
            shutil.copytree(template, copy)
            run_settings = settings.model_copy(
                update={"database_url": f"sqlite:///{copy}/bench.db", "log_key_file": copy / "log.key"}
            )
            with TestClient(create_app(run_settings)) as client:
                t = now()
                response = client.post(
                    "/api/v1/batches", json=body(lots), headers={"Authorization": f"Bearer {PROCESSOR_KEY}"}
                )
                timings.append(now() - t)
                assert response.status_code == 201, response.text
                kernel = response.json()["outputs"][1]["lot_id"]
                origin = client.get(
                    f"/api/v1/lots/{kernel}", headers={"Authorization": f"Bearer {PROCESSOR_KEY}"}
                ).json()["origin"]
                assert len(origin) == inputs
    results = {
        "command": command_line(),
        "machine": machine("sqlalchemy", "fastapi"),
        "inputs": inputs,
        "batch": stats_ms(timings),
    }
    save(results, args.json, report, started)


def report(r: dict[str, object]) -> str:
    b = r["batch"]
    assert isinstance(b, dict)
    return (
        f"batch with {r['inputs']} input lots, 7 outputs, {r['inputs']} origin shares each: "
        f"median {b['median_ms']:.0f} ms, max {b['max_ms']:.0f} ms over {b['n']} runs"
    )


def parser() -> argparse.ArgumentParser:
    ap = options("batches", __doc__)
    ap.add_argument("--inputs", type=int, default=200, help="input lots of the batch (default 200; --quick 20)")
    ap.add_argument("--repeat", type=int, default=5, help="timed batches, each on a fresh copy (default 5)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {})
