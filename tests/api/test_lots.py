"""Reading lots: the holder and regulators only (SPEC §6.2, §8.5)."""

from fastapi.testclient import TestClient

from tests.factories import log_harvest, make_farm, make_party


class TestReadLot:
    def test_holder_and_regulator_read_others_do_not(self, client: TestClient) -> None:
        farmer = make_party(client)
        lot_id = log_harvest(client, farmer, make_farm(client, farmer)["id"], quantity_kg=800)["lot_id"]
        assert client.get(f"/api/v1/lots/{lot_id}", headers=farmer["headers"]).json()["quantity_kg"] == 800
        regulator = make_party(client, role="regulator")
        assert client.get(f"/api/v1/lots/{lot_id}", headers=regulator["headers"]).status_code == 200
        for role in ("farmer", "processor", "trader"):
            other = make_party(client, role=role)
            response = client.get(f"/api/v1/lots/{lot_id}", headers=other["headers"])
            assert response.status_code == 403 and response.json()["error"] == "forbidden", role

    def test_unknown_lot_is_404_and_anonymous_is_401(self, client: TestClient) -> None:
        farmer = make_party(client)
        assert client.get("/api/v1/lots/RCN26-NOTHING", headers=farmer["headers"]).status_code == 404
        assert client.get("/api/v1/lots/RCN26-NOTHING").status_code == 401

    def test_regulator_reads_every_farm_but_cannot_write(self, client: TestClient) -> None:
        farmer = make_party(client)
        farm = make_farm(client, farmer)
        regulator = make_party(client, role="regulator")
        assert client.get(f"/api/v1/farms/{farm['id']}", headers=regulator["headers"]).status_code == 200
        assert client.get(f"/api/v1/farms/{farm['id']}/export.geojson", headers=regulator["headers"]).status_code == 200
        body = {"farm_id": farm["id"], "harvested_on": "2026-03-01", "quantity_kg": 10, "moisture_pct": 9}
        assert client.post("/api/v1/harvests", json=body, headers=regulator["headers"]).status_code == 403
