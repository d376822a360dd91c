"""Registering farms: geometry rules, certifications, ownership, overlaps, EUDR export (SPEC §6.1)."""

import hashlib
from typing import Any

import pytest
import rfc8785
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import col

from tests.factories import (
    BU_DANG,
    DONG_PHU,
    Party,
    farm_body,
    ledger_size,
    make_farm,
    make_party,
    square,
    table_counts,
)
from traceability.alerts.models import Alert
from traceability.db import open_session


@pytest.fixture
def farmer(client: TestClient) -> Party:
    return make_party(client)


def refused(client: TestClient, engine: Engine, farmer: Party, code: str, **overrides: object) -> dict[str, Any]:
    before, size = table_counts(engine), ledger_size(client)
    response = client.post("/api/v1/farms", json=farm_body(**overrides), headers=farmer["headers"])
    assert response.status_code == 422, response.text
    assert response.json()["error"] == code, response.json()
    assert table_counts(engine) == before and ledger_size(client) == size
    error: dict[str, Any] = response.json()
    return error


class TestRegisterFarm:
    def test_point_farm_is_anchored(self, client: TestClient, farmer: Party) -> None:
        size = ledger_size(client)
        farm = make_farm(client, farmer, area_ha=2.5)
        assert farm["owner_id"] == farmer["id"] and farm["area_ha"] == 2.5
        assert farm["district_name"] == "Bù Đăng" and farm["legacy_province"] == "Bình Phước"
        assert farm["province"] == "Đồng Nai"
        assert farm["ledger"]["index"] == size and ledger_size(client) == size + 1

    def test_polygon_farm_above_4_ha(self, client: TestClient, farmer: Party) -> None:
        farm = make_farm(client, farmer, area_ha=6.0, geometry=square(*DONG_PHU, 6.0), district="Đồng Phú")
        assert farm["geometry"]["type"] == "Polygon"
        assert farm["computed_area_ha"] == pytest.approx(6.0, rel=0.02)

    def test_coordinates_rounded_to_6_decimals(self, client: TestClient, farmer: Party) -> None:
        farm = make_farm(client, farmer, geometry={"type": "Point", "coordinates": [107.123456789, 11.7654321]})
        assert farm["geometry"]["coordinates"] == [107.123457, 11.765432]

    def test_certifications_are_kept_and_anchored(self, client: TestClient, farmer: Party) -> None:
        size = ledger_size(client)
        cert = {
            "scheme": "organic-eu",
            "certificate_no": "VN-BIO-149-2025",
            "valid_from": "2025-01-01",
            "valid_to": "2026-12-31",
        }
        farm = make_farm(client, farmer, certifications=[cert])
        assert farm["certifications"] == [cert]
        assert ledger_size(client) == size + 2  # the farm and its certificate

    def test_district_by_name_without_accents(self, client: TestClient, farmer: Party) -> None:
        assert make_farm(client, farmer, district="bu gia map")["district"] == "bu-gia-map"


