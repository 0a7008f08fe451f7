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
