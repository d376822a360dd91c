"""Deployment files: no Docker engine runs here, so check what can be checked."""

import re
import subprocess
import sys

import yaml

from tests.conftest import ROOT


def test_compose_has_db_and_api_with_migrations_at_start() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"db", "api"}
    api = compose["services"]["api"]
    assert api["build"] == "." and "db" in api["depends_on"]
    assert api["environment"]["CASHEW_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert api["command"][:2] == ["cashew", "serve"]  # `cashew serve` applies migrations before serving
    assert compose["services"]["db"]["image"].startswith("postgres")


def test_image_runs_the_command_make_run_uses() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD \[(.*)\]$", dockerfile, re.M)
    assert cmd is not None and cmd.group(1).startswith('"cashew", "serve"')
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\t\$\(BIN\)/cashew serve ", makefile, re.M)


def test_console_script_is_installed_and_lists_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for command in ("serve", "db", "seed", "parties", "import"):
        assert command in out.stdout
