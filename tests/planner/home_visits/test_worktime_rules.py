"""Home-visit plans keep each person's working-time profile: a long day, a short night, a heavy week and a
morning without lunch would each break a rule if the solver ignored it; the checker catches each rule on a
hand-edited plan; a self-employed person keeps only their own hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from planner.core.geo import Location
from planner.home_visits.check import check
from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, Horizon, Patient, Staff
from planner.home_visits.solver import solve
from planner.core.hours import TimeRange
from planner.core.worktime import SELF_EMPLOYED, profile_from_record

from .conftest import matrix_for

START = date(2026, 3, 2)  # a Monday


def _busy(hours, *, days=7, profile=None, patients=34) -> HomeVisitProblem:
    """One nurse (and an idle doctor) with more daily visits than any legal day can hold."""
    nurse = Staff("N1", "Inès Infirmière", NURSE, Location(48.562, 3.290), hours, max_visits_per_day=60,
                  max_driving_min=900, **({"work_profile": profile} if profile else {}))
    doctor = Staff("D1", "Dr Alpha", DOCTOR, Location(48.560, 3.300), (None,) * 7)
    pts = tuple(Patient(f"P{k:02d}", f"Patient {k}", Location(48.55 + 0.002 * (k % 6), 3.28 + 0.003 * (k // 6)),
                        frequency_days=1, tolerance_days=0, last_visit=date(2026, 3, 1), last_role=NURSE,
                        sequence=(NURSE,), duration_nurse_min=25) for k in range(patients))
    return HomeVisitProblem(Horizon(START, days, public_holidays_off=False), pts, (nurse, doctor), name="busy")


def _solve(problem):
    matrix = matrix_for(problem)
    sol = solve(problem, matrix, time_limit_s=2.0, seed=1, solution_limit=300)
    return sol, matrix, check(problem, matrix, sol)


def _work(r) -> float:
    pause = (r.break_end_s - r.break_start_s) if r.break_start_s is not None else 0
    return (r.return_s - r.depart_s - pause) / 60


def test_a_long_day_is_cut_at_ten_hours():
    every = TimeRange(6 * 60, 21 * 60)
    problem = _busy((every,) * 7, days=2)
    sol, _, errors = _solve(problem)
    assert errors == [] and sol.routes and sol.unscheduled
    assert all(_work(r) <= 600 for r in sol.routes)
    assert any("Code du travail" in u.reason and "Inès Infirmière" in u.reason for u in sol.unscheduled)
    free = replace(problem, staff=(replace(problem.staff[0], work_profile=SELF_EMPLOYED), problem.staff[1]))
    sol2, _, errors2 = _solve(free)
    assert errors2 == [] and max(_work(r) for r in sol2.routes) > 600  # the rule was what held the first


def test_a_short_night_gets_its_eleven_hours():
    profile = profile_from_record({"kind": "salaried", "max_day_minutes": 900, "max_week_minutes": 10080})
    problem = _busy((TimeRange(7 * 60, 22 * 60),) * 7, days=3, profile=profile)
    sol, _, errors = _solve(problem)
    assert errors == []
    routes = sorted(sol.routes, key=lambda r: r.day)
    rests = [(24 * 3600 - a.return_s + b.depart_s) / 3600 for a, b in zip(routes, routes[1:])]
    assert rests and min(rests) >= 11
    first, second = routes[0], routes[1]  # hand-edited: the second day starts 8 h after the first ends
    early = replace(second, depart_s=first.return_s + 8 * 3600 - 24 * 3600)
    edited = replace(sol, routes=tuple(early if r is second else r for r in sol.routes))
    assert any("L3131-1" in e and "Inès Infirmière" in e for e in check(problem, matrix_for(problem), edited))


def test_a_heavy_week_stays_under_48_hours():
    day = TimeRange(8 * 60, 18 * 60)
    problem = _busy((day,) * 6 + (None,), days=7)
    sol, _, errors = _solve(problem)
    assert errors == []
    assert sum(_work(r) for r in sol.routes) <= 48 * 60
    later = replace(sol, routes=tuple(replace(r, return_s=r.return_s + 3600) for r in sol.routes))
    assert any("L3121-20" in e and "semaine du lundi 2 mars 2026" in e
               for e in check(problem, matrix_for(problem), later))
    free = replace(problem, staff=(replace(problem.staff[0], work_profile=SELF_EMPLOYED), problem.staff[1]))
    sol2, _, _ = _solve(free)
    assert sum(_work(r) for r in sol2.routes) > 48 * 60


def test_a_morning_of_six_and_a_half_hours_gets_a_twenty_minute_pause():
    problem = _busy((TimeRange(7 * 60, 13 * 60 + 30),) * 7, days=2)
    sol, _, errors = _solve(problem)
    assert errors == []
    long = [r for r in sol.routes if r.return_s - r.depart_s > 6 * 3600]
    assert long and all(r.break_start_s is not None and r.break_end_s - r.break_start_s >= 20 * 60 for r in long)


def test_the_checker_names_each_broken_rule_on_a_hand_edited_plan():
    problem = _busy((TimeRange(7 * 60, 13 * 60 + 30),) * 7, days=2)
    sol, matrix, _ = _solve(problem)
    r = next(r for r in sol.routes if r.return_s - r.depart_s > 6 * 3600)
    edited = replace(sol, routes=tuple(replace(x, break_start_s=None, break_end_s=None) if x is r else x
                                       for x in sol.routes))
    errors = check(problem, matrix, edited)
    assert any("Inès Infirmière" in e and "L3121-16" in e for e in errors)
    longer = replace(sol, routes=tuple(replace(x, return_s=x.depart_s + 11 * 3600) if x is r else x
                                       for x in sol.routes))
    assert any("L3121-18" in e and "Inès Infirmière" in e for e in check(problem, matrix, longer))


def test_staff_csv_profiles_read_and_impossible_values_refused_by_row(tmp_path):
    import pytest

    from planner.core.errors import InputError
    from planner.home_visits.io import read_staff_csv, write_staff_csv

    head = "id,name,role,start_lat,start_lon,mon,work_profile,max_day_minutes,break_minutes\n"
    good = tmp_path / "staff.csv"
    good.write_text(head + "N1,Inès,nurse,48.56,3.29,08:00-17:00,libéral,,\n"
                           "N2,Léa,nurse,48.56,3.29,08:00-17:00,salarié,480,30\n", encoding="utf-8")
    staff = read_staff_csv(good)
    assert staff[0].work_profile == SELF_EMPLOYED
    assert staff[1].work_profile.max_day_min == 480 and staff[1].work_profile.break_min == 30
    again = tmp_path / "again.csv"
    write_staff_csv(again, staff)
    assert [s.work_profile for s in read_staff_csv(again)] == [s.work_profile for s in staff]
    for cell, field in (("salaried,1500,", "work_profile.max_day_minutes"), ("salaried,,-5", "work_profile.break_minutes")):
        bad = tmp_path / "bad.csv"
        bad.write_text(head + "N1,Inès,nurse,48.56,3.29,08:00-17:00,salaried,,\n"
                              f"N2,Léa,nurse,48.56,3.29,08:00-17:00,{cell}\n", encoding="utf-8")
        with pytest.raises(InputError) as e:
            read_staff_csv(bad)
        assert e.value.row == 3 and e.value.field == field and str(bad) in str(e.value)
