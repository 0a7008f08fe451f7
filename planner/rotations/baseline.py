"""Greedy baseline: day by day, each unit goes to the reachable premises with the most unmet priority
demand (capped by what its session can absorb), back to base every evening. Used by the benchmark to
measure what the CP-SAT model gains, and as a starting hint for it."""

from __future__ import annotations

import time
from collections import defaultdict

from planner.rotations.assemble import assemble
from planner.rotations.candidates import Candidate, ceil_min, unit_candidates
from planner.rotations.model import DISCIPLINES, Allocation, RotationProblem, RotationSolution, Session
from planner.rotations.reach import reach_map, uptake_costs
from planner.rotations.workdays import LEG_SLACK_S, crew_profile, day_fits
from planner.core.travel import TravelMatrix


def solve_greedy(problem: RotationProblem, matrix: TravelMatrix, *, capped: bool = False) -> RotationSolution:
    """The benchmark baseline scores premises by unmet demand in reach; `capped=True` caps that score by
    what the session can absorb (a better start, used to warm-start CP-SAT)."""
    t0 = time.monotonic()
    reach = reach_map(problem, matrix)
    cost = uptake_costs(problem, matrix)  # a commune takes less of a session further away
    left = {(c.insee, k): 100 * c.demand.get(k, 0) for c in problem.communes for k in DISCIPLINES}
    rooms = {p.id: p.rooms for p in problem.premises}
    used = defaultdict(int)  # (day, half, premises) -> units there
    by_slot: dict[tuple, list[Candidate]] = defaultdict(list)
    for u in problem.units:
        for c in unit_candidates(problem, matrix, u):
            pin = problem.pin(u.id, c.day, c.half)
            if pin is None or pin.premises_id == c.premises_id:  # a pinned half-day has its premises only
                by_slot[(u.id, c.day, c.half)].append(c)
    chosen: dict[tuple, Candidate] = {}
    alloc: dict[tuple[str, str, str], int] = defaultdict(int)

    def value(c: Candidate) -> int:
        """Unmet priority demand within reach, in the disciplines this unit offers (not capped)."""
        p = c.premises_id
        if capped:
            return sum(min(n, sum(left[(i, k)] // cost[(i, p)] for i in reach.get(p, ())))
                       for k, n in c.capacity.items())
        return sum(left[(i, k)] // cost[(i, p)] for k, n in c.capacity.items() if n > 0 for i in reach.get(p, ()))

    week_work: dict[tuple, int] = defaultdict(int)  # (unit, ISO week) -> seconds of work, as the CP-SAT model counts

    def day_work(u, am: Candidate | None, pm: Candidate | None) -> tuple[bool, int]:
        """Whether the day keeps the unit's limits and the crew's working time, and its seconds of work."""
        stops = [s for s in (am, pm) if s is not None]
        here, total, drives = u.base_id, 0, []
        for k, s in enumerate(stops):
            t = matrix.time_s(here, s.premises_id)
            total += t
            drives.append(t)
            if k == 0 and s.start_min - ceil_min(t) < u.day_start_min:
                return False, 0
            if k == 1 and stops[0].end_min + ceil_min(t) > s.start_min:
                return False, 0
            here = s.premises_id
        t = matrix.time_s(here, u.base_id)
        total += t
        if total > u.max_driving_min * 60 or (stops and stops[-1].end_min + ceil_min(t) > u.day_end_min):
            return False, 0
        windows = [(s.start_min, s.end_min) if s is not None else None for s in (am, pm)]
        mid = drives[1] if len(drives) == 2 else 0
        ok = not stops or day_fits(crew_profile(u), windows[0], windows[1], drives[0] if drives else 0, mid, t)
        return ok, 60 * sum(s.end_min - s.start_min for s in stops) + total + (LEG_SLACK_S if stops or total else 0)

    def fits(u, day, am: Candidate | None, pm: Candidate | None) -> bool:
        ok, minutes = day_work(u, am, pm)
        cap = crew_profile(u).max_week_min
        week = (u.id, day.isocalendar()[:2])
        before = day_work(u, chosen.get((u.id, day, "am")), None)[1] if pm is not None else 0
        return ok and (cap is None or week_work[week] - before + minutes <= cap * 60)

    for day in problem.dates:
        for u in problem.units:
            for half in ("am", "pm"):
                options = [c for c in by_slot.get((u.id, day, half), [])
                           if used[(day, half, c.premises_id)] < rooms.get(c.premises_id, 1)]
                am = chosen.get((u.id, day, "am"))
                options = [c for c in options if fits(u, day, am if half == "pm" else c, c if half == "pm" else None)]
                if u.regular or problem.regular_presence:  # repeat last week's choice when possible
                    prev = chosen.get((u.id, day.fromordinal(day.toordinal() - 7), half))
                    same = [c for c in options if prev is not None and c.premises_id == prev.premises_id]
                    options = same or options
                if not options:
                    continue
                if capped:  # the solver's trade-off: a consultation is worth `demand` minutes of driving
                    def score(c: Candidate) -> tuple:
                        if half == "am":
                            added = matrix.time_s(u.base_id, c.premises_id) + matrix.time_s(c.premises_id, u.base_id)
                        else:
                            here = am.premises_id if am is not None else u.base_id
                            added = (matrix.time_s(here, c.premises_id) + matrix.time_s(c.premises_id, u.base_id)
                                     - matrix.time_s(here, u.base_id))
                        return (problem.weights.demand * 60 * value(c) - problem.weights.driving_per_min * added,
                                c.premises_id)
                    best = max(options, key=score)
                else:
                    best = max(options, key=lambda c: (value(c), -matrix.time_s(u.base_id, c.premises_id),
                                                       c.premises_id))
                if value(best) == 0 and problem.pin(u.id, day, half) is None:
                    continue
                week = (u.id, day.isocalendar()[:2])
                if half == "pm" and am is not None:
                    week_work[week] -= day_work(u, am, None)[1]
                week_work[week] += day_work(u, am if half == "pm" else best, best if half == "pm" else None)[1]
                chosen[(u.id, day, half)] = best
                used[(day, half, best.premises_id)] += 1
                for k, cap in best.capacity.items():
                    p = best.premises_id
                    for insee in sorted(reach.get(p, ()), key=lambda i: -(left[(i, k)] // cost[(i, p)])):
                        give = min(cap, left[(insee, k)] // cost[(insee, p)])
                        if give > 0:
                            left[(insee, k)] -= give * cost[(insee, p)]
                            alloc[(best.premises_id, insee, k)] += give
                            cap -= give
    sessions = [Session(c.unit_id, c.day, c.half, c.premises_id, c.start_min, c.end_min,
                        tuple(m.id for m in problem.unit(c.unit_id).members_on(c.day)), dict(c.capacity))
                for c in chosen.values()]
    allocations = [Allocation(p, i, k, n) for (p, i, k), n in sorted(alloc.items()) if n > 0]
    return assemble(problem, matrix, sessions, {}, allocations, status="GREEDY",
                    solve_s=round(time.monotonic() - t0, 2), solver="greedy baseline")
