"""Carton labels: 1,000 labels into an A4 sheet and a thermal roll (SPEC §7, §10).

Run from the project root::

    .venv/bin/python -m bench.labels [--labels 1000] [--repeat 3]

Builds a fresh SQLite file in a temporary folder through the service layer, as the API
would: a processor with a GS1 prefix, a farmer's harvest received by it, an import of
Côte d'Ivoire nuts, and batches of mixed nuts giving ``--labels`` kernel lots of several
grades. Then it times, separately:
  - ``label_data`` for every lot in one transaction (the first printing: GTINs and the
    ``label`` ledger entries written and committed), and a second pass (reprints);
  - ``labels_pdf`` on those labels, A4 (ten a page) and thermal (one 100 × 50 mm page each);
  - single labels as PNG (300 dpi) and SVG, on the first 100 lots;
  - the QR encoders side by side on the same labels, the repeats interleaved so that
    each sees the same machine: the module matrix alone (``qr_modules`` as the
    renderer has it, qrcode + numpy mask scoring; plain ``qrcode`` choosing its own
    mask; ``segno``, whole URI in byte mode; ``segno`` given the segments ``qrcode``
    splits the URI into, so the version is the same; ``segno`` with mask 0 pinned,
    which skips the mask selection and only shows what that selection costs), and the
    whole A4 sheet with each of the first four in place of ``qr_modules``;
  - untimed, every encoder's 1,000 symbols decoded with zxing-cpp: the text, error
    correction level, version, mask and quiet zone zxing-cpp reads, how many symbols
    are bit-identical to the renderer's, and how many zxing-cpp also reads as some
    other barcode (a false ITF in the modules, say) when it looks for every format.
Best of ``--repeat`` runs for each rendering; the PDF sizes are reported too.
``segno`` comes with the ``bench`` extra: ``.venv/bin/pip install -e '.[bench]'``.
Results in ``bench/results/labels.json``.
"""

import argparse
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import qrcode.util
import segno
import zxingcpp
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.main import QRCode

from bench.harness import best, command_line, interleaved, machine, options, run, save, scratch
from traceability.anchoring import anchoring_info, load_or_create_signer
from traceability.db import make_engine, unit_of_work
from traceability.labels import render, render_layout, service
from traceability.labels.render_qr import QUIET_ZONE, Modules, qr_modules
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


# --- the QR encoders compared: each returns the symbol as ``qr_modules`` does -------------
def qrcode_own_mask(uri: str) -> Modules:
    """Plain ``qrcode``: it builds the symbol eight times in pure Python to choose the mask."""
    code = QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE)
    code.add_data(uri)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def _segno_modules(symbol: segno.QRCode) -> Modules:
    return tuple(tuple(bool(m) for m in row) for row in symbol.matrix_iter(border=QUIET_ZONE))


def segno_byte(uri: str) -> Modules:
    """``segno``, error correction Q (not raised to H where it would fit), the URI as one byte segment."""
    return _segno_modules(segno.make_qr(uri, error="q", boost_error=False))


def _qrcode_segments(uri: str) -> list[tuple[str, int]]:
    """The segments ``qrcode`` splits a URI into (runs of 20 or more alphanumeric or numeric
    characters get their own mode); the mode numbers are ISO/IEC 18004's, the same in both libraries."""
    return [(chunk.data.decode(), chunk.mode) for chunk in qrcode.util.optimal_data_chunks(uri, minimum=20)]


def segno_segments(uri: str) -> Modules:
    """``segno`` given ``qrcode``'s segments, so the version is the renderer's."""
    segments = _qrcode_segments(uri)
    # segno encodes a sequence of (data, mode) segments as given, though its hints name str, int and bytes only.
    return _segno_modules(segno.make_qr(segments, error="q", boost_error=False))  # type: ignore[arg-type]


def segno_mask0(uri: str) -> Modules:
    """``segno`` with mask 0 pinned: no mask selection. Not a candidate (ISO/IEC 18004 asks for
    the selection); measured only to show what the selection costs."""
    segments = _qrcode_segments(uri)
    return _segno_modules(segno.make_qr(segments, error="q", boost_error=False, mask=0))  # type: ignore[arg-type]


ENCODERS: dict[str, Callable[[str], Modules]] = {
    "renderer (qrcode + numpy mask scoring)": qr_modules,
    "qrcode, its own mask choice": qrcode_own_mask,
    "segno, byte mode": segno_byte,
    "segno, qrcode's segments": segno_segments,
}
MATRIX_ONLY = {"segno, qrcode's segments, mask 0 pinned": segno_mask0}


