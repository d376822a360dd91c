"""Provenance bundles (SPEC §5.6) through the API: public, complete lineage, valid proofs, no names."""

import base64
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.checkpoint import Verifier, verify_checkpoint
from ledger.entry import entry_leaf_hash
from ledger.verify import verify_inclusion
from tests.factories import CUTTING_TEST, deliver, farm_lot, import_lot, make_party, ok

FARMER_NAME = "Nguyễn Thị Provenance"


def verify_all(bundle: dict[str, Any]) -> None:
    checkpoint = verify_checkpoint(
        bundle["checkpoint"], Verifier.from_vkey(bundle["log"]["vkey"]), bundle["log"]["origin"]
    )
    for record in bundle["records"]:
        verify_inclusion(
            entry_leaf_hash(record["entry"]),
            record["index"],
            checkpoint.size,
            [base64.b64decode(h) for h in record["proof"]],
            checkpoint.root_hash,
        )


@pytest.fixture
def chain(client: TestClient) -> dict[str, Any]:
    """Two farms → a processor (one part split on the way) + an import → cutting test → batch → split → trader."""
    processor = make_party(client, role="processor", gs1_company_prefix="8935412", name="Công ty Điều Bí Mật")
    farmers = [make_party(client, name=FARMER_NAME), make_party(client, name="Trần Văn Ẩn Danh")]
    raw = [deliver(client, f, processor, farm_lot(client, f, 2000), 1500) for f in farmers]
    imported = import_lot(client, processor, 3000)
    ok(client.post(f"/api/v1/lots/{raw[0]}/quality-tests", json=CUTTING_TEST, headers=processor["headers"]))
    made = ok(
        client.post(
            "/api/v1/batches",
            headers=processor["headers"],
            json={
                "inputs": [
                    {"lot_id": raw[0], "quantity_kg": 1500},
                    {"lot_id": raw[1], "quantity_kg": 1500},
                    {"lot_id": imported, "quantity_kg": 3000},
                ],
                "outputs": [
                    {"product": "kernel", "grade": "W320", "quantity_kg": 1400},
                    {"product": "shell", "quantity_kg": 4200},
                ],
            },
        )
    )
    kernel = made["outputs"][0]["lot_id"]
    trader = make_party(client, role="trader")
    part = deliver(client, processor, trader, kernel, 400)
    return {
        "processor": processor,
        "trader": trader,
        "kernel": kernel,
        "part": part,
        "raw": raw,
        "import": imported,
        "batch": made["id"],
    }


class TestProvenance:
    def test_the_bundle_holds_the_whole_lineage_and_verifies(self, client: TestClient, chain: dict[str, Any]) -> None:
        response = client.get(f"/api/v1/lots/{chain['part']}/provenance")  # no key: public
        assert response.status_code == 200
        bundle = response.json()
        assert bundle["lot_id"] == chain["part"] and set(bundle) == {"lot_id", "log", "checkpoint", "records"}
        verify_all(bundle)
        kinds = Counter(r["entry"]["type"] for r in bundle["records"])
        # 2 harvests, 3 splits (two farm lots and the kernel part), 3 dispatches and receipts, 1 import, test, batch
        assert kinds == {
            "harvest": 2,
            "split": 3,
            "dispatch": 3,
            "receipt": 3,
            "import": 1,
            "quality_test": 1,
            "batch": 1,
        }
        produced = {
            r["entry"]["data"].get("new_lot_id") or r["entry"]["data"].get("lot_id")
            for r in bundle["records"]
            if r["entry"]["type"] in ("harvest", "import", "split")
        }
        assert set(chain["raw"]) | {chain["import"], chain["part"]} <= produced
        indices = [r["index"] for r in bundle["records"]]
        assert indices == sorted(set(indices))

    def test_no_names_no_prices(self, client: TestClient, chain: dict[str, Any]) -> None:
        text = client.get(f"/api/v1/lots/{chain['kernel']}/provenance").text
        for secret in (
            FARMER_NAME,
            "Trần Văn Ẩn Danh",
            "Công ty Điều Bí Mật",
            "Abidjan Cashew Export",
            "price",
            "phone",
        ):
            assert secret not in text

    def test_a_raw_lot_has_a_short_bundle(self, client: TestClient) -> None:
        farmer = make_party(client)
        lot_id = farm_lot(client, farmer, 500)
        bundle = client.get(f"/api/v1/lots/{lot_id}/provenance").json()
        assert [r["entry"]["type"] for r in bundle["records"]] == ["harvest"]
        verify_all(bundle)

    def test_corrections_of_lineage_records_are_included(self, client: TestClient) -> None:
        farmer = make_party(client)
        lot_id = farm_lot(client, farmer, 500)
        harvest_id = client.get(f"/api/v1/lots/{lot_id}", headers=farmer["headers"]).json()["created_by"]["id"]
        ok(
            client.post(
                "/api/v1/corrections",
                headers=farmer["headers"],
                json={"entry_id": harvest_id, "changes": {"quantity_kg": 480}, "reason": "re-weighed"},
            )
        )
        bundle = client.get(f"/api/v1/lots/{lot_id}/provenance").json()
        assert [r["entry"]["type"] for r in bundle["records"]] == ["harvest", "correction"]

    def test_unknown_lot_is_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/lots/KRN26-NOTHING/provenance")
        assert response.status_code == 404 and response.json()["error"] == "not_found"

    def test_the_buyer_page_links_to_the_bundle(self, client: TestClient, chain: dict[str, Any]) -> None:
        label = client.get(f"/api/v1/lots/{chain['kernel']}/label.svg", headers=chain["processor"]["headers"])
        assert label.status_code == 200
        view = client.get(f"/api/v1/lots/{chain['kernel']}/provenance")
        assert "label" in {r["entry"]["type"] for r in view.json()["records"]}
