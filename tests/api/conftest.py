"""Fixtures shared by the HTTP tests of the oversight pillar."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    CONTAINER,
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
from traceability import clock


@pytest.fixture
def season(client: TestClient) -> Iterator[dict[str, Any]]:
    """Two farms in two districts, one corrected harvest and one of last season, a delivery with
    a little loss, two imports, one batch and one container to the Netherlands; all on 15 June 2026
    (the clock is pinned, so the story stays in the 2026 season whenever the tests run)."""
    with clock.frozen(lambda: JUNE_15):
        yield _season(client)


JUNE_15 = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def _season(client: TestClient) -> dict[str, Any]:
    an, binh = make_party(client, name="Nguyễn Văn An"), make_party(client, name="Trần Thị Bình")
    processor = make_party(client, role="processor", name="Công ty Chế biến Điều Bù Đăng", gs1_company_prefix="8935412")
    domestic = farm_lot(client, an, 2000)  # a 5 ha farm in Bù Đăng
    farm_a = client.get(f"/api/v1/lots/{domestic}", headers=an["headers"]).json()["origin"][0]["farm_id"]
    log_harvest(client, an, farm_a, harvested_on="2025-04-01", quantity_kg=500)  # last season
    farm_b = make_farm(
        client, binh, district="dong-phu", area_ha=2.0, geometry={"type": "Point", "coordinates": list(DONG_PHU)}
    )
    harvest_b = log_harvest(client, binh, farm_b["id"], quantity_kg=1200.5)
    ok(
        client.post(
            "/api/v1/corrections",
            json={"entry_id": harvest_b["id"], "changes": {"quantity_kg": 1000}, "reason": "cân lại ở đại lý"},
            headers=binh["headers"],
        )
    )
    received = deliver(client, an, processor, domestic, 2000, received_kg=1990)
    ivorian = import_lot(client, processor, 1000, "CI")
    import_lot(client, processor, 500, "GH")
    for lot_id in (received, ivorian):
        ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", headers=processor["headers"], json=CUTTING_TEST))
    body = {
        "inputs": [{"lot_id": received, "quantity_kg": 1990}, {"lot_id": ivorian, "quantity_kg": 1000}],
        "outputs": [
            {"product": "kernel", "grade": "W320", "quantity_kg": 600},
            {"product": "kernel", "grade": "LP", "quantity_kg": 150},
            {"product": "shell", "quantity_kg": 2000},
        ],
    }
    made = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))
    ok(
        client.post(
            "/api/v1/shipments",
            headers=processor["headers"],
            json={
                "lot_ids": [made["outputs"][0]["lot_id"]],
                "container_no": CONTAINER,
                "port_of_loading": "VNCLI",
                "destination_country": "NL",
                "documents": [{"type": "bill_of_lading", "sha256": "cd" * 32}],
            },
        )
    )
    return {"regulator": make_party(client, role="regulator"), "processor": processor}
