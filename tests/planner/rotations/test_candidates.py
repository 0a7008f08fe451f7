"""One check of a (unit, day, half-day, premises): the session it could hold, or the first rule it breaks."""

from __future__ import annotations

from datetime import date

import pytest

from planner.rotations.candidates import REASONS, Candidate, candidate, unit_candidates
from planner.rotations.io import problem_from_dict

from .conftest import matrix_for, problem_dict

MON, TUE, WED = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)  # the mission: Monday to Friday
DEC25, LATER = date(2026, 12, 25), date(2026, 12, 7)


def _unit(data: dict, unit_id: str) -> dict:
    return next(u for u in data["units"] if u["id"] == unit_id)


def _christmas(data):
    for u in data["units"]:
        u["start"] = "2026-12-21"


def _rest(data):
    _unit(data, "U1")["rest_dates"] = [WED.isoformat()]


def _nobody(data):
    for m in _unit(data, "U2")["members"]:
        m["unavailable"] = [TUE.isoformat()]


def _short_drive(data):
    _unit(data, "U1")["max_driving_minutes"] = 1


def _late_start(data):
    _unit(data, "U1")["day_start"] = "09:00"  # the premises opens at 09:00: no time left to get there


def _early_end(data):
    _unit(data, "U1")["day_end"] = "17:00"  # it closes at 17:00: no time left to get back


def _long_consultations(data):
    data["durations_minutes"] = {"gp": 240, "nursing": 240, "prevention": 240}  # longer than any window


REFUSED = {  # reason -> (change to the small problem, unit, day, half-day, premises)
    "outside_mission": (None, "U1", LATER, "am", "M77001"),
    "holiday": (_christmas, "U1", DEC25, "am", "M77001"),
    "rest": (_rest, "U1", WED, "am", "M77001"),
    "no_member": (_nobody, "U2", TUE, "am", "M77001"),
    "withdrawn": (None, "U1", TUE, "am", "M77009"),
    "closed": (None, "U1", MON, "am", "M77002"),  # open on Tuesday mornings only
    "too_far": (_short_drive, "U1", TUE, "am", "M77002"),
    "too_early": (_late_start, "U1", TUE, "am", "M77002"),
    "too_late": (_early_end, "U1", TUE, "pm", "M77001"),
    "no_capacity": (_long_consultations, "U1", TUE, "am", "M77002"),
}


def _problem(change=None):
    data = problem_dict()
    if change is not None:
        change(data)
    return problem_from_dict(data), matrix_for(data)


def test_every_reason_has_a_refused_case():
    assert set(REFUSED) == set(REASONS)


@pytest.mark.parametrize("reason", REASONS)
def test_refused_with_its_reason(reason):
    change, unit_id, day, half, premises_id = REFUSED[reason]
    problem, matrix = _problem(change)
    unit, premises = problem.unit(unit_id), problem.premises_by_id()[premises_id]
    assert candidate(problem, matrix, unit, day, half, premises) == reason
    assert not any((c.day, c.half, c.premises_id) == (day, half, premises_id)
                   for c in unit_candidates(problem, matrix, unit))


def test_accepted_with_its_window_and_capacity():
    problem, matrix = _problem()
    got = candidate(problem, matrix, problem.unit("U1"), TUE, "am", problem.premises_by_id()["M77002"])
    # open 09:00-12:00 within the morning; a doctor and a nurse, 20 min a consultation each
    assert got == Candidate("U1", TUE, "am", "M77002", 9 * 60, 12 * 60, {"gp": 9, "nursing": 9})
    assert got in unit_candidates(problem, matrix, problem.unit("U1"))
