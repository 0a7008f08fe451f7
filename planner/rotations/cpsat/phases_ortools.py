"""Solve phases of the rotation model.

Phase 1 maximises the weighted objective (or, `lexicographic`, everything but driving). Then either:
- with `max_driving_s`: the excess over the cap is penalised above any demand, starting from the phase-1
  plan and from the plan under the cap we had (the greedy); the best plan under the cap wins. A hard cap
  warm-started from the greedy was measured first: CP-SAT's neighbourhood search barely moves under one
  global budget;
- else: hold the other terms (or `hold` of the phase-1 value) and cut driving.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.rotations.cpsat.build_ortools import RotationModel
from planner.rotations.cpsat.hints_ortools import add_hint
from planner.rotations.cpsat.params import SolveParams
from planner.rotations.model import RotationProblem, RotationSolution
from planner.core.travel import TravelMatrix


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress) -> None:
        super().__init__()
        self._progress = progress
        self._t0 = time.monotonic()

    def on_solution_callback(self) -> None:
        self._progress(self.ObjectiveValue(), self.BestObjectiveBound(), time.monotonic() - self._t0)


@dataclass
class Outcome:
    """What the phases found: the solver holding the plan (None: nothing usable), the proven bound and
    the value achieved on the phase-1 objective, and a note per phase."""

    solver: cp_model.CpSolver | None
    status: str
    bound: float = 0.0
    achieved: float = 0.0
    optimal: bool = False
    notes: list[str] = field(default_factory=list)


class _Clock:
    def __init__(self, prm: SolveParams, t0: float) -> None:
        self.prm, self.t0, self.spent_det = prm, t0, 0.0

    def left(self) -> float:
        """Time left (deterministic seconds when `deterministic`: phases share that budget)."""
        if self.prm.deterministic:
            return self.prm.time_limit_s - self.spent_det
        return self.prm.time_limit_s - (time.monotonic() - self.t0)

    def solver(self, limit: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.random_seed = int(self.prm.seed)
        if self.prm.deterministic:
            p.num_workers = 1
            p.max_deterministic_time = max(0.1, float(limit))
        else:
            p.num_workers = int(self.prm.num_workers)
            p.max_time_in_seconds = max(0.1, float(limit))
        for key, val in (self.prm.extra_params or {}).items():
            setattr(p, key, val)
        return solver

    def run(self, m: cp_model.CpModel, limit: float, callback=None) -> tuple[cp_model.CpSolver, int]:
        solver = self.solver(limit)
        status = solver.Solve(m, callback)
        self.spent_det += solver.deterministic_time
        return solver, status


def _values(m: cp_model.CpModel, solver: cp_model.CpSolver) -> list[int]:
    return [solver.Value(m.GetIntVarFromProtoIndex(i)) for i in range(len(m.Proto().variables))]


def _hint_values(m: cp_model.CpModel, values: list[int]) -> None:
    m.ClearHints()
    for i, val in enumerate(values):
        m.AddHint(m.GetIntVarFromProtoIndex(i), val)


def _ub(m: cp_model.CpModel, var) -> int:
    return int(m.Proto().variables[var.Index()].domain[-1])


def key_of(rm: RotationModel, solver: cp_model.CpSolver) -> tuple[int, int]:
    """(- communes left without a session, primary value): how plans under the cap are compared."""
    return (-int(sum(solver.Value(u) for u in rm.uncovered)), int(solver.Value(rm.primary)))


def run_phases(rm: RotationModel, problem: RotationProblem, matrix: TravelMatrix, prm: SolveParams, t0: float,
               fallback: RotationSolution | None, fb_key: tuple[int, int] | None, *, hinted: bool = False) -> Outcome:
    """Phase 1, then the driving cap or the driving cut; `fallback` (under the cap) and its key compete."""
    m, w = rm.m, problem.weights
    clock = _Clock(prm, t0)
    phase1_obj = rm.primary if prm.lexicographic else rm.objective
    m.Maximize(phase1_obj)
    capped = prm.max_driving_s is not None
    share1 = 0.3 if capped else 0.6 if prm.lexicographic else 0.75
    if hinted:  # complete the plan's hint (every auxiliary variable) by a quick solve fixed to it
        s0 = clock.solver(min(2.0, max(0.2, 0.1 * clock.left())))
        s0.parameters.fix_variables_to_their_hinted_value = True
        st0 = s0.Solve(m)
        clock.spent_det += s0.deterministic_time
        if st0 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            _hint_values(m, _values(m, s0))
    solver, status = clock.run(m, max(0.5, clock.left()) * share1,
                               _Callback(prm.progress) if prm.progress else None)
    name = solver.StatusName(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome(None, name)
    out = Outcome(solver, name, optimal=name == "OPTIMAL", notes=[f"phase 1 {solver.WallTime():.1f} s"])
    out.bound = solver.BestObjectiveBound()
    if capped and not prm.lexicographic:  # under the cap, primary <= objective + cap
        out.bound += w.driving_per_min * int(prm.max_driving_s)
    phase1_value = solver.Value(phase1_obj)
    values = _values(m, solver)
    remaining = clock.left()
    over_cap = capped and solver.Value(rm.drive_expr) > prm.max_driving_s
    if over_cap and remaining > 0.5:
        out.solver = None
        _capped(rm, problem, matrix, prm, clock, out, solver, values, fallback, fb_key)
    elif remaining > 0.5 and rm.drive_terms:
        if capped:
            m.Add(rm.drive_expr <= int(prm.max_driving_s))
        if prm.lexicographic:  # hold the first-phase value at `hold` of what was found, cut driving
            m.Add(rm.primary >= int(phase1_value - abs(phase1_value) * (1.0 - prm.hold)))
        else:  # the weighted objective already trades driving: hold every other term, cut driving
            m.Add(rm.primary >= solver.Value(rm.primary))
            if rm.uncovered:
                m.Add(sum(rm.uncovered) <= sum(solver.Value(u) for u in rm.uncovered))
        m.ClearObjective()
        m.Minimize(rm.drive_expr)
        _hint_values(m, values)
        solver2, status2 = clock.run(m, max(0.3, remaining - 1.0))  # a second kept for the allocation pass
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.notes.append(f"phase 2 {solver2.WallTime():.1f} s, driving {solver.Value(rm.drive_expr) / 3600:.2f} h"
                             f" -> {solver2.Value(rm.drive_expr) / 3600:.2f} h")
            out.solver = solver2
    elif over_cap:
        out.solver = None
    if out.solver is not None:
        out.achieved = float(out.solver.Value(rm.primary if prm.lexicographic or capped else rm.objective))
    return out


def _capped(rm, problem, matrix, prm, clock, out, solver, values, fallback, fb_key) -> None:
    """Back under the driving cap: the excess outweighs every consultation ("cut driving, lose the least"),
    from the phase-1 plan and from the greedy plan (first when phase 1 drives far more than the cap)."""
    m, w = rm.m, problem.weights
    cap = int(prm.max_driving_s)
    excess = m.NewIntVar(0, max(0, sum(_ub(m, v) for v in rm.drive_terms)), "excess")
    m.Add(excess >= rm.drive_expr - cap)
    big = (w.demand * 60 * max(1, sum(c.total_demand for c in problem.communes))
           + (w.fairness + 3 * w.commune_share * max(1, len(problem.communes))) * 60 * 100)
    m.ClearObjective()
    m.Maximize(rm.primary - big * excess)
    drive1 = solver.Value(rm.drive_expr)
    starts = [("phase 2 (cap, from phase 1)", values)]
    if fallback is not None:  # far above the cap, the phase-1 plan is a poor start: the greedy one first
        far = drive1 > 1.25 * cap
        starts.insert(0 if far else 1, (f"phase {2 if far else 3} (cap, from the greedy plan)", fallback))
    best_key = None
    k = 0
    while k < len(starts):
        label, start = starts[k]
        remaining = clock.left()
        if remaining < 1.5:
            break
        if isinstance(start, list):  # values of every variable of an earlier solve
            _hint_values(m, start)
            if len(start) <= excess.Index():
                m.AddHint(excess, max(0, drive1 - cap))
        else:
            m.ClearHints()
            add_hint(rm, problem, matrix, start)
            m.AddHint(excess, 0)
        share = 0.6 if k == 0 and len(starts) > 1 and start is values else 1.0
        solver2, status2 = clock.run(m, max(0.3, (remaining - 1.0) * share))
        k += 1
        if status2 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.notes.append(f"{label}: nothing in {solver2.WallTime():.1f} s")
            continue
        out.notes.append(f"{label} {solver2.WallTime():.1f} s, driving {solver2.Value(rm.drive_expr) / 3600:.2f} h, "
                         f"served {solver2.Value(rm.served_expr)}")
        # a valid bound whatever the plan found: a plan under the cap scores its primary value here
        out.bound = min(out.bound, solver2.BestObjectiveBound())
        if solver2.Value(excess) > 0:
            continue
        key = key_of(rm, solver2)
        if best_key is None or key >= best_key:
            out.solver, best_key = solver2, key
        if fb_key is not None and best_key > fb_key and label != "polish" and status2 != cp_model.OPTIMAL:
            # better than the greedy plan under the cap: no restart from it, go on from this plan
            starts[k:] = [("polish", _values(m, out.solver))]
