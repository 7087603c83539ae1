"""The layers hold: the pure rules import no framework, and nothing imports an app downstream of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "cases", "assistance", "eldercare", "childcare", "payments", "oversight"]  # upstream → downstream
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


# ---------------------------------------------------------------------------------------------------------------
# Who may do what is decided in the permissions modules only; views hold no queries.

APPS = ["core", "cases", "assistance", "eldercare", "childcare", "payments", "oversight", "config"]
ROLE_VALUES = {"caseworker", "reviewer", "county_staff", "county_admin", "auditor"}
ROLE_NAMES = {"Role", "COUNTY_ROLES", "TOWNSHIP_ROLES", "role", "is_county_level", "is_read_only"}


def role_violations(source: str) -> list[str]:
    """Role string literals, ``Role.X`` / ``user.role`` references and role tuples in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value in ROLE_VALUES:
            found.append(f"line {node.lineno}: role literal {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_NAMES:
            found.append(f"line {node.lineno}: {node.attr}")
        elif isinstance(node, ast.Name) and node.id in ROLE_NAMES:
            found.append(f"line {node.lineno}: {node.id}")
    return sorted(found)


def query_violations(source: str) -> list[str]:
    return sorted(
        f"line {node.lineno}: .objects."
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    )


def _modules(exempt) -> list[Path]:  # type: ignore[no-untyped-def]
    paths = [p for app in APPS for p in sorted((ROOT / app).rglob("*.py"))]
    return [p for p in paths if "migrations" not in p.parts and not exempt(p.relative_to(ROOT))]


def _role_exempt(rel: Path) -> bool:
    # The definition (model and its constraint), the demo accounts, and the permissions modules themselves.
    return rel.name == "permissions.py" or rel.parts[:2] == ("cases", "models") or rel == Path("cases/demo.py")


def _is_view_module(rel: Path) -> bool:
    return "views" in rel.name or "views" in rel.parts[:-1]


def test_role_names_appear_only_in_permissions_modules():
    problems = {
        str(p.relative_to(ROOT)): found
        for p in _modules(_role_exempt)
        if (found := role_violations(p.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_view_modules_hold_no_queries():
    problems = {
        str(p.relative_to(ROOT)): found
        for p in _modules(lambda rel: not _is_view_module(rel))
        if (found := query_violations(p.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_checks_catch_a_planted_violation():
    planted = 'def view(request):\n    if request.user.role == "auditor":\n        return Household.objects.all()\n'
    assert role_violations(planted) == ["line 2: role", "line 2: role literal 'auditor'"]
    assert query_violations(planted) == ["line 3: .objects."]
    assert role_violations("x = User.Role.COUNTY_ADMIN\ny = User.COUNTY_ROLES\n") == [
        "line 1: Role",
        "line 2: COUNTY_ROLES",
    ]


# ---------------------------------------------------------------------------------------------------------------
# Orchestration is explicit: no signal receiver in the project (history is kept by database triggers).


def test_no_signal_receiver_or_connect_in_the_project():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                decorators = getattr(node, "decorator_list", [])
                names = [ast.unparse(d) for d in decorators]
                if any(name.startswith(("receiver", "django.dispatch.receiver")) for name in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} @receiver")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect":
                    target = ast.unparse(node.func.value)
                    if "signal" in target or target.endswith(("_save", "_delete", "approved", "died")):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {target}.connect")
                if isinstance(node, ast.Call) and ast.unparse(node.func) in ("Signal", "django.dispatch.Signal"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} Signal()")
    assert not found, found


# ---------------------------------------------------------------------------------------------------------------
# No two modules import each other (at the top or inside a function): a circle hides which one is the lower layer.


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_two_modules_import_each_other():
    modules = {
        _module_name(path): path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    imports: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            found.update(candidate for candidate in candidates if candidate in modules and candidate != name)
        imports[name] = found
    circles = sorted(
        {tuple(sorted((a, b))) for a, targets in imports.items() for b in targets if a in imports.get(b, ())}
    )
    assert not circles, circles
