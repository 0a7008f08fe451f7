"""A unit staying at one premises for the afternoon: the afternoon stop neither arrives nor drives again,
and the summary's header km equals its driving indicator (issue 14)."""

from __future__ import annotations

import re
from datetime import date

from planner.rotations.assemble import assemble
from planner.rotations.check import check
from planner.rotations.model import Session
from planner.rotations.view import to_plan_view


def _stay_plan(problem, matrix):
    """U1 consults at M77001 all day on Monday (9-12 then 14-17), then at S77003 on Tuesday morning."""
    mon, tue = date(2026, 11, 30), date(2026, 12, 1)
    members = ("d1", "n1")
    sessions = [Session("U1", mon, "am", "M77001", 9 * 60, 12 * 60, members, {"gp": 9, "nursing": 9}),
                Session("U1", mon, "pm", "M77001", 14 * 60, 17 * 60, members, {"gp": 9, "nursing": 9}),
                Session("U1", tue, "am", "S77003", 9 * 60, 12 * 60, members, {"gp": 9, "nursing": 9})]
    return assemble(problem, matrix, sessions, {}, [])


def test_afternoon_at_the_same_place_copies_neither_arrival_nor_travel(small):
    _, problem, matrix = small
    sol = _stay_plan(problem, matrix)
    assert check(problem, matrix, sol) == []
    view = to_plan_view(problem, sol)
    monday = next(d for d in view.itineraries if d.resource_id == "U1" and d.day == date(2026, 11, 30))
    am, pm = [s for s in monday.stops if s.kind == "session"]
    assert am.travel_m > 0 and am.arrival <= am.start
    assert (pm.travel_s, pm.travel_m) == (0, 0)
    assert pm.arrival <= pm.start and pm.arrival.hour >= 12  # not the morning's arrival
    day = next(d for d in sol.days if d.unit_id == "U1" and d.day == date(2026, 11, 30))
    assert monday.travel_m == sum(lg.metres for lg in day.legs)
    assert sum(d.travel_m for d in view.itineraries) == sum(d.metres for d in sol.days)


def test_summary_header_km_equals_its_driving_indicator(small):
    from api.outputs.summary import render_summary

    _, problem, matrix = small
    view = to_plan_view(problem, _stay_plan(problem, matrix))
    html = render_summary(view)
    header = re.search(r"conduite [^,<]+, ([\d\u202f,]+) km", html).group(1)
    indicator = dict(view.indicators)["Heures de conduite"]
    assert re.search(r"\(([\d\u202f,]+) km\)", indicator).group(1) == header


def test_view_indicators_are_the_benchmark_computation_and_claim_no_more_than_served(small):
    from planner.rotations.assemble import solution_indicators
    from planner.rotations.solver_ortools import solve

    _, problem, matrix = small
    sol = solve(problem, matrix, time_limit_s=3, seed=1)
    assert check(problem, matrix, sol) == []
    ind = solution_indicators(problem, sol)  # what bench/rotation.py prints
    assert ind == sol.indicators
    labels = dict(to_plan_view(problem, sol).indicators)
    served = sum(a.consultations for a in sol.allocations)
    assert labels["Demande prioritaire servie"].startswith(f"{served} / ")
    assert labels["Part de sa demande servie, dans la commune la moins servie"] == f"{100 * ind['min_commune_share']:.0f} %"
    # a session within reach is not a consultation given: the people-served figure weighs by share
    assert ind["population_served_share"] <= ind["population_within_reach_share"]
    needy = [s for s in sol.service if sum(s.need.values()) > 0]
    assert ind["communes_given_consultations"] == sum(1 for s in needy if sum(s.served.values()) > 0)


def test_a_session_near_a_commune_serves_it_more_than_one_at_the_edge_of_reach(small):
    """Uptake falls beyond half the reach: all of a commune's need at a near premises, 60 % further away."""
    from planner.rotations.reach import uptake_costs

    _, problem, matrix = small
    cost = uptake_costs(problem, matrix)
    for (insee, pid), c in cost.items():
        t = matrix.time_s(f"mairie:{insee}", pid)
        assert c == (100 if t <= problem.reach_min * 30 else 167)
    assert cost[("77001", "M77001")] == 100
