"""The API answers what ``/openapi.json`` says, for every role (SPEC §4).

``cashew serve`` runs on the demo data (``cashew seed demo``) and schemathesis, as an
integrator's tool would, generates requests from the published document: a bounded run
(``EXAMPLES`` per operation and database, a fixed seed) once per role, with the checks that no answer
is a server error and that every status, media type and body is the documented one.
The run knows the demo's real ids (lots, farms, transfers, listings, offers, alerts), so
that it reaches past "unknown id" into the rules. Any finding fails the test, which
prints schemathesis' report (each finding comes with a curl command to reproduce it).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from seeds.demo_data import DEMO_PARTIES
from tests.conftest import ROOT
from tests.live import free_port, live_server
from traceability.parties.models import Role

BIN = Path(sys.executable).parent
CASHEW, SCHEMATHESIS = str(BIN / "cashew"), str(BIN / "schemathesis")
ADMIN_TOKEN = "contract-admin"
# Examples per operation and role (~90 operations, 5 roles). The documented shapes do not depend on the
# database, so PostgreSQL gets fewer: enough to reach every operation there and catch its own failures.
EXAMPLES = {"sqlite": 15, "postgresql": 8}
SEED = 20261201
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# The demo's ids, by the parameter names that carry them (in paths and bodies).
ID_QUERIES = {
    "lot_id": "SELECT lot_id FROM lot ORDER BY lot_id",
    "farm_id": "SELECT id FROM farm ORDER BY id",
    "transfer_id": "SELECT id FROM transfer ORDER BY id",
    "listing_id": "SELECT id FROM listing ORDER BY id",
    "offer_id": "SELECT id FROM offer ORDER BY id",
    "harvest_id": "SELECT id FROM harvest ORDER BY id",
    "batch_id": "SELECT id FROM batch ORDER BY id",
    "shipment_id": "SELECT id FROM shipment ORDER BY id",
    "input_id": "SELECT id FROM farm_input ORDER BY id",
    "alert_id": "SELECT id FROM alert ORDER BY id",
    "party_id": "SELECT id FROM party ORDER BY id",
    "entry_id": "SELECT id FROM harvest ORDER BY id",
}
ROLES = {
    "farmer": next(p.key for p in DEMO_PARTIES if p.role == Role.farmer),
    "processor": next(p.key for p in DEMO_PARTIES if p.role == Role.processor),
    "trader": next(p.key for p in DEMO_PARTIES if p.role == Role.trader),
    "regulator": next(p.key for p in DEMO_PARTIES if p.role == Role.regulator),
    "anonymous": None,
    "admin": ADMIN_TOKEN,
}


def have_schemathesis() -> None:
    if not Path(SCHEMATHESIS).exists():
        pytest.skip("schemathesis is not installed in this environment (make test installs the test extras)")


def fuzz_config(engine: Engine) -> str:
    """schemathesis.toml: the demo's ids as dictionaries, used for path and body parameters half the time."""
    lines, bindings = [], []
    with engine.connect() as conn:
        for name, query in ID_QUERIES.items():
            values = [str(v) for v in conn.execute(text(query)).scalars()][:200]
            if not values:
                continue
            quoted = ", ".join(f'"{v}"' if name != "alert_id" else v for v in values)
            lines.append(f"[dictionaries.{name}]\nvalues = [{quoted}]\n")
            bindings += [
                f'"{where}.{name}" = {{ dictionary = "{name}", probability = 0.5 }}'
                for where in ("path", "query", "body")
            ]
    return "\n".join(lines) + "\n[parameters]\n" + "\n".join(bindings) + "\n"


@pytest.fixture
def demo_server(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "CASHEW_DATABASE_URL": database_url,
        "CASHEW_LOG_KEY_FILE": str(tmp_path / "data" / "log.key"),
        "CASHEW_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    seeded = subprocess.run([CASHEW, "seed", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    (tmp_path / "schemathesis.toml").write_text(fuzz_config(engine), encoding="utf-8")
    port = free_port()
    with live_server(
        [CASHEW, "serve", "--port", str(port)], port=port, env=env, cwd=ROOT, log=tmp_path / "server.log", timeout=60
    ) as url:
        yield url


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_answer_is_the_documented_one(demo_server: str, engine: Engine, tmp_path: Path, role: str) -> None:
    have_schemathesis()
    key = ROLES[role]
    args = [
        SCHEMATHESIS,
        "--config-file",
        str(tmp_path / "schemathesis.toml"),
        "run",
        f"{demo_server}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES[engine.dialect.name]),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "false",
        "--request-timeout",
        "30",
    ]
    if key is not None:
        args += ["--header", f"Authorization: Bearer {key}"]
    if role == "admin":
        args += ["--include-path-regex", "^/api/v1/parties"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    errors = "\n".join(line for line in server_log.splitlines() if not line.startswith("INFO:"))
    findings = done.stdout.partition("= FAILURES =")[2].partition("= WARNINGS =")[0] or done.stdout[-6000:]
    assert done.returncode == 0, findings[-12000:] + "\n--- server log (no access lines) ---\n" + errors[-4000:]
    assert "Traceback" not in server_log, errors[-4000:]
