"""Hand adjustments: a moved visit lands where the planner put it and the plan stays valid; edits that break a
rule are refused in French and change nothing; pins and locked days hold through a new solve."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from planner.core.errors import InputError
from planner.home_visits.check import check
from planner.home_visits.edits import lock_day, move_visit, set_pin
from planner.home_visits.io import problem_from_dict, problem_to_dict
from planner.home_visits.model import Pin
from planner.home_visits.solver import solve

from .conftest import make_problem, matrix_for


@pytest.fixture(scope="module")
def planned():
    problem = make_problem(6)
    matrix = matrix_for(problem)
    sol = solve(problem, matrix, time_limit_s=2, seed=1)
    assert check(problem, matrix, sol) == []
    return problem, matrix, sol


def _moved(problem, matrix, sol, v):
    """The first other day the visit can move to (its spacing allows a day either side)."""
    for delta in (1, -1, 2, -2):
        try:
            return move_visit(problem, sol, matrix, v.patient_id, v.visit_index, v.day + timedelta(days=delta))
        except InputError:
            continue
    raise AssertionError(f"no day accepted for {v}")


def test_a_moved_visit_is_where_the_planner_put_it_and_the_plan_stays_valid(planned):
    problem, matrix, sol = planned
    v = sol.visits[0]
    e = _moved(problem, matrix, sol, v)
    got = next(x for x in e.solution.visits if (x.patient_id, x.visit_index) == (v.patient_id, v.visit_index))
    assert got.day != v.day
    assert check(e.problem, matrix, e.solution) == []
    assert e.problem.pin(v.patient_id, v.visit_index).day == got.day
    assert e.problem.pin(v.patient_id, v.visit_index).staff_ids == got.staff_ids
    assert len(e.solution.visits) == len(sol.visits)  # nothing else lost
    others = {(x.patient_id, x.visit_index): x.staff_ids for x in sol.visits if x != v}
    assert all(others[(x.patient_id, x.visit_index)] == x.staff_ids for x in e.solution.visits
               if (x.patient_id, x.visit_index) in others)  # every other visit kept its caregiver
    assert "épinglée" in e.message


def test_edits_that_break_a_rule_are_refused_in_french(planned):
    problem, matrix, sol = planned
    doctor_visit = next(x for x in sol.visits if x.role == "doctor")
    with pytest.raises(InputError, match="est infirmière") as exc:
        move_visit(problem, sol, matrix, doctor_visit.patient_id, doctor_visit.visit_index, doctor_visit.day, ("N1",))
    assert exc.value.field == "staff_ids"
    with pytest.raises(InputError, match="doit tomber entre"):
        move_visit(problem, sol, matrix, doctor_visit.patient_id, doctor_visit.visit_index,
                   doctor_visit.day + timedelta(days=5))
    with pytest.raises(InputError, match="hors de la période"):
        move_visit(problem, sol, matrix, doctor_visit.patient_id, doctor_visit.visit_index,
                   problem.horizon.end + timedelta(days=1))
    with pytest.raises(InputError, match="visite inconnue"):
        move_visit(problem, sol, matrix, "P1", 40, doctor_visit.day)
    with pytest.raises(InputError, match="hors de la plage horaire|hors des horaires"):
        move_visit(problem, sol, matrix, doctor_visit.patient_id, doctor_visit.visit_index, doctor_visit.day,
                   start_s=19 * 3600)


def test_closed_days_and_unavailable_patients_are_refused(planned):
    problem, matrix, sol = planned
    v = sol.visits[0]
    closed = replace(problem, horizon=replace(problem.horizon, closed=(v.day,)))
    with pytest.raises(InputError, match="jour fermé"):
        move_visit(closed, sol, matrix, v.patient_id, v.visit_index, v.day)
    away = replace(problem, patients=tuple(replace(p, unavailable=(v.day,)) if p.id == v.patient_id else p
                                           for p in problem.patients))
    with pytest.raises(InputError, match="indisponible"):
        move_visit(away, sol, matrix, v.patient_id, v.visit_index, v.day)


def test_a_pin_its_day_cannot_hold_stays_out_with_the_reason_and_never_moves(planned):
    problem, matrix, sol = planned
    v = next(x for x in sol.visits if x.role == "nurse" and not x.joint)
    away = tuple(replace(s, absences=((v.day, v.day),)) if s.id == "N1" else s for s in problem.staff)
    held = replace(problem, staff=away, pins=(Pin(v.patient_id, v.visit_index, v.day, ("N1",)),))
    again = solve(held, matrix, time_limit_s=2, seed=1)
    assert check(held, matrix, again) == []
    assert (v.patient_id, v.visit_index) not in {(x.patient_id, x.visit_index) for x in again.visits}
    out = next(u for u in again.unscheduled if (u.patient_id, u.visit_index) == (v.patient_id, v.visit_index))
    assert "épinglée" in out.reason


def test_a_pin_on_an_absent_caregiver_is_refused(planned):
    problem, matrix, sol = planned
    v = next(x for x in sol.visits if x.role == "nurse")
    away = tuple(replace(s, absences=((v.day, v.day),)) if s.id == "N1" else s for s in problem.staff)
    absent = replace(problem, staff=away)
    with pytest.raises(InputError, match="Inf Beta est absent"):
        move_visit(absent, sol, matrix, v.patient_id, v.visit_index, v.day, ("N1",))


def test_locked_days_and_pins_hold_through_a_new_solve(planned):
    problem, matrix, sol = planned
    v = sol.visits[0]
    e = _moved(problem, matrix, sol, v)
    locked_day = next(x.day for x in e.solution.visits if x.day != e.problem.pins[0].day)
    e = lock_day(e.problem, e.solution, locked_day, True)
    assert locked_day in e.problem.locked_days and len(e.problem.pins) > 1
    with pytest.raises(InputError, match="verrouillée"):
        x = next(x for x in e.solution.visits if x.day == locked_day)
        move_visit(e.problem, e.solution, matrix, x.patient_id, x.visit_index, x.day + timedelta(days=1))
    again = solve(e.problem, matrix, time_limit_s=2, seed=7)  # another seed: the pins, not chance, hold it
    assert check(e.problem, matrix, again) == []
    planned_now = {(x.patient_id, x.visit_index): x for x in again.visits}
    for pin in e.problem.pins:
        got = planned_now[pin.key]
        assert got.day == pin.day and set(got.staff_ids) == set(pin.staff_ids)
        if pin.start_s is not None:
            assert got.start_s == pin.start_s
    pinned = {p.key for p in e.problem.pins}
    assert all((x.patient_id, x.visit_index) in pinned for x in again.visits if x.day == locked_day)
    unlocked = lock_day(e.problem, e.solution, locked_day, False)
    assert locked_day not in unlocked.problem.locked_days
    assert [p.key for p in unlocked.problem.pins] == [e.problem.pins[0].key]  # the hand pin stays


def test_a_pin_at_a_time_is_kept_and_the_checker_refuses_a_plan_that_ignores_it(planned):
    problem, matrix, sol = planned
    v = sol.visits[1]
    e = set_pin(problem, sol, v.patient_id, v.visit_index, True)
    pin = e.problem.pin(v.patient_id, v.visit_index)
    assert (pin.day, pin.staff_ids, pin.start_s) == (v.day, v.staff_ids, v.start_s)
    later = replace(pin, start_s=v.start_s + 1800)
    shifted = replace(e.problem, pins=(later,))
    assert any("pinned at" in x for x in check(shifted, matrix, sol))
    assert check(e.problem, matrix, sol) == []
    released = set_pin(e.problem, sol, v.patient_id, v.visit_index, False)
    assert released.problem.pins == ()


def test_pins_and_locked_days_survive_the_json_form(planned):
    problem, matrix, sol = planned
    pinned = set_pin(problem, sol, sol.visits[0].patient_id, sol.visits[0].visit_index, True)
    e = lock_day(pinned.problem, sol, sol.visits[-1].day, True)
    back = problem_from_dict(problem_to_dict(e.problem))
    assert back.pins == e.problem.pins and back.locked_days == e.problem.locked_days
    bad = problem_to_dict(e.problem)
    bad["pins"][0]["start_s"] = 90000
    with pytest.raises(InputError) as exc:
        problem_from_dict(bad)
    assert exc.value.field.startswith("pins[0]")
