"""`planner demo` end to end on the bundled territory (approximate model: runs in a lone clone)."""

import json
from datetime import date

from api.cli import main


def test_demo_runs_offline_without_network(tmp_path, monkeypatch):
    import api.cli.demo_job

    monkeypatch.setattr(api.cli.demo_job, "SHARED_NETWORK", tmp_path / "absent.osm")
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "territory.json").read_text(encoding="utf-8"))
    assert summary["communes"] == 74 and summary["travel_times"] == "approximate"
    assert "Temps de trajet approximatifs" in (tmp_path / "out" / "territory.md").read_text(encoding="utf-8")
    header = (tmp_path / "out" / "matrix.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "origin,destination,seconds,metres"

    # both plans start on the same coming Monday, so their calendars and outputs line up
    visits = json.loads((tmp_path / "out" / "home_visits" / "problem.json").read_text(encoding="utf-8"))
    rotation = json.loads((tmp_path / "out" / "rotation" / "problem.json").read_text(encoding="utf-8"))
    start = date.fromisoformat(visits["horizon"]["start"])
    assert start.weekday() == 0 and start > date.today()
    assert {u["start"] for u in rotation["units"]} == {start.isoformat()}


def test_next_monday_is_strictly_after_today():
    from api.cli.demo_job import next_monday

    assert next_monday(date(2026, 11, 25)) == date(2026, 11, 30)  # a Wednesday
    assert next_monday(date(2026, 11, 30)) == date(2026, 12, 7)  # a Monday: the next one
