"""When a unit can consult where: session windows from opening hours and half-days, session capacity."""

from __future__ import annotations

from datetime import date

from planner.rotations.model import ROLE_DISCIPLINE, Premises, RotationProblem, Unit


def session_window(problem: RotationProblem, premises: Premises, day: date, half: str) -> tuple[int, int] | None:
    """The longest stretch of the half-day when the premises is open, if at least `min_session_min` long."""
    lo, hi = problem.half_days.window(half)
    best = None
    for r in premises.opening_on(day, problem.default_hours(premises)):
        s, e = max(lo, r.start_min), min(hi, r.end_min)
        if e - s >= problem.half_days.min_session_min and (best is None or e - s > best[1] - best[0]):
            best = (s, e)
    return best


def session_capacity(problem: RotationProblem, unit: Unit, day: date, minutes: int) -> dict[str, int]:
    """Consultations per discipline the members present can hold in `minutes`."""
    cap: dict[str, int] = {}
    for m in unit.members_on(day):
        k = ROLE_DISCIPLINE[m.role]
        cap[k] = cap.get(k, 0) + minutes // problem.durations_min[k]
    return cap


def working_days(unit: Unit) -> list[date]:
    """Mission dates that are not rest days and on which at least one member is present."""
    return [d for d in unit.dates if not unit.is_rest(d) and unit.members_on(d)]
