"""Re-planning after a disruption: keep what is past, change as little as possible, list the difference.

Disruptions apply from `today` on: a member unavailable on some dates, premises withdrawn (closed from
today, so past sessions there stay valid), days lost (weather: no unit works those dates). The new plan
is solved with the days before `today` frozen to the published plan and a penalty per half-day changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from planner.rotations.model import HALF_FR, DateHours, RotationProblem, RotationSolution
from planner.rotations.solver_ortools import solve
from planner.core.travel import TravelMatrix


@dataclass(frozen=True)
class Disruption:
    """What changed since the plan was published."""

    member_unavailable: tuple[tuple[str, str, date], ...] = ()  # (unit id, member id, date)
    premises_withdrawn: tuple[str, ...] = ()
    lost_days: tuple[date, ...] = ()
    note: str = field(default="")


def apply_disruption(problem: RotationProblem, disruption: Disruption, today: date) -> RotationProblem:
    """The problem as it stands now; nothing before `today` changes."""
    units = []
    for u in problem.units:
        members = []
        for m in u.members:
            extra = tuple(d for (uid, mid, d) in disruption.member_unavailable
                          if uid == u.id and mid == m.id and d >= today)
            members.append(replace(m, unavailable=tuple(sorted(set(m.unavailable) | set(extra)))))
        lost = tuple(d for d in disruption.lost_days if d >= today and d in u.dates)
        units.append(replace(u, members=tuple(members), rest_dates=tuple(sorted(set(u.rest_dates) | set(lost)))))
    premises = []
    for p in problem.premises:
        if p.id in disruption.premises_withdrawn:
            closed = tuple(DateHours(d, ()) for d in problem.dates if d >= today)
            p = replace(p, dates=tuple(x for x in p.dates if x.day < today) + closed)
        premises.append(p)
    return replace(problem, units=tuple(units), premises=tuple(premises))


def diff(old: RotationSolution, new: RotationSolution, *, since: date | None = None) -> list[str]:
    """Half-days whose session changed (French, for the coordinator), and night changes."""
    out = []
    keys = sorted({(s.unit_id, s.day, s.half) for s in (*old.sessions, *new.sessions)},
                  key=lambda k: (k[1], k[0], k[2]))
    for uid, d, h in keys:
        if since is not None and d < since:
            continue
        a, b = old.session_at(uid, d, h), new.session_at(uid, d, h)
        pa, pb = (a.premises_id if a else None), (b.premises_id if b else None)
        if pa != pb:
            out.append(f"{uid} {d.isoformat()} {HALF_FR[h]} : {pa or 'aucune séance'} -> {pb or 'aucune séance'}")
    old_nights = {(d.unit_id, d.day): d.night_place for d in old.days}
    for dp in new.days:
        before = old_nights.get((dp.unit_id, dp.day))
        if before is not None and before != dp.night_place and (since is None or dp.day >= since):
            out.append(f"{dp.unit_id} {dp.day.isoformat()} nuit : {before} -> {dp.night_place}")
    return out


def replan(problem: RotationProblem, published: RotationSolution, disruption: Disruption, matrix: TravelMatrix,
           *, today: date, time_limit_s: float = 10.0, seed: int = 0, num_workers: int = 2,
           deterministic: bool = False) -> tuple[RotationProblem, RotationSolution]:
    """New problem and plan; the plan's `changes` lists every difference from the published one."""
    current = apply_disruption(problem, disruption, today)
    new = solve(current, matrix, time_limit_s=time_limit_s, seed=seed, num_workers=num_workers,
                deterministic=deterministic, reference=published, frozen_before=today)
    return current, replace(new, changes=tuple(diff(published, new, since=today)))
