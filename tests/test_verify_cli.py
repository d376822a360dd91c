"""``cashew verify`` run as a buyer runs it: a separate process, on a file or a URL (SPEC §3, §5.6).

The ``log`` and ``bundle`` fixtures are those of ``tests.bundles``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from ledger.checkpoint import Signer
from tests.bundles import CHAIN, KERNEL, ORIGIN, Log, b64, log_chain, record
from tests.conftest import ROOT
from tests.factories import CUTTING_TEST, deliver, farm_lot, import_lot, make_party, ok
from tests.live import free_port

CASHEW = str(Path(sys.executable).parent / "cashew")


def verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASHEW, "verify", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def save(tmp_path: Path, bundle: object, name: str = "bundle.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return str(path)


Route = Callable[[dict[str, list[str]]], tuple[int, str, bytes]]


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, Route]], str]]:
    """A small HTTP server on 127.0.0.1 answering the given routes; yields a function that starts it."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, Route]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                status, content_type, body = (
                    routes[url.path](parse_qs(url.query))
                    if url.path in routes
                    else (404, "application/json", b'{"error": "not_found", "detail": "no such page"}')
                )
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", body.decode())
                    body = b""
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def json_route(data: object, status: int = 200) -> Route:
    return lambda _query: (status, "application/json", json.dumps(data).encode())


