"""`planner demo` end to end on the bundled territory (approximate model: runs in a lone clone)."""

import json

from api.cli import main


def test_demo_runs_offline_without_network(tmp_path, monkeypatch):
    import api.demo

    monkeypatch.setattr(api.demo, "SHARED_NETWORK", tmp_path / "absent.osm")
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "territory.json").read_text(encoding="utf-8"))
    assert summary["communes"] == 74 and summary["travel_times"] == "approximate"
    assert "Temps de trajet approximatifs" in (tmp_path / "out" / "territory.md").read_text(encoding="utf-8")
    header = (tmp_path / "out" / "matrix.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "origin,destination,seconds,metres"

