"""Idempotency-Key: a retry returns the original response and writes nothing (SPEC §4)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import Party, harvest_body, ledger_size, make_farm, make_party, table_counts


@pytest.fixture
def farmer(client: TestClient) -> Party:
    return make_party(client)


class TestIdempotency:
    def test_replay_returns_the_original_and_writes_nothing(
        self, client: TestClient, engine: Engine, farmer: Party
    ) -> None:
        farm = make_farm(client, farmer)
        headers = {**farmer["headers"], "Idempotency-Key": "phone-42-harvest-1"}
        first = client.post("/api/v1/harvests", json=harvest_body(farm["id"]), headers=headers)
        assert first.status_code == 201
        before, size = table_counts(engine), ledger_size(client)
        for _ in range(3):
            again = client.post("/api/v1/harvests", json=harvest_body(farm["id"]), headers=headers)
            assert again.status_code == 201 and again.json() == first.json()
            assert again.headers["Idempotent-Replayed"] == "true"
        assert table_counts(engine) == before and ledger_size(client) == size

    def test_whitespace_and_key_order_do_not_matter(self, client: TestClient, farmer: Party) -> None:
        farm = make_farm(client, farmer)
        headers = {**farmer["headers"], "Idempotency-Key": "k", "Content-Type": "application/json"}
        a = client.post(
            "/api/v1/harvests",
            headers=headers,
            content=(
                f'{{"farm_id":"{farm["id"]}","harvested_on":"2026-03-14","quantity_kg":10,"moisture_pct":9}}'
            ).encode(),
        )
        b = client.post(
            "/api/v1/harvests",
            headers=headers,
            content=(
                f'{{ "moisture_pct": 9, "quantity_kg": 10, "harvested_on": "2026-03-14", "farm_id": "{farm["id"]}" }}'
            ).encode(),
        )
        assert a.status_code == b.status_code == 201 and a.json() == b.json()

    def test_same_key_different_body_is_409(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        farm = make_farm(client, farmer)
        headers = {**farmer["headers"], "Idempotency-Key": "k1"}
        assert client.post("/api/v1/harvests", json=harvest_body(farm["id"]), headers=headers).status_code == 201
        before = table_counts(engine)
        response = client.post("/api/v1/harvests", json=harvest_body(farm["id"], quantity_kg=99), headers=headers)
        assert response.status_code == 409 and response.json()["error"] == "idempotency_key_reused"
        assert table_counts(engine) == before

    def test_same_key_on_another_endpoint_is_409(self, client: TestClient, farmer: Party) -> None:
        headers = {**farmer["headers"], "Idempotency-Key": "shared"}
        farm = client.post(
            "/api/v1/farms",
            json={
                "name": "A",
                "district": "bu-dang",
                "commune": "X",
                "area_ha": 1,
                "geometry": {"type": "Point", "coordinates": [107.24, 11.77]},
            },
            headers=headers,
        )
        assert farm.status_code == 201
        response = client.post("/api/v1/harvests", json=harvest_body(farm.json()["id"]), headers=headers)
        assert response.status_code == 409

    def test_keys_belong_to_one_party(self, client: TestClient, farmer: Party) -> None:
        other = make_party(client)
        mine, theirs = make_farm(client, farmer), make_farm(client, other)
        a = client.post(
            "/api/v1/harvests", json=harvest_body(mine["id"]), headers={**farmer["headers"], "Idempotency-Key": "k"}
        )
        b = client.post(
            "/api/v1/harvests", json=harvest_body(theirs["id"]), headers={**other["headers"], "Idempotency-Key": "k"}
        )
        assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]

    def test_a_refused_request_can_be_retried_with_the_same_key(self, client: TestClient, farmer: Party) -> None:
        farm = make_farm(client, farmer)
        headers = {**farmer["headers"], "Idempotency-Key": "retry-me"}
        assert (
            client.post("/api/v1/harvests", json=harvest_body(farm["id"], moisture_pct=50), headers=headers).status_code
            == 422
        )
        assert client.post("/api/v1/harvests", json=harvest_body(farm["id"]), headers=headers).status_code == 201

    def test_too_long_key_is_422(self, client: TestClient, farmer: Party) -> None:
        farm = make_farm(client, farmer)
        response = client.post(
            "/api/v1/harvests",
            json=harvest_body(farm["id"]),
            headers={**farmer["headers"], "Idempotency-Key": "x" * 201},
        )
        assert response.status_code == 422 and response.json()["error"] == "invalid_idempotency_key"

    def test_admin_party_creation_is_idempotent(self, client: TestClient, engine: Engine) -> None:
        headers = {"Authorization": "Bearer test-admin-token", "Idempotency-Key": "create-an"}
        first = client.post("/api/v1/parties", json={"name": "An", "role": "farmer"}, headers=headers)
        before = table_counts(engine)
        second = client.post("/api/v1/parties", json={"name": "An", "role": "farmer"}, headers=headers)
        assert table_counts(engine) == before
        assert second.json()["id"] == first.json()["id"] and first.json()["api_key"].startswith("ck_")
        assert second.json()["api_key"] is None  # keys are shown once and never stored in clear
        from sqlalchemy import text

        with engine.connect() as conn:
            stored = " ".join(r[0] for r in conn.execute(text("SELECT response FROM idempotency_record")))
        assert first.json()["api_key"] not in stored
