"""The layers hold: the pure rules import no framework, and nothing imports an app downstream of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["cases", "assistance", "eldercare", "childcare", "payments", "oversight"]  # upstream → downstream
FORBIDDEN_IN_RULES = ("django", "rest_framework", "celery", "cases.models", "assistance.models")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "assistance" / "policy").glob("*.py")), ids=lambda p: p.name)
def test_pure_rules_import_no_framework(path):
    bad = {name for name in imported_modules(path) if name.startswith(FORBIDDEN_IN_RULES)}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_downstream(app):
    rank = {name: LAYERS.index(name) for name in LAYERS}
    rank["childcare"] = rank["eldercare"]  # siblings
    for path in (ROOT / app).rglob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in rank and top != app:
                assert rank[top] < rank[app], f"{path.relative_to(ROOT)} imports {name} (downstream of {app})"


def test_import_linter_contracts_are_kept():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout
