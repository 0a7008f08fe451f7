"""The solver on small real problems; every solution goes through the independent checker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from planner.home_visits.check import check
from planner.home_visits.model import DOCTOR, NURSE, Joint, Staff
from planner.home_visits.solver import solve
from planner.core.hours import TimeRange

from .conftest import WEEKDAYS, make_problem, matrix_for

FAST = dict(time_limit_s=1.5, seed=1, solution_limit=200)


def _solve(problem, matrix=None, **kw):
    matrix = matrix or matrix_for(problem)
    sol = solve(problem, matrix, **{**FAST, **kw})
    assert check(problem, matrix, sol) == []
    return sol


def test_alternation_and_spacing(small):
    problem, matrix = small
    sol = _solve(problem, matrix)
    assert not sol.unscheduled
    cal = sol.calendar()
    for p in problem.patients:
        visits = cal[p.id]
        assert len(visits) >= 2
        roles = [v.role for v in visits]
        expected_first = NURSE if p.last_role == DOCTOR else DOCTOR
        assert roles[0] == expected_first
        assert all(a != b for a, b in zip(roles, roles[1:]))  # D,N,D... alternate
        gaps = [(p.last_visit and (visits[0].day - p.last_visit).days)] + \
               [(b.day - a.day).days for a, b in zip(visits, visits[1:])]
        assert all(6 <= g <= 8 for g in gaps)
        for v in visits:
            route_roles = {r.staff_id for r in sol.routes if any(s.patient_id == p.id and s.visit_index == v.visit_index
                                                                  for s in r.stops)}
            assert route_roles == {"D1" if v.role == DOCTOR else "N1"}
    assert sol.indicators["visits_planned"] == sol.indicators["visits_required"] > 0
    assert sol.stats["first_feasible_s"] <= sol.stats["wall_s"]


def test_role_sequence_d_n_n():
    problem = make_problem(1)
    p = replace(problem.patients[0], sequence=(DOCTOR, NURSE, NURSE), last_role=DOCTOR, frequency_days=4,
                tolerance_days=1)
    problem = replace(problem, patients=(p,), horizon=replace(problem.horizon, days=21))
    sol = _solve(problem)
    roles = [v.role for v in sol.calendar()[p.id]]
    assert roles[:3] == [NURSE, NURSE, DOCTOR]


def test_joint_visit_synchronised():
    problem = make_problem(4, joint_first=True)
    sol = _solve(problem)
    joint = [v for v in sol.visits if v.joint]
    assert joint and all(v.patient_id == "P1" for v in joint)
    for v in joint:
        starts = {(r.staff_id, s.start_s) for r in sol.routes for s in r.stops
                  if (s.patient_id, s.visit_index) == (v.patient_id, v.visit_index)}
        assert {sid for sid, _ in starts} == {"D1", "N1"}
        assert len({t for _, t in starts}) == 1


def test_joint_every_second_visit():
    problem = make_problem(1)
    p = replace(problem.patients[0], joint=Joint("every", 2, 0), frequency_days=3, tolerance_days=1)
    problem = replace(problem, patients=(p,))
    sol = _solve(problem)
    flags = [v.joint for v in sol.calendar()[p.id]]
    assert flags[:4] == [False, True, False, True]


def test_absence_respected():
    problem = make_problem(4)
    d1, n1 = problem.staff
    absent = (date(2026, 3, 2), date(2026, 3, 4))
    problem = replace(problem, staff=(d1, replace(n1, absences=(absent,))))
    sol = _solve(problem)
    assert not any(r.staff_id == "N1" and absent[0] <= r.day <= absent[1] for r in sol.routes)


def test_unscheduled_with_reason_when_no_nurse_works():
    problem = make_problem(3)
    d1, n1 = problem.staff
    only_saturday = (None, None, None, None, None, TimeRange(8 * 60, 12 * 60), None)
    problem = replace(problem, staff=(d1, replace(n1, hours=only_saturday)))
    sol = _solve(problem)
    nurse_out = [u for u in sol.unscheduled if u.role == NURSE]
    assert nurse_out, "nurse visits falling on weekdays only must be unscheduled"
    assert all("aucune infirmière ne travaille" in u.reason for u in nurse_out if u.visit_index == 1)
    assert not [u for u in sol.unscheduled if u.role == DOCTOR]


def test_driving_limit_reason():
    problem = make_problem(2)
    d1, n1 = problem.staff
    far = replace(problem.patients[1], location=type(problem.patients[1].location)(49.2, 4.2))
    problem = replace(problem, patients=(problem.patients[0], far),
                      staff=(replace(d1, max_driving_min=60), replace(n1, max_driving_min=60)))
    sol = _solve(problem)
    reasons = {u.reason for u in sol.unscheduled if u.patient_id == far.id}
    assert reasons and all("limite de conduite" in r for r in reasons)
    assert all(u.patient_id == far.id for u in sol.unscheduled)


def test_holiday_closed():
    problem = make_problem(3, days=14)
    problem = replace(problem, horizon=replace(problem.horizon, start=date(2026, 4, 30)))  # 1 May, 8 May
    problem = replace(problem, patients=tuple(replace(p, last_visit=date(2026, 4, 24)) for p in problem.patients))
    sol = _solve(problem)
    assert not any(r.day in (date(2026, 5, 1), date(2026, 5, 8)) for r in sol.routes)


def test_capacity_limits_and_lunch_break():
    problem = make_problem(8)
    d1, n1 = problem.staff
    problem = replace(problem, staff=(replace(d1, max_visits_per_day=2), replace(n1, max_visits_per_day=2)))
    sol = _solve(problem)
    assert all(len(r.stops) <= 2 for r in sol.routes)
    for r in sol.routes:
        assert r.break_start_s is None or 12 * 3600 <= r.break_start_s <= 13 * 3600 + 15 * 60


def test_deterministic_for_a_seed(small):
    """Same seed, same plan, when every search ends at a local optimum (not at the clock)."""
    problem, matrix = small
    bounded = dict(time_limit_s=30, seed=1, deterministic=True)
    a = solve(problem, matrix, **bounded)
    b = solve(problem, matrix, **bounded)
    assert [(r.staff_id, r.day, [(s.patient_id, s.start_s) for s in r.stops]) for r in a.routes] == \
           [(r.staff_id, r.day, [(s.patient_id, s.start_s) for s in r.stops]) for r in b.routes]


def test_progress_reported(small):
    problem, matrix = small
    seen = []
    solve(problem, matrix, time_limit_s=1, seed=0, progress=lambda what, frac: seen.append((what, frac)))
    assert seen[0][1] == 0.0 and seen[-1][1] == 1.0


def test_preferred_nurse_kept_when_working():
    problem = make_problem(4)
    d1, n1 = problem.staff
    n2 = Staff("N2", "Inf Gamma", NURSE, n1.start, WEEKDAYS)
    patients = tuple(replace(p, preferred_nurse="N2") for p in problem.patients)
    problem = replace(problem, staff=(d1, n1, n2), patients=patients)
    sol = _solve(problem)
    nurse_visits = [v for v in sol.visits if v.role == NURSE]
    assert nurse_visits and all("N2" in v.staff_ids for v in nurse_visits)
    assert sol.indicators["continuity_rate"] == 1.0


def test_unreachable_patient_unscheduled_with_reason():
    import numpy as np

    from planner.core.travel import UNREACHABLE, TravelMatrix

    problem = make_problem(3)
    m = matrix_for(problem)
    k = m.index("P2")
    sec, met = m.seconds.copy(), m.metres.copy()
    sec[k, :] = sec[:, k] = UNREACHABLE
    met[k, :] = met[:, k] = UNREACHABLE
    sec[k, k] = met[k, k] = 0
    cut = TravelMatrix(m.ids, sec, met, True, m.source)
    sol = _solve(problem, cut)
    out = [u for u in sol.unscheduled if u.patient_id == "P2"]
    assert out and all("injoignable" in u.reason for u in out)
    assert not [u for u in sol.unscheduled if u.patient_id != "P2"]
    assert np.all(cut.seconds >= 0)


def test_nobody_for_a_role():
    problem = make_problem(2)
    problem = replace(problem, staff=problem.staff[:1])  # doctors only
    sol = _solve(problem)
    assert sol.unscheduled and all(u.role == NURSE and "aucune infirmière" in u.reason for u in sol.unscheduled)
