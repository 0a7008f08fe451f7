"""Read a plan from the solver's values, and re-split the chosen sessions' consultations fairly."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace

from ortools.sat.python import cp_model

from planner.rotations.assemble import assemble
from planner.rotations.cpsat.build_ortools import SHARE_SEGMENTS, RotationModel, share_points
from planner.rotations.model import DISCIPLINES, Allocation, RotationProblem, RotationSolution, Session
from planner.rotations.reach import uptake_costs
from planner.core.travel import TravelMatrix


def read_plan(rm: RotationModel, problem: RotationProblem, solver: cp_model.CpSolver):
    """(sessions, nights, allocations) of the solver's current solution."""
    sessions = []
    for k_, v in rm.x.items():
        if solver.BooleanValue(v):
            c = rm.cands[k_]
            unit = problem.unit(c.unit_id)
            sessions.append(Session(c.unit_id, c.day, c.half, c.premises_id, c.start_min, c.end_min,
                                    tuple(mm.id for mm in unit.members_on(c.day)), dict(c.capacity)))
    nights = {}
    for (uid, d), lits in rm.night.items():
        for pl, lit in lits.items():
            if lit is True or solver.BooleanValue(lit):
                nights[(uid, d)] = pl
    allocations = [Allocation(p, insee, k, int(solver.Value(f)))
                   for (p, insee, k), f in sorted(rm.flows.items()) if solver.Value(f) > 0]
    return sessions, nights, allocations


def allocate_fair(problem: RotationProblem, matrix: TravelMatrix, sessions: list[Session],
                  allocations: list[Allocation], *, seed: int, deterministic: bool, time_limit_s: float):
    """Re-split the chosen sessions' consultations between communes in reach: as many served as now, the
    communes' shares (concave score and least share, as in the model) as high as possible. Returns
    (allocations, objective gain in model units) when it gains, else None. Small: only the chosen
    sessions' flows."""
    cost = uptake_costs(problem, matrix)
    need = {(c.insee, k): c.demand.get(k, 0) for c in problem.communes for k in DISCIPLINES}
    cap: dict[tuple[str, str], int] = defaultdict(int)
    for s in sessions:
        for k, n in s.capacity.items():
            cap[(s.premises_id, k)] += n
    m = cp_model.CpModel()
    flows = {}
    for (p, k), n in cap.items():
        outs = []
        for (insee, pid), c in cost.items():
            ub = min(n, 100 * need.get((insee, k), 0) // c) if pid == p else 0
            if ub > 0:
                flows[(p, insee, k)] = m.NewIntVar(0, ub, "")
                outs.append(flows[(p, insee, k)])
        if outs:
            m.Add(sum(outs) <= n)
    by_ck = defaultdict(list)
    by_c = defaultdict(list)
    for (p, insee, k), f in flows.items():
        by_ck[(insee, k)].append(cost[(insee, p)] * f)
        by_c[insee].append(f)
    for (insee, k), fs in by_ck.items():
        m.Add(sum(fs) <= 100 * need[(insee, k)])
    needy = [c for c in problem.communes if c.total_demand > 0]
    if not needy:
        return None
    w = problem.weights
    fairness = m.NewIntVar(0, 100, "")
    share_terms = []
    for c in needy:
        got = sum(by_c[c.insee]) if c.insee in by_c else 0
        m.Add(c.total_demand * fairness <= 100 * got)
        segs = [m.NewIntVar(0, width, "") for width, _ in SHARE_SEGMENTS]
        m.Add(c.total_demand * sum(segs) <= 100 * got)
        share_terms += [mult * s for s, (_, mult) in zip(segs, SHARE_SEGMENTS)]
    served = sum(flows.values())
    m.Add(served >= sum(a.consultations for a in allocations))  # never fewer served
    m.Maximize(w.demand * served + w.commune_share * sum(share_terms) + w.fairness * fairness)
    given = {(a.premises_id, a.insee, a.discipline): a.consultations for a in allocations}
    for key, f in flows.items():
        m.AddHint(f, given.get(key, 0))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = int(seed)
    solver.parameters.num_workers = 1
    if deterministic:
        solver.parameters.max_deterministic_time = time_limit_s
    else:
        solver.parameters.max_time_in_seconds = time_limit_s
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out = [Allocation(p, insee, k, int(solver.Value(f))) for (p, insee, k), f in sorted(flows.items())
           if solver.Value(f) > 0]
    gain = plan_value(problem, out) - plan_value(problem, allocations)
    return (out, gain) if gain > 0 else None


def plan_value(problem: RotationProblem, allocations: list[Allocation]) -> int:
    """The model's value of a split (demand, commune shares, least share), in objective units."""
    w = problem.weights
    served: dict[str, int] = defaultdict(int)
    for a in allocations:
        served[a.insee] += a.consultations
    score, least = share_points(problem, served)
    return 60 * (w.demand * sum(served.values()) + w.commune_share * score + w.fairness * least)


def as_fallback(problem: RotationProblem, matrix: TravelMatrix, plan: RotationSolution, t0: float, seed: int,
                deterministic: bool, note: str) -> RotationSolution:
    """The greedy plan returned as the answer, its consultations split fairly between communes in reach."""
    better = allocate_fair(problem, matrix, list(plan.sessions), list(plan.allocations), seed=seed,
                           deterministic=deterministic, time_limit_s=1.0)
    if better is not None:
        nights = {(d.unit_id, d.day): d.night_place for d in plan.days}
        plan = assemble(problem, matrix, list(plan.sessions), nights, better[0])
    return replace(plan, status="FEASIBLE", solve_s=round(time.monotonic() - t0, 2), solver=note)
