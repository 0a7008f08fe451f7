"""Hand adjustments of a rotation plan: moves and pins checked at once, kept by every later solve."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

import pytest

from planner.core.errors import InputError
from planner.rotations.candidates import unit_candidates
from planner.rotations.check import check
from planner.rotations.edits import move_session, set_session_pin
from planner.rotations.io import problem_from_dict, problem_to_dict
from planner.rotations.model import SessionPin
from planner.rotations.solver_ortools import solve

from .conftest import problem_dict

MON, TUE, WED, SAT = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 5)


@pytest.fixture
def planned(small):
    _, problem, matrix = small
    return problem, matrix, solve(problem, matrix, time_limit_s=5, deterministic=True)


def _first(solution, unit_id="U1"):
    return min((s for s in solution.sessions if s.unit_id == unit_id), key=lambda s: (s.day, s.half))


def test_move_to_another_day_is_checked_pinned_and_kept_by_a_new_solve(planned):
    problem, matrix, plan = planned
    s = next(s for s in plan.sessions if s.unit_id == "U1" and s.premises_id != "M77002")  # open on Tuesdays only
    free = next((c.day, c.half) for c in unit_candidates(problem, matrix, problem.unit("U1"))
                if c.premises_id == s.premises_id and (c.day, c.half) != (s.day, s.half)
                and not any(o.premises_id == s.premises_id and (o.day, o.half) == (c.day, c.half)
                            for o in plan.sessions))  # its half-day's own session is replaced
    edited = move_session(problem, plan, matrix, "U1", s.day, s.half, to_day=free[0], to_half=free[1])
    assert check(edited.problem, matrix, edited.solution) == []
    moved = edited.solution.session_at("U1", *free)
    assert moved is not None and moved.premises_id == s.premises_id
    assert edited.solution.session_at("U1", s.day, s.half) is None
    assert edited.problem.pins == (SessionPin("U1", free[0], free[1], s.premises_id),)
    assert "(épinglée)" in edited.message and "Unité 1" in edited.message
    again = solve(edited.problem, matrix, time_limit_s=5, deterministic=True)  # "re-plan around my pins"
    assert again.session_at("U1", *free).premises_id == s.premises_id
    assert check(edited.problem, matrix, again) == []


def test_move_to_other_premises_and_unit(planned):
    problem, matrix, plan = planned
    s = _first(plan, "U2")
    other = next(p.id for p in problem.usable_premises() if p.id != s.premises_id
                 and p.opening_on(s.day, problem.default_hours(p)) and p.id != "M77002")
    edited = move_session(problem, plan, matrix, "U2", s.day, s.half, premises_id=other, pin=False)
    assert edited.solution.session_at("U2", s.day, s.half).premises_id == other
    assert edited.problem.pins == ()
    assert check(edited.problem, matrix, edited.solution) == []


@pytest.mark.parametrize("to, premises, words", [
    ({"to_day": SAT}, None, "jour de repos"),
    ({"to_day": WED}, "M77002", "n'est pas ouvert"),
    ({}, "M77009", "retiré"),
    ({"to_day": date(2026, 12, 20)}, None, "hors de la mission"),
])
def test_refusals_name_the_rule_in_french(planned, to, premises, words):
    problem, matrix, plan = planned
    s = _first(plan)
    if to.get("to_day") == SAT:  # a unit whose mission runs over the weekend
        problem = replace(problem, units=tuple(replace(u, days=7) for u in problem.units))
    with pytest.raises(InputError) as err:
        move_session(problem, plan, matrix, "U1", s.day, s.half, premises_id=premises, **to)
    assert words in str(err.value)


def test_refused_when_the_room_is_taken(planned):
    problem, matrix, plan = planned
    s = next(s for s in plan.sessions if s.unit_id == "U1" and s.premises_id != "S77003")
    mine = plan.session_at("U2", s.day, s.half)
    if mine is None:  # give U2 a session to move into U1's room
        mine = _first(plan, "U2")
    with pytest.raises(InputError) as err:
        move_session(problem, plan, matrix, "U2", mine.day, mine.half, to_day=s.day, to_half=s.half,
                     premises_id=s.premises_id)
    assert "salle(s), déjà prise(s) par Unité 1" in str(err.value)


def test_pin_an_empty_half_day_keeps_it_empty(planned):
    problem, matrix, plan = planned
    s = _first(plan)
    no_session = set_session_pin(problem, plan, "U1", s.day, s.half, True)
    assert "épinglée" in no_session.message
    emptied = replace(no_session.problem, pins=(SessionPin("U1", s.day, s.half, ""),))
    again = solve(emptied, matrix, time_limit_s=5, deterministic=True)
    assert again.session_at("U1", s.day, s.half) is None
    assert check(emptied, matrix, again) == []
    assert any("demi-journée épinglée" in e for e in check(emptied, matrix, plan))  # the old plan breaks it
    released = set_session_pin(emptied, again, "U1", s.day, s.half, False)
    assert released.problem.pins == ()


def test_pins_round_trip_and_bad_pins_named(small):
    data, _, _ = small
    data = copy.deepcopy(data)
    data["pins"] = [{"unit_id": "U1", "day": "2026-12-01", "half": "am", "premises_id": "M77001"}]
    problem = problem_from_dict(copy.deepcopy(data))
    assert problem.pins == (SessionPin("U1", TUE, "am", "M77001"),)
    assert problem_from_dict(problem_to_dict(problem)).pins == problem.pins
    for bad, fld in [({"unit_id": "U7"}, "pins.unit_id"), ({"day": "2027-01-04"}, "pins.day"),
                     ({"premises_id": "X"}, "pins.premises_id")]:
        d = problem_dict()
        d["pins"] = [{**data["pins"][0], **bad}]
        with pytest.raises(InputError) as err:
            problem_from_dict(d)
        assert err.value.field == fld


def test_a_pin_the_problem_no_longer_allows_is_a_warning(small):
    _, problem, matrix = small
    withdrawn = replace(problem, pins=(SessionPin("U1", TUE, "am", "M77009"),))
    plan = solve(withdrawn, matrix, time_limit_s=5, deterministic=True)
    assert any("séance épinglée non tenue" in w and "retiré" in w for w in plan.warnings)
    assert check(withdrawn, matrix, plan) == []
