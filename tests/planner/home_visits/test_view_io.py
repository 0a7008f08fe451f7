"""PlanView projection, JSON/CSV round trips, input errors naming the field, tampered solutions caught."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from planner.core.errors import InputError
from planner.home_visits import io
from planner.home_visits.check import check
from planner.kinds import check_files
from planner.home_visits.model import NURSE
from planner.home_visits.solver import solve
from planner.home_visits.view import to_plan_view

from .conftest import make_problem, matrix_for


@pytest.fixture(scope="module")
def solved():
    problem = make_problem(4, joint_first=True)
    matrix = matrix_for(problem)
    sol = solve(problem, matrix, time_limit_s=1.5, seed=2, solution_limit=200)
    assert check(problem, matrix, sol) == []
    return problem, matrix, sol


def test_plan_view(solved):
    problem, matrix, sol = solved
    view = to_plan_view(problem, sol, matrix)
    assert view.kind == "home_visits" and view.approximate
    assert len(view.itineraries) == len(sol.routes)
    kinds = {s.kind for it in view.itineraries for s in it.stops}
    assert {"depart", "visit", "joint_visit", "return"} <= kinds
    for it in view.itineraries:
        assert it.stops[0].kind == "depart" and it.stops[-1].kind == "return"
        assert [s.sequence for s in it.stops] == list(range(len(it.stops)))
        times = [s.start for s in it.stops]
        assert times == sorted(times)
        for s in it.stops:
            if s.kind in ("visit", "joint_visit"):
                assert s.patient_id and s.patient_name
    labels = dict(view.indicators)
    assert labels["Visites planifiées / requises"].startswith(str(sol.indicators["visits_planned"]))


def test_json_round_trip(solved, tmp_path):
    problem, matrix, sol = solved
    io.write_problem(replace(problem, matrix="matrix.json"), tmp_path / "problem.json")
    matrix.save(tmp_path / "matrix.json")
    io.write_solution(sol, tmp_path / "solution.json")
    again = io.read_problem(tmp_path / "problem.json")
    assert again.patients == problem.patients and again.staff == problem.staff
    assert io.read_solution(tmp_path / "solution.json").routes == sol.routes
    assert check_files(tmp_path / "problem.json", tmp_path / "solution.json") == []
    io.write_solution_csv(problem, sol, tmp_path)
    rows = list(csv.DictReader((tmp_path / "routes.csv").open(encoding="utf-8")))
    assert {r["kind"] for r in rows} >= {"depart", "visit", "joint_visit", "return"}
    cal = list(csv.DictReader((tmp_path / "calendar.csv").open(encoding="utf-8")))
    assert len(cal) == len(sol.visits) + len(sol.unscheduled)


def test_csv_round_trip(solved, tmp_path):
    problem, _, _ = solved
    io.write_patients_csv(tmp_path / "patients.csv", problem.patients)
    io.write_staff_csv(tmp_path / "staff.csv", problem.staff)
    assert tuple(io.read_patients_csv(tmp_path / "patients.csv", problem.horizon)) == problem.patients
    assert tuple(io.read_staff_csv(tmp_path / "staff.csv")) == problem.staff


def _patients_csv(tmp_path, **changes):
    problem = make_problem(2)
    rec = io.patient_to_record(problem.patients[0])
    rec.update(changes)
    path = tmp_path / "patients.csv"
    io.write_csv(path, io.PATIENT_FIELDS, [io.patient_to_record(problem.patients[1]), rec])
    return path, problem.horizon


@pytest.mark.parametrize("changes, field", [
    ({"last_role": "chirurgien"}, "last_role"),
    ({"frequency_days": "2", "tolerance_days": "3"}, "frequency_days"),
    ({"last_visit": "2026-03-05"}, "last_visit"),
    ({"last_visit": "05/03/2026"}, "last_visit"),
    ({"lat": "abc"}, "lat"),
    ({"joint": "parfois"}, "joint"),
    ({"window": "9h-12h"}, "window"),
])
def test_bad_patient_input_names_field(tmp_path, changes, field):
    path, horizon = _patients_csv(tmp_path, **changes)
    with pytest.raises(InputError) as exc:
        io.read_patients_csv(path, horizon)
    assert exc.value.field == field and exc.value.row == 3 and str(path) in str(exc.value)


def test_bad_staff_role(tmp_path):
    problem = make_problem(1)
    rec = io.staff_to_record(problem.staff[0])
    rec["role"] = "chirurgien"
    io.write_csv(tmp_path / "staff.csv", io.STAFF_FIELDS, [rec])
    with pytest.raises(InputError) as exc:
        io.read_staff_csv(tmp_path / "staff.csv")
    assert exc.value.field == "role" and exc.value.row == 2


def test_ipa_is_a_nurse(tmp_path):
    problem = make_problem(1)
    rec = io.staff_to_record(problem.staff[1])
    rec.update(role="ipa", advanced_practice="")
    io.write_csv(tmp_path / "staff.csv", io.STAFF_FIELDS, [rec])
    s = io.read_staff_csv(tmp_path / "staff.csv")[0]
    assert s.role == NURSE and s.advanced_practice and s.display_role == "ipa"


def test_preferred_staff_must_exist():
    problem = make_problem(1)
    with pytest.raises(InputError) as exc:
        replace(problem, patients=(replace(problem.patients[0], preferred_doctor="D9"),))
    assert exc.value.field == "preferred_doctor"


def test_check_catches_tampering(solved):
    problem, matrix, sol = solved
    r0 = sol.routes[0]
    st = r0.stops[0]
    moved = replace(r0, stops=(replace(st, start_s=st.start_s - 3600, end_s=st.end_s - 3600),) + r0.stops[1:])
    assert check(problem, matrix, replace(sol, routes=(moved,) + sol.routes[1:]))
    faster = replace(r0, stops=(replace(st, travel_s=st.travel_s // 2 + 1),) + r0.stops[1:])
    assert any("matrix says" in e for e in check(problem, matrix, replace(sol, routes=(faster,) + sol.routes[1:])))
    solo = next(r for r in sol.routes if not any(s.joint for s in r.stops))
    dropped = replace(sol, routes=tuple(r for r in sol.routes if r is not solo))
    assert any("no route" in e for e in check(problem, matrix, dropped))
    v0 = sol.visits[0]
    wrong_role = replace(v0, role="nurse" if v0.role == "doctor" else "doctor")
    assert any("sequence asks" in e for e in check(problem, matrix, replace(sol, visits=(wrong_role,) + sol.visits[1:])))
    silent = replace(sol, visits=sol.visits[1:])
    assert any("neither planned nor unscheduled" in e for e in check(problem, matrix, silent))
    joint_r = next(r for r in sol.routes if any(s.joint for s in r.stops))
    k = next(i for i, s in enumerate(joint_r.stops) if s.joint)
    js = joint_r.stops[k]
    shifted = replace(joint_r, stops=joint_r.stops[:k] + (replace(js, start_s=js.start_s + 60, end_s=js.end_s + 60),)
                      + joint_r.stops[k + 1:])
    routes = tuple(shifted if r is joint_r else r for r in sol.routes)
    assert any("together" in e for e in check(problem, matrix, replace(sol, routes=routes)))


def test_example_files_round_trip():
    from pathlib import Path

    ex = Path(__file__).resolve().parents[3] / "data" / "examples"
    if not (ex / "home_visits_problem.json").exists():
        pytest.skip("example files not written yet")
    problem = io.read_problem(ex / "home_visits_problem.json")
    assert io.problem_to_dict(problem)["patients"] == json.loads(
        (ex / "home_visits_problem.json").read_text(encoding="utf-8"))["patients"]
    assert check_files(ex / "home_visits_problem.json", ex / "home_visits_solution.json") == []


def test_french_spreadsheet_csv(tmp_path):
    """Semicolons, decimal commas and a BOM, as a French spreadsheet saves them."""
    problem = make_problem(2)
    rows = [io.patient_to_record(p) for p in problem.patients]
    path = tmp_path / "patients.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=io.PATIENT_FIELDS, delimiter=";")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "lat": str(r["lat"]).replace(".", ","), "lon": str(r["lon"]).replace(".", ","),
                        "sequence": "D,N"})
    assert tuple(io.read_patients_csv(path, problem.horizon)) == problem.patients
