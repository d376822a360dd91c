"""Sector figures (SPEC §6.4): the season summary, its CSV reports (totals equal), an empty season."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import ok


def get_summary(client: TestClient, regulator: dict[str, Any], season: int) -> dict[str, Any]:
    return ok(client.get(f"/api/v1/oversight/summary?season={season}", headers=regulator["headers"]), 200)


def get_csv(client: TestClient, regulator: dict[str, Any], name: str, season: int) -> list[dict[str, str]]:
    response = client.get(f"/api/v1/oversight/reports/{name}.csv?season={season}", headers=regulator["headers"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # a spreadsheet opens it as UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


class TestSummary:
    def test_a_season_in_figures(self, client: TestClient, season: dict[str, Any]) -> None:
        s = get_summary(client, season["regulator"], 2026)
        assert s["farms"] == {"registered": 2, "registered_area_ha": 7, "harvesting": 2, "harvesting_area_ha": 7}
        assert s["harvest"]["total_kg"] == 3000  # 2,000 + 1,200.5 corrected to 1,000; last season's 500 left out
        assert [(d["district"], d["name"], d["farms"], d["quantity_kg"]) for d in s["harvest"]["by_district"]] == [
            ("bu-dang", "Bù Đăng", 1, 2000),
            ("dong-phu", "Đồng Phú", 1, 1000),
        ]
        assert s["harvest"]["mean_yield_t_per_ha"] == "0.43"
        assert s["raw_nuts_received"]["domestic_kg"] == 1990 and s["raw_nuts_received"]["imported_kg"] == 1500
        assert [(c["country"], c["quantity_kg"]) for c in s["raw_nuts_received"]["imported_by_country"]] == [
            ("CI", 1000),
            ("GH", 500),
        ]
        assert s["kernel"] == {
            "total_kg": 750,
            "by_grade": [{"grade": "W320", "quantity_kg": 600}, {"grade": "LP", "quantity_kg": 150}],
        }
        assert s["processing"]["cutting_tests"] == 2 and s["processing"]["mean_outturn_lbs"] == "50.27"
        assert s["processing"]["raw_nuts_processed_kg"] == 2990 and s["processing"]["kernel_ratio"] == "0.2508"
        assert s["exports"] == {
            "total_kg": 600,
            "shipments": 1,
            "by_destination": [{"country": "NL", "name": "Netherlands", "shipments": 1, "quantity_kg": 600}],
        }
        months = {m["month"]: m for m in s["monthly"]}
        assert len(months) == 12 and months["2026-03"]["harvest"] == 3000
        assert (months["2026-06"]["received"], months["2026-06"]["imported"], months["2026-06"]["kernel"]) == (
            1990,
            1500,
            750,
        )
        assert sum(m["kernel"] for m in s["monthly"]) == 750 and sum(m["exported"] for m in s["monthly"]) == 600

    def test_last_season_and_an_empty_one(self, client: TestClient, season: dict[str, Any]) -> None:
        last = get_summary(client, season["regulator"], 2025)
        assert last["harvest"]["total_kg"] == 500 and last["harvest"]["mean_yield_t_per_ha"] == "0.10"
        empty = get_summary(client, season["regulator"], 2019)
        assert empty["harvest"] == {"total_kg": 0, "by_district": [], "mean_yield_t_per_ha": None}
        assert empty["processing"]["mean_outturn_lbs"] is None and empty["exports"]["by_destination"] == []
        assert empty["farms"]["registered"] == 2 and empty["farms"]["harvesting"] == 0

    @pytest.mark.parametrize("query", ["season=1999", "season=twenty", "season=2101"])
    def test_a_bad_season_is_422(self, client: TestClient, season: dict[str, Any], query: str) -> None:
        response = client.get(f"/api/v1/oversight/summary?{query}", headers=season["regulator"]["headers"])
        assert response.status_code == 422 and response.json()["error"] == "invalid_input"


class TestReports:
    def test_totals_equal_the_summary(self, client: TestClient, season: dict[str, Any]) -> None:
        regulator = season["regulator"]
        s = get_summary(client, regulator, 2026)
        production = get_csv(client, regulator, "production_by_district", 2026)
        assert [r["district_name"] for r in production] == ["Bù Đăng", "Đồng Phú", ""]  # Vietnamese names intact
        total = production[-1]
        assert total["district"] == "TOTAL" and float(total["harvest_kg"]) == s["harvest"]["total_kg"]
        assert (
            int(total["farms"]) == s["farms"]["harvesting"]
            and total["yield_t_per_ha"] == s["harvest"]["mean_yield_t_per_ha"]
        )
        assert sum(float(r["harvest_kg"]) for r in production[:-1]) == s["harvest"]["total_kg"]

        processing = get_csv(client, regulator, "processing_by_party", 2026)
        (row, total) = processing
        assert row["party_name"] == "Công ty Chế biến Điều Bù Đăng" and row["party_id"] == season["processor"]["id"]
        assert float(total["domestic_received_kg"]) == s["raw_nuts_received"]["domestic_kg"]
        assert float(total["imported_kg"]) == s["raw_nuts_received"]["imported_kg"]
        assert float(total["kernel_kg"]) == s["kernel"]["total_kg"]
        assert total["mean_outturn_lbs"] == s["processing"]["mean_outturn_lbs"]
        assert total["kernel_ratio"] == s["processing"]["kernel_ratio"]

        exports = get_csv(client, regulator, "exports", 2026)
        assert [(r["destination_country"], r["country_name"]) for r in exports] == [
            ("NL", "Netherlands"),
            ("TOTAL", ""),
        ]
        assert float(exports[-1]["quantity_kg"]) == s["exports"]["total_kg"] and int(exports[-1]["shipments"]) == 1

    def test_an_empty_season_has_a_header_and_a_zero_total(self, client: TestClient, season: dict[str, Any]) -> None:
        rows = get_csv(client, season["regulator"], "exports", 2019)
        assert rows == [{"destination_country": "TOTAL", "country_name": "", "shipments": "0", "quantity_kg": "0"}]

    def test_an_unknown_report_is_404(self, client: TestClient, season: dict[str, Any]) -> None:
        response = client.get("/api/v1/oversight/reports/salaries.csv", headers=season["regulator"]["headers"])
        assert response.status_code == 404 and "production_by_district" in response.json()["detail"]
