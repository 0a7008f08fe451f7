"""Re-planning keeps the past, respects the change, prefers previous assignments and reports the diff."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from planner.home_visits.check import check
from planner.home_visits.model import NURSE, Patient
from planner.home_visits.replan import NewPatient, PatientAway, StaffAbsent, replan
from planner.home_visits.solver import solve
from planner.core.geo import Location

from .conftest import WEEKDAYS, make_problem, matrix_for

FAST = dict(time_limit_s=1.5, seed=3, solution_limit=200)


@pytest.fixture(scope="module")
def published():
    problem = make_problem(5)
    from planner.home_visits.model import Staff

    n2 = Staff("N2", "Inf Gamma", NURSE, Location(48.55, 3.31), WEEKDAYS)
    problem = replace(problem, staff=problem.staff + (n2,))
    matrix = matrix_for(replace(problem, patients=problem.patients + (_newcomer(),)))
    sol = solve(problem, matrix, **FAST)
    assert check(problem, matrix, sol) == []
    return problem, matrix, sol


def _newcomer() -> Patient:
    return Patient("P99", "Nouveau patient", Location(48.57, 3.30), frequency_days=7, tolerance_days=2)


CUT = date(2026, 3, 9)


def test_staff_absence(published):
    problem, matrix, sol = published
    res = replan(problem, sol, StaffAbsent("N1", CUT), matrix, **FAST)
    assert check(res.problem, matrix, res.solution) == []
    assert [r for r in res.solution.routes if r.day < CUT] == [r for r in sol.routes if r.day < CUT]
    assert not any(r.staff_id == "N1" and r.day >= CUT for r in res.solution.routes)
    had_n1 = [v for v in sol.visits if v.day >= CUT and "N1" in v.staff_ids]
    if had_n1:
        assert any(c.kind in ("reassigned", "moved_reassigned") for c in res.diff)
    assert all(c.old_day is None or c.old_day >= CUT for c in res.diff)
    untouched = [v for v in sol.visits if v.day >= CUT and "N1" not in v.staff_ids]
    kept = {(v.patient_id, v.visit_index, v.day) for v in res.solution.visits}
    assert sum((v.patient_id, v.visit_index, v.day) in kept for v in untouched) >= len(untouched) - 1


def test_patient_in_hospital(published):
    problem, matrix, sol = published
    away = PatientAway("P2", CUT, date(2026, 3, 13))
    res = replan(problem, sol, away, matrix, **FAST)
    assert check(res.problem, matrix, res.solution) == []
    assert not any(v.patient_id == "P2" and CUT <= v.day <= date(2026, 3, 13) for v in res.solution.visits)
    changes = [c for c in res.diff if c.patient_id == "P2"]
    assert changes and all(c.kind in ("moved", "moved_reassigned", "cancelled") for c in changes)
    assert all(c.patient_id == "P2" for c in res.diff if c.kind == "cancelled")


def test_new_patient(published):
    problem, matrix, sol = published
    res = replan(problem, sol, NewPatient(_newcomer(), CUT), matrix, **FAST)
    assert check(res.problem, matrix, res.solution) == []
    added = [c for c in res.diff if c.kind == "added"]
    assert added and all(c.patient_id == "P99" for c in added)
    assert res.summary()["added"] == len(added)
