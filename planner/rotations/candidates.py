"""The decision space shared by the solver, the baseline, the checker and hand edits: which (unit, day, half,
premises) can hold a session, with its time window and capacity, after opening hours, reach of the unit and
its day limits; and, when one cannot, the first rule it breaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from planner.rotations.model import HALVES, Premises, RotationProblem, Unit
from planner.rotations.slots import session_capacity, session_window
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


# Why a (unit, day, half-day, premises) holds no session, in the order `candidate` tests them: the day, the
# premises, then the road.
REASONS = ("outside_mission", "holiday", "rest", "no_member", "withdrawn", "closed", "too_far", "too_early",
           "too_late", "no_capacity")


def drive_s(matrix: TravelMatrix, unit: Unit, premises_id: str) -> tuple[int, int]:
    """Seconds of driving to the premises from the nearest night place, and back to the nearest one."""
    nights = unit.night_places()
    return (min(matrix.time_s(n, premises_id) for n in nights),
            min(matrix.time_s(premises_id, n) for n in nights))


def candidate(problem: RotationProblem, matrix: TravelMatrix, unit: Unit, day: date, half: str,
              premises: Premises) -> Candidate | str:
    """The session this unit could hold at these premises on that half-day, feasible on its own (open,
    reachable, within its day), or the first rule it breaks, as one of REASONS."""
    if not unit.start <= day <= unit.end:
        return "outside_mission"
    if unit.is_rest(day):
        return "holiday" if day in unit.holidays and day not in unit.worked_holidays else "rest"
    if not unit.members_on(day):
        return "no_member"
    if premises.status == "withdrawn":
        return "withdrawn"
    w = session_window(problem, premises, day, half)
    if w is None:
        return "closed"
    go, back = drive_s(matrix, unit, premises.id)
    if go + back > unit.max_driving_min * 60:
        return "too_far"
    if w[0] - ceil_min(go) < unit.day_start_min:
        return "too_early"
    if w[1] + ceil_min(back) > unit.day_end_min:
        return "too_late"
    cap = session_capacity(problem, unit, day, w[1] - w[0])
    if sum(cap.values()) == 0:
        return "no_capacity"
    return Candidate(unit.id, day, half, premises.id, w[0], w[1], cap)


def unit_candidates(problem: RotationProblem, matrix: TravelMatrix, unit: Unit,
                    *, exclude_dates: frozenset = frozenset()) -> list[Candidate]:
    """Every session this unit could hold (see `candidate`), by day, premises and half-day."""
    out = []
    for d in unit.dates:
        if d in exclude_dates:
            continue
        for p in problem.premises:
            for h in HALVES:
                c = candidate(problem, matrix, unit, d, h, p)
                if not isinstance(c, str):
                    out.append(c)
    return out
