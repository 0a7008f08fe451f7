"""`planner plan visits` and `planner check` end to end on the example files (approximate matrix)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from api.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def test_plan_visits_from_csv_then_check(tmp_path):
    out = tmp_path / "out"
    code = main(["plan", "visits", "--patients", str(EXAMPLES / "home_visits_patients.csv"),
                 "--staff", str(EXAMPLES / "home_visits_staff.csv"), "--start", "2026-03-02", "--days", "14",
                 "--matrix", str(EXAMPLES / "home_visits_matrix.json"), "--out", str(out),
                 "--time-limit", "2", "--seed", "1", "--deterministic"])
    assert code == 0
    for name in ("problem.json", "solution.json", "matrix.json", "routes.csv", "calendar.csv"):
        assert (out / name).exists(), name
    sol = json.loads((out / "solution.json").read_text(encoding="utf-8"))
    assert sol["kind"] == "home_visits" and sol["calendar"]
    assert main(["check", str(out / "problem.json"), str(out / "solution.json")]) == 0


def test_check_rejects_a_tampered_solution(tmp_path):
    shutil.copy(EXAMPLES / "home_visits_problem.json", tmp_path / "problem.json")
    shutil.copy(EXAMPLES / "home_visits_matrix.json", tmp_path / "home_visits_matrix.json")
    sol = json.loads((EXAMPLES / "home_visits_solution.json").read_text(encoding="utf-8"))
    sol["routes"][0]["stops"][0]["travel_s"] = 1
    (tmp_path / "solution.json").write_text(json.dumps(sol), encoding="utf-8")
    assert main(["check", str(tmp_path / "problem.json"), str(tmp_path / "solution.json")]) == 1


def test_bad_csv_is_a_clean_error(tmp_path, capsys):
    text = (EXAMPLES / "home_visits_staff.csv").read_text(encoding="utf-8").replace(",doctor,", ",chirurgien,")
    (tmp_path / "staff.csv").write_text(text, encoding="utf-8")
    code = main(["plan", "visits", "--patients", str(EXAMPLES / "home_visits_patients.csv"),
                 "--staff", str(tmp_path / "staff.csv"), "--start", "2026-03-02", "--days", "14",
                 "--out", str(tmp_path / "out"), "--time-limit", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "role" in err and "row 2" in err and "Traceback" not in err


def test_missing_patient_in_matrix_names_it(tmp_path, capsys):
    m = json.loads((EXAMPLES / "home_visits_matrix.json").read_text(encoding="utf-8"))
    k = m["ids"].index("P03")
    m["ids"].pop(k)
    m["seconds"] = [row[:k] + row[k + 1:] for i, row in enumerate(m["seconds"]) if i != k]
    m["metres"] = [row[:k] + row[k + 1:] for i, row in enumerate(m["metres"]) if i != k]
    (tmp_path / "m.json").write_text(json.dumps(m), encoding="utf-8")
    code = main(["plan", "visits", "--patients", str(EXAMPLES / "home_visits_patients.csv"),
                 "--staff", str(EXAMPLES / "home_visits_staff.csv"), "--start", "2026-03-02", "--days", "14",
                 "--matrix", str(tmp_path / "m.json"), "--out", str(tmp_path / "out"), "--time-limit", "1"])
    assert code == 2 and "P03" in capsys.readouterr().err


def test_plan_visits_from_problem_json_with_approximate_model(tmp_path):
    problem = json.loads((EXAMPLES / "home_visits_problem.json").read_text(encoding="utf-8"))
    problem["matrix"] = None
    (tmp_path / "p.json").write_text(json.dumps(problem), encoding="utf-8")
    code = main(["plan", "visits", "--problem", str(tmp_path / "p.json"), "--out", str(tmp_path / "out"),
                 "--time-limit", "1"])
    assert code == 0
    assert json.loads((tmp_path / "out" / "matrix.json").read_text(encoding="utf-8"))["approximate"] is True


def test_demo_step_plans_and_checks(tmp_path, monkeypatch):
    import api.cli.demo_job
    from api.cli.demo_steps import home_visits

    monkeypatch.setattr(api.cli.demo_job, "SHARED_NETWORK", tmp_path / "absent.osm")
    monkeypatch.setattr(home_visits, "TIME_LIMIT_S", 4.0)
    ctx = api.cli.demo_job.run_demo(tmp_path / "demo", steps=[home_visits.run])
    out = tmp_path / "demo" / "home_visits"
    view = ctx.views["home_visits"]
    assert view.kind == "home_visits" and view.approximate and view.itineraries
    planned = json.loads((out / "solution.json").read_text(encoding="utf-8"))["indicators"]["visits_planned"]
    assert planned > 300
    assert main(["check", str(out / "problem.json"), str(out / "solution.json")]) == 0


def test_plan_visits_on_the_real_road_network(tmp_path, shared_file):
    network = shared_file("osm", "fr77_provins_montois_drive.osm")
    out = tmp_path / "out"
    assert main(["plan", "visits", "--patients", str(EXAMPLES / "home_visits_patients.csv"),
                 "--staff", str(EXAMPLES / "home_visits_staff.csv"), "--start", "2026-03-02", "--days", "14",
                 "--network", str(network), "--out", str(out), "--time-limit", "3", "--deterministic"]) == 0
    matrix = json.loads((out / "matrix.json").read_text(encoding="utf-8"))
    assert matrix["approximate"] is False
    assert main(["check", str(out / "problem.json"), str(out / "solution.json")]) == 0
