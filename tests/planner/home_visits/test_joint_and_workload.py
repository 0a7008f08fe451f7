"""Joint visits planned in one model (planner/home_visits/sync.py) and the workload fairness indicator."""

from __future__ import annotations

from dataclasses import replace

from planner.core.geo import Location
from planner.home_visits import sync
from planner.home_visits.check import check
from planner.home_visits.model import DOCTOR, NURSE, Joint, Staff
from planner.home_visits.replan import StaffAbsent, replan
from planner.home_visits.solver import solve
from planner.home_visits.workload import MAX_RATIO, fairness

from .conftest import WEEKDAYS, make_problem, matrix_for

FAST = dict(time_limit_s=2.0, seed=1, solution_limit=200)


def _together(sol, v) -> set[tuple[str, int]]:
    return {(r.staff_id, s.start_s) for r in sol.routes for s in r.stops
            if (s.patient_id, s.visit_index) == (v.patient_id, v.visit_index)}


def two_teams(n_patients: int = 8):
    staff = (Staff("D1", "Dr Alpha", DOCTOR, Location(48.560, 3.300), WEEKDAYS),
             Staff("D2", "Dr Gamma", DOCTOR, Location(48.600, 3.350), WEEKDAYS),
             Staff("N1", "Inf Beta", NURSE, Location(48.562, 3.290), WEEKDAYS),
             Staff("N2", "Inf Delta", NURSE, Location(48.590, 3.340), WEEKDAYS))
    problem = make_problem(n_patients, staff=staff)
    patients = tuple(replace(p, joint=Joint("always")) if k % 3 == 0 else p for k, p in enumerate(problem.patients))
    return replace(problem, patients=patients)


def test_joint_visits_both_caregivers_at_the_same_time_and_after_replan():
    problem = two_teams()
    matrix = matrix_for(problem)
    sol = solve(problem, matrix, **FAST)
    assert check(problem, matrix, sol) == []
    joint = [v for v in sol.visits if v.joint]
    assert joint and not sol.unscheduled
    for v in joint:
        got = _together(sol, v)
        roles = {s.role for s in problem.staff if s.id in {sid for sid, _ in got}}
        assert roles == {DOCTOR, NURSE} and len({t for _, t in got}) == 1
    # Re-planning after a nurse's absence keeps every joint visit together.
    day = joint[0].day
    res = replan(problem, sol, StaffAbsent("N1", day, day), matrix, time_limit_s=2.0, seed=1, solution_limit=200)
    assert check(res.problem, matrix, res.solution) == []
    again = [x for x in res.solution.visits if x.joint]
    assert again
    for v in again:
        assert len({t for _, t in _together(res.solution, v)}) == 1


def test_sync_stop_ids_round_trip():
    key = ("P#1@x", 3)
    assert sync.parse(sync.stop_id(key)) == (key, None)
    assert sync.parse(sync.stop_id(key, NURSE)) == (key, NURSE)
    tie, = sync.ties(key, (DOCTOR, NURSE))
    assert (tie.first, tie.second, tie.min_offset_s, tie.max_offset_s) == (
        sync.stop_id(key, DOCTOR), sync.stop_id(key, NURSE), 0, 0)


def test_workload_fairness_groups_by_role_and_working_time():
    problem = two_teams(10)
    matrix = matrix_for(problem)
    sol = solve(problem, matrix, **FAST)
    groups = fairness(problem, sol)
    assert {(g["role"], tuple(g["staff"])) for g in groups} == {(DOCTOR, ("D1", "D2")), (NURSE, ("N1", "N2"))}
    for g in groups:
        counts = {r.staff_id: 0 for r in sol.routes}
        for r in sol.routes:
            counts[r.staff_id] += len(r.stops)
        assert g["busiest_visits"] == max(counts.get(x, 0) for x in g["staff"])
        assert g["within"] == (g["ratio"] is not None and g["ratio"] <= MAX_RATIO)
    # A colleague away for a week works less: compared with nobody, not called unfair.
    d2 = problem.staff[1]
    away = replace(problem, staff=tuple(replace(s, absences=((problem.horizon.start, problem.horizon.dates()[4]),))
                                        if s.id == d2.id else s for s in problem.staff))
    sol2 = solve(away, matrix, **FAST)
    assert all(g["role"] != DOCTOR for g in fairness(away, sol2))
    assert sol2.indicators["workload_fairness"] == fairness(away, sol2)
