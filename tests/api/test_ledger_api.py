"""The public ledger endpoints (SPEC §5.5), checked with the independent verifier."""

import base64
import os
import stat
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ledger import MemoryStore, read_tile, tile_path
from ledger.checkpoint import Checkpoint, Verifier, verify_checkpoint
from ledger.entry import entry_leaf_hash
from ledger.hashing import leaf_hash
from ledger.verify import verify_consistency, verify_inclusion
from tests.factories import Party, log_harvest, make_farm, make_party
from traceability.anchoring import SqlLog, load_or_create_signer
from traceability.db import unit_of_work
from traceability.settings import Settings


def grow(client: TestClient, harvests: int) -> Party:
    farmer = make_party(client)
    farm = make_farm(
        client,
        farmer,
        area_ha=50,
        geometry=__import__("tests.factories").factories.square(106.96, 11.49, 50),
        district="dong-phu",
    )
    for day in range(harvests):
        log_harvest(client, farmer, farm["id"], quantity_kg=100, harvested_on=f"2026-03-{day % 28 + 1:02d}")
    return farmer


def signed(client: TestClient) -> Checkpoint:
    key = client.get("/ledger/key").json()
    return verify_checkpoint(client.get("/ledger/checkpoint").text, Verifier.from_vkey(key["vkey"]), key["origin"])


class TestCheckpoint:
    def test_checkpoint_is_a_signed_note_that_verifies_with_the_published_key(self, client: TestClient) -> None:
        grow(client, 3)
        response = client.get("/ledger/checkpoint")
        assert response.status_code == 200 and response.headers["content-type"] == "text/plain; charset=utf-8"
        checkpoint = signed(client)
        assert checkpoint.origin == "test.cashew.local/ledger" and checkpoint.size == 4
        key = client.get("/ledger/key").json()
        assert key["vkey"].startswith("test.cashew.local/ledger+")

    def test_empty_log_has_a_checkpoint(self, client: TestClient) -> None:
        checkpoint = signed(client)
        assert checkpoint.size == 0 and checkpoint.root_hash == __import__("hashlib").sha256(b"").digest()

    def test_key_file_is_0600_and_never_served(self, client: TestClient, settings: Settings) -> None:
        mode = stat.S_IMODE(os.stat(settings.log_key_file).st_mode)
        assert mode == 0o600
        secret = settings.log_key_file.read_text().strip()
        for path in ("/ledger/key", "/ledger/checkpoint", "/openapi.json"):
            assert secret not in client.get(path).text


class TestProofs:
    def test_every_inclusion_proof_verifies_against_the_checkpoint(self, client: TestClient) -> None:
        grow(client, 12)
        checkpoint = signed(client)
        for index in range(checkpoint.size):
            body = client.get(f"/ledger/proof/inclusion?index={index}&size={checkpoint.size}").json()
            verify_inclusion(
                base64.b64decode(body["leaf_hash"]),
                index,
                checkpoint.size,
                [base64.b64decode(h) for h in body["proof"]],
                checkpoint.root_hash,
            )

    def test_returned_leaf_hash_matches_the_write_response(self, client: TestClient) -> None:
        farmer = make_party(client)
        farm = make_farm(client, farmer)
        harvest = log_harvest(client, farmer, farm["id"])
        size = signed(client).size
        body = client.get(f"/ledger/proof/inclusion?index={harvest['ledger']['index']}&size={size}").json()
        assert body["leaf_hash"] == harvest["ledger"]["leaf_hash"]

    def test_consistency_between_any_two_sizes(self, client: TestClient) -> None:
        roots = {}
        farmer = make_party(client)
        farm = make_farm(
            client,
            farmer,
            area_ha=50,
            geometry=__import__("tests.factories").factories.square(106.96, 11.49, 50),
            district="dong-phu",
        )
        for day in range(1, 8):
            log_harvest(client, farmer, farm["id"], quantity_kg=100, harvested_on=f"2026-03-{day:02d}")
            checkpoint = signed(client)
            roots[checkpoint.size] = checkpoint.root_hash
        for first in roots:
            for second in roots:
                if first <= second:
                    body = client.get(f"/ledger/proof/consistency?first={first}&second={second}").json()
                    verify_consistency(
                        first, second, [base64.b64decode(h) for h in body["proof"]], roots[first], roots[second]
                    )

    def test_sizes_beyond_the_checkpoint_are_422(self, client: TestClient) -> None:
        grow(client, 2)
        size = signed(client).size
        for path in (
            f"/ledger/proof/inclusion?index=0&size={size + 1}",
            f"/ledger/proof/inclusion?index={size}&size={size}",
            f"/ledger/proof/consistency?first=1&second={size + 1}",
            "/ledger/proof/consistency?first=3&second=2",
        ):
            response = client.get(path)
            assert response.status_code == 422, path
            assert response.json()["error"] in ("beyond_checkpoint", "invalid_range")


class TestTiles:
    def test_partial_level_0_tile_holds_the_leaf_hashes(self, client: TestClient, engine: Engine) -> None:
        grow(client, 5)
        size = signed(client).size
        tile = client.get(f"/ledger/tile/0/000.p/{size}")
        assert tile.status_code == 200 and tile.headers["content-type"] == "application/octet-stream"
        assert len(tile.content) == 32 * size
        from traceability.anchoring.models import LedgerEntry
        from traceability.db import open_session

        with open_session(engine) as session:
            leaves = [session.get_one(LedgerEntry, i).leaf_data for i in range(size)]
        assert tile.content == b"".join(leaf_hash(bytes(d)) for d in leaves)
        assert leaf_hash(bytes(leaves[0])) == entry_leaf_hash(__import__("json").loads(leaves[0]))

    def test_full_and_partial_tiles_at_every_tile_level(
        self, client: TestClient, engine: Engine, settings: Settings
    ) -> None:
        grow(client, 2)
        signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
        with unit_of_work(engine) as session:  # entries without records of their own, in bulk
            log = SqlLog(session.connection())
            log.append([b"entry %d" % i for i in range(70_000 - log.size())])
            log.sign(signer, datetime.now(UTC))
        assert signed(client).size == 70_000
        reference = MemoryStore()
        with engine.connect() as conn:
            reference.append(
                [bytes(d) for (d,) in conn.execute(text("SELECT leaf_data FROM ledger_entry ORDER BY idx"))]
            )
        for level, index, width in [
            (0, 0, 256),
            (0, 272, 256),
            (0, 273, 112),
            (0, 5, 7),
            (1, 0, 256),
            (1, 1, 17),
            (2, 0, 1),
        ]:
            response = client.get(f"/ledger/{tile_path(level, index, width)}")
            assert response.status_code == 200, (level, index, width)
            assert response.content == read_tile(reference, level, index, width), (level, index, width)
        for path in ("tile/0/273", "tile/0/273.p/113", "tile/1/001.p/18", "tile/2/000.p/2", "tile/3/000.p/1"):
            assert client.get(f"/ledger/{path}").status_code == 404, path

    def test_tiles_not_yet_in_the_log_are_404(self, client: TestClient) -> None:
        grow(client, 1)
        for path in (
            "/ledger/tile/0/000",
            "/ledger/tile/0/001.p/3",
            "/ledger/tile/1/000.p/1",
            "/ledger/tile/0/abc",
            "/ledger/tile/0/000.p/0",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"
