"""Sector figures (SPEC §6.4): the season summary, its CSV reports (totals equal), an empty season."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    CUTTING_TEST,
    DONG_PHU,
    deliver,
    farm_lot,
    import_lot,
    log_harvest,
    make_farm,
    make_party,
    ok,
)

CONTAINER = "CSQU3054383"


@pytest.fixture
def season(client: TestClient) -> dict[str, Any]:
    """Two farms in two districts, one corrected harvest and one of last season, a delivery with
    a little loss, two imports, one batch and one container to the Netherlands."""
    an, binh = make_party(client, name="Nguyễn Văn An"), make_party(client, name="Trần Thị Bình")
    processor = make_party(client, role="processor", name="Công ty Chế biến Điều Bù Đăng", gs1_company_prefix="8935412")
    domestic = farm_lot(client, an, 2000)  # a 5 ha farm in Bù Đăng
    farm_a = client.get(f"/api/v1/lots/{domestic}", headers=an["headers"]).json()["origin"][0]["farm_id"]
    log_harvest(client, an, farm_a, harvested_on="2025-04-01", quantity_kg=500)  # last season
    farm_b = make_farm(client, binh, district="dong-phu", area_ha=2.0,
                       geometry={"type": "Point", "coordinates": list(DONG_PHU)})
    harvest_b = log_harvest(client, binh, farm_b["id"], quantity_kg=1200.5)
    ok(client.post("/api/v1/corrections", json={"entry_id": harvest_b["id"], "changes": {"quantity_kg": 1000},
                                                "reason": "cân lại ở đại lý"}, headers=binh["headers"]))
    received = deliver(client, an, processor, domestic, 2000, received_kg=1990)
    ivorian = import_lot(client, processor, 1000, "CI")
    import_lot(client, processor, 500, "GH")
    for lot_id in (received, ivorian):
        ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", headers=processor["headers"], json=CUTTING_TEST))
    body = {"inputs": [{"lot_id": received, "quantity_kg": 1990}, {"lot_id": ivorian, "quantity_kg": 1000}],
            "outputs": [{"product": "kernel", "grade": "W320", "quantity_kg": 600},
                        {"product": "kernel", "grade": "LP", "quantity_kg": 150},
                        {"product": "shell", "quantity_kg": 2000}]}
    made = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))
    ok(client.post("/api/v1/shipments", headers=processor["headers"], json={
        "lot_ids": [made["outputs"][0]["lot_id"]], "container_no": CONTAINER, "port_of_loading": "VNCLI",
        "destination_country": "NL", "documents": [{"type": "bill_of_lading", "sha256": "cd" * 32}]}))
    return {"regulator": make_party(client, role="regulator"), "processor": processor}


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
            ("bu-dang", "Bù Đăng", 1, 2000), ("dong-phu", "Đồng Phú", 1, 1000)]
        assert s["harvest"]["mean_yield_t_per_ha"] == "0.43"
        assert s["raw_nuts_received"]["domestic_kg"] == 1990 and s["raw_nuts_received"]["imported_kg"] == 1500
        assert [(c["country"], c["quantity_kg"]) for c in s["raw_nuts_received"]["imported_by_country"]] == [
            ("CI", 1000), ("GH", 500)]
        assert s["kernel"] == {"total_kg": 750, "by_grade": [{"grade": "W320", "quantity_kg": 600},
                                                             {"grade": "LP", "quantity_kg": 150}]}
        assert s["processing"]["cutting_tests"] == 2 and s["processing"]["mean_outturn_lbs"] == "50.27"
        assert s["processing"]["raw_nuts_processed_kg"] == 2990 and s["processing"]["kernel_ratio"] == "0.2508"
        assert s["exports"] == {"total_kg": 600, "shipments": 1, "by_destination": [
            {"country": "NL", "name": "Netherlands", "shipments": 1, "quantity_kg": 600}]}
        months = {m["month"]: m for m in s["monthly"]}
        assert len(months) == 12 and months["2026-03"]["harvest"] == 3000
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
        assert int(total["farms"]) == s["farms"]["harvesting"] and total["yield_t_per_ha"] == s["harvest"]["mean_yield_t_per_ha"]
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
        assert [(r["destination_country"], r["country_name"]) for r in exports] == [("NL", "Netherlands"), ("TOTAL", "")]
        assert float(exports[-1]["quantity_kg"]) == s["exports"]["total_kg"] and int(exports[-1]["shipments"]) == 1

    def test_an_empty_season_has_a_header_and_a_zero_total(self, client: TestClient, season: dict[str, Any]) -> None:
        rows = get_csv(client, season["regulator"], "exports", 2019)
        assert rows == [{"destination_country": "TOTAL", "country_name": "", "shipments": "0", "quantity_kg": "0"}]

    def test_an_unknown_report_is_404(self, client: TestClient, season: dict[str, Any]) -> None:
        response = client.get("/api/v1/oversight/reports/salaries.csv", headers=season["regulator"]["headers"])
        assert response.status_code == 404 and "production_by_district" in response.json()["detail"]
