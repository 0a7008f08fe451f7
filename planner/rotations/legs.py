"""A unit's day as legs with clock times and matrix figures: start place -> sessions -> night place.

The unit leaves so as to arrive at its first session's start, drives between sessions at the end of the
morning one, and leaves after its last session. A day without sessions but with a change of night place
is one leg leaving at the start of the working day.
"""

from __future__ import annotations

from datetime import date

from planner.rotations.model import DayPlan, Leg, RotationProblem, Session, Unit
from planner.core.travel import TravelMatrix


def build_day(matrix: TravelMatrix, unit: Unit, day: date, start_place: str, sessions: list[Session],
              night_place: str) -> DayPlan:
    """The legs of one day; `sessions` are that unit's sessions of the day (any order)."""
    ordered = sorted(sessions, key=lambda s: s.start_min)
    legs: list[Leg] = []
    here = start_place
    clock = None
    for s in ordered:
        if s.premises_id != here:
            t = matrix.time_s(here, s.premises_id)
            if clock is None:
                depart = s.start_min - _ceil_min(t)
            else:
                depart = clock
            legs.append(Leg(here, s.premises_id, depart, depart + _ceil_min(t), t,
                            matrix.distance_m(here, s.premises_id)))
        here, clock = s.premises_id, s.end_min
    if night_place != here:
        t = matrix.time_s(here, night_place)
        depart = clock if clock is not None else unit.day_start_min
        legs.append(Leg(here, night_place, depart, depart + _ceil_min(t), t, matrix.distance_m(here, night_place)))
    return DayPlan(unit.id, day, start_place, night_place, tuple(legs), rest=unit.is_rest(day))


def _ceil_min(seconds: int) -> int:
    return -(-int(seconds) // 60)


def build_days(problem: RotationProblem, matrix: TravelMatrix, sessions: list[Session],
               nights: dict[tuple[str, date], str]) -> list[DayPlan]:
    """Every unit's day plans for its mission; `nights[(unit, day)]` is where it sleeps that evening."""
    out = []
    for u in problem.units:
        prev = u.base_id
        for d in u.dates:
            night = nights.get((u.id, d), u.base_id)
            todays = [s for s in sessions if s.unit_id == u.id and s.day == d]
            out.append(build_day(matrix, u, d, prev, todays, night))
            prev = night
    return out