def read_symbol(modules: Modules, scale: int = 4) -> tuple[Any, int]:
    """zxing-cpp's reading of a symbol drawn at ``scale`` pixels a module, all formats on, as a phone
    app scanning anything would: (the one QR code read, or None; how many other barcodes it read)."""
    n = len(modules)
    image = Image.new("L", (n, n), 255)
    image.putdata([0 if dark else 255 for row in modules for dark in row])
    codes = zxingcpp.read_barcodes(image.resize((n * scale, n * scale), Image.Resampling.NEAREST))
    qr = [c for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
    return (qr[0] if len(qr) == 1 else None), len(codes) - len(qr)


def check_symbols(encode: Callable[[str], Modules], uris: list[str], reference: list[Modules]) -> dict[str, Any]:
    """What a scanner reads from each symbol, and how many are bit-identical to the renderer's."""
    decoded, ec_q, quiet, identical, spurious = 0, 0, 0, 0, 0
    versions: Counter[str] = Counter()
    masks: Counter[int] = Counter()
    scale = 4
    for uri, ref in zip(uris, reference, strict=True):
        modules = encode(uri)
        identical += modules == ref
        code, others = read_symbol(modules, scale)
        spurious += others > 0
        if code is None:
            continue
        decoded += code.text == uri
        ec_q += code.extra.get("ECLevel") == "Q"
        margins = (*modules[:QUIET_ZONE], *modules[-QUIET_ZONE:], *(r[:QUIET_ZONE] + r[-QUIET_ZONE:] for r in modules))
        corner = code.position.top_left  # the finder pattern's outer corner, in pixels
        quiet += not any(any(m) for m in margins) and (corner.x, corner.y) == (QUIET_ZONE * scale,) * 2
        versions[code.extra.get("Version", "?")] += 1
        masks[code.extra.get("DataMask", -1)] += 1
    return {
        "decode_to_their_uri": decoded,
        "error_correction_q": ec_q,
        "quiet_zone_4_modules": quiet,
        "bit_identical_to_renderer": identical,
        "also_read_as_another_barcode": spurious,
        "versions": dict(sorted(versions.items())),
        "masks": dict(sorted(masks.items())),
    }


def compare_encoders(labels: list[Any], repeat: int) -> dict[str, Any]:
    uris = [d.uri for d in labels]
    encoders = {**ENCODERS, **MATRIX_ONLY}

    def matrices(encode: Callable[[str], Modules]) -> Callable[[], list[Modules]]:
        return lambda: [encode(u) for u in uris]

    def sheet(encode: Callable[[str], Modules]) -> Callable[[], bytes]:
        def work() -> bytes:
            with patch.object(render_layout, "qr_modules", encode):  # the layout's encoder
                return render.labels_pdf(labels, sheet="a4")

        return work

    matrix = interleaved(repeat, {name: matrices(e) for name, e in encoders.items()})
    sheets = interleaved(repeat, {name: sheet(e) for name, e in ENCODERS.items()})
    reference = [qr_modules(u) for u in uris]
    n = len(uris)
    return {
        "qr_matrix_ms_per_label": {
            name: {"best": round(min(t) / n * 1000, 2), "median": round(statistics.median(t) / n * 1000, 2)}
            for name, t in matrix.items()
        },
        "a4_pdf_s_by_encoder": {
            name: {
                "best": round(min(t), 2),
                "median": round(statistics.median(t), 2),
                "labels_per_s": round(n / min(t)),
            }
            for name, t in sheets.items()
        },
        "qr_symbols": {name: check_symbols(e, uris, reference) for name, e in encoders.items()},
    }


def drive(args: argparse.Namespace) -> None:
    began = time.time()
    if args.quick:
        args.labels, args.repeat = 100, 1
    with scratch("labels") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(url, engine)
        info = anchoring_info(load_or_create_signer(tmp / "log.key", "bench.cashew.local/ledger"))
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
    compared = compare_encoders(labels, args.repeat)
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
        **compared,
        "command": command_line(),
        "machine": machine("qrcode", "segno", "numpy", "reportlab", "pillow", "zxing-cpp"),
    }
    save(result, args.json, report, began)


def report(r: dict[str, Any]) -> str:
    """The figures as JSON (docs/benchmarks.md turns them into its tables)."""
    return json.dumps({k: v for k, v in r.items() if k not in ("machine", "command")}, ensure_ascii=False, indent=1)


def parser() -> argparse.ArgumentParser:
    ap = options("labels", __doc__)
    ap.add_argument("--labels", type=int, default=1000, help="labels on each sheet (default 1000; --quick 100)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each rendering, best kept (default 3; --quick 1)")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {})
