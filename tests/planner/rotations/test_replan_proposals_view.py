"""Re-planning keeps the past and changes little; proposals ranking; the PlanView projection."""

import copy
from datetime import date

from planner.rotations.check import check
from planner.rotations.io import problem_from_dict
from planner.rotations.proposals import rank_proposals
from planner.rotations.replan import Disruption, diff, replan
from planner.rotations.solver_ortools import solve
from planner.rotations.view import to_plan_view

from .conftest import matrix_for, problem_dict


def busy_problem():
    data = problem_dict()
    for c in data["communes"]:
        c["demand"] = {"gp": 40, "nursing": 40, "prevention": 20}
    return data, problem_from_dict(copy.deepcopy(data)), matrix_for(data)


def test_replan_after_withdrawal_keeps_past_and_changes_little():
    data, problem, m = busy_problem()
    published = solve(problem, m, time_limit_s=3, seed=1)
    assert check(problem, m, published) == []
    today = date(2026, 12, 2)  # Wednesday: Monday and Tuesday are past
    used_later = sorted({s.premises_id for s in published.sessions if s.day >= today})
    target = used_later[0]
    current, new = replan(problem, published, Disruption(premises_withdrawn=(target,)), m, today=today,
                          time_limit_s=3, seed=1)
    assert check(current, m, new) == []
    past = lambda sol: sorted((s.unit_id, s.day, s.half, s.premises_id) for s in sol.sessions if s.day < today)
    assert past(new) == past(published)
    assert all(s.premises_id != target for s in new.sessions if s.day >= today)
    moved = [c for c in new.changes if target in c]
    assert moved and all(c == x for c, x in zip(new.changes, diff(published, new, since=today)))
    # minimal: only half-days that used the withdrawn premises may change (and maybe their neighbours)
    touched = sum(1 for s in published.sessions if s.day >= today and s.premises_id == target)
    session_changes = [c for c in new.changes if "nuit" not in c]
    assert len(session_changes) <= touched + 2


def test_replan_member_unavailable_and_lost_day():
    data, problem, m = busy_problem()
    published = solve(problem, m, time_limit_s=3, seed=1)
    today = date(2026, 12, 1)
    dis = Disruption(member_unavailable=(("U1", "n1", date(2026, 12, 2)),), lost_days=(date(2026, 12, 3),))
    current, new = replan(problem, published, dis, m, today=today, time_limit_s=3, seed=1)
    assert check(current, m, new) == []
    assert not [s for s in new.sessions if s.day == date(2026, 12, 3)]
    for s in new.sessions:
        if s.unit_id == "U1" and s.day == date(2026, 12, 2):
            assert s.members == ("d1",)
    if any(s.day == date(2026, 12, 3) for s in published.sessions):
        assert any("2026-12-03" in c for c in new.changes)


def test_proposals_ranked_by_new_population():
    data, problem, m = busy_problem()
    # a commune 20 km south that no approved premises reaches, and a hall proposed there
    data["communes"].append({"insee": "77005", "name": "Commune 77005", "population": 700, "lat": 48.38,
                             "lon": 3.30, "townhall_hours": data["communes"][0]["townhall_hours"]})
    data["premises"].append({"id": "S77005", "name": "Salle 5", "insee": "77005", "lat": 48.38, "lon": 3.30,
                             "status": "proposed", "hours": [["lundi", "vendredi", [["09:00", "17:00"]]]]})
    m = matrix_for(data)
    problem = problem_from_dict(copy.deepcopy(data))
    plan_data = copy.deepcopy(data)
    for p in plan_data["premises"]:
        if p.get("status") == "proposed":
            p["status"] = "withdrawn"
    sol = solve(problem_from_dict(plan_data), m, time_limit_s=2, seed=1)
    assert "77005" in {u.insee for u in sol.unserved}
    values = rank_proposals(problem, m, sol)
    assert {v.premises_id for v in values} == {"S77003", "S77005"}
    top = values[0]
    assert top.premises_id == "S77005" and top.new_population == 700 and top.new_communes == ("77005",)
    assert "700 habitants de plus à moins de 20 minutes" in top.message
    assert values[1].new_population == 0 and values[1].unmet_priority_demand > 0


def test_plan_view_for_outputs(small):
    _, problem, m = small
    sol = solve(problem, m, time_limit_s=2, seed=1)
    view = to_plan_view(problem, sol, approximate=True)
    assert view.kind == "rotation" and view.approximate
    assert {it.role for it in view.itineraries} == {"unit"}
    for it in view.itineraries:
        kinds = [s.kind for s in it.stops]
        assert kinds[0] == "depart" and kinds[-1] in ("return", "night")
        for s in it.stops:
            if s.kind == "session":
                assert s.commune_insee and s.start <= s.end and s.what.startswith("Consultations")
    labels = [label for label, _ in view.indicators]
    assert labels[0] == "Demande prioritaire servie"  # what the solver optimises comes first
    assert "Population à moins de 20 min d'une séance (accès, pas consultations données)" in labels
    assert {u.item_id for u in view.unscheduled} == {"77009"}
    cov = view.extras["coverage"]
    assert cov["77009"]["share_within_reach"] == 0.0 and cov["77001"]["sessions"]
    assert cov["77001"]["sessions"][0]["premises_name"] and view.extras["reach_minutes"] == 20
    assert {p["id"] for p in view.extras["premises_used"]} == {s.premises_id for s in sol.sessions}
    assert all(p["hours"] and "accessible" in p for p in view.extras["premises_used"])
    # town-hall positions let maps draw communes as points where a territory has no outlines
    for c in problem.communes:
        if c.location is not None:
            assert (cov[c.insee]["lat"], cov[c.insee]["lon"]) == (c.location.lat, c.location.lon)
