"""`planner plan rotation`, `planner check` and the demo step end to end (approximate matrix)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from api.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def test_plan_rotation_then_check(tmp_path):
    out = tmp_path / "out"
    code = main(["plan", "rotation", "--problem", str(EXAMPLES / "rotation_problem.json"), "--out", str(out),
                 "--time-limit", "3", "--seed", "1"])
    assert code == 0
    for name in ("problem.json", "solution.json", "matrix.json", "calendar.csv", "itineraries.csv",
                 "coverage.csv", "proposals.csv"):
        assert (out / name).exists(), name
    sol = json.loads((out / "solution.json").read_text(encoding="utf-8"))
    assert sol["kind"] == "rotation" and sol["sessions"]
    assert any(u["insee"] == "77009" for u in sol["unserved"])
    assert main(["check", str(out / "problem.json"), str(out / "solution.json")]) == 0
    # a tampered plan fails the check with a non-zero exit
    sol["sessions"][0]["start"] = "05:00"
    (out / "bad.json").write_text(json.dumps(sol), encoding="utf-8")
    assert main(["check", str(out / "problem.json"), str(out / "bad.json")]) == 1


def test_plan_rotation_without_matrix_uses_approximate_times(tmp_path, capsys):
    data = json.loads((EXAMPLES / "rotation_problem.json").read_text(encoding="utf-8"))
    del data["matrix"]
    (tmp_path / "p.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["plan", "rotation", "--problem", str(tmp_path / "p.json"), "--out", str(tmp_path / "o"),
                 "--time-limit", "2"]) == 0
    assert "approximatifs" in capsys.readouterr().out


def test_bad_input_is_a_clean_error(tmp_path, capsys):
    data = json.loads((EXAMPLES / "rotation_problem.json").read_text(encoding="utf-8"))
    data["units"][0]["members"] = []
    shutil.copy(EXAMPLES / "rotation_matrix.json", tmp_path / "rotation_matrix.json")
    (tmp_path / "p.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["plan", "rotation", "--problem", str(tmp_path / "p.json"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "unit U1" in err and "members" in err and "Traceback" not in err


def test_demo_step_writes_rotation(tmp_path, monkeypatch):
    import api.cli.demo_job
    import api.cli.demo_steps.rotation as step

    monkeypatch.setattr(api.cli.demo_job, "SHARED_NETWORK", tmp_path / "absent.osm")
    monkeypatch.setattr(step, "TIME_LIMIT_S", 4.0)
    ctx = api.cli.demo_job.run_demo(tmp_path / "out", steps=[step.run])
    out = tmp_path / "out" / "rotation"
    for name in ("problem.json", "solution.json", "calendar.csv", "itineraries.csv", "coverage.csv",
                 "proposals.csv"):
        assert (out / name).exists(), name
    view = ctx.views["rotation"]
    assert view.kind == "rotation" and view.itineraries and view.extras["reach_minutes"] == 20
    assert len({i.resource_id for i in view.itineraries}) == 3
    assert main(["check", str(out / "problem.json"), str(out / "solution.json")]) == 0


def test_driving_cap_and_lexicographic_options(tmp_path):
    capped = tmp_path / "capped"
    assert main(["plan", "rotation", "--problem", str(EXAMPLES / "rotation_problem.json"), "--out", str(capped),
                 "--time-limit", "3", "--deterministic", "--max-driving-hours", "0"]) == 0
    sol = json.loads((capped / "solution.json").read_text(encoding="utf-8"))
    assert sol["sessions"] == [] and sol["unserved"]
    assert main(["check", str(capped / "problem.json"), str(capped / "solution.json")]) == 0
    lexico = tmp_path / "lexico"
    assert main(["plan", "rotation", "--problem", str(EXAMPLES / "rotation_problem.json"), "--out", str(lexico),
                 "--time-limit", "3", "--deterministic", "--lexicographic"]) == 0
    assert json.loads((lexico / "solution.json").read_text(encoding="utf-8"))["sessions"]
    assert main(["check", str(lexico / "problem.json"), str(lexico / "solution.json")]) == 0
    assert main(["plan", "rotation", "--problem", str(EXAMPLES / "rotation_problem.json"), "--out", str(lexico),
                 "--max-driving-hours", "-1"]) == 2


def test_plan_rotation_on_the_real_road_network(tmp_path, shared_file, capsys):
    network = shared_file("osm", "fr77_provins_montois_drive.osm")
    # the example's commune 77009 lies 79 km off the extract: refused by name, not a crash
    assert main(["plan", "rotation", "--problem", str(EXAMPLES / "rotation_problem.json"), "--network",
                 str(network), "--out", str(tmp_path / "refused"), "--time-limit", "3"]) == 2
    assert "mairie:77009" in capsys.readouterr().err
    data = json.loads((EXAMPLES / "rotation_problem.json").read_text(encoding="utf-8"))
    data["communes"] = [c for c in data["communes"] if c["insee"] != "77009"]
    data["premises"] = [p for p in data["premises"] if p["insee"] != "77009"]
    data.pop("matrix", None)
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["plan", "rotation", "--problem", str(problem), "--network", str(network), "--out", str(out),
                 "--time-limit", "3", "--deterministic"]) == 0
    matrix = json.loads((out / "matrix.json").read_text(encoding="utf-8"))
    assert matrix["approximate"] is False
    assert main(["check", str(out / "problem.json"), str(out / "solution.json")]) == 0
