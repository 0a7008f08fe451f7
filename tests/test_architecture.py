"""Dependencies point one way: planner imports neither maps, api, osmnx, folium, FastAPI nor a database."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_PLANNER = {"maps", "api", "osmnx", "folium", "fastapi", "sqlalchemy", "starlette", "uvicorn"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_planner_does_not_import_edges():
    offenders = {}
    for path in (ROOT / "planner").rglob("*.py"):
        bad = _imported_roots(path) & FORBIDDEN_IN_PLANNER
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_maps_does_not_import_api():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "maps").rglob("*.py")
                 if {"api", "fastapi", "sqlalchemy"} & _imported_roots(p)]
    assert offenders == []


def test_ortools_only_in_adapters():
    """Every OR-Tools call lives in an adapter module named *_ortools.py (STYLE.md, rule 3)."""
    users = [str(p.relative_to(ROOT)) for p in (ROOT / "planner").rglob("*.py")
             if "ortools" in _imported_roots(p) and not p.name.endswith("_ortools.py")]
    assert users == []


def _imported_modules(path: Path) -> set[str]:
    """Every absolute module an import statement in `path` names (`from a.b import c` gives a.b and a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module)
            mods |= {f"{node.module}.{a.name}" for a in node.names}
    return mods


def _ours(mods: set[str]) -> set[str]:
    return {m for m in mods if m.split(".")[0] in {"planner", "maps", "api"}}


def _files(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


KIND_PACKAGES = ("planner.home_visits", "planner.rotations")


def test_core_imports_nothing_of_ours_but_core():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _ours(_imported_modules(p)) if not m.startswith("planner.core"))
                 for p in _files("planner/core")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_a_kind_never_imports_another_kind():
    offenders = {}
    for own in KIND_PACKAGES:
        for p in _files(own.replace(".", "/")):
            bad = sorted(m for m in _imported_modules(p) for other in KIND_PACKAGES
                         if other != own and (m == other or m.startswith(other + ".")))
            if bad:
                offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}


def test_maps_imports_planner_core_only():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _ours(_imported_modules(p))
                                                  if m.startswith("planner") and not m.startswith("planner.core"))
                 for p in _files("maps")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_outputs_see_only_the_plan_view():
    """api/outputs turns a PlanView into files: it knows no kind, no solver, no service and no CLI."""
    offenders = {}
    for p in _files("api/outputs"):
        bad = sorted(m for m in _ours(_imported_modules(p))
                     if (m.startswith("planner") and not m.startswith("planner.core"))
                     or m.startswith(("api.service", "api.cli")))
        if bad:
            offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}


def test_edges_reach_solvers_only_through_the_kinds():
    """The service and the CLI solve, check and re-plan through planner.kinds, never a solver module."""
    solver_parts = ("solver", "routing", "replan", "check", "kind")
    offenders = {}
    for folder in ("api/service", "api/cli"):
        for p in _files(folder):
            bad = sorted(m for m in _imported_modules(p) if m.startswith(KIND_PACKAGES + ("planner.routing",))
                         and any(part.startswith(solver_parts) for part in m.split(".")[1:]))
            if bad:
                offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}


def test_no_import_by_string_name_in_product_code():
    offenders = [str(p.relative_to(ROOT)) for folder in ("planner", "maps", "api") for p in _files(folder)
                 if "import_module(" in p.read_text(encoding="utf-8") or "__import__(" in p.read_text(encoding="utf-8")]
    assert offenders == []
