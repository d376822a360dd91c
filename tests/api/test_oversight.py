"""State oversight (SPEC §6.4): every alert kind from its triggering story and a near miss,
acknowledgements, inspections, and the regulators-only rule on every oversight endpoint."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories import (
    BU_DANG,
    CUTTING_TEST,
    deliver,
    farm_lot,
    import_lot,
    ledger_size,
    log_harvest,
    make_farm,
    make_party,
    ok,
    square,
    table_counts,
)

ORGANIC_UNTIL_FEB = [
    {"scheme": "organic-eu", "certificate_no": "ORG-24-117", "valid_from": "2024-01-01", "valid_to": "2026-02-28"}
]


@pytest.fixture
def regulator(client: TestClient) -> dict[str, Any]:
    return make_party(client, role="regulator")


@pytest.fixture
def processor(client: TestClient) -> dict[str, Any]:
    return make_party(client, role="processor", gs1_company_prefix="8935412")


def alerts(client: TestClient, regulator: dict[str, Any], **filters: Any) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    found = ok(client.get(f"/api/v1/oversight/alerts?{query}", headers=regulator["headers"]), 200)
    items: list[dict[str, Any]] = found["items"]
    return items


def kinds(client: TestClient, regulator: dict[str, Any]) -> list[str]:
    return sorted(a["kind"] for a in alerts(client, regulator))


def cutting_test(client: TestClient, party: dict[str, Any], lot_id: str, good_kernel_g: int) -> None:
    """A cutting test of ``good_kernel_g`` per kg: 230 g ≈ 40.6 lbs (23.0 %), 300 g ≈ 52.9 lbs (30.0 %)."""
    ok(
        client.post(
            f"/api/v1/lots/{lot_id}/quality-tests",
            headers=party["headers"],
            json=CUTTING_TEST | {"good_kernel_g": good_kernel_g, "spotted_kernel_g": 0},
        )
    )


def mixed_batch(client: TestClient, processor: dict[str, Any], kernel_kg: float) -> str:
    """1,000 kg of Bù Đăng nuts at 23 % recovery with 1,000 kg of Ivorian nuts at 30 %: the kernel
    lot is 50 % "Vietnamese" by mass, but the domestic nuts can give at most 230 kg of kernel."""
    farmer = make_party(client)
    domestic = deliver(client, farmer, processor, farm_lot(client, farmer, 1000), 1000)
    imported = import_lot(client, processor, 1000, "CI")
    cutting_test(client, processor, domestic, 230)
    cutting_test(client, processor, imported, 300)
    body = {
        "inputs": [{"lot_id": domestic, "quantity_kg": 1000}, {"lot_id": imported, "quantity_kg": 1000}],
        "outputs": [
            {"product": "kernel", "grade": "W320", "quantity_kg": kernel_kg},
            {"product": "shell", "grade": None, "quantity_kg": 1400},
        ],
    }
    made = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))
    assert made["warnings"] == []  # within the usual 21–29 % band: the batch alone looks ordinary
    lot_id: str = made["outputs"][0]["lot_id"]
    return lot_id


def listing(lot_id: str, quantity_kg: float) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "quantity_kg": quantity_kg,
        "price": "3.10",
        "currency": "USD",
        "unit": "lb",
        "incoterm": "FOB",
        "port": "VNSGN",
    }


class TestAlertKinds:
    def test_farm_yield_high_and_near_miss(self, client: TestClient, regulator: dict[str, Any]) -> None:
        farmer = make_party(client)
        farm = make_farm(client, farmer, area_ha=2.0)
        log_harvest(client, farmer, farm["id"], quantity_kg=5000)  # 2.50 t/ha: the limit itself
        assert kinds(client, regulator) == []
        log_harvest(client, farmer, farm["id"], quantity_kg=100)  # 2.55 t/ha
        (alert,) = alerts(client, regulator, kind="farm_yield_high")
        assert (alert["party_id"], alert["subject_id"], alert["detail"]["t_per_ha"]) == (
            farmer["id"],
            farm["id"],
            "2.55",
        )
        log_harvest(client, farmer, farm["id"], quantity_kg=100)  # same farm, same season: the same alert, refreshed
        (again,) = alerts(client, regulator, kind="farm_yield_high")
        assert again["id"] == alert["id"] and again["detail"]["t_per_ha"] == "2.60"

    def test_plot_overlap_and_near_miss(self, client: TestClient, regulator: dict[str, Any]) -> None:
        farmer = make_party(client)
        lon, lat = BU_DANG
        make_farm(client, farmer, area_ha=5.0, geometry=square(lon, lat, 5.0))
        make_farm(
            client, farmer, area_ha=5.0, geometry=square(lon + 0.0021, lat, 5.0)
        )  # 5 ha ≈ 224 m a side: 5 m apart
        assert kinds(client, regulator) == []
        second = make_farm(client, make_party(client), area_ha=5.0, geometry=square(lon - 0.001, lat, 5.0))
        (alert,) = alerts(client, regulator, kind="plot_overlap")
        assert alert["subject_id"] == second["id"]

    def test_batch_yield_high_and_near_miss(
        self, client: TestClient, regulator: dict[str, Any], processor: dict[str, Any]
    ) -> None:
        def batch(kernel_kg: float) -> dict[str, Any]:
            raw = import_lot(client, processor, 1000)
            body = {
                "inputs": [{"lot_id": raw, "quantity_kg": 1000}],
                "outputs": [
                    {"product": "kernel", "grade": "W240", "quantity_kg": kernel_kg},
                    {"product": "shell", "grade": None, "quantity_kg": 650},
                ],
            }
            return ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))

        batch(290)  # 29 %: the top of the usual band
        assert kinds(client, regulator) == []
        high = batch(300)
        (alert,) = alerts(client, regulator, kind="batch_yield_high")
        assert (alert["subject_type"], alert["subject_id"], alert["party_id"]) == ("batch", high["id"], processor["id"])

    def test_transit_loss_and_near_miss(
        self, client: TestClient, regulator: dict[str, Any], processor: dict[str, Any]
    ) -> None:
        farmer = make_party(client)
        lot_id = farm_lot(client, farmer, 2000)
        deliver(client, farmer, processor, lot_id, 1000, received_kg=980)  # 2.0 % lost: within what drying explains
        assert kinds(client, regulator) == []
        deliver(client, farmer, processor, lot_id, 1000, received_kg=979)
        (alert,) = alerts(client, regulator, kind="transit_loss")
        assert alert["party_id"] == farmer["id"] and alert["subject_type"] == "transfer"

    def test_certificate_expired_and_near_miss(self, client: TestClient, regulator: dict[str, Any]) -> None:
        farmer = make_party(client)
        farm = make_farm(client, farmer, certifications=ORGANIC_UNTIL_FEB)
        last_day = log_harvest(client, farmer, farm["id"], harvested_on="2026-02-28", quantity_kg=500)
        assert last_day["warnings"] == [] and kinds(client, regulator) == []
        after = log_harvest(client, farmer, farm["id"], harvested_on="2026-03-01", quantity_kg=500)
        assert after["warnings"][0].startswith("certificate_expired")
        (alert,) = alerts(client, regulator, kind="certificate_expired")
        assert alert["subject_id"] == farm["id"] and alert["detail"]["valid_to"] == "2026-02-28"
        assert client.get(f"/api/v1/lots/{after['lot_id']}", headers=farmer["headers"]).json()["certifications"] == []

    def test_a_renewed_certificate_is_no_alert(self, client: TestClient, regulator: dict[str, Any]) -> None:
        farmer = make_party(client)
        renewed = ORGANIC_UNTIL_FEB + [
            {
                "scheme": "organic-eu",
                "certificate_no": "ORG-26-009",
                "valid_from": "2026-03-01",
                "valid_to": "2028-02-29",
            }
        ]
        farm = make_farm(client, farmer, certifications=renewed)
        log_harvest(client, farmer, farm["id"], harvested_on="2026-03-10", quantity_kg=500)
        assert kinds(client, regulator) == []

    def test_origin_claim_exceeds_input_when_labelled(
        self, client: TestClient, regulator: dict[str, Any], processor: dict[str, Any]
    ) -> None:
        kernel = mixed_batch(client, processor, 540)  # 270 kg "Vietnamese" kernel from nuts that hold 230 kg
        assert kinds(client, regulator) == []  # nothing has left the factory yet
        assert client.get(f"/api/v1/lots/{kernel}/label.svg", headers=processor["headers"]).status_code == 200
        (alert,) = alerts(client, regulator, kind="origin_claim_exceeds_input")
        assert (alert["party_id"], alert["subject_id"]) == (processor["id"], kernel)
        assert alert["detail"]["claimed_vn_kernel_kg"] == "270" and alert["detail"]["domestic_capacity_kg"].startswith(
            "230.0"
        )
        client.get(f"/api/v1/lots/{kernel}/label.png", headers=processor["headers"])  # reprinting: still one alert
        ok(client.post("/api/v1/listings", json=listing(kernel, 100), headers=processor["headers"]))
        assert len(alerts(client, regulator, kind="origin_claim_exceeds_input")) == 1

    def test_origin_claim_near_miss_then_listed_split(
        self, client: TestClient, regulator: dict[str, Any], processor: dict[str, Any]
    ) -> None:
        within = mixed_batch(client, processor, 450)  # 225 kg "Vietnamese" of a possible 230
        ok(client.post("/api/v1/listings", json=listing(within, 450), headers=processor["headers"]))
        assert kinds(client, regulator) == []
        beyond = mixed_batch(client, processor, 560)  # together 505 kg claimed of a possible 460
        trader = make_party(client, role="trader")
        part = deliver(client, processor, trader, beyond, 100)  # a part, split off and sold on unlabelled
        ok(client.post("/api/v1/listings", json=listing(part, 100), headers=trader["headers"]))
        (alert,) = alerts(client, regulator, kind="origin_claim_exceeds_input")
        assert alert["subject_id"] == part and alert["detail"]["claimed_vn_kernel_kg"] == "505"

    def test_imported_kernel_alone_claims_nothing(
        self, client: TestClient, regulator: dict[str, Any], processor: dict[str, Any]
    ) -> None:
        raw = import_lot(client, processor, 1000, "GH")
        body = {
            "inputs": [{"lot_id": raw, "quantity_kg": 1000}],
            "outputs": [{"product": "kernel", "grade": "W320", "quantity_kg": 280}],
        }
        kernel = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))["outputs"][0]["lot_id"]
        assert client.get(f"/api/v1/lots/{kernel}/label.svg", headers=processor["headers"]).status_code == 200
        assert kinds(client, regulator) == []

    def test_ledger_integrity_from_the_audit(
        self, client: TestClient, engine: Engine, regulator: dict[str, Any]
    ) -> None:
        farmer = make_party(client)
        harvest = log_harvest(client, farmer, make_farm(client, farmer)["id"])
        report = ok(client.post("/api/v1/oversight/audits", headers=regulator["headers"]), 200)
        assert report["problems"] == [] and kinds(client, regulator) == []
        with engine.begin() as conn:
            conn.execute(text("UPDATE harvest SET quantity_g = 1 WHERE id = :h"), {"h": harvest["id"]})
        for _ in range(2):  # a second audit finds the same problem: still one alert
            ok(client.post("/api/v1/oversight/audits", headers=regulator["headers"]), 200)
        (alert,) = alerts(client, regulator, kind="ledger_integrity")
        assert (alert["subject_type"], alert["subject_id"]) == ("harvest", harvest["id"])
        assert alert["detail"]["ledger_index"] == harvest["ledger"]["index"]


class TestAlertList:
    def test_filters_and_pages(self, client: TestClient, regulator: dict[str, Any]) -> None:
        farmers = [make_party(client) for _ in range(3)]
        for farmer in farmers:
            farm = make_farm(client, farmer, area_ha=1.0)
            log_harvest(client, farmer, farm["id"], quantity_kg=3000)
        assert [a["party_id"] for a in alerts(client, regulator, party_id=farmers[1]["id"])] == [farmers[1]["id"]]
        first = ok(client.get("/api/v1/oversight/alerts?limit=2", headers=regulator["headers"]), 200)
        rest = ok(
            client.get(f"/api/v1/oversight/alerts?limit=2&cursor={first['next_cursor']}", headers=regulator["headers"]),
            200,
        )
        assert [a["party_id"] for a in first["items"] + rest["items"]] == [f["id"] for f in farmers]
        assert rest["next_cursor"] is None
        raised = first["items"][1]["raised_at"]
        assert [a["party_id"] for a in alerts(client, regulator, since=raised.replace("+", "%2B"))] == [
            f["id"] for f in farmers[1:]
        ]
        assert alerts(client, regulator, since="2099-01-01T00:00:00Z") == []
        assert alerts(client, regulator, since="2099-01-01") == []  # no offset: Vietnam's local time
        assert len(alerts(client, regulator, since="2000-01-01T08:00:00")) == 3

    @pytest.mark.parametrize(
        ("query", "code"),
        [
            ("kind=fraud", "invalid_kind"),
            ("since=yesterday", "invalid_input"),
            ("cursor=%21%21", "invalid_cursor"),
            ("cursor=YWJj", "invalid_cursor"),
            ("cursor=OTk5OTk5OTk5OTk5", "invalid_cursor"),
            ("limit=0", "invalid_limit"),
        ],
    )
    def test_bad_filters_are_422(self, client: TestClient, regulator: dict[str, Any], query: str, code: str) -> None:
        response = client.get(f"/api/v1/oversight/alerts?{query}", headers=regulator["headers"])
        assert response.status_code == 422 and response.json()["error"] == code, response.text


class TestAcknowledgement:
    @pytest.fixture
    def alert(self, client: TestClient, regulator: dict[str, Any]) -> dict[str, Any]:
        farmer = make_party(client)
        log_harvest(client, farmer, make_farm(client, farmer, area_ha=1.0)["id"], quantity_kg=3000)
        (alert,) = alerts(client, regulator)
        return alert

    def test_a_regulator_acknowledges_once_with_an_entry(
        self, client: TestClient, engine: Engine, regulator: dict[str, Any], alert: dict[str, Any]
    ) -> None:
        size = ledger_size(client)
        note = "Visited 2026-04-02: new PN1 grafts, yield plausible; weighbridge slips seen."
        acked = ok(
            client.post(
                f"/api/v1/oversight/alerts/{alert['id']}/acknowledge", json={"note": note}, headers=regulator["headers"]
            ),
            200,
        )
        assert acked["acknowledgement"]["note"] == note and acked["acknowledgement"]["regulator_id"] == regulator["id"]
        assert acked["acknowledgement"]["ledger"]["index"] == size == ledger_size(client) - 1
        with engine.connect() as conn:
            entry = json.loads(
                conn.execute(text("SELECT leaf_data FROM ledger_entry WHERE idx = :i"), {"i": size}).scalar_one()
            )
        assert entry["type"] == "alert_acknowledgement" and entry["data"]["alert_id"] == alert["id"]
        assert note not in json.dumps(entry) and len(entry["data"]["note_sha256"]) == 64
        assert alerts(client, regulator)[0]["acknowledgement"]["id"] == acked["acknowledgement"]["id"]
        assert [a["id"] for a in alerts(client, regulator, acknowledged="true")] == [alert["id"]]
        assert alerts(client, regulator, acknowledged="false") == []
        before = table_counts(engine)
        again = client.post(
            f"/api/v1/oversight/alerts/{alert['id']}/acknowledge", json={"note": "again"}, headers=regulator["headers"]
        )
        assert again.status_code == 409 and again.json()["error"] == "already_acknowledged"
        assert table_counts(engine) == before

    @pytest.mark.parametrize(
        ("case", "status"),
        [
            ("unknown", 404),
            ("huge", 422),
            ("empty_note", 422),
            ("extra_field", 422),
            ("farmer", 403),
            ("processor", 403),
        ],
    )
    def test_bad_acknowledgements_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        regulator: dict[str, Any],
        alert: dict[str, Any],
        case: str,
        status: int,
    ) -> None:
        who = make_party(client, role=case) if case in ("farmer", "processor") else regulator
        alert_id = {"unknown": 999999, "huge": 10**20}.get(case, alert["id"])
        body = (
            {"note": ""}
            if case == "empty_note"
            else {"note": "ok", "by": "x"}
            if case == "extra_field"
            else {"note": "ok"}
        )
        before = table_counts(engine)
        response = client.post(f"/api/v1/oversight/alerts/{alert_id}/acknowledge", json=body, headers=who["headers"])
        assert response.status_code == status, response.text
        assert table_counts(engine) == before


class TestInspections:
    def test_recorded_as_an_entry_and_listed_per_party(
        self, client: TestClient, engine: Engine, regulator: dict[str, Any], processor: dict[str, Any]
    ) -> None:
        other = make_party(client, role="trader")
        body = {
            "party_id": processor["id"],
            "inspected_on": "2026-06-20",
            "result": "conditional",
            "findings": "Nhật ký sấy thiếu ngày 12–14/6; cân bàn chưa kiểm định lại.",
        }
        made = ok(client.post("/api/v1/oversight/inspections", json=body, headers=regulator["headers"]))
        ok(
            client.post(
                "/api/v1/oversight/inspections",
                json=body | {"party_id": other["id"], "result": "pass"},
                headers=regulator["headers"],
            )
        )
        assert made["result"] == "conditional" and made["inspector_id"] == regulator["id"]
        with engine.connect() as conn:
            entry = json.loads(
                conn.execute(
                    text("SELECT leaf_data FROM ledger_entry WHERE idx = :i"), {"i": made["ledger"]["index"]}
                ).scalar_one()
            )
        assert entry["type"] == "inspection" and entry["by"] == regulator["id"]
        assert {k: entry["data"][k] for k in ("inspection_id", "party_id", "result")} == {
            "inspection_id": made["id"],
            "party_id": processor["id"],
            "result": "conditional",
        }
        listed = ok(
            client.get(f"/api/v1/oversight/inspections?party_id={processor['id']}", headers=regulator["headers"]), 200
        )["items"]
        assert [i["id"] for i in listed] == [made["id"]] and listed[0]["findings"] == body["findings"]

    @pytest.mark.parametrize(
        ("change", "status", "code"),
        [
            ({"result": "ok"}, 422, "invalid_input"),
            ({"party_id": "P-NOBODY"}, 404, "not_found"),
            ({"inspected_on": "2099-01-01"}, 422, "date_in_future"),
            ({"findings": ""}, 422, "invalid_input"),
            ({"inspected_on": "20/06/2026"}, 422, "invalid_input"),
        ],
    )
    def test_bad_inspections_write_nothing(
        self,
        client: TestClient,
        engine: Engine,
        regulator: dict[str, Any],
        processor: dict[str, Any],
        change: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        body = {"party_id": processor["id"], "inspected_on": "2026-06-20", "result": "fail", "findings": "x"} | change
        before = table_counts(engine)
        response = client.post("/api/v1/oversight/inspections", json=body, headers=regulator["headers"])
        assert response.status_code == status and response.json()["error"] == code, response.text
        assert table_counts(engine) == before


OVERSIGHT_ENDPOINTS = [
    ("GET", "/api/v1/oversight/summary?season=2026", None),
    ("GET", "/api/v1/oversight/alerts", None),
    ("GET", "/api/v1/oversight/alerts/1", None),
    ("POST", "/api/v1/oversight/alerts/1/acknowledge", {"note": "x"}),
    ("POST", "/api/v1/oversight/audits", None),
    ("POST", "/api/v1/oversight/inspections", {"note": "x"}),
    ("GET", "/api/v1/oversight/inspections?party_id=x", None),
    ("GET", "/api/v1/oversight/reports/production_by_district.csv", None),
    ("GET", "/api/v1/oversight/reports/processing_by_party.csv", None),
    ("GET", "/api/v1/oversight/reports/exports.csv", None),
]


@pytest.mark.parametrize("role", ["farmer", "processor", "trader"])
def test_only_regulators_reach_oversight(client: TestClient, engine: Engine, role: str) -> None:
    party = make_party(client, role=role)
    before = table_counts(engine)
    for method, path, body in OVERSIGHT_ENDPOINTS:
        response = client.request(method, path, headers=party["headers"], json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert client.request(method, path).status_code == 401, (method, path)
    assert table_counts(engine) == before


def test_regulators_read_everything_and_write_nothing_else(
    client: TestClient, engine: Engine, regulator: dict[str, Any], processor: dict[str, Any]
) -> None:
    farmer = make_party(client)
    farm = make_farm(client, farmer)
    harvest = log_harvest(client, farmer, farm["id"], quantity_kg=800)
    lot_id = deliver(client, farmer, processor, harvest["lot_id"], 500)
    for path in (
        f"/api/v1/farms/{farm['id']}",
        f"/api/v1/harvests/{harvest['id']}",
        f"/api/v1/lots/{lot_id}",
        f"/api/v1/lots/{harvest['lot_id']}",
        f"/api/v1/lots/{lot_id}/provenance",
    ):
        assert client.get(path, headers=regulator["headers"]).status_code == 200, path
    before = table_counts(engine)
    writes = [
        (
            "/api/v1/farms",
            {
                "name": "x",
                "district": "bu-dang",
                "commune": "x",
                "area_ha": 1,
                "geometry": {"type": "Point", "coordinates": list(BU_DANG)},
            },
        ),
        (
            "/api/v1/harvests",
            {"farm_id": farm["id"], "harvested_on": "2026-03-01", "quantity_kg": 10, "moisture_pct": 9},
        ),
        (f"/api/v1/lots/{lot_id}/dispatch", {"to_party_id": farmer["id"], "quantity_kg": 1}),
        (f"/api/v1/lots/{lot_id}/quality-tests", CUTTING_TEST),
        (
            "/api/v1/batches",
            {"inputs": [{"lot_id": lot_id, "quantity_kg": 1}], "outputs": [{"product": "shell", "quantity_kg": 1}]},
        ),
        ("/api/v1/listings", listing(lot_id, 1)),
        ("/api/v1/corrections", {"entry_id": harvest["id"], "changes": {"quantity_kg": 1}, "reason": "x"}),
    ]
    for path, body in writes:
        response = client.post(path, json=body, headers=regulator["headers"])
        assert response.status_code == 403, (path, response.text)
    assert client.get(f"/api/v1/lots/{lot_id}/label.svg", headers=regulator["headers"]).status_code == 403
    assert table_counts(engine) == before
