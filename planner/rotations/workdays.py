"""Working time of a unit's crew: the members travel and consult together, so each member's day is the
unit's day (first departure to last arrival, minus the pause between the morning and afternoon sessions)
and the crew keeps the tightest limits of its members' profiles (planner.core.worktime)."""

from __future__ import annotations

from datetime import date

from planner.rotations.candidates import ceil_min
from planner.rotations.legs import build_day
from planner.rotations.model import DayPlan, RotationProblem, RotationSolution, Session, Unit
from planner.core.travel import TravelMatrix
from planner.core.worktime import WorkDay, WorkProfile, strictest, violations


def crew_profile(unit: Unit) -> WorkProfile:
    return strictest(m.work_profile for m in unit.members)


LEG_SLACK_S = 3 * 60  # a day's legs rounded up to whole minutes add less than this to its work


def day_fits(profile: WorkProfile, am: tuple[int, int] | None, pm: tuple[int, int] | None,
             first_s: int, mid_s: int, rest_s: int) -> bool:
    """Can a day with these sessions (minute windows) and drives (seconds: to the first session, between the
    sessions, after the last) keep the profile? Used by the greedy; the CP-SAT model states the same."""
    sessions = sum(w[1] - w[0] for w in (am, pm) if w is not None)
    # the CP-SAT model's rule exactly (a minute per leg in hand: the plan's legs count whole minutes rounded
    # up), so a greedy plan is always a valid warm start for it
    drive = first_s + mid_s + rest_s + LEG_SLACK_S
    if profile.max_day_min is not None and sessions * 60 + drive > profile.max_day_min * 60:
        return False
    if profile.break_after_min is None:
        return True
    if am is not None and pm is not None:
        pause = pm[0] - am[1] - ceil_min(mid_s)
        return pause >= profile.break_min and first_s + 60 + (am[1] - am[0]) * 60 <= profile.break_after_min * 60
    return sessions * 60 + drive <= profile.break_after_min * 60


def work_day(plan: DayPlan, sessions: list[Session]) -> WorkDay | None:
    """The crew's worked day, or None on a day without work (no session, no drive)."""
    times = [(s.start_min, s.end_min) for s in sorted(sessions, key=lambda s: s.start_min)]
    legs = list(plan.legs)
    if not times and not legs:
        return None
    start = min([leg.depart_min for leg in legs] + [a for a, _ in times])
    end = max([leg.arrive_min for leg in legs] + [b for _, b in times])
    pauses = []
    if len(times) == 2:
        busy_from = times[0][1] + sum(leg.arrive_min - leg.depart_min for leg in legs
                                      if times[0][1] <= leg.depart_min < times[1][0])
        if times[1][0] > busy_from:
            pauses.append((busy_from, times[1][0]))
    return WorkDay(plan.day, start, end, tuple(pauses))


def crew_days(problem: RotationProblem, solution: RotationSolution, unit: Unit,
              matrix: TravelMatrix | None = None) -> list[WorkDay]:
    """The crew's worked days; with `matrix`, each day is rebuilt from its sessions and nights (the checker
    trusts no leg the solver wrote)."""
    out = []
    for plan in solution.days:
        if plan.unit_id != unit.id:
            continue
        todays = [s for s in solution.sessions if s.unit_id == unit.id and s.day == plan.day]
        if matrix is not None:
            plan = build_day(matrix, unit, plan.day, plan.start_place, todays, plan.night_place)
        w = work_day(plan, todays)
        if w is not None:
            out.append(w)
    return out


def crew_violations(problem: RotationProblem, solution: RotationSolution,
                    matrix: TravelMatrix | None = None) -> list[str]:
    """Every working-time rule broken by a member of a unit, in French (person, day, rule)."""
    out = []
    for u in problem.units:
        days = crew_days(problem, solution, u, matrix)
        for m in u.members:
            mine = [w for w in days if _present(solution, u.id, m.id, w.day)]
            out += violations(f"{m.name} ({u.name})", m.work_profile, mine)
    return out


def _present(solution: RotationSolution, unit_id: str, member_id: str, day: date) -> bool:
    todays = [s for s in solution.sessions if s.unit_id == unit_id and s.day == day]
    return not todays or any(member_id in s.members for s in todays)
