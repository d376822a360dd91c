"""Harvests create raw-nut lots, within the season's plausible yield (SPEC §6.1)."""

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import col

from tests.factories import Party, harvest_body, ledger_size, log_harvest, make_farm, make_party, table_counts
from traceability.alerts.models import Alert
from traceability.anchoring.models import LedgerEntry
from traceability.db import open_session


@pytest.fixture
def farmer(client: TestClient) -> Party:
    return make_party(client)


@pytest.fixture
def farm(client: TestClient, farmer: Party) -> dict[str, Any]:
    return make_farm(client, farmer, area_ha=2.0)


def refused(client: TestClient, engine: Engine, party: Party, status: int, code: str, body: dict[str, Any]) -> None:
    before, size = table_counts(engine), ledger_size(client)
    response = client.post("/api/v1/harvests", json=body, headers=party["headers"])
    assert response.status_code == status, response.text
    assert response.json()["error"] == code and response.json()["detail"]
    assert table_counts(engine) == before and ledger_size(client) == size


class TestLogHarvest:
    def test_harvest_creates_a_held_raw_nut_lot(self, client: TestClient, farmer: Party, farm: dict[str, Any]) -> None:
        harvest = log_harvest(client, farmer, farm["id"], quantity_kg=1250.75)
        assert harvest["product"] == "rcn" and harvest["quantity_kg"] == 1250.75 and harvest["season"] == 2026
        lot = client.get(f"/api/v1/lots/{harvest['lot_id']}", headers=farmer["headers"]).json()
        assert lot["quantity_kg"] == 1250.75 and lot["owner_id"] == farmer["id"] and lot["status"] == "held"
        assert lot["origin"] == [
            {
                "country": "VN",
                "district": "bu-dang",
                "district_name": "Bù Đăng",
                "farm_id": farm["id"],
                "share_pct": 100.0,
            }
        ]
        assert lot["created_by"] == {"type": "harvest", "id": harvest["id"]}

    def test_lot_id_uses_the_gs1_charset(self, client: TestClient, farmer: Party, farm: dict[str, Any]) -> None:
        lot_id = log_harvest(client, farmer, farm["id"])["lot_id"]
        assert len(lot_id) <= 20 and all(c.isdigit() or c.isupper() or c == "-" for c in lot_id)

    def test_entry_is_spec_shaped_with_grams_and_no_floats(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        harvest = log_harvest(
            client, farmer, farm["id"], quantity_kg=1000.5, moisture_pct=9.25, notes="Anh Ba, 0912 345 678"
        )
        with open_session(engine) as session:
            leaf = session.get(LedgerEntry, harvest["ledger"]["index"])
        assert leaf is not None and leaf.type == "harvest" and leaf.record_id == harvest["id"]
        entry = json.loads(leaf.leaf_data)
        assert set(entry) == {"v", "type", "id", "at", "by", "data", "nonce"}
        assert entry["by"] == farmer["id"] and entry["type"] == "harvest"
        assert entry["data"] == {
            "farm_id": farm["id"],
            "lot_id": harvest["lot_id"],
            "quantity_g": 1000500,
            "harvested_on": "2026-03-14",
            "moisture_pct": "9.25",
        }
        assert "0912" not in leaf.leaf_data.decode()  # free-text notes never reach the ledger
        assert "float" not in str({type(v).__name__ for v in entry["data"].values()})

    def test_certifications_valid_on_the_harvest_day_pass_to_the_lot(self, client: TestClient, farmer: Party) -> None:
        certs = [
            {"scheme": "organic-eu", "certificate_no": "A1", "valid_from": "2025-01-01", "valid_to": "2026-12-31"},
            {"scheme": "vietgap", "certificate_no": "B2", "valid_from": "2024-01-01", "valid_to": "2025-12-31"},
        ]
        farm = make_farm(client, farmer, certifications=certs)
        lot_id = log_harvest(client, farmer, farm["id"], harvested_on="2026-03-01")["lot_id"]
        assert client.get(f"/api/v1/lots/{lot_id}", headers=farmer["headers"]).json()["certifications"] == [
            "organic-eu"
        ]


class TestHarvestRules:
    def test_someone_elses_farm_is_403(self, client: TestClient, engine: Engine, farm: dict[str, Any]) -> None:
        intruder = make_party(client)
        refused(client, engine, intruder, 403, "forbidden", harvest_body(farm["id"]))

    def test_unknown_farm_is_404(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        refused(client, engine, farmer, 404, "not_found", harvest_body("F-DOESNOTEXIST"))

    def test_processor_cannot_log_harvests(self, client: TestClient, engine: Engine, farm: dict[str, Any]) -> None:
        processor = make_party(client, role="processor")
        refused(client, engine, processor, 403, "forbidden", harvest_body(farm["id"]))

    def test_future_date_is_refused(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        tomorrow = (date.today() + timedelta(days=2)).isoformat()
        refused(client, engine, farmer, 422, "date_in_future", harvest_body(farm["id"], harvested_on=tomorrow))

    @pytest.mark.parametrize("moisture", [3.9, 30.5, 0, 95])
    def test_moisture_outside_4_to_30_percent(
        self,
        client: TestClient,
        engine: Engine,
        farmer: Party,
        farm: dict[str, Any],
        moisture: float,
    ) -> None:
        refused(client, engine, farmer, 422, "moisture_out_of_range", harvest_body(farm["id"], moisture_pct=moisture))

    @pytest.mark.parametrize("moisture", [4, 30, 22.5])
    def test_moisture_bounds_accepted(
        self, client: TestClient, farmer: Party, farm: dict[str, Any], moisture: float
    ) -> None:
        log_harvest(client, farmer, farm["id"], moisture_pct=moisture, quantity_kg=100)

    def test_absurd_single_harvest_is_refused(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        from tests.factories import DONG_PHU, square

        estate = make_farm(client, farmer, area_ha=900, geometry=square(*DONG_PHU, 900), district="dong-phu")
        refused(client, engine, farmer, 422, "quantity_implausible", harvest_body(estate["id"], quantity_kg=250_000))


class TestSeasonYield:
    def test_above_4_t_per_ha_is_refused(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        log_harvest(client, farmer, farm["id"], quantity_kg=4000)  # 2 t/ha on 2 ha
        refused(client, engine, farmer, 422, "season_yield_impossible", harvest_body(farm["id"], quantity_kg=4000.5))

    def test_above_2_5_t_per_ha_is_flagged_once_per_season(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        first = log_harvest(client, farmer, farm["id"], quantity_kg=4900)  # 2.45 t/ha: fine
        assert first["warnings"] == []
        second = log_harvest(client, farmer, farm["id"], quantity_kg=200)  # 2.55 t/ha
        third = log_harvest(client, farmer, farm["id"], quantity_kg=200)  # 2.65 t/ha
        assert second["warnings"] and second["warnings"][0].startswith("farm_yield_high")
        assert third["warnings"]
        with open_session(engine) as session:
            alerts = list(session.scalars(select(Alert).where(col(Alert.kind) == "farm_yield_high")))
        assert len(alerts) == 1 and alerts[0].subject_id == farm["id"] and alerts[0].detail["t_per_ha"] == "2.65"

    def test_seasons_are_counted_separately(self, client: TestClient, farmer: Party, farm: dict[str, Any]) -> None:
        log_harvest(client, farmer, farm["id"], quantity_kg=7000, harvested_on="2025-03-01")
        assert log_harvest(client, farmer, farm["id"], quantity_kg=4000, harvested_on="2026-03-01")["warnings"] == []


class TestFarmInputs:
    def test_log_and_read_an_input(self, client: TestClient, farmer: Party, farm: dict[str, Any]) -> None:
        size = ledger_size(client)
        body = {
            "farm_id": farm["id"],
            "category": "fertilizer",
            "product": "urea",
            "quantity": 100,
            "unit": "kg",
            "applied_on": "2025-05-20",
        }
        created = client.post("/api/v1/farm-inputs", json=body, headers=farmer["headers"])
        assert created.status_code == 201 and created.json()["ledger"]["index"] == size
        read = client.get(f"/api/v1/farm-inputs/{created.json()['id']}", headers=farmer["headers"]).json()
        assert read["product"] == "urea" and read["quantity"] == 100

    def test_input_refusals(self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]) -> None:
        before = table_counts(engine)
        other = make_party(client)
        base = {
            "farm_id": farm["id"],
            "category": "pesticide",
            "product": "lambda_cyhalothrin",
            "applied_on": "2025-05-20",
        }
        cases = [
            (farmer, base | {"category": "magic"}, 422),
            (farmer, base | {"product": "Anh Ba 0912 345 678"}, 422),  # not a product of the list
            (farmer, base | {"product": "other"}, 422),  # other needs product_name
            (farmer, base | {"product": "urea"}, 422),  # a fertilizer, not a pesticide
            (farmer, base | {"product_name": "Karate\n2.5EC"}, 422),  # one line
            (farmer, base | {"quantity": 3}, 422),
            (farmer, base | {"applied_on": "2999-01-01"}, 422),
            (other, base, 403),
            (farmer, base | {"farm_id": "F-NONE"}, 404),
        ]
        for party, body, status in cases:
            assert client.post("/api/v1/farm-inputs", json=body, headers=party["headers"]).status_code == status, body
        assert table_counts(engine) == before | {"party": before["party"] + 1, "api_key": before["api_key"] + 1}


class TestFreeTextOffTheLedger:
    """A product's name and the notes are typed by a farmer: the ledger holds a code and a hash, never the text."""

    def test_other_product_is_anchored_by_code_and_hash(
        self, client: TestClient, engine: Engine, farmer: Party, farm: dict[str, Any]
    ) -> None:
        name = "thuốc anh Ba bán, gọi 0912 345 678"
        body = {
            "farm_id": farm["id"],
            "category": "pesticide",
            "product": "other",
            "product_name": name,
            "applied_on": "2025-05-20",
            "notes": "phun lúc sáng sớm\nhết 2 bình",
        }
        created = client.post("/api/v1/farm-inputs", json=body, headers=farmer["headers"])
        assert created.status_code == 201, created.text
        read = client.get(f"/api/v1/farm-inputs/{created.json()['id']}", headers=farmer["headers"]).json()
        assert (read["product"], read["product_name"], read["notes"]) == ("other", name, body["notes"])
        with open_session(engine) as session:
            leaf = session.get(LedgerEntry, created.json()["ledger"]["index"])
        assert leaf is not None
        entry = json.loads(leaf.leaf_data)
        assert entry["data"]["product"] == "other"
        assert entry["data"]["text_sha256"] == hashlib.sha256(name.encode()).hexdigest()
        assert "0912" not in leaf.leaf_data.decode() and "anh Ba" not in leaf.leaf_data.decode()

    def test_aliases_read_as_codes(self, client: TestClient, farmer: Party, farm: dict[str, Any]) -> None:
        body = {"farm_id": farm["id"], "category": "fertilizer", "product": "KCl", "applied_on": "2025-05-20"}
        created = client.post("/api/v1/farm-inputs", json=body, headers=farmer["headers"])
        assert created.status_code == 201 and created.json()["product"] == "potassium_chloride"

    def test_the_product_list_is_published(self, client: TestClient) -> None:
        items = client.get("/api/v1/farm-input-products").json()["items"]
        by_code = {i["code"]: i for i in items}
        assert by_code["urea"]["category"] == "fertilizer" and by_code["urea"]["name_vi"] == "Phân urê"
        assert by_code["other"]["category"] is None
