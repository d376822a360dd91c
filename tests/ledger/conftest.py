"""Fixtures for the ledger tests: the shared vectors, read in place, never copied.

The vectors live in ``<project root>/../shared/vectors/``; when that folder is
absent, the tests that need it are skipped with the path they looked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VECTORS = PROJECT_ROOT.parent / "shared" / "vectors"
RFC9162 = VECTORS / "rfc9162"
GO_REFERENCE_NOTE = VECTORS / "signed-note" / "go-reference.json"

# fixture name -> (vector folder, only the cases a verifier must accept?)
_CASE_KINDS = {
    "inclusion_case": ("inclusion", False),
    "consistency_case": ("consistency", False),
    "accepted_inclusion_case": ("inclusion", True),
    "accepted_consistency_case": ("consistency", True),
}


def _skip_missing(path: Path) -> None:
    pytest.skip(f"../shared/vectors not found: {path} is missing")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``inclusion_case`` / ``consistency_case`` by each vector file's relative path."""
    for fixture, (kind, accepted_only) in _CASE_KINDS.items():
        if fixture not in metafunc.fixturenames:
            continue
        folder = RFC9162 / kind
        paths = sorted(folder.rglob("*.json")) if folder.is_dir() else []
        if accepted_only:
            paths = [p for p in paths if not json.loads(p.read_text())["wantErr"]]
        if paths:
            ids = [str(p.relative_to(folder)) for p in paths]
            metafunc.parametrize(fixture, paths, ids=ids, indirect=True)
        else:
            metafunc.parametrize(fixture, [folder], ids=["missing"], indirect=True)


def _load_case(path: Path) -> dict[str, Any]:
    if not path.is_file():
        _skip_missing(path)
    case: dict[str, Any] = json.loads(path.read_text())
    case["path"] = str(path.relative_to(RFC9162))
    return case


@pytest.fixture
def inclusion_case(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One rfc9162/inclusion vector as a dict, plus its relative ``path``."""
    return _load_case(request.param)


@pytest.fixture
def consistency_case(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One rfc9162/consistency vector as a dict, plus its relative ``path``."""
    return _load_case(request.param)


@pytest.fixture
def accepted_inclusion_case(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One rfc9162/inclusion vector with ``wantErr: false``."""
    return _load_case(request.param)


@pytest.fixture
def accepted_consistency_case(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One rfc9162/consistency vector with ``wantErr: false``."""
    return _load_case(request.param)


@pytest.fixture(scope="session")
def go_reference() -> dict[str, str]:
    """signed-note/go-reference.json: vkey, skey, text and the Go-signed note."""
    if not GO_REFERENCE_NOTE.is_file():
        _skip_missing(GO_REFERENCE_NOTE)
    data: dict[str, str] = json.loads(GO_REFERENCE_NOTE.read_text(encoding="utf-8"))
    return data
