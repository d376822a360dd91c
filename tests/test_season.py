"""``cashew seed season``: a small province season, through the services, deterministic, clean under
the audit, and reading like the sector (DOMAIN.md) in the regulators' summary."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from seeds.season import SeasonError, SeasonResult, SeasonSize, generate_season
from seeds.season.data import GRADE_MIX
from traceability.anchoring import SqlLog, load_or_create_signer
from traceability.anchoring.models import LedgerCheckpoint
from traceability.db import make_engine
from traceability.places import DISTRICTS
from traceability.settings import Settings

from .conftest import ROOT
from .factories import auth

SIZE = SeasonSize(farms=150, season=2025, seed=7)
ORIGIN = "test.cashew.local/ledger"
CASHEW = str(Path(sys.executable).parent / "cashew")
CORE = {code for code, d in DISTRICTS.items() if d.cashew_core}


@dataclass(frozen=True)
class Built:
    url: str
    key_file: Path
    result: SeasonResult


def build(template: Path, directory: Path, size: SeasonSize, key_file: Path) -> Built:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, directory / "season.db")
    url = f"sqlite:///{directory / 'season.db'}"
    engine = make_engine(url)
    try:
        result = generate_season(
            engine, load_or_create_signer(key_file, ORIGIN), size, base_url="http://testserver", progress=None
        )
    finally:
        engine.dispose()
    return Built(url, key_file, result)


def latest_checkpoint_or_none(url: str) -> LedgerCheckpoint | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return SqlLog(conn).latest_checkpoint()
    finally:
        engine.dispose()


def latest_checkpoint(url: str) -> LedgerCheckpoint:
    checkpoint = latest_checkpoint_or_none(url)
    assert checkpoint is not None
    return checkpoint


@pytest.fixture(scope="module")
def season(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    directory = tmp_path_factory.mktemp("season")
    return build(sqlite_template, directory / "a", SIZE, directory / "log.key")


@pytest.fixture(scope="module")
def regulator(season: Built) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(
        database_url=season.url,
        log_origin=ORIGIN,
        log_key_file=season.key_file,
        public_base_url="http://testserver",
        _env_file=None,
    )
    engine = make_engine(season.url)
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:
        yield client, auth(season.result.regulator_key)
    engine.dispose()


def cli(args: list[str], url: str, key_file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASHEW_DATABASE_URL": url, "CASHEW_LOG_KEY_FILE": str(key_file), "CASHEW_LOG_ORIGIN": ORIGIN}
    return subprocess.run([CASHEW, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


class TestDeterministic:
    def test_same_seed_and_key_give_the_same_signed_ledger(
        self, season: Built, sqlite_template: Path, tmp_path: Path
    ) -> None:
        again = build(sqlite_template, tmp_path / "b", SIZE, season.key_file)
        first, second = latest_checkpoint(season.url), latest_checkpoint(again.url)
        assert first.size == second.size == season.result.ledger_size > 0
        assert first.root_hash == second.root_hash == season.result.root_hash
        assert first.note == second.note  # Ed25519 signatures are deterministic
        assert again.result.tally == season.result.tally

    def test_another_seed_gives_another_season(self, season: Built, sqlite_template: Path, tmp_path: Path) -> None:
        other = build(sqlite_template, tmp_path / "c", SeasonSize(farms=40, season=2025, seed=8), season.key_file)
        assert other.result.root_hash != season.result.root_hash


class TestThroughTheServices:
    def test_every_kind_of_record_is_written(self, season: Built) -> None:
        tally = season.result.tally
        kinds = ["farms", "certificates", "harvests", "dispatches", "receipts", "imports", "cutting_tests"]
        kinds += ["batches", "labels", "listings", "contracts", "shipments"]
        assert {k: tally.get(k, 0) > 0 for k in kinds} == dict.fromkeys(kinds, True)
        assert tally["farms"] == SIZE.farms
        assert season.result.checkpoints >= 1

    def test_the_audit_finds_nothing(self, season: Built) -> None:
        audited = cli(["audit"], season.url, season.key_file)
        assert audited.returncode == 0, audited.stdout + audited.stderr
        assert audited.stdout.startswith("CLEAN") and f"{season.result.ledger_size} entries" in audited.stdout

    def test_plots_are_points_up_to_4_ha_and_polygons_above_and_never_overlap(
        self, regulator: tuple[TestClient, dict[str, str]]
    ) -> None:
        client, headers = regulator
        farms: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = client.get("/api/v1/farms", params={"limit": 500, "cursor": cursor}, headers=headers).json()
            farms += page["items"]
            if not (cursor := page["next_cursor"]):
                break
        assert len(farms) == SIZE.farms
        kinds = {f["geometry"]["type"] for f in farms if f["area_ha"] > 4}
        assert kinds == {"Polygon"}
        assert {f["geometry"]["type"] for f in farms if f["area_ha"] <= 4} == {"Point"}
        assert all(0.3 <= f["area_ha"] <= 50 for f in farms)
        overlaps = client.get("/api/v1/oversight/alerts", params={"kind": "plot_overlap"}, headers=headers)
        assert overlaps.status_code == 200 and overlaps.json()["items"] == []


@pytest.fixture(scope="module")
def figures(regulator: tuple[TestClient, dict[str, str]]) -> dict[str, Any]:
    """The season's summary as a regulator reads it (SPEC §6.4)."""
    client, headers = regulator
    answer = client.get("/api/v1/oversight/summary", params={"season": SIZE.season}, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


class TestReadsLikeTheSector:
    def test_cashew_districts_harvest_the_most(self, figures: dict[str, Any]) -> None:
        by_district = figures["harvest"]["by_district"]
        assert {row["district"] for row in by_district[:4]} == CORE
        assert 1.0 <= float(figures["harvest"]["mean_yield_t_per_ha"]) <= 1.5

    def test_local_nuts_are_about_30_percent_of_what_factories_take_in(self, figures: dict[str, Any]) -> None:
        received = figures["raw_nuts_received"]
        share = received["domestic_kg"] / (received["domestic_kg"] + received["imported_kg"])
        assert 0.27 <= share <= 0.33, share
        assert received["imported_by_country"][0]["country"] == "CI"  # a third of Vietnam's imports
        assert received["domestic_kg"] <= figures["harvest"]["total_kg"]

    def test_kernel_comes_in_the_usual_grades_and_yield(self, figures: dict[str, Any]) -> None:
        grades = [row["grade"] for row in figures["kernel"]["by_grade"]]
        assert set(grades) == set(GRADE_MIX) and grades[0] == "W320"
        assert 0.21 <= float(figures["processing"]["kernel_ratio"]) <= 0.29
        assert 45 <= float(figures["processing"]["mean_outturn_lbs"]) <= 55
        exports = figures["exports"]
        assert exports["shipments"] > 0 and 0 < exports["total_kg"] <= figures["kernel"]["total_kg"]

    def test_the_dashboard_shows_the_season(self, regulator: tuple[TestClient, dict[str, str]]) -> None:
        client, _ = regulator
        page = client.get("/dashboard", params={"season": SIZE.season, "lang": "en"})
        assert page.status_code == 200 and "Bù Đăng" in page.text


class TestCommand:
    def test_seed_season_prints_the_sector_and_refuses_a_second_season(self, tmp_path: Path) -> None:
        url, key = f"sqlite:///{tmp_path / 'data' / 'cashew.db'}", tmp_path / "data" / "log.key"
        seeded = cli(["seed", "season", "--farms", "40", "--season", "2025", "--seed", "3"], url, key)
        assert seeded.returncode == 0, seeded.stderr
        assert "ledger root " in seeded.stdout and "domestic" in seeded.stdout and "ck_" in seeded.stdout
        assert seeded.stderr == ""  # no progress bar outside a terminal
        again = cli(["seed", "season", "--farms", "40", "--season", "2025", "--seed", "3"], url, key)
        assert again.returncode == 2 and "fresh" in again.stderr

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--farms", "0", "--season", "2025", "--seed", "1"], "--farms"),
            (["--farms", "10", "--season", "9998", "--seed", "1"], "over"),
            (["--farms", "10", "--season", "2025"], "--seed"),
            (["--farms", "10", "--season", "2025", "--seed", "1", "--processors", "4001"], "--processors"),
        ],
    )
    def test_bad_arguments_are_usage_errors(self, tmp_path: Path, args: list[str], message: str) -> None:
        refused = cli(["seed", "season", *args], f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "log.key")
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (SeasonSize(farms=5, season=9998, seed=1), "choose a season that is over"),
        (SeasonSize(farms=5, season=2025, seed=1, processors=4001), "GS1 company prefix"),
    ],
)
def test_what_cannot_be_generated_is_refused(
    tmp_path: Path, sqlite_template: Path, size: SeasonSize, message: str
) -> None:
    with pytest.raises(SeasonError, match=message):
        build(sqlite_template, tmp_path, size, tmp_path / "log.key")
    assert latest_checkpoint_or_none(f"sqlite:///{tmp_path / 'season.db'}") is None  # nothing written
