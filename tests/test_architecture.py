"""The house in one import order.

Packages point one way, ``api → traceability → ledger`` (SPEC §2), and inside
``traceability/`` every module sits on one floor: the shared parts at the bottom,
then the pillars in the order production → processing → trade → labels →
trace → oversight (recalls among it) → provenance → the buyer's page, and the registry of every
table on top. A module imports only from the floors below its own, or from its own
package; never sideways, never up, and never from inside a function, where an
import could hide a cycle. And ``ledger/`` knows nothing of cashew.
"""

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

# traceability/, bottom to top. A name is a package (folder) or a module at traceability/'s root.
FLOORS: list[set[str]] = [
    {"errors", "ids", "rules", "settings", "types"},
    {"clock", "countries", "places", "pagination", "db", "schemas"},
    {"units"},
    {"anchoring", "parties", "idempotency"},
    {"corrections", "alerts", "lots"},
    {"production"},
    {"processing"},
    {"trade"},
    {"labels"},
    {"trace"},
    {"oversight"},
    {"provenance"},
    {"epcis"},
    {"buyer"},
    {"models"},
    {"audit", "migrate", "migrations"},
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}
FIRST_PARTY = {"api", "cli", "ledger", "seeds", "traceability"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _unit(path: Path) -> str:
    """The floor name of a module of traceability/: its package, or its own name at the root."""
    parts = path.relative_to(ROOT / "traceability").with_suffix("").parts
    return parts[0]


def traceability_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, floor name imported, at module level) for each import of another part of traceability/."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif node.level:
            base = list(package[: len(package) - node.level + 1])
            targets = [base + (node.module.split(".") if node.module else [])]
            if not node.module:
                targets = [base + [alias.name] for alias in node.names]
        else:
            targets = [(node.module or "").split(".")]
        for target in targets:
            if target[0] != "traceability" or len(target) < 2:
                continue
            name = target[1]
            if name in FLOOR:
                found.append((node.lineno, name, id(node) in top))
    return found


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


def test_every_part_of_traceability_has_a_floor() -> None:
    units = {_unit(p) for p in (ROOT / "traceability").rglob("*.py") if p.name != "__init__.py" or p.parent.name}
    units.discard("__init__")
    assert units - set(FLOOR) == set(), "give each new package or module a floor in FLOORS"


def test_traceability_imports_only_from_floors_below() -> None:
    wrong = []
    for path in sorted((ROOT / "traceability").rglob("*.py")):
        unit = _unit(path)
        for line, name, _ in traceability_imports(path):
            if name != unit and FLOOR[name] >= FLOOR[unit]:
                where = f"{path.relative_to(ROOT)}:{line} ({unit}, floor {FLOOR[unit]})"
                wrong.append(f"{where} imports {name} (floor {FLOOR[name]})")
    assert wrong == []


@pytest.mark.parametrize("package", ["ledger", "traceability", "api"])
def test_no_import_of_the_project_inside_a_function(package: str) -> None:
    """Imports at module level only: one hidden inside a function (or under ``if TYPE_CHECKING``) hides a cycle."""
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
                first_party = (isinstance(node, ast.ImportFrom) and node.level > 0) or any(
                    (n.split(".")[0] in FIRST_PARTY)
                    for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
                )
                if first_party:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []


def test_the_floors_test_sees_imports() -> None:
    """The checker itself: a relative import up a floor is caught."""
    path = ROOT / "traceability" / "processing" / "batches.py"
    names = {name for _, name, _ in traceability_imports(path)}
    assert "lots" in names and "errors" in names


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
