"""Parties and access: admin token, API keys, roles (SPEC §4, §8.5)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.factories import ADMIN, auth, make_party, table_counts
from traceability.db import open_session
from traceability.parties.models import ApiKey
from traceability.parties.service import hash_key
from traceability.settings import Settings


class TestRegisterParty:
    def test_admin_registers_a_farmer_and_the_key_works_once_shown(self, client: TestClient, engine: Engine) -> None:
        response = client.post(
            "/api/v1/parties", json={"name": "Nguyễn Văn An", "role": "farmer", "district": "Bù Đăng"}, headers=ADMIN
        )
        assert response.status_code == 201
        body = response.json()
        assert body["role"] == "farmer" and body["district"] == "bu-dang" and body["country"] == "VN"
        me = client.get("/api/v1/parties/me", headers=auth(body["api_key"]))
        assert me.status_code == 200 and me.json()["id"] == body["id"] and "api_key" not in me.json()

    def test_the_key_is_stored_only_as_its_hash(self, client: TestClient, engine: Engine) -> None:
        party = make_party(client)
        with open_session(engine) as session:
            stored = [k.key_hash for k in session.scalars(select(ApiKey))]
        assert hash_key(party["api_key"]) in stored
        assert party["api_key"] not in stored

    def test_processor_with_gs1_prefix(self, client: TestClient) -> None:
        party = make_party(client, role="processor", gs1_company_prefix="8935001")
        assert party["gs1_company_prefix"] == "8935001"

    def test_farmer_cannot_hold_a_gs1_prefix(self, client: TestClient, engine: Engine) -> None:
        before = table_counts(engine)
        response = client.post(
            "/api/v1/parties", json={"name": "X", "role": "farmer", "gs1_company_prefix": "8935001"}, headers=ADMIN
        )
        assert response.status_code == 422 and response.json()["error"] == "gs1_prefix_not_allowed"
        assert table_counts(engine) == before

    def test_unknown_role_and_district_are_422(self, client: TestClient, engine: Engine) -> None:
        before = table_counts(engine)
        for body in (
            {"name": "X", "role": "king"},
            {"name": "X", "role": "farmer", "district": "Atlantis"},
            {"name": "", "role": "farmer"},
            {"name": "X", "role": "farmer", "country": "Vietnam"},
        ):
            response = client.post("/api/v1/parties", json=body, headers=ADMIN)
            assert response.status_code == 422, body
            assert response.json()["error"] == "invalid_input" and response.json()["fields"]
        assert table_counts(engine) == before


class TestAdminAccess:
    def test_wrong_admin_token_is_401(self, client: TestClient, engine: Engine) -> None:
        before = table_counts(engine)
        response = client.post("/api/v1/parties", json={"name": "X", "role": "farmer"}, headers=auth("wrong"))
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
        assert table_counts(engine) == before

    @pytest.mark.parametrize("role", ["farmer", "processor", "trader", "regulator"])
    def test_a_party_key_is_authenticated_but_not_allowed_403(
        self, client: TestClient, engine: Engine, role: str
    ) -> None:
        party = make_party(client, role=role)
        before = table_counts(engine)
        response = client.post("/api/v1/parties", json={"name": "X", "role": "regulator"}, headers=party["headers"])
        assert response.status_code == 403 and response.json()["error"] == "forbidden", response.text
        assert "admin token" in response.json()["detail"]
        assert table_counts(engine) == before

    def test_admin_endpoints_closed_without_admin_token(self, settings: Settings, engine: Engine) -> None:
        from api.app import create_app

        closed = settings.model_copy(update={"admin_token": None})
        with TestClient(create_app(closed, engine)) as client:
            response = client.post("/api/v1/parties", json={"name": "X", "role": "farmer"}, headers=auth(""))
            assert response.status_code in (401, 403)
            response = client.post("/api/v1/parties", json={"name": "X", "role": "farmer"}, headers=ADMIN)
            assert response.status_code == 403 and "CASHEW_ADMIN_TOKEN" in response.json()["detail"]


class TestAuthentication:
    def test_missing_and_unknown_keys_are_401(self, client: TestClient) -> None:
        for headers in ({}, auth("ck_not-a-real-key"), {"Authorization": "Basic abc"}):
            response = client.get("/api/v1/parties/me", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "unauthorized"
