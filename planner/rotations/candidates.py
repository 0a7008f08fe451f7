"""The decision space shared by the solver and the baseline: which (unit, day, half, premises) can hold a
session, with its time window and capacity, after opening hours, reach of the unit and its day limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from planner.rotations.model import HALVES, RotationProblem, Unit
from planner.rotations.slots import session_capacity, session_window, working_days
from planner.core.travel import TravelMatrix


@dataclass(frozen=True, slots=True)
class Candidate:
    unit_id: str
    day: date
    half: str
    premises_id: str
    start_min: int
    end_min: int
    capacity: dict[str, int]


def ceil_min(seconds: int) -> int:
    return -(-int(seconds) // 60)


def unit_candidates(problem: RotationProblem, matrix: TravelMatrix, unit: Unit,
                    *, exclude_dates: frozenset = frozenset()) -> list[Candidate]:
    """Sessions this unit could hold, each feasible on its own (open, reachable, within its day)."""
    limit = unit.max_driving_min * 60
    nights = unit.night_places()
    out = []
    for d in working_days(unit):
        if d in exclude_dates:
            continue
        for p in problem.usable_premises():
            go = min(matrix.time_s(n, p.id) for n in nights)
            back = min(matrix.time_s(p.id, n) for n in nights)
            if go + back > limit:
                continue
            for h in HALVES:
                w = session_window(problem, p, d, h)
                if w is None:
                    continue
                if w[0] - ceil_min(go) < unit.day_start_min or w[1] + ceil_min(back) > unit.day_end_min:
                    continue
                cap = session_capacity(problem, unit, d, w[1] - w[0])
                if sum(cap.values()) == 0:
                    continue
                out.append(Candidate(unit.id, d, h, p.id, w[0], w[1], cap))
    return out
