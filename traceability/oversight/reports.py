"""The regulators' CSV reports (SPEC §6.4), built from the same figures as the summary.

UTF-8 with a byte-order mark, so that a spreadsheet opened by double-click reads
"Bù Đăng" and not "BÃ¹ Ä\x90Äƒng"; a header row; one row per district, party or
destination; a last row ``TOTAL`` equal to the summary's figure.
"""

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from ..countries import country_name
from ..errors import NotFound
from ..parties.models import Party
from .summary import SeasonFigures, _area, _kg, _ratio, district_rows, mean_outturn, season_figures, yield_t_per_ha

TOTAL = "TOTAL"


def _production(session: Session, f: SeasonFigures) -> tuple[list[str], list[list[Any]]]:
    header = ["district", "district_name", "farms", "area_ha", "harvest_kg", "yield_t_per_ha"]
    rows: list[list[Any]] = [
        [r["district"], r["name"], r["farms"], r["area_ha"], r["quantity_kg"], r["yield_t_per_ha"] or ""]
        for r in district_rows(f)
    ]
    area_m2, grams = sum(f.harvest_area_m2.values()), sum(f.harvest_g.values())
    rows.append(
        [
            TOTAL,
            "",
            sum(f.harvest_farms.values()),
            _area(area_m2),
            _kg(grams),
            yield_t_per_ha(grams, area_m2) or "",
        ]
    )
    return header, rows


def _processing(session: Session, f: SeasonFigures) -> tuple[list[str], list[list[Any]]]:
    header = [
        "party_id",
        "party_name",
        "domestic_received_kg",
        "imported_kg",
        "raw_nuts_processed_kg",
        "kernel_kg",
        "kernel_ratio",
        "cutting_tests",
        "mean_outturn_lbs",
    ]
    ids = (
        set(f.domestic_received_g)
        | set(f.imported_by_party_g)
        | set(f.raw_processed_by_party_g)
        | set(f.kernel_by_party_g)
        | set(f.tests)
    )
    names: dict[str, str] = {}
    if ids:
        for party_id, name in session.execute(select(col(Party.id), col(Party.name)).where(col(Party.id).in_(ids))):
            names[party_id] = name
    rows: list[list[Any]] = []
    for party_id in sorted(ids, key=lambda p: (names.get(p, ""), p)):
        tests = f.tests.get(party_id, 0)
        rows.append(
            [
                party_id,
                names.get(party_id, ""),
                _kg(f.domestic_received_g.get(party_id, 0)),
                _kg(f.imported_by_party_g.get(party_id, 0)),
                _kg(f.raw_processed_by_party_g.get(party_id, 0)),
                _kg(f.kernel_by_party_g.get(party_id, 0)),
                _ratio(f.kernel_from_raw_by_party_g.get(party_id, 0), f.raw_processed_by_party_g.get(party_id, 0))
                or "",
                tests,
                mean_outturn(f.outturn_sum[party_id], tests) or "",
            ]
        )
    tests = sum(f.tests.values())
    raw = sum(f.raw_processed_by_party_g.values())
    rows.append(
        [
            TOTAL,
            "",
            _kg(sum(f.domestic_received_g.values())),
            _kg(sum(f.imported_by_party_g.values())),
            _kg(raw),
            _kg(sum(f.kernel_by_party_g.values())),
            _ratio(sum(f.kernel_from_raw_by_party_g.values()), raw) or "",
            tests,
            mean_outturn(sum(f.outturn_sum.values(), Decimal(0)), tests) or "",
        ]
    )
    return header, rows


def _exports(session: Session, f: SeasonFigures) -> tuple[list[str], list[list[Any]]]:
    header = ["destination_country", "country_name", "shipments", "quantity_kg"]
    rows: list[list[Any]] = [
        [c, country_name(c), f.shipments[c], _kg(g)] for c, g in sorted(f.exported_g.items(), key=lambda kv: -kv[1])
    ]
    rows.append([TOTAL, "", sum(f.shipments.values()), _kg(sum(f.exported_g.values()))])
    return header, rows


REPORTS: dict[str, Callable[[Session, SeasonFigures], tuple[list[str], list[list[Any]]]]] = {
    "production_by_district": _production,
    "processing_by_party": _processing,
    "exports": _exports,
}


def report_csv(session: Session, name: str, season: int) -> str:
    if name not in REPORTS:
        raise NotFound(f"no report {name!r}; the reports are {', '.join(REPORTS)}")
    header, rows = REPORTS[name](session, season_figures(session, season))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
