"""Warm start: hint every variable of the model from a plan (sessions, nights, legs, flows, shares)."""

from __future__ import annotations

from collections import defaultdict

from planner.rotations.cpsat.build_ortools import SHARE_SEGMENTS, RotationModel
from planner.rotations.model import RotationProblem, RotationSolution
from planner.rotations.reach import communes_reach
from planner.core.travel import TravelMatrix


def add_hint(rm: RotationModel, problem: RotationProblem, matrix: TravelMatrix, hint: RotationSolution) -> None:
    """Hint every variable from `hint`, so CP-SAT starts from that plan at once."""
    m = rm.m
    sessions = {(s.unit_id, s.day, s.half): s for s in hint.sessions
                if (s.unit_id, s.day, s.half, s.premises_id) in rm.x}
    for k_, v in rm.x.items():
        s = sessions.get(k_[:3])
        m.AddHint(v, 1 if s is not None and s.premises_id == k_[3] else 0)
    for key, b in rm.work.items():
        m.AddHint(b, 1 if key in sessions else 0)
    nights = {(d.unit_id, d.day): d.night_place for d in hint.days}
    for (uid, d), lits in rm.night.items():
        chosen = nights.get((uid, d), problem.unit(uid).base_id)
        if chosen not in lits:
            chosen = problem.unit(uid).base_id
        for pl, lit in lits.items():
            if lit is not True:
                m.AddHint(lit, 1 if pl == chosen else 0)
    for u in problem.units:
        prev = u.base_id
        for d in u.dates:
            end = nights.get((u.id, d), u.base_id)
            if end not in rm.night.get((u.id, d), {u.base_id: True}):
                end = u.base_id
            if (u.id, d) in rm.leg_vars:
                stops = [sessions[(u.id, d, h)].premises_id for h in ("am", "pm") if (u.id, d, h) in sessions]
                leg1, mid, leg3, direct = rm.leg_vars[(u.id, d)]
                m.AddHint(leg1, matrix.time_s(prev, stops[0]) if stops else 0)
                m.AddHint(mid, matrix.time_s(stops[0], stops[1]) if len(stops) == 2 else 0)
                m.AddHint(leg3, matrix.time_s(stops[-1], end) if stops else 0)
                m.AddHint(direct, matrix.time_s(prev, end) if not stops and prev != end else 0)
            prev = end
    given = {(a.premises_id, a.insee, a.discipline): a.consultations for a in hint.allocations}
    served: dict[str, int] = defaultdict(int)
    for key, f in rm.flows.items():
        val = min(given.get(key, 0), rm.flow_ub[key])
        m.AddHint(f, val)
        served[key[1]] += val
    reach_days = defaultdict(set)
    for s in sessions.values():
        reach_days[s.premises_id].add(s.day)
    periods = dict(problem.periods())
    reach = communes_reach(problem, matrix)
    for (pid, label), lit in rm.held.items():
        m.AddHint(lit, 1 if reach_days[pid] & set(periods[label]) else 0)
    for (label, insee), lit in rm.uncovered_keys.items():
        covered = any(reach_days[p] & set(periods[label]) for p in reach.get(insee, ()))
        m.AddHint(lit, 0 if covered else 1)
    demand = {c.insee: c.total_demand for c in problem.communes}
    pts = {i: 100 * served[i] // demand[i] for i in rm.shares}
    for insee, segs in rm.shares.items():
        left = pts[insee]
        for s, (width, _) in zip(segs, SHARE_SEGMENTS):
            take = min(width, left)
            m.AddHint(s, take)
            left -= take
    shares = [100 * served[c.insee] // c.total_demand for c in problem.communes if c.total_demand > 0]
    m.AddHint(rm.fairness, min(shares) if shares else 0)
