"""Rotations keep public holidays and each member's working time: a holiday in the mission, long days, a
heavy week and a short night would each break a rule if the planner ignored it; the checker names each."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

from planner.rotations.baseline import solve_greedy
from planner.rotations.check import check
from planner.rotations.io import problem_from_dict, problem_to_dict
from planner.rotations.model import Session
from planner.rotations.solver_ortools import solve
from planner.rotations.workdays import crew_days

from .conftest import BASE, matrix_for

ALL_DAY = [["lundi", "dimanche", [["06:00", "21:00"]]]]


def _long_days(start: str = "2026-11-09", days: int = 5, **unit) -> dict:
    data = _base(start, days)
    data["units"][0].update(unit)
    return data


def _base(start: str, days: int) -> dict:
    """One unit, long half-days (08:00-12:30, 13:30-18:30), one premises ~50 min away and one next door,
    demand without end: a full day far away is 11 h of work."""
    far = (BASE[0] + 0.3, BASE[1])
    return {
        "kind": "rotation", "name": "longues journées", "reach_minutes": 20,
        "half_days": {"am": ["08:00", "12:30"], "pm": ["13:30", "18:30"], "min_session_minutes": 90},
        "units": [{"id": "U1", "name": "Unité 1", "base": {"id": "base:U1", "name": "Base", "lat": BASE[0],
                                                              "lon": BASE[1]},
                   "start": start, "days": days, "day_start": "07:00", "day_end": "20:00",
                   "max_driving_minutes": 300,
                   "members": [{"id": "d1", "name": "Dr Aubert", "role": "doctor"},
                               {"id": "n1", "name": "Inès Bard", "role": "nurse"}]}],
        "premises": [{"id": "P1", "name": "Salle loin", "insee": "77001", "lat": far[0], "lon": far[1], "rooms": 1,
                      "hours": ALL_DAY},
                     {"id": "P2", "name": "Salle proche", "insee": "77002", "lat": BASE[0] + 0.01, "lon": BASE[1],
                      "rooms": 1, "hours": ALL_DAY}],
        "communes": [{"insee": "77001", "name": "Loin", "population": 5000, "lat": far[0], "lon": far[1],
                      "townhall_hours": ALL_DAY, "demand": {"gp": 900, "nursing": 900}},
                     {"insee": "77002", "name": "Proche", "population": 5000, "lat": BASE[0] + 0.01, "lon": BASE[1],
                      "townhall_hours": ALL_DAY, "demand": {"gp": 900, "nursing": 900}}],
    }


def _solve(data: dict, **kw):
    problem = problem_from_dict(copy.deepcopy(data))
    matrix = matrix_for(data)
    sol = solve(problem, matrix, time_limit_s=kw.pop("time_limit_s", 3), seed=1, **kw)
    return problem, matrix, sol


def test_no_session_on_a_public_holiday_unless_the_unit_works_it():
    data = _long_days()  # Monday 9 to Friday 13 November 2026: Wednesday 11 is Armistice
    problem, matrix, sol = _solve(data)
    assert problem.holidays() == {date(2026, 11, 11): "Armistice"}
    assert check(problem, matrix, sol) == []
    assert sol.sessions and not any(s.day == date(2026, 11, 11) for s in sol.sessions)
    greedy = solve_greedy(problem, matrix)
    assert not any(s.day == date(2026, 11, 11) for s in greedy.sessions)
    tuesday = next(s for s in sol.sessions if s.day == date(2026, 11, 10))
    edited = replace(sol, sessions=sol.sessions + (replace(tuesday, day=date(2026, 11, 11)),))
    assert any("jour férié (Armistice)" in e and "Unité 1" in e for e in check(problem, matrix, edited))
    data["units"][0]["worked_holidays"] = ["2026-11-11"]
    problem2, matrix2, sol2 = _solve(data)
    assert any(s.day == date(2026, 11, 11) for s in sol2.sessions) and check(problem2, matrix2, sol2) == []
    assert problem_to_dict(problem2)["units"][0]["worked_holidays"] == ["2026-11-11"]


def test_ascension_day_in_forcalquier_and_alsace_moselle_days():
    data = _long_days(start="2026-05-11")  # Thursday 14 May 2026: Ascension
    for c in data["communes"] + data["premises"]:
        c["insee"] = {"77001": "04088", "77002": "04070"}[c["insee"]]
    problem, matrix, sol = _solve(data)
    assert date(2026, 5, 14) in problem.holidays() and not any(s.day == date(2026, 5, 14) for s in sol.sessions)
    east = _long_days(start="2026-12-21", days=7)
    for c in east["communes"] + east["premises"]:
        c["insee"] = {"77001": "57463", "77002": "57464"}[c["insee"]]
    assert set(problem_from_dict(east).holidays()) == {date(2026, 12, 25), date(2026, 12, 26)}


def test_days_stay_within_ten_hours_with_a_pause_and_self_employed_crews_keep_their_own():
    problem, matrix, sol = _solve(_long_days())
    assert check(problem, matrix, sol) == []
    days = crew_days(problem, sol, problem.units[0])
    assert days and all(w.work_min <= 600 for w in days)
    assert all(w.breaks for w in days if w.work_min > 360)
    free = _long_days()
    for m in free["units"][0]["members"]:
        m["work_profile"] = "libéral"
    p2, m2, sol2 = _solve(free)
    assert check(p2, m2, sol2) == []
    assert max(w.work_min for w in crew_days(p2, sol2, p2.units[0])) > 600  # the rule was binding


def test_a_heavy_week_stays_under_48_hours():
    data = _long_days(days=6, rest_weekdays=["dimanche"])  # Monday to Saturday, Armistice off
    data["units"][0]["worked_holidays"] = ["2026-11-11"]
    problem, matrix, sol = _solve(data)
    assert check(problem, matrix, sol) == []
    assert sum(w.work_min for w in crew_days(problem, sol, problem.units[0])) <= 48 * 60
    for m in data["units"][0]["members"]:
        m["work_profile"] = "self_employed"
    p2, m2, sol2 = _solve(data)
    assert sum(w.work_min for w in crew_days(p2, sol2, p2.units[0])) > 48 * 60


def test_a_short_night_is_lengthened_and_a_hand_edited_long_day_is_caught():
    early = problem_from_dict(_long_days(day_start="05:00", day_end="22:00"))
    assert early.units[0].day_end_min == 5 * 60 + 13 * 60  # 05:00 start: back by 18:00 keeps 11 h of rest
    assert any("11 h of daily rest" in w for w in early.warnings)
    data = _long_days()
    problem, matrix, sol = _solve(data)
    pm = next(s for s in sol.sessions if s.half == "pm")
    longer = Session(pm.unit_id, pm.day, "am", "P1", 8 * 60, 12 * 60 + 30, pm.members, dict(pm.capacity))
    edited = replace(sol, sessions=tuple(s for s in sol.sessions if (s.day, s.half) != (pm.day, "am")) + (longer,))
    errors = check(problem, matrix, edited)
    assert any("L3121-18" in e or "L3121-16" in e for e in errors), errors
    assert any("Dr Aubert (Unité 1)" in e for e in errors if "L3121" in e)
