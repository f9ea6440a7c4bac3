"""Who may import whom: the table in docs/architecture.md ("imports of ours") is the rule, and this test
reads it from there, so the document and the code cannot disagree.

Imports inside functions count too (a lazy import is still a dependency). The dashboard and the client
also may not touch the store's drivers: they reach data only through the REST API.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("store", "collector", "pipelines", "detectors", "alerts", "runbooks", "client", "dashboard", "demo",
        "mcp_server", "spyglass")
DRIVERS = ("chdb", "clickhouse_connect")


def allowed_imports() -> dict[str, set[str]]:
    """package -> the packages of ours it may import, from the table in docs/architecture.md."""
    table: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        packages = re.findall(r"`(\w+)/`", cells[0])
        rule = cells[2]
        allowed = set(OURS) if rule == "everything" else set() if rule == "none" else \
            {name.strip() for name in rule.split(",")}
        for package in packages:
            table[package] = allowed
    return table


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_table_names_every_package():
    assert set(OURS) <= set(allowed_imports())


@pytest.mark.parametrize("package", OURS)
def test_a_package_imports_only_what_the_table_allows(package):
    allowed = allowed_imports()[package] | {package}
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = (imports_of(path) & set(OURS)) - allowed
        if package in ("dashboard", "client", "mcp_server"):
            bad |= imports_of(path) & set(DRIVERS)
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"{package} may import only {sorted(allowed - {package})}: {wrong}"
