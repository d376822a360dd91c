"""Every failure is JSON in the SPEC §4 shape; nothing a client sends causes a 500."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import harvest_body, ledger_size, make_farm, make_party, table_counts


@pytest.fixture
def farmer(client: TestClient) -> dict[str, Any]:
    return make_party(client)


class TestErrorShape:
    def test_unknown_route_is_json_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found" and response.json()["detail"]

    def test_wrong_method_is_json_405(self, client: TestClient) -> None:
        response = client.delete("/api/v1/farms")
        assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"

    def test_malformed_json_is_400_and_writes_nothing(
        self, client: TestClient, engine: Engine, farmer: dict[str, Any]
    ) -> None:
        before = table_counts(engine)
        for raw in (b"{bad", b"[1, 2", b"", b"\xff\xfe"):
            response = client.post(
                "/api/v1/harvests", content=raw, headers={**farmer["headers"], "Content-Type": "application/json"}
            )
            assert response.status_code == 400, raw
            assert response.json()["error"] == "malformed_json"
        assert table_counts(engine) == before

    def test_a_json_array_instead_of_an_object(self, client: TestClient, farmer: dict[str, Any]) -> None:
        response = client.post("/api/v1/harvests", json=[1, 2], headers=farmer["headers"])
        assert response.status_code in (400, 422) and response.json()["error"] in ("malformed_json", "invalid_input")

    def test_oversized_body_is_413(self, client: TestClient, engine: Engine, farmer: dict[str, Any]) -> None:
        before = table_counts(engine)
        response = client.post(
            "/api/v1/harvests",
            content=b"{" + b" " * 1_100_000 + b"}",
            headers={**farmer["headers"], "Content-Type": "application/json"},
        )
        assert response.status_code == 413 and response.json()["error"] == "body_too_large"
        assert table_counts(engine) == before


class TestBadValues:
    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"quantity_kg": -5}, "quantity_kg"),
            ({"quantity_kg": 0}, "quantity_kg"),
            ({"quantity_kg": "12"}, "quantity_kg"),
            ({"quantity_kg": True}, "quantity_kg"),
            ({"quantity_kg": 1.2345}, "quantity_kg"),
            ({"quantity_kg": 1e300}, "quantity_kg"),
            ({"quantity_kg": None}, "quantity_kg"),
            ({"harvested_on": "14/03/2026"}, "harvested_on"),
            ({"harvested_on": 1773446400}, "harvested_on"),
            ({"harvested_on": "2026-02-30"}, "harvested_on"),
            ({"moisture_pct": "dry"}, "moisture_pct"),
            ({"farm_id": 12}, "farm_id"),
            ({"unexpected": 1}, "unexpected"),
        ],
    )
    def test_wrong_types_and_values_are_422_with_fields(
        self,
        client: TestClient,
        engine: Engine,
        farmer: dict[str, Any],
        changes: dict[str, Any],
        field: str,
    ) -> None:
        farm = make_farm(client, farmer)
        before, size = table_counts(engine), ledger_size(client)
        response = client.post("/api/v1/harvests", json=harvest_body(farm["id"]) | changes, headers=farmer["headers"])
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "invalid_input"
        assert any(field in f["loc"] for f in body["fields"]), body
        assert table_counts(engine) == before and ledger_size(client) == size

    def test_huge_integer_is_422(self, client: TestClient, farmer: dict[str, Any]) -> None:
        farm = make_farm(client, farmer)
        huge = "9" * 400
        response = client.post(
            "/api/v1/harvests",
            content=f'{{"farm_id": "{farm["id"]}", "harvested_on": "2026-03-01", "quantity_kg": {huge}}}'.encode(),
            headers={**farmer["headers"], "Content-Type": "application/json"},
        )
        assert response.status_code == 422

    def test_bad_query_parameters(self, client: TestClient, farmer: dict[str, Any]) -> None:
        assert client.get("/api/v1/farms?limit=0", headers=farmer["headers"]).status_code == 422
        assert client.get("/api/v1/farms?limit=501", headers=farmer["headers"]).status_code == 422
        assert client.get("/api/v1/farms?limit=abc", headers=farmer["headers"]).status_code == 422
        assert client.get("/api/v1/farms?cursor=%%%", headers=farmer["headers"]).status_code == 422
        assert client.get("/ledger/proof/inclusion?index=-1&size=1").status_code == 422
        assert client.get("/ledger/proof/inclusion?index=x&size=1").status_code == 422