def consistency_route(log: Log) -> Route:
    def answer(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        first, second = int(query["first"][0]), int(query["second"][0])
        proof = [b64(h) for h in log.store.consistency_proof(first, second)]
        return 200, "application/json", json.dumps({"first": first, "second": second, "proof": proof}).encode()

    return answer


class TestFile:
    def test_a_valid_bundle(self, tmp_path: Path, log: Log, bundle: dict[str, Any]) -> None:
        result = verify(save(tmp_path, bundle))
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "VALID"
        assert f"lot:        {KERNEL}" in lines
        assert f"checkpoint: {ORIGIN}, size {log.store.size()}, key id {log.signer.key_id.hex()}" in lines
        assert f"records:    {len(CHAIN)}" in lines

    def test_a_forged_bundle_names_the_record(self, tmp_path: Path, log: Log, bundle: dict[str, Any]) -> None:
        record(bundle, "H-FARM1-0001")["entry"]["data"]["quantity_g"] = 2_500_000
        result = verify(save(tmp_path, bundle))
        assert result.returncode == 1
        assert result.stdout.splitlines()[0] == "INVALID"
        prefix = f"record harvest H-FARM1-0001 at index {log.index['H-FARM1-0001']}: it is not the entry logged"
        assert any(line.startswith(prefix) for line in result.stdout.splitlines()), result.stdout

    def test_json_output(self, tmp_path: Path, log: Log, bundle: dict[str, Any]) -> None:
        valid = json.loads(verify(save(tmp_path, bundle), "--json").stdout)
        assert valid["valid"] is True and valid["failures"] == [] and valid["records"] == len(CHAIN)
        assert valid["checkpoint"] == {"origin": ORIGIN, "size": log.store.size(), "root": b64(log.store.root())}
        record(bundle, "B-0001")["entry"]["data"]["loss_g"] = 0
        result = verify(save(tmp_path, bundle), "--json")
        report = json.loads(result.stdout)
        assert result.returncode == 1 and report["valid"] is False
        assert report["failures"] == [
            {
                "check": "inclusion",
                "record_type": "batch",
                "record_id": "B-0001",
                "index": log.index["B-0001"],
                "reason": report["failures"][0]["reason"],
            }
        ]

    def test_a_pinned_key(self, tmp_path: Path, log: Log, bundle: dict[str, Any]) -> None:
        path = save(tmp_path, bundle)
        assert verify(path, "--vkey", log.signer.vkey).returncode == 0
        other = Signer.generate(ORIGIN).vkey
        result = verify(path, "--vkey", other)
        assert result.returncode == 1
        assert f"checkpoint: the bundle names key {log.signer.vkey} but you pinned {other}" in result.stdout

    def test_a_bundle_that_is_not_an_object_is_invalid(self, tmp_path: Path) -> None:
        result = verify(save(tmp_path, [1, 2]))
        assert result.returncode == 1 and "bundle: the bundle is not a JSON object" in result.stdout


class TestUsageErrors:
    def test_a_missing_file(self, tmp_path: Path) -> None:
        result = verify(str(tmp_path / "nowhere.json"))
        assert result.returncode == 2 and "cannot read" in result.stderr and result.stdout == ""

    def test_a_directory(self, tmp_path: Path) -> None:
        assert verify(str(tmp_path)).returncode == 2

    @pytest.mark.parametrize("text", ['{"lot_id": ', "", "\xff", '{"lot_id": "A", "lot_id": "B"}', '{"x": NaN}'])
    def test_bad_json(self, tmp_path: Path, text: str) -> None:
        path = tmp_path / "bad.json"
        path.write_bytes(text.encode("latin-1"))
        result = verify(str(path))
        assert result.returncode == 2 and "not valid JSON" in result.stderr

    @pytest.mark.parametrize("vkey", ["nonsense", "cashew.local/ledger+zz+AAAA", ""])
    def test_a_malformed_vkey(self, tmp_path: Path, bundle: dict[str, Any], vkey: str) -> None:
        result = verify(save(tmp_path, bundle), "--vkey", vkey)
        assert result.returncode == 2 and "--vkey" in result.stderr

    def test_since_needs_a_url(self, tmp_path: Path, log: Log, bundle: dict[str, Any]) -> None:
        saved = tmp_path / "checkpoint.txt"
        saved.write_text(log.checkpoint())
        result = verify(save(tmp_path, bundle), "--since", str(saved))
        assert result.returncode == 2 and "needs the log's URL" in result.stderr


class TestUrl:
    def test_a_bundle_behind_a_redirect(self, serve: Any, bundle: dict[str, Any]) -> None:
        base = serve({"/01/x": lambda _q: (307, "text/plain", b"/bundle"), "/bundle": json_route(bundle)})
        result = verify(f"{base}/01/x")
        assert result.returncode == 0, result.stderr + result.stdout

    def test_not_found(self, serve: Any) -> None:
        result = verify(f"{serve({})}/api/v1/lots/KRN26-NONE/provenance")
        assert result.returncode == 2 and "answered 404" in result.stderr and "no such page" in result.stderr

    def test_not_json(self, serve: Any) -> None:
        base = serve({"/page": lambda _q: (200, "text/html", b"<html>a buyer page</html>")})
        result = verify(f"{base}/page")
        assert result.returncode == 2 and "not valid JSON" in result.stderr

    def test_unreachable(self) -> None:
        result = verify(f"http://127.0.0.1:{free_port()}/bundle")
        assert result.returncode == 2 and "cannot fetch" in result.stderr

    def test_since_a_saved_checkpoint(self, tmp_path: Path, serve: Any, log: Log) -> None:
        saved = tmp_path / "checkpoint.txt"
        saved.write_text(log.checkpoint())
        old_size = log.store.size()
        log.log("receipt", "R-LATER", {"transfer_id": "T-9", "lot_id": KERNEL, "received_g": 1})
        base = serve(
            {"/bundle": json_route(log.bundle(KERNEL, CHAIN)), "/ledger/proof/consistency": consistency_route(log)}
        )
        result = verify(f"{base}/bundle", "--since", str(saved), "--vkey", log.signer.vkey)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"since:      consistent with the checkpoint you saved (size {old_size})" in result.stdout
        as_json = json.loads(verify(f"{base}/bundle", "--since", str(saved), "--json").stdout)
        assert as_json["valid"] is True and as_json["since"] == {"size": old_size, "consistent": True}

    def test_since_a_checkpoint_of_a_forked_log(self, tmp_path: Path, serve: Any, log: Log) -> None:
        fork = Log(log.signer)
        log_chain(fork)
        saved = tmp_path / "checkpoint.txt"
        saved.write_text(fork.checkpoint())
        log.log("receipt", "R-LATER", {"transfer_id": "T-9", "lot_id": KERNEL, "received_g": 1})
        base = serve(
            {"/bundle": json_route(log.bundle(KERNEL, CHAIN)), "/ledger/proof/consistency": consistency_route(log)}
        )
        result = verify(f"{base}/bundle", "--since", str(saved))
        assert result.returncode == 1
        assert any(line.startswith("since: the tree of") for line in result.stdout.splitlines()), result.stdout

    def test_since_a_file_that_is_not_a_checkpoint(self, tmp_path: Path, serve: Any, bundle: dict[str, Any]) -> None:
        saved = tmp_path / "checkpoint.txt"
        saved.write_text("hello\n")
        base = serve({"/bundle": json_route(bundle)})
        result = verify(f"{base}/bundle", "--since", str(saved))
        assert result.returncode == 2 and "does not hold a saved checkpoint" in result.stderr


class TestThroughTheApi:
    def test_a_served_bundle_verifies(self, client: TestClient, tmp_path: Path) -> None:
        processor = make_party(client, role="processor", gs1_company_prefix="8935412")
        farmer = make_party(client)
        raw = deliver(client, farmer, processor, farm_lot(client, farmer, 2000), 1500)
        imported = import_lot(client, processor, 3000)
        ok(client.post(f"/api/v1/lots/{raw}/quality-tests", json=CUTTING_TEST, headers=processor["headers"]))
        made = ok(
            client.post(
                "/api/v1/batches",
                headers=processor["headers"],
                json={
                    "inputs": [{"lot_id": raw, "quantity_kg": 1500}, {"lot_id": imported, "quantity_kg": 3000}],
                    "outputs": [
                        {"product": "kernel", "grade": "W320", "quantity_kg": 1000},
                        {"product": "shell", "quantity_kg": 3200},
                    ],
                },
            )
        )
        kernel = made["outputs"][0]["lot_id"]
        response = client.get(f"/api/v1/lots/{kernel}/provenance")
        assert response.status_code == 200, response.text
        vkey = ok(client.get("/ledger/key"), 200)["vkey"]
        result = verify(save(tmp_path, response.json()), "--vkey", vkey, "--json")
        report = json.loads(result.stdout)
        assert result.returncode == 0, report["failures"]
        assert report["lot_id"] == kernel and report["records"] == len(response.json()["records"])
