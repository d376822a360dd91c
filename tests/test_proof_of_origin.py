"""Proof of origin end to end (issue: trade pillar): a real chain through the API, its bundle
fetched anonymously and checked with `cashew verify` as a buyer would, then forged copies."""

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.checkpoint import Checkpoint, Signer, Verifier, sign_checkpoint, verify_checkpoint
from tests.factories import BU_DANG, DONG_PHU, deliver, farm_lot, import_lot, make_party, ok, square

CASHEW = str(Path(sys.executable).parent / "cashew")
FARMER_NAMES = ["Nguyễn Văn Bí Mật", "Điểu Thị Riêng Tư"]
PHONE = "0912 345 678"


def verify(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASHEW, "verify", str(path), *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def bundle(client: TestClient, tmp_path: Path) -> dict[str, Any]:
    processor = make_party(client, role="processor", gs1_company_prefix="8935412", name="Công ty Chế biến Kín")
    farmers = [make_party(client, name=name) for name in FARMER_NAMES]
    raw = [
        deliver(
            client,
            f,
            processor,
            farm_lot(client, f, 2000, district=d, geometry=square(*c, 5.0), area_ha=5.0, name=f"Vườn của {n}"),
            2000,
            1990,
        )
        for f, n, d, c in zip(farmers, FARMER_NAMES, ("bu-dang", "dong-phu"), (BU_DANG, DONG_PHU), strict=True)
    ]
    client.post("/api/v1/harvests", json={}, headers=farmers[0]["headers"])  # a refused request leaves no trace
    imported = import_lot(client, processor, 6000)
    batch = ok(
        client.post(
            "/api/v1/batches",
            headers=processor["headers"],
            json={
                "inputs": [
                    {"lot_id": raw[0], "quantity_kg": 1990},
                    {"lot_id": raw[1], "quantity_kg": 1990},
                    {"lot_id": imported, "quantity_kg": 6000},
                ],
                "outputs": [
                    {"product": "kernel", "grade": "W320", "quantity_kg": 2400},
                    {"product": "shell", "quantity_kg": 7000},
                ],
            },
        )
    )
    kernel = batch["outputs"][0]["lot_id"]
    trader = make_party(client, role="trader", name="Công ty Thương mại Kín")
    listing = ok(
        client.post(
            "/api/v1/listings",
            headers=processor["headers"],
            json={
                "lot_id": kernel,
                "quantity_kg": 2000,
                "price": "3.05",
                "currency": "USD",
                "unit": "lb",
                "incoterm": "FOB",
                "port": "VNSGN",
            },
        )
    )
    offer = ok(
        client.post(
            f"/api/v1/listings/{listing['id']}/offers",
            headers=trader["headers"],
            json={"quantity_kg": 1360.8, "price": "3.01"},
        )
    )  # 60 cartons of 50 lb
    sale = ok(client.post(f"/api/v1/offers/{offer['id']}/accept", headers=processor["headers"]), 200)
    bought = sale["transfer"]["lot_id"]
    ok(
        client.post(
            f"/api/v1/transfers/{sale['transfer']['id']}/receive",
            json={"received_kg": 1360.8},
            headers=trader["headers"],
        ),
        200,
    )
    ok(
        client.post(
            "/api/v1/shipments",
            headers=trader["headers"],
            json={
                "lot_ids": [bought],
                "container_no": "TGHU9053122",
                "port_of_loading": "VNCLI",
                "destination_country": "NL",
            },
        )
    )
    response = client.get(f"/api/v1/lots/{bought}/provenance")  # anonymous
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    body["_path"] = str(tmp_path / "bundle.json")
    body["_vkey"] = client.get("/ledger/key").json()["vkey"]
    return body


def save(bundle: dict[str, Any], name: str) -> Path:
    path = Path(bundle["_path"]).with_name(name)
    path.write_text(json.dumps({k: v for k, v in bundle.items() if not k.startswith("_")}))
    return path


def first(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(r for r in bundle["records"] if r["entry"]["type"] == kind)


class TestProofOfOrigin:
    def test_the_bundle_verifies_offline(self, bundle: dict[str, Any]) -> None:
        kinds = {r["entry"]["type"] for r in bundle["records"]}
        assert {"harvest", "import", "split", "dispatch", "receipt", "batch", "shipment"} <= kinds
        result = verify(save(bundle, "bundle.json"), "--vkey", bundle["_vkey"])
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("VALID")
        report = json.loads(verify(save(bundle, "bundle.json"), "--json").stdout)
        assert report["valid"] is True and report["records"] == len(bundle["records"])

    def test_no_names_phones_or_prices(self, bundle: dict[str, Any]) -> None:
        text = json.dumps({k: v for k, v in bundle.items() if not k.startswith("_")}, ensure_ascii=False)
        for secret in [
            *FARMER_NAMES,
            "Vườn của",
            "Công ty Chế biến Kín",
            "Công ty Thương mại Kín",
            PHONE,
            '"3.05"',
            '"3.01"',
            '"price"',
            '"contract"',
            '"listing"',
        ]:
            assert secret not in text, secret

    def test_a_changed_quantity_is_caught(self, bundle: dict[str, Any]) -> None:
        forged = copy.deepcopy(bundle)
        harvest = first(forged, "harvest")
        harvest["entry"]["data"]["quantity_g"] += 500_000
        result = verify(save(forged, "forged.json"))
        assert result.returncode == 1
        assert f"record harvest {harvest['entry']['id']} at index {harvest['index']}" in result.stdout

    def test_a_removed_record_is_caught(self, bundle: dict[str, Any]) -> None:
        forged = copy.deepcopy(bundle)
        imported = first(forged, "import")
        forged["records"].remove(imported)
        result = verify(save(forged, "forged.json"))
        assert result.returncode == 1
        assert imported["entry"]["data"]["lot_id"] in result.stdout and "record batch" in result.stdout

    def test_a_flipped_proof_hash_is_caught(self, bundle: dict[str, Any]) -> None:
        forged = copy.deepcopy(bundle)
        batch = first(forged, "batch")
        raw = bytearray(base64.b64decode(batch["proof"][0]))
        raw[0] ^= 1
        batch["proof"][0] = base64.b64encode(bytes(raw)).decode()
        result = verify(save(forged, "forged.json"))
        assert (
            result.returncode == 1 and f"record batch {batch['entry']['id']} at index {batch['index']}" in result.stdout
        )

    def test_a_checkpoint_re_signed_with_another_key_is_caught(self, bundle: dict[str, Any]) -> None:
        forged = copy.deepcopy(bundle)
        honest = verify_checkpoint(forged["checkpoint"], Verifier.from_vkey(forged["log"]["vkey"]))
        impostor = Signer.generate(honest.origin)
        forged["checkpoint"] = sign_checkpoint(Checkpoint(honest.origin, honest.size, honest.root_hash), impostor)
        result = verify(save(forged, "forged.json"))
        assert result.returncode == 1 and "signature" in result.stdout
        forged["log"]["vkey"] = impostor.vkey  # the forger also swaps the key in the bundle…
        assert verify(save(forged, "forged.json")).returncode == 0
        pinned = verify(save(forged, "forged.json"), "--vkey", bundle["_vkey"])  # …but a buyer who pinned the log's key
        assert pinned.returncode == 1 and "pinned" in pinned.stdout

    def test_a_pinned_wrong_vkey_is_refused(self, bundle: dict[str, Any]) -> None:
        other = Signer.generate("test.cashew.local/ledger").vkey
        result = verify(save(bundle, "bundle.json"), "--vkey", other)
        assert result.returncode == 1 and "signature" in result.stdout
