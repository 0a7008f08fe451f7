"""The rotation planner: CP-SAT model built, solved in phases, read (planner.rotations.cpsat), never worse
than the greedy plan under a driving cap. Objective and phases: see cpsat.build_ortools and cpsat.phases_ortools; options:
cpsat.params.SolveParams (`solve(problem, matrix, time_limit_s=..., ...)` or `solve(..., params=...)`)."""

from __future__ import annotations

import time
from dataclasses import replace

from planner.rotations.assemble import allocate_greedy, assemble
from planner.rotations.baseline import solve_greedy
from planner.rotations.cpsat.build_ortools import build_model
from planner.rotations.cpsat.hints_ortools import add_hint
from planner.rotations.cpsat.params import Progress, SolveParams
from planner.rotations.cpsat.phases_ortools import key_of, run_phases
from planner.rotations.edits import lost_pins
from planner.rotations.cpsat.read_ortools import allocate_fair, as_fallback, plan_value, read_plan
from planner.rotations.model import RotationProblem, RotationSolution
from planner.core.travel import TravelMatrix, travel_record

__all__ = ["Progress", "SolveParams", "solve"]


def solve(problem: RotationProblem, matrix: TravelMatrix, params: SolveParams | None = None,
          **options) -> RotationSolution:
    """Plan the rotation; the plan remembers the travel model it was made on."""
    plan = _solve(problem, matrix, SolveParams.of(params, **options))
    return replace(plan, travel=travel_record(matrix), warnings=plan.warnings + lost_pins(problem, matrix, plan))


def _plan_key(problem: RotationProblem, plan: RotationSolution) -> tuple[int, int]:
    """The same comparison key as `phases.key_of`, for a plan (communes left out, primary value)."""
    w = problem.weights
    uncovered = len(plan.unserved)
    return (-uncovered, plan_value(problem, list(plan.allocations)) - w.unserved_commune * 60 * uncovered)


def _solve(problem: RotationProblem, matrix: TravelMatrix, prm: SolveParams) -> RotationSolution:
    t0 = time.monotonic()
    rm = build_model(problem, matrix, prm)
    hint, greedy = prm.hint, None
    if hint is None:  # warm start: the published plan, else the capacity-aware greedy
        hint = prm.reference if prm.reference is not None else None
        if hint is None:
            hint = greedy = solve_greedy(problem, matrix, capped=True)
    fallback = greedy  # returned if CP-SAT finds nothing better in time
    if prm.max_driving_s is not None:  # the fallback must keep under the cap
        fallback = next((g for g in (hint, greedy, solve_greedy(problem, matrix))
                         if g is not None and g is not prm.reference
                         and sum(d.driving_s for d in g.days) <= prm.max_driving_s), None)
    if hint is not None:
        add_hint(rm, problem, matrix, hint)
    fb_key = None if fallback is None else _plan_key(problem, fallback)
    out = run_phases(rm, problem, matrix, prm, t0, fallback, fb_key, hinted=hint is not None)
    limit = prm.time_limit_s
    if out.solver is None:
        if fallback is not None and fallback.sessions:  # no better plan in time: the greedy one stands
            why = (f"CP-SAT {out.status} within {limit:g} s" if out.status not in ("OPTIMAL", "FEASIBLE")
                   else f"CP-SAT found none under the driving cap in {limit:g} s")
            return as_fallback(problem, matrix, fallback, t0, prm.seed, prm.deterministic, f"greedy plan ({why})")
        if prm.reference is not None:  # keep the published sessions still possible
            kept = [replace(s, members=tuple(mm.id for mm in problem.unit(s.unit_id).members_on(s.day)),
                            capacity=dict(rm.cands[(s.unit_id, s.day, s.half, s.premises_id)].capacity))
                    for s in prm.reference.sessions if (s.unit_id, s.day, s.half, s.premises_id) in rm.cands]
            nights = {(d.unit_id, d.day): d.night_place for d in prm.reference.days}
            return assemble(problem, matrix, kept, nights, allocate_greedy(problem, matrix, kept),
                            status="FEASIBLE", solve_s=round(time.monotonic() - t0, 2),
                            solver=f"published plan minus impossible sessions (CP-SAT {out.status})")
        status = out.status if out.status not in ("OPTIMAL", "FEASIBLE") else "INFEASIBLE"
        return assemble(problem, matrix, [], {}, [], status=status, solve_s=round(time.monotonic() - t0, 2),
                        solver=f"OR-Tools CP-SAT {out.status}: no plan found")
    solver = out.solver
    if prm.max_driving_s is not None and fallback is not None and fb_key > key_of(rm, solver):
        return as_fallback(problem, matrix, fallback, t0, prm.seed, prm.deterministic,
                           "greedy plan (CP-SAT found no better plan under the driving cap in time)")
    sessions, nights, allocations = read_plan(rm, problem, solver)
    achieved = out.achieved
    left = prm.time_limit_s - (time.monotonic() - t0)
    # deterministic: a budget that does not depend on the clock, so the same seed gives the same split
    fair_s = min(3.0, max(0.2, 0.15 * prm.time_limit_s)) if prm.deterministic else max(0.2, min(3.0, left))
    better = allocate_fair(problem, matrix, sessions, allocations, seed=prm.seed, deterministic=prm.deterministic,
                           time_limit_s=fair_s)
    if better is not None:  # same sessions, a fairer split of their consultations
        allocations, gain = better
        achieved += gain
    # the gap is proven for the phase-1 objective, measured on the plan returned
    gap = abs(out.bound - achieved) / max(1.0, abs(out.bound))
    status = "OPTIMAL" if out.optimal and gap < 1e-9 else "FEASIBLE"
    mode = "lexicographic" if prm.lexicographic else "weighted"
    cap = f", driving <= {prm.max_driving_s / 3600:.2f} h" if prm.max_driving_s is not None else ""
    workers = "1 worker, deterministic" if prm.deterministic else f"{prm.num_workers} workers"
    return assemble(problem, matrix, sessions, nights, allocations, status=status, objective=achieved,
                    bound=out.bound, gap=round(gap, 6), solve_s=round(time.monotonic() - t0, 2),
                    solver=f"OR-Tools CP-SAT ({workers}, seed {prm.seed}, {mode}{cap}; {'; '.join(out.notes)})")
