"""Carton labels: 1,000 labels into an A4 sheet and a thermal roll (SPEC §7, §10).

Run from the project root:
    .venv/bin/python bench/labels.py [--labels 1000] [--repeat 3]

Builds a fresh SQLite file in a temporary folder through the service layer, as the API
would: a processor with a GS1 prefix, a farmer's harvest received by it, an import of
Côte d'Ivoire nuts, and batches of mixed nuts giving ``--labels`` kernel lots of several
grades. Then it times, separately:
  - ``label_data`` for every lot in one transaction (the first printing: GTINs and the
    ``label`` ledger entries written and committed), and a second pass (reprints);
  - ``labels_pdf`` on those labels, A4 (ten a page) and thermal (one 100 × 50 mm page each);
  - single labels as PNG (300 dpi) and SVG, on the first 100 lots.
Best of ``--repeat`` runs for each rendering; the PDF sizes are reported too.
"""

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/ledger.py)

import argparse
import json
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from traceability.anchoring import anchoring_info, load_or_create_signer
from traceability.db import make_engine, unit_of_work
from traceability.labels import render, service
from traceability.migrate import upgrade
from traceability.parties.models import Party
from traceability.parties.schemas import PartyCreate
from traceability.parties.service import create_party
from traceability.processing import batches, custody, imports
from traceability.processing.schemas import BatchCreate, DispatchCreate, ImportCreate, ReceiveCreate
from traceability.production.harvests import record_harvest
from traceability.production.schemas import FarmCreate, HarvestCreate
from traceability.production.service import record_farm

BASE_URL = "https://trace.example.vn"
GRADES = ["W320", "W240", "W180", "W450", "WS", "LP", "SP"]
KERNELS_PER_BATCH = 49  # a batch has at most 50 outputs; one is the shell
RAW_PER_BATCH_KG = 1000


def setup(session: Any, lots: int) -> tuple[Party, list[str]]:
    """A processor holding ``lots`` kernel lots made from Vietnamese and Ivorian nuts."""
    processor, _ = create_party(
        session,
        party_in=PartyCreate.model_validate(
            {
                "name": "Công ty TNHH Chế biến Hạt điều Bình Phước",
                "role": "processor",
                "district": "dong-xoai",
                "gs1_company_prefix": "8935012",
            }
        ),
    )
    farmer, _ = create_party(session, party_in=PartyCreate.model_validate({"name": "Nguyễn Văn An", "role": "farmer"}))
    farm, _ = record_farm(
        session,
        farmer=farmer,
        farm_in=FarmCreate(
            name="Vườn điều An",
            district="bu-dang",
            commune="Đức Liễu",
            area_ha=Decimal(4),
            geometry={"type": "Point", "coordinates": [107.24, 11.77]},
        ),
    )
    batches_needed = -(-lots // KERNELS_PER_BATCH)
    domestic_kg = Decimal(300) * batches_needed
    _, harvest_lot, _ = record_harvest(
        session,
        farmer=farmer,
        harvest_in=HarvestCreate(
            farm_id=farm.id, harvested_on=date(2026, 3, 14), quantity_kg=domestic_kg, moisture_pct=Decimal("9.5")
        ),
    )
    transfer, _ = custody.dispatch(
        session,
        sender=farmer,
        lot_id=harvest_lot.lot_id,
        dispatch_in=DispatchCreate(to_party_id=processor.id, quantity_kg=domestic_kg),
    )
    custody.receive(
        session, recipient=processor, transfer_id=transfer.id, receive_in=ReceiveCreate(received_kg=domestic_kg)
    )
    imported = imports.record_import(
        session,
        importer=processor,
        import_in=ImportCreate(
            quantity_kg=Decimal(700) * batches_needed,
            origin_country="CI",
            supplier="Abidjan Cashew Export SA",
            container_no="CSQU3054383",
        ),
    )
    kernel_lots: list[str] = []
    while len(kernel_lots) < lots:
        count = min(KERNELS_PER_BATCH, lots - len(kernel_lots))
        each = Decimal(RAW_PER_BATCH_KG) * Decimal("0.25") / KERNELS_PER_BATCH
        batch, _, _ = batches.record_batch(
            session,
            processor=processor,
            batch_in=BatchCreate.model_validate(
                {
                    "inputs": [
                        {"lot_id": transfer.lot_id, "quantity_kg": 300},
                        {"lot_id": imported.lot_id, "quantity_kg": 700},
                    ],
                    "outputs": [
                        *(
                            {"product": "kernel", "grade": GRADES[i % len(GRADES)], "quantity_kg": round(each, 3)}
                            for i in range(count)
                        ),
                        {"product": "shell", "quantity_kg": 700},
                    ],
                }
            ),
        )
        kernel_lots += [o["lot_id"] for o in batch.outputs if o["product"] == "kernel"]
    return processor, kernel_lots


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(url, engine)
        info = anchoring_info(load_or_create_signer(Path(tmp) / "log.key", "bench.cashew.local/ledger"))
        with unit_of_work(engine, info=info) as session:
            processor, lots = setup(session, args.labels)
        timings: dict[str, float] = {}
        for step in ("first_print", "reprint"):
            started = time.perf_counter()
            with unit_of_work(engine, info=info) as session:
                labels = service.labels_data(session, party=processor, lot_ids=lots, base_url=BASE_URL)
            timings[step] = time.perf_counter() - started
        engine.dispose()
    render.fonts()  # found and registered once per process, before any timing
    timings["a4"], a4 = best(args.repeat, lambda: render.labels_pdf(labels, sheet="a4"))
    timings["thermal"], thermal = best(args.repeat, lambda: render.labels_pdf(labels, sheet="thermal-100x50"))
    sample = labels[:100]
    timings["png_100"], _ = best(args.repeat, lambda: [render.label_png(d) for d in sample])
    timings["svg_100"], _ = best(args.repeat, lambda: [render.label_svg(d) for d in sample])
    n = len(labels)
    result = {
        "labels": n,
        "font": str(render.fonts().regular_file or "Helvetica (ASCII-folded)"),
        "label_data_first_print_s": round(timings["first_print"], 2),
        "label_data_reprint_s": round(timings["reprint"], 2),
        "a4_pdf_s": round(timings["a4"], 2),
        "a4_labels_per_s": round(n / timings["a4"]),
        "a4_pdf_kb": len(a4) // 1024,
        "thermal_pdf_s": round(timings["thermal"], 2),
        "thermal_labels_per_s": round(n / timings["thermal"]),
        "thermal_pdf_kb": len(thermal) // 1024,
        "png_ms_per_label": round(timings["png_100"] / len(sample) * 1000, 1),
        "svg_ms_per_label": round(timings["svg_100"] / len(sample) * 1000, 1),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
