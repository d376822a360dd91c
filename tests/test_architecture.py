"""Dependencies point one way: api → traceability → ledger (SPEC §2), and ``ledger/`` knows nothing of cashew."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {
    "ledger": {
        "traceability",
        "api",
        "cli",
        "seeds",
        "fastapi",
        "starlette",
        "sqlalchemy",
        "sqlmodel",
        "pydantic",
        "pydantic_settings",
        "httpx",
    },
    "traceability": {"api", "cli", "seeds", "fastapi", "starlette", "uvicorn", "httpx"},
    "api": {"cli", "seeds"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downward(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {str(f.relative_to(ROOT)): sorted(imported_roots(f) & FORBIDDEN[package]) for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_ledger_reads_no_settings() -> None:
    for path in (ROOT / "ledger").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv" not in text, path


# What the ledger must not know: the cashew entry types, and the data keys of their entries.
CASHEW_TYPES = {"harvest", "import", "split", "batch", "contract", "listing", "offer", "farm", "shipment", "label"}
CASHEW_KEYS = {"lot_id", "new_lot_id", "quantity_g", "loss_g", "inputs", "outputs", "farm_id", "batch_id", "price"}


def string_constants(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module (docstrings and f-string parts included), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_ledger_names_no_cashew_entry_type_or_data_key() -> None:
    # A type name is an ordinary word ("split", "batch"), so only a literal that is that name counts;
    # a data key is found anywhere in a literal, messages and docstrings too.
    found = {
        f"{path.relative_to(ROOT)}:{line}": value
        for path in sorted((ROOT / "ledger").rglob("*.py"))
        for line, value in string_constants(path)
        if value in CASHEW_TYPES | CASHEW_KEYS
        or any(key in value for key in CASHEW_KEYS if "_" in key)
        or any(f'"{key}"' in value or f"'{key}'" in value for key in CASHEW_TYPES | CASHEW_KEYS)
    }
    assert found == {}


def test_the_bundle_rules_use_only_the_standard_library_and_the_ledger() -> None:
    provenance = ROOT / "traceability" / "provenance"
    for module in ("__init__.py", "bundle_rules.py", "lineage.py"):
        tree = ast.parse((provenance / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1 and node.module in ("lineage", "bundle_rules"), (module, node.module)
        roots = imported_roots(provenance / module)
        assert roots <= set(sys.stdlib_module_names) | {"ledger"}, (module, roots)


DATABASE_AND_WEB = ["sqlalchemy", "sqlmodel", "alembic", "fastapi", "starlette"]


@pytest.mark.parametrize(
    ("modules", "heavy"),
    [
        ("cli.verify", [*DATABASE_AND_WEB, "pydantic", "pydantic_settings"]),
        ("cli.main, cli.verify", DATABASE_AND_WEB),  # what `cashew verify` imports (the command reads settings)
    ],
)
def test_cashew_verify_loads_no_database_or_web_code(modules: str, heavy: list[str]) -> None:
    code = f"import {modules}, sys; print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r})))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"importing {modules} loads {result.stdout.strip()}"
