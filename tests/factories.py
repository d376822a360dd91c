"""Build parties, farms and harvests through the public HTTP API, as a client would."""

import math
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from traceability.models import metadata

Party = dict[str, Any]
"""A party as ``POST /api/v1/parties`` returns it, plus ready-made ``headers`` with its API key."""

ADMIN = {"Authorization": "Bearer test-admin-token"}
_seq = count(1)

# Plot centres inside legacy Bình Phước districts (DOMAIN.md).
BU_DANG = (107.24, 11.77)
DONG_PHU = (106.96, 11.49)


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


def make_party(client: TestClient, role: str = "farmer", **fields: Any) -> Party:
    body = {"name": f"Party {next(_seq)}", "role": role, **fields}
    response = client.post("/api/v1/parties", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    party: Party = response.json()
    party["headers"] = auth(party["api_key"])
    return party


def square(lon: float, lat: float, hectares: float) -> dict[str, Any]:
    """A closed square polygon of about ``hectares`` centred on (lon, lat)."""
    side_m = math.sqrt(hectares * 10_000)
    dlat = side_m / 2 / 110_574
    dlon = side_m / 2 / (111_320 * math.cos(math.radians(lat)))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat]]
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def farm_body(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body = {
        "name": f"Vườn điều {n}",
        "district": "bu-dang",
        "commune": "Đức Liễu",
        "area_ha": 2.0,
        # A point of its own, at most 0.4° east of Bù Đăng (still in Vietnam) however many farms a worker makes.
        "geometry": {"type": "Point", "coordinates": [BU_DANG[0] + (n % 400) * 0.001, BU_DANG[1]]},
        "planted_year": 2012,
        "variety": "PN1",
    }
    return body | overrides


def make_farm(client: TestClient, farmer: Party, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/farms", json=farm_body(**overrides), headers=farmer["headers"])
    assert response.status_code == 201, response.text
    farm: dict[str, Any] = response.json()
    return farm


def harvest_body(farm_id: str, **overrides: Any) -> dict[str, Any]:
    return {"farm_id": farm_id, "harvested_on": "2026-03-14", "quantity_kg": 1200.5, "moisture_pct": 9.5} | overrides


def log_harvest(client: TestClient, farmer: Party, farm_id: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/harvests", json=harvest_body(farm_id, **overrides), headers=farmer["headers"])
    assert response.status_code == 201, response.text
    harvest: dict[str, Any] = response.json()
    return harvest


def ledger_size(client: TestClient) -> int:
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200
    return int(response.text.split("\n")[1])


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every table: equal before and after a refused request means nothing was written."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


# --- processing --------------------------------------------------------------------
CONTAINER = "CSQU3054383"  # a valid ISO 6346 number (check digit 3)
CUTTING_TEST = {
    "sample_g": 1000,
    "nut_count": 180,
    "good_kernel_g": 280,
    "spotted_kernel_g": 10,
    "reject_kernel_g": 5,
    "moisture_pct": 9,
}  # ≈ 50.3 lbs, 180 nuts/kg


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def farm_lot(client: TestClient, farmer: Party, quantity_kg: float = 2000, **farm: Any) -> str:
    """A farmer's raw-nut lot from a fresh 5 ha farm."""
    made = (
        make_farm(client, farmer, area_ha=5.0, geometry=square(*BU_DANG, 5.0), **farm)
        if not farm.get("geometry")
        else make_farm(client, farmer, **farm)
    )
    lot_id: str = log_harvest(client, farmer, made["id"], quantity_kg=quantity_kg)["lot_id"]
    return lot_id


def dispatch(client: TestClient, sender: Party, lot_id: str, to: Party, kg: float) -> Any:
    """``POST /api/v1/lots/{lot_id}/dispatch`` of ``kg`` to ``to``: the response, refused or not."""
    return client.post(
        f"/api/v1/lots/{lot_id}/dispatch", json={"to_party_id": to["id"], "quantity_kg": kg}, headers=sender["headers"]
    )


def deliver(
    client: TestClient,
    sender: Party,
    recipient: Party,
    lot_id: str,
    quantity_kg: float,
    received_kg: float | None = None,
) -> str:
    """Dispatch and receive; returns the lot id that travelled."""
    transfer = ok(
        client.post(
            f"/api/v1/lots/{lot_id}/dispatch",
            json={"to_party_id": recipient["id"], "quantity_kg": quantity_kg},
            headers=sender["headers"],
        )
    )
    ok(
        client.post(
            f"/api/v1/transfers/{transfer['id']}/receive",
            json={"received_kg": quantity_kg if received_kg is None else received_kg},
            headers=recipient["headers"],
        ),
        200,
    )
    travelled: str = transfer["lot_id"]
    return travelled


def import_lot(client: TestClient, party: Party, quantity_kg: float = 26000, country: str = "CI") -> str:
    body = {
        "quantity_kg": quantity_kg,
        "origin_country": country,
        "supplier": "Abidjan Cashew Export SA",
        "container_no": CONTAINER,
        "documents": [{"type": "bill_of_lading", "sha256": "ab" * 32}],
    }
    lot_id: str = ok(client.post("/api/v1/lots/import", json=body, headers=party["headers"]))["lot_id"]
    return lot_id


def lot(client: TestClient, party: Party, lot_id: str) -> dict[str, Any]:
    return ok(client.get(f"/api/v1/lots/{lot_id}", headers=party["headers"]), 200)