class TestGeometryRules:
    def test_point_above_4_ha_needs_polygon(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        refused(client, engine, farmer, "polygon_required", area_ha=4.5)

    def test_unclosed_ring(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        ring = square(*BU_DANG, 5.0)["coordinates"][0][:-1]
        refused(
            client,
            engine,
            farmer,
            "polygon_not_closed",
            area_ha=5.0,
            geometry={"type": "Polygon", "coordinates": [ring]},
        )

    def test_self_intersecting_polygon(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        (a, b, c, d, _) = square(*BU_DANG, 5.0)["coordinates"][0]
        bowtie = [a, c, b, d, a]
        refused(
            client,
            engine,
            farmer,
            "polygon_invalid",
            area_ha=5.0,
            geometry={"type": "Polygon", "coordinates": [bowtie]},
        )

    def test_outside_vietnam(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        refused(
            client, engine, farmer, "outside_vietnam", geometry={"type": "Point", "coordinates": [104.9, 11.55]}
        )  # Phnom Penh

    def test_swapped_lat_lon_is_refused_with_a_hint(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        body = refused(
            client, engine, farmer, "invalid_geometry", geometry={"type": "Point", "coordinates": [11.77, 107.24]}
        )
        assert "longitude/latitude" in body["detail"]
        refused(client, engine, farmer, "outside_vietnam", geometry={"type": "Point", "coordinates": [11.77, 17.24]})

    def test_area_must_match_polygon_within_25_percent(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        body = refused(client, engine, farmer, "area_mismatch", area_ha=5.0, geometry=square(*BU_DANG, 8.0))
        assert "8.0" in body["detail"] or "7.9" in body["detail"] or "8.1" in body["detail"]
        make_farm(client, farmer, area_ha=5.0, geometry=square(*BU_DANG, 6.0))  # 20% off: accepted

    @pytest.mark.parametrize(
        "geometry",
        [
            {"type": "LineString", "coordinates": [[107.2, 11.7], [107.3, 11.8]]},
            {"type": "Point", "coordinates": [107.2]},
            {"type": "Point", "coordinates": ["107.2", "11.7"]},
            {"type": "Point", "coordinates": [200, 11.7]},
            {"type": "Polygon", "coordinates": [[[107.2, 11.7], [107.3, 11.7], [107.2, 11.7]]]},
            {"type": "Polygon", "coordinates": []},
            {"coordinates": [107.2, 11.7]},
        ],
    )
    def test_malformed_geometries(
        self, client: TestClient, engine: Engine, farmer: Party, geometry: dict[str, Any]
    ) -> None:
        refused(client, engine, farmer, "invalid_geometry", geometry=geometry)


class TestOverlap:
    def test_overlapping_polygon_is_accepted_and_flagged(
        self, client: TestClient, engine: Engine, farmer: Party
    ) -> None:
        neighbour = make_party(client)
        first = make_farm(client, neighbour, area_ha=5.0, geometry=square(*DONG_PHU, 5.0), district="dong-phu")
        shifted = square(DONG_PHU[0] + 0.0005, DONG_PHU[1], 5.0)
        second = make_farm(client, farmer, area_ha=5.0, geometry=shifted, district="dong-phu")
        assert any(w.startswith("plot_overlap") for w in second["warnings"])
        assert first["id"] not in str(second)  # the farmer does not learn the other farm
        with open_session(engine) as session:
            alerts = list(session.scalars(select(Alert).where(col(Alert.kind) == "plot_overlap")))
        assert len(alerts) == 1
        assert {alerts[0].detail["farm_id"], alerts[0].detail["other_farm_id"]} == {first["id"], second["id"]}

    def test_adjacent_polygons_are_not_flagged(self, client: TestClient, engine: Engine, farmer: Party) -> None:
        make_farm(client, farmer, area_ha=5.0, geometry=square(*DONG_PHU, 5.0), district="dong-phu")
        far = make_farm(
            client, farmer, area_ha=5.0, geometry=square(DONG_PHU[0] + 0.01, DONG_PHU[1], 5.0), district="dong-phu"
        )
        assert far["warnings"] == []


class TestReadingFarms:
    def test_farmer_sees_only_own_farms(self, client: TestClient, farmer: Party) -> None:
        other = make_party(client)
        mine = make_farm(client, farmer)
        theirs = make_farm(client, other)
        listed = client.get("/api/v1/farms", headers=farmer["headers"]).json()
        assert [f["id"] for f in listed["items"]] == [mine["id"]] and listed["next_cursor"] is None
        assert client.get(f"/api/v1/farms/{theirs['id']}", headers=farmer["headers"]).status_code == 403
        assert client.get(f"/api/v1/farms/{theirs['id']}/export.geojson", headers=farmer["headers"]).status_code == 403
        assert client.get("/api/v1/farms/F-NOPE", headers=farmer["headers"]).status_code == 404

    def test_regulator_sees_all_farms_paginated(self, client: TestClient, farmer: Party) -> None:
        ids = {make_farm(client, farmer)["id"] for _ in range(3)}
        regulator = make_party(client, role="regulator")
        page1 = client.get("/api/v1/farms?limit=2", headers=regulator["headers"]).json()
        page2 = client.get(f"/api/v1/farms?limit=2&cursor={page1['next_cursor']}", headers=regulator["headers"]).json()
        assert len(page1["items"]) == 2 and page2["next_cursor"] is None
        assert {f["id"] for f in page1["items"] + page2["items"]} == ids

    def test_only_farmers_register_farms(self, client: TestClient, engine: Engine) -> None:
        before = table_counts(engine)
        for role in ("processor", "trader", "regulator"):
            party = make_party(client, role=role)
            response = client.post("/api/v1/farms", json=farm_body(), headers=party["headers"])
            assert response.status_code == 403 and response.json()["error"] == "forbidden"
        assert table_counts(engine) == before | {"party": before["party"] + 3, "api_key": before["api_key"] + 3}


class TestEudrExport:
    def test_feature_has_eudr_properties_and_the_anchored_geometry_hash(
        self, client: TestClient, engine: Engine, farmer: Party
    ) -> None:
        farm = make_farm(client, farmer, area_ha=6.0, geometry=square(*DONG_PHU, 6.0), district="dong-phu")
        response = client.get(f"/api/v1/farms/{farm['id']}/export.geojson", headers=farmer["headers"])
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
        feature = response.json()
        assert feature["type"] == "Feature" and feature["geometry"] == farm["geometry"]
        assert feature["properties"]["ProducerCountry"] == "VN" and feature["properties"]["Area"] == 6.0
        assert feature["properties"]["ProductionPlace"]
        import json

        from traceability.anchoring.models import LedgerEntry

        with open_session(engine) as session:
            leaf = session.get_one(LedgerEntry, farm["ledger"]["index"])
        entry = json.loads(leaf.leaf_data)
        assert entry["data"]["geometry_sha256"] == hashlib.sha256(rfc8785.dumps(feature["geometry"])).hexdigest()
