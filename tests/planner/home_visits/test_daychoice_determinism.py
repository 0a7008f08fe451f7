"""Day choice by patterns (planner.home_visits.daychoice) and same input, same plan (issue 10 §2, §4)."""

from __future__ import annotations

import threading

import numpy as np

from planner.home_visits.check import check
from planner.home_visits.daychoice import DayChoice, DayChoiceProblem, Entry, Item, Lane, Limits, Pattern
from planner.home_visits.solver import solve

from .conftest import make_problem, matrix_for


def _plan(sol):
    return ([(v.patient_id, v.visit_index, v.day, v.staff_ids, v.start_s) for v in sol.visits],
            [(r.staff_id, r.day, [(s.patient_id, s.start_s) for s in r.stops]) for r in sol.routes],
            [(u.patient_id, u.visit_index, u.reason) for u in sol.unscheduled])


def _burn(stop: threading.Event) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 31 + 7) % 1_000_003


def test_same_input_same_plan_even_under_load():
    problem = make_problem(6, joint_first=True)
    matrix = matrix_for(problem)
    a = solve(problem, matrix, time_limit_s=60, seed=3)  # deterministic by default
    assert check(problem, matrix, a) == []
    stop = threading.Event()
    burner = threading.Thread(target=_burn, args=(stop,), daemon=True)
    burner.start()
    try:
        b = solve(problem, matrix, time_limit_s=60, seed=3)
    finally:
        stop.set()
        burner.join()
    assert check(problem, matrix, b) == []
    assert _plan(a) == _plan(b)
    assert a.indicators["visits_planned"] > 0


def _line_problem():
    """Two days, one vehicle of capacity 2 per day, four customers on a line: A, B near the depot's left,
    C, D to its right. Each customer may come on day 0 or day 1: the best plan puts neighbours together."""
    xs = [0.0, -10.0, -11.0, 10.0, 11.0]
    cost = np.abs(np.subtract.outer(xs, xs))
    lanes = (Lane(0, 0, 0, capacity=2), Lane(1, 0, 0, capacity=2))
    both = (Pattern((Entry(0),)), Pattern((Entry(1),)))
    items = tuple(Item(k, both) for k in range(1, 5))
    return DayChoiceProblem(cost, lanes, items)


def test_day_choice_groups_neighbours_and_respects_capacity():
    dc = DayChoice(_line_problem())
    stats = dc.lns(Limits(iterations=200, seed=0))
    days = {0: set(), 1: set()}
    for i, k in enumerate(dc.pattern):
        days[k].add(i + 1)
    assert sorted(map(sorted, days.values())) == [[1, 2], [3, 4]]
    assert stats["objective"] == 44.0  # 2 x 11 on each side: the optimum
    assert all(len(r) <= 2 for r in dc.routes)


def test_day_choice_same_seed_same_plan_and_time_cap():
    a, b = DayChoice(_line_problem()), DayChoice(_line_problem())
    a.lns(Limits(iterations=50, seed=7))
    b.lns(Limits(iterations=50, seed=7))
    assert a.pattern == b.pattern and a.routes == b.routes
    c = DayChoice(_line_problem())
    stats = c.lns(Limits(iterations=10 ** 9, seed=7, time_limit_s=0.2))
    assert stats["iterations"] < 10 ** 9 and stats["seconds"] < 5
