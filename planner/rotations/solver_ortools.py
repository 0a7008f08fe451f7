"""CP-SAT model of a rotation: which premises each unit consults at on each half-day, and where it sleeps.

Variables: x[u,d,h,p] (unit u holds a session at premises p on day d, half-day h), nights n[u,d,l] for
units allowed to sleep away, integer flows f[p,c,k] (consultations of discipline k at premises p given
to commune c, within reach). Day driving is exact: legs start -> first session -> second -> night place,
as enforced linear bounds. Objective (maximised, one weighted sum in seconds-of-driving units):
  - unserved_commune * 60 * (communes in need without a session in reach, per coverage period)
  + demand * 60 * (priority consultations served, capped by session capacity)
  + fairness * 60 * (least-covered commune's share of its demand, in percentage points)
  - driving seconds
  - change * 60 * (half-days changed from a published plan, when re-planning).
Options: `max_driving_s` caps the total driving of the plan (the benchmark sets it to the greedy plan's
driving): phase 1 plans freely, then the excess over the cap is penalised above any demand (from the phase-1
plan, and from the greedy plan, which is under the cap), and the greedy plan stands if nothing beats it. A
hard cap warm-started from the greedy plan was measured first: CP-SAT's neighbourhood search barely moves
under one global budget (+1 % demand in 20 s on approximate times, against +16 % in 30 s this way).
`lexicographic=True` drops driving from the first phase (demand, coverage, fairness only) and lets the second phase cut driving while
holding the first-phase value at `hold` (default 99 %) of what phase 1 found.
Determinism: with `deterministic=True` the solve uses one worker and a deterministic time limit, so the
same seed gives the same plan; otherwise `num_workers` (default 2) race within wall-clock `time_limit_s`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Callable

from ortools.sat.python import cp_model

from planner.rotations.assemble import allocate_greedy, assemble, in_need
from planner.rotations.baseline import solve_greedy
from planner.rotations.candidates import Candidate, ceil_min, unit_candidates
from planner.rotations.workdays import crew_profile
from planner.rotations.model import DISCIPLINES, Allocation, RotationProblem, RotationSolution, Session
from planner.rotations.reach import communes_reach
from planner.core.travel import TravelMatrix, travel_record

Progress = Callable[[float, float, float], None]  # (objective, bound, seconds elapsed)


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self._progress = progress
        self._t0 = time.monotonic()

    def on_solution_callback(self) -> None:
        self._progress(self.ObjectiveValue(), self.BestObjectiveBound(), time.monotonic() - self._t0)


def solve(problem: RotationProblem, matrix: TravelMatrix, **options) -> RotationSolution:
    """Plan the rotation (options: see `_solve`); the plan remembers the travel model it was made on."""
    return replace(_solve(problem, matrix, **options), travel=travel_record(matrix))


def _solve(problem: RotationProblem, matrix: TravelMatrix, *, time_limit_s: float = 30.0, seed: int = 0,
          num_workers: int = 2, deterministic: bool = False, progress: Progress | None = None,
          reference: RotationSolution | None = None, frozen_before: date | None = None,
          hint: RotationSolution | None = None, extra_params: dict | None = None,
          max_driving_s: int | None = None, lexicographic: bool = False, hold: float = 0.99) -> RotationSolution:
    """Plan the rotation. `reference` + `frozen_before`: re-planning (keep days before, change little).
    `max_driving_s`: total driving cap (seconds); `lexicographic`: phase 1 without driving, phase 2 cuts
    driving at >= `hold` of the phase-1 value."""
    t0 = time.monotonic()
    w = problem.weights
    m = cp_model.CpModel()
    ref_sessions = {(s.unit_id, s.day, s.half): s for s in (reference.sessions if reference else ())}
    ref_nights = {(d.unit_id, d.day): d.night_place for d in (reference.days if reference else ())}

    def frozen(d: date) -> bool:
        return frozen_before is not None and d < frozen_before

    # --- session variables -------------------------------------------------------------------------------
    cands: dict[tuple[str, date, str, str], Candidate] = {}
    for u in problem.units:
        for c in unit_candidates(problem, matrix, u):
            if not frozen(c.day):
                cands[(c.unit_id, c.day, c.half, c.premises_id)] = c
    for key, s in ref_sessions.items():  # the past stays as published
        if frozen(s.day):
            cands[(s.unit_id, s.day, s.half, s.premises_id)] = Candidate(
                s.unit_id, s.day, s.half, s.premises_id, s.start_min, s.end_min, dict(s.capacity))
    x = {k: m.NewBoolVar(f"x_{k[0]}_{k[1]:%m%d}_{k[2]}_{k[3]}") for k in cands}
    for k, v in x.items():
        if frozen(k[1]):
            m.Add(v == (1 if ref_sessions.get(k[:3]) and ref_sessions[k[:3]].premises_id == k[3] else 0))
    slot = defaultdict(list)  # (u, d, h) -> [(p, var)]
    for k, v in x.items():
        slot[k[:3]].append((k[3], v))
    work = {}
    for key, items in slot.items():
        b = m.NewBoolVar(f"w_{key[0]}_{key[1]:%m%d}_{key[2]}")
        m.Add(sum(v for _, v in items) == b)
        work[key] = b
    # rooms shared between units at the same premises
    at = defaultdict(list)
    for k, v in x.items():
        at[(k[1], k[2], k[3])].append(v)
    rooms = {p.id: p.rooms for p in problem.premises}
    for (d, h, p), vs in at.items():
        if len(vs) > rooms.get(p, 1):
            m.Add(sum(vs) <= rooms.get(p, 1))

    # --- nights and driving ---------------------------------------------------------------------------------
    drive_terms = []
    day_work = {}  # (u, d) -> seconds of work (sessions and driving)
    leg_vars = {}  # (u, d) -> (leg1, mid, leg3, direct)
    night = {}  # (u, d) -> {place: literal or True}
    for u in problem.units:
        places = u.night_places()
        dates = u.dates
        for i, d in enumerate(dates):
            last = i == len(dates) - 1
            before_rest = not last and u.is_rest(dates[i + 1])
            if len(places) == 1 or last or u.is_rest(d) or before_rest:
                night[(u.id, d)] = {u.base_id: True}
                continue
            lits = {pl: m.NewBoolVar(f"n_{u.id}_{d:%m%d}_{pl}") for pl in places}
            m.AddExactlyOne(lits.values())
            if frozen(d) and (u.id, d) in ref_nights:
                for pl, lit in lits.items():
                    m.Add(lit == (1 if ref_nights[(u.id, d)] == pl else 0))
            night[(u.id, d)] = lits
        if len(places) > 1:  # at most max_nights_away consecutive nights away
            span = u.max_nights_away + 1
            for i in range(len(dates) - span + 1):
                base_lits = [night[(u.id, dates[i + j])].get(u.base_id) for j in range(span)]
                if any(b is True for b in base_lits):
                    continue
                m.Add(sum(base_lits) >= 1)
        limit = u.max_driving_min * 60
        prof = crew_profile(u)
        pause_min = prof.break_min if prof.break_after_min is not None else 0
        for i, d in enumerate(dates):
            starts = night[(u.id, dates[i - 1])] if i else {u.base_id: True}
            ends = night[(u.id, d)]
            am = [(p, v) for p, v in slot.get((u.id, d, "am"), [])]
            pm = [(p, v) for p, v in slot.get((u.id, d, "pm"), [])]
            if not am and not pm and len(starts) == 1 and len(ends) == 1 and set(starts) == set(ends):
                continue
            w_am = work.get((u.id, d, "am"))
            w_pm = work.get((u.id, d, "pm"))
            hmax = limit
            leg1 = m.NewIntVar(0, hmax, "")
            mid = m.NewIntVar(0, hmax, "")
            leg3 = m.NewIntVar(0, hmax, "")
            direct = m.NewIntVar(0, hmax, "")
            m.Add(leg1 + mid + leg3 + direct <= limit)
            drive_terms += [leg1, mid, leg3, direct]
            leg_vars[(u.id, d)] = (leg1, mid, leg3, direct)
            cand_am = {p: cands[(u.id, d, "am", p)] for p, _ in am}
            cand_pm = {q: cands[(u.id, d, "pm", q)] for q, _ in pm}
            # working time of the crew (planner.rotations.workdays states the same rules for the greedy)
            am_s = sum((cand_am[p].end_min - cand_am[p].start_min) * 60 * v for p, v in am)
            pm_s = sum((cand_pm[q].end_min - cand_pm[q].start_min) * 60 * v for q, v in pm)
            drive = leg1 + mid + leg3 + direct
            day_work[(u.id, d)] = am_s + pm_s + drive
            if prof.max_day_min is not None:
                m.Add(am_s + pm_s + drive <= prof.max_day_min * 60)
            if prof.break_after_min is not None:
                after = prof.break_after_min * 60
                if am and pm:  # the pause comes between the sessions, before 6 hours of work
                    m.Add(leg1 + am_s <= after).OnlyEnforceIf([w_am, w_pm])
                if am:
                    m.Add(am_s + drive <= after).OnlyEnforceIf([w_am] + ([w_pm.Not()] if w_pm is not None else []))
                if pm:
                    m.Add(pm_s + drive <= after).OnlyEnforceIf([w_pm] + ([w_am.Not()] if w_am is not None else []))
            for s_place, s_lit in starts.items():
                s_enf = [] if s_lit is True else [s_lit]
                if am:
                    m.Add(leg1 >= sum(matrix.time_s(s_place, p) * v for p, v in am)).OnlyEnforceIf(s_enf)
                    for p, v in am:  # on time for the first session
                        if cand_am[p].start_min - ceil_min(matrix.time_s(s_place, p)) < u.day_start_min:
                            m.AddBoolOr([v.Not()] + [lit.Not() for lit in s_enf])
                if pm:
                    enf = s_enf + ([w_am.Not()] if w_am is not None else [])
                    m.Add(leg1 >= sum(matrix.time_s(s_place, q) * v for q, v in pm)).OnlyEnforceIf(enf)
                    for q, v in pm:
                        if cand_pm[q].start_min - ceil_min(matrix.time_s(s_place, q)) < u.day_start_min:
                            m.AddBoolOr([v.Not()] + [lit.Not() for lit in enf])
                for e_place, e_lit in ends.items():
                    if e_place == s_place:
                        continue
                    e_enf = [] if e_lit is True else [e_lit]
                    idle = [lit.Not() for lit in (w_am, w_pm) if lit is not None]
                    m.Add(direct >= matrix.time_s(s_place, e_place)).OnlyEnforceIf(s_enf + e_enf + idle)
            if am and pm:
                for p, v in am:
                    m.Add(mid >= sum(matrix.time_s(p, q) * vq for q, vq in pm)).OnlyEnforceIf(v)
                    for q, vq in pm:  # the drive must fit between the two sessions
                        if cand_am[p].end_min + ceil_min(matrix.time_s(p, q)) + pause_min > cand_pm[q].start_min:
                            m.AddBoolOr([v.Not(), vq.Not()])
            for e_place, e_lit in ends.items():
                e_enf = [] if e_lit is True else [e_lit]
                if pm:
                    m.Add(leg3 >= sum(matrix.time_s(q, e_place) * v for q, v in pm)).OnlyEnforceIf(e_enf)
                    for q, v in pm:
                        if cand_pm[q].end_min + ceil_min(matrix.time_s(q, e_place)) > u.day_end_min:
                            m.AddBoolOr([v.Not()] + [lit.Not() for lit in e_enf])
                if am:
                    enf = e_enf + ([w_pm.Not()] if w_pm is not None else [])
                    m.Add(leg3 >= sum(matrix.time_s(p, e_place) * v for p, v in am)).OnlyEnforceIf(enf)
                    for p, v in am:
                        if cand_am[p].end_min + ceil_min(matrix.time_s(p, e_place)) > u.day_end_min:
                            m.AddBoolOr([v.Not()] + [lit.Not() for lit in enf])

    # weekly maximum of each crew's work
    for u in problem.units:
        cap = crew_profile(u).max_week_min
        if cap is None:
            continue
        weeks = defaultdict(list)
        for d in u.dates:
            if (u.id, d) in day_work:
                weeks[d.isocalendar()[:2]].append(day_work[(u.id, d)])
        for terms in weeks.values():
            m.Add(sum(terms) <= cap * 60)

    # --- regular presence: same premises, same weekday and half-day each week -----------------------------
    for u in problem.units:
        if not (u.regular or problem.regular_presence):
            continue
        for d in u.dates:
            d7 = date.fromordinal(d.toordinal() + 7)
            if d7 > u.end:
                continue
            for h in ("am", "pm"):
                a = dict(slot.get((u.id, d, h), []))
                b = dict(slot.get((u.id, d7, h), []))
                if not a or not b:
                    continue  # a rest day or an absence breaks the week: nothing to repeat
                for p in set(a) | set(b):
                    m.Add((a[p] if p in a else 0) == (b[p] if p in b else 0))

    # --- demand served, coverage, fairness ------------------------------------------------------------
    reach = communes_reach(problem, matrix)
    need = {(c.insee, k): c.demand.get(k, 0) for c in problem.communes for k in DISCIPLINES}
    cap_at = defaultdict(list)  # (p, k) -> [(cap, var)]
    for k_, v in x.items():
        for k, n in cands[k_].capacity.items():
            if n > 0:
                cap_at[(k_[3], k)].append((n, v))
    flows: dict[tuple[str, str, str], cp_model.IntVar] = {}
    flow_ub: dict[tuple[str, str, str], int] = {}
    served_terms = defaultdict(list)
    for (p, k), items in cap_at.items():
        total_cap = sum(n for n, _ in items)
        outs = []
        for insee in (c for c, ps in reach.items() if p in ps):
            if need[(insee, k)] > 0:
                f = m.NewIntVar(0, min(need[(insee, k)], total_cap), "")
                flows[(p, insee, k)] = f
                flow_ub[(p, insee, k)] = min(need[(insee, k)], total_cap)
                outs.append(f)
                served_terms[insee].append((k, f))
        if outs:
            m.Add(sum(outs) <= sum(n * v for n, v in items))
    # redundant, for the bound: consultations of a discipline never exceed what the half-days can hold
    for k in DISCIPLINES:
        fk = [f for (p_, _, kk), f in flows.items() if kk == k]
        if not fk:
            continue
        best = defaultdict(int)
        for k_ in x:
            best[k_[:3]] = max(best[k_[:3]], cands[k_].capacity.get(k, 0))
        m.Add(sum(fk) <= sum(n * work[key] for key, n in best.items() if n > 0))
    served_total = {}
    for c in problem.communes:
        for k in DISCIPLINES:
            fs = [f for kk, f in served_terms.get(c.insee, []) if kk == k]
            if len(fs) > 1:
                m.Add(sum(fs) <= need[(c.insee, k)])
        fs_all = [f for _, f in served_terms.get(c.insee, [])]
        if fs_all:
            served_total[c.insee] = sum(fs_all)
    uncovered = []
    uncovered_keys = {}  # (period label, insee) -> literal
    held = {}  # (premises, period label) -> literal: some session there in the period (keeps sums short)
    for label, period in problem.periods():
        pdays = set(period)
        by_p = defaultdict(list)
        for k_, v in x.items():
            if k_[1] in pdays:
                by_p[k_[3]].append(v)
        for pid, vs in by_p.items():
            h_ = m.NewBoolVar("")
            m.Add(h_ <= sum(vs))
            held[(pid, label)] = h_
        for insee in in_need(problem):
            hs = [held[(pid, label)] for pid in reach.get(insee, ()) if (pid, label) in held]
            if hs:
                unc = m.NewBoolVar("")
                m.Add(sum(hs) + unc >= 1)
                uncovered.append(unc)
                uncovered_keys[(label, insee)] = unc
    fairness = m.NewIntVar(0, 100, "min_share")
    coverable = [c for c in problem.communes if c.total_demand > 0 and c.insee in served_total]
    for c in coverable:
        m.Add(c.total_demand * fairness <= 100 * served_total[c.insee])
    if len(coverable) < len(in_need(problem)):
        m.Add(fairness == 0)  # some commune cannot be served at all: its share is 0

    # --- changes from a published plan (re-planning) ----------------------------------------------------
    change_terms = []
    if reference is not None:
        for u in problem.units:
            for d in u.dates:
                if frozen(d):
                    continue
                for h in ("am", "pm"):
                    ref = ref_sessions.get((u.id, d, h))
                    items = dict(slot.get((u.id, d, h), []))
                    if ref is None:
                        change_terms += list(items.values())
                    elif ref.premises_id in items:
                        change_terms.append(1 - items[ref.premises_id])
                    else:
                        change_terms.append(1)

    served_expr = sum(flows.values())
    drive_expr = sum(drive_terms)
    change_expr = sum(change_terms)
    primary = (w.demand * 60 * served_expr + w.fairness * 60 * fairness
               - w.unserved_commune * 60 * sum(uncovered) - w.change * 60 * change_expr)
    objective = primary - w.driving_per_min * drive_expr
    phase1_obj = primary if lexicographic else objective
    m.Maximize(phase1_obj)

    greedy = None
    if hint is None:  # warm start: the published plan, else the capacity-aware greedy
        if reference is not None:
            hint = reference
        else:
            hint = greedy = solve_greedy(problem, matrix, capped=True)
    fallback = greedy  # returned if CP-SAT finds nothing better in time
    if max_driving_s is not None:  # the fallback must keep under the cap
        fallback = next((g for g in (hint, greedy, solve_greedy(problem, matrix))
                         if g is not None and g is not reference and _driving_s(g) <= max_driving_s), None)
    if hint is not None:
        _add_hint(m, matrix, problem, hint, x, work, night, leg_vars, flows, flow_ub, uncovered_keys,
                  fairness, held)

    # --- solve: phase 1 the weighted objective, phase 2 less driving at no loss on the rest --------------
    def params(limit: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.random_seed = int(seed)
        if deterministic:
            prm.num_workers = 1
            prm.max_deterministic_time = max(0.1, float(limit))
        else:
            prm.num_workers = int(num_workers)
            prm.max_time_in_seconds = max(0.1, float(limit))
        for key, val in (extra_params or {}).items():
            setattr(prm, key, val)
        return solver

    n_vars = len(m.Proto().variables)
    spent_det = [0.0]  # deterministic mode: phases share the deterministic budget, never the wall clock

    def left() -> float:
        """Time left for the next phase (deterministic seconds when `deterministic`)."""
        if deterministic:
            return time_limit_s - spent_det[0]
        return time_limit_s - (time.monotonic() - t0)

    budget = max(0.5, left())
    share1 = 0.3 if max_driving_s is not None else 0.6 if lexicographic else 0.75
    solver = params(budget * share1)
    status = solver.Solve(m, _Callback(progress) if progress else None)
    spent_det[0] += solver.deterministic_time
    name = solver.StatusName(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if fallback is not None and fallback.sessions:  # no better plan in time: the greedy one stands
            return _as_fallback(problem, matrix, fallback, t0, seed, deterministic,
                                f"greedy plan (CP-SAT {name} within {time_limit_s:g} s)")
        if reference is not None:  # no better plan in time: keep the published sessions still possible
            kept = [replace(s, members=tuple(mm.id for mm in problem.unit(s.unit_id).members_on(s.day)),
                            capacity=dict(cands[(s.unit_id, s.day, s.half, s.premises_id)].capacity))
                    for s in reference.sessions if (s.unit_id, s.day, s.half, s.premises_id) in cands]
            nights = {(d.unit_id, d.day): d.night_place for d in reference.days}
            return assemble(problem, matrix, kept, nights, allocate_greedy(problem, matrix, kept),
                            status="FEASIBLE", solve_s=round(time.monotonic() - t0, 2),
                            solver=f"published plan minus impossible sessions (CP-SAT {name})")
        meta = dict(status=name, solve_s=round(time.monotonic() - t0, 2), solver=f"OR-Tools CP-SAT {name}")
        return assemble(problem, matrix, [], {}, [], **meta)
    bound = solver.BestObjectiveBound()
    if max_driving_s is not None and not lexicographic:  # under the cap, primary <= objective + cap
        bound += w.driving_per_min * int(max_driving_s)
    phase1_value = solver.Value(phase1_obj)
    phase1_optimal = solver.StatusName(status) == "OPTIMAL"
    values = [solver.Value(m.GetIntVarFromProtoIndex(i)) for i in range(n_vars)]
    phases = [f"phase 1 {solver.WallTime():.1f} s"]
    remaining = left()
    over_cap = max_driving_s is not None and solver.Value(drive_expr) > max_driving_s
    best_key = None
    if over_cap and remaining > 0.5:
        # phase 2: back under the driving cap. A hard global cap stalls CP-SAT's neighbourhood search, so
        # the excess is penalised instead (one second of it outweighs every consultation a plan could add):
        # "cut driving, lose the least". It starts from the phase-1 plan (more demand, too much driving);
        # if that ends worse than the plan under the cap we had (the greedy), a phase 3 starts from that one.
        excess = m.NewIntVar(0, max(0, sum(_ub(m, v) for v in drive_terms)), "excess")
        m.Add(excess >= drive_expr - int(max_driving_s))
        big = w.demand * 60 * max(1, sum(c.total_demand for c in problem.communes)) + w.fairness * 60 * 100
        m.ClearObjective()
        m.Maximize(primary - big * excess)
        drive1 = solver.Value(drive_expr)
        starts = [("phase 2 (cap, from phase 1)", values)]
        if fallback is not None:  # far above the cap, the phase-1 plan is a poor start: the greedy one first
            far = drive1 > 1.25 * max_driving_s
            starts.insert(0 if far else 1, (f"phase {2 if far else 3} (cap, from the greedy plan)", fallback))
        fb_key = None if fallback is None else (-len(fallback.unserved),
                                                fallback.indicators["priority_demand_served"])
        k = 0
        while k < len(starts):
            label, start = starts[k]
            remaining = left()
            if remaining < 1.5:
                break
            m.ClearHints()
            if isinstance(start, list):  # values of every variable of an earlier solve
                for i, val in enumerate(start):
                    m.AddHint(m.GetIntVarFromProtoIndex(i), val)
                if len(start) <= excess.Index():
                    m.AddHint(excess, max(0, drive1 - int(max_driving_s)))
            else:
                _add_hint(m, matrix, problem, start, x, work, night, leg_vars, flows, flow_ub, uncovered_keys,
                          fairness, held)
                m.AddHint(excess, 0)
            share = 0.6 if k == 0 and len(starts) > 1 and start is values else 1.0
            solver2 = params(max(0.3, (remaining - 1.0) * share))
            status2 = solver2.Solve(m)
            spent_det[0] += solver2.deterministic_time
            k += 1
            if status2 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                phases.append(f"{label}: nothing in {solver2.WallTime():.1f} s")
                continue
            phases.append(f"{label} {solver2.WallTime():.1f} s, driving {solver2.Value(drive_expr) / 3600:.2f} h, "
                          f"served {solver2.Value(served_expr)}")
            # a valid bound whatever the plan found: a plan under the cap scores its primary value here
            bound = min(bound, solver2.BestObjectiveBound())
            if solver2.Value(excess) > 0:
                continue
            key = (-int(sum(solver2.Value(u_) for u_ in uncovered)), int(solver2.Value(served_expr)))
            if over_cap or key >= best_key:
                solver, over_cap, best_key = solver2, False, key
            if fb_key is not None and best_key > fb_key and label != "polish" and status2 != cp_model.OPTIMAL:
                # better than the greedy plan under the cap: no restart from it, go on from this plan
                values2 = [solver.Value(m.GetIntVarFromProtoIndex(i)) for i in range(len(m.Proto().variables))]
                starts[k:] = [("polish", values2)]
    elif remaining > 0.5 and drive_terms:
        if max_driving_s is not None:
            m.Add(drive_expr <= int(max_driving_s))
        if lexicographic:  # hold the first-phase value at `hold` of what was found, cut driving
            floor = phase1_value - abs(phase1_value) * (1.0 - hold)
            m.Add(primary >= int(floor))
        else:  # the weighted objective already trades driving: hold every other term, cut driving
            m.Add(served_expr >= solver.Value(served_expr))
            m.Add(fairness >= solver.Value(fairness))
            if uncovered:
                m.Add(sum(uncovered) <= sum(solver.Value(u_) for u_ in uncovered))
            if change_terms:
                m.Add(change_expr <= solver.Value(change_expr))
        m.ClearObjective()
        m.Minimize(drive_expr)
        m.ClearHints()
        for i, val in enumerate(values):
            m.AddHint(m.GetIntVarFromProtoIndex(i), val)
        solver2 = params(max(0.3, remaining - 1.0))  # a second kept for the allocation pass
        status2 = solver2.Solve(m)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            phases.append(f"phase 2 {solver2.WallTime():.1f} s, driving {solver.Value(drive_expr) / 3600:.2f} h"
                          f" -> {solver2.Value(drive_expr) / 3600:.2f} h")
            solver = solver2
    if over_cap:  # no plan under the cap found in time: the warm start (under the cap) stands
        if fallback is not None:
            return _as_fallback(problem, matrix, fallback, t0, seed, deterministic,
                                f"greedy plan (CP-SAT found none under the driving cap in {time_limit_s:g} s)")
        meta = dict(status="INFEASIBLE", solve_s=round(time.monotonic() - t0, 2),
                    solver="OR-Tools CP-SAT: no plan under the driving cap found")
        return assemble(problem, matrix, [], {}, [], **meta)
    obj = float(solver.Value(objective))
    capped = max_driving_s is not None
    achieved = float(solver.Value(primary)) if lexicographic or capped else float(solver.Value(phase1_obj))
    # the gap is proven for the phase-1 objective, measured on the plan returned
    gap = abs(bound - achieved) / max(1.0, abs(bound))
    status_name = "OPTIMAL" if phase1_optimal and gap < 1e-9 else "FEASIBLE"
    solve_s = time.monotonic() - t0
    name = status_name

    if max_driving_s is not None and fallback is not None:  # never worse than the plan under the cap we had
        fb = fallback.indicators
        if (-len(fallback.unserved), fb["priority_demand_served"]) > (
                -int(sum(solver.Value(u_) for u_ in uncovered)), int(solver.Value(served_expr))):
            return _as_fallback(problem, matrix, fallback, t0, seed, deterministic,
                                "greedy plan (CP-SAT found no better plan under the driving cap in time)")

    # --- read the plan ------------------------------------------------------------------------------------
    sessions = []
    for k_, v in x.items():
        if solver.BooleanValue(v):
            c = cands[k_]
            unit = problem.unit(c.unit_id)
            sessions.append(Session(c.unit_id, c.day, c.half, c.premises_id, c.start_min, c.end_min,
                                    tuple(mm.id for mm in unit.members_on(c.day)), dict(c.capacity)))
    nights = {}
    for (uid, d), lits in night.items():
        for pl, lit in lits.items():
            if lit is True or solver.BooleanValue(lit):
                nights[(uid, d)] = pl
    allocations = [Allocation(p, insee, k, int(solver.Value(f)))
                   for (p, insee, k), f in sorted(flows.items()) if solver.Value(f) > 0]
    better = _allocate_fair(problem, matrix, sessions, allocations, seed=seed, deterministic=deterministic,
                            time_limit_s=max(0.2, min(3.0, left())))
    if better is not None:  # same sessions, a fairer split of their consultations
        allocations, new_fair, new_served = better
        delta = (w.fairness * 60 * (new_fair - solver.Value(fairness))
                 + w.demand * 60 * (new_served - solver.Value(served_expr)))
        obj += delta
        achieved += delta
        gap = abs(bound - achieved) / max(1.0, abs(bound))
        solve_s = time.monotonic() - t0
    mode = "lexicographic" if lexicographic else "weighted"
    cap = f", driving <= {max_driving_s / 3600:.2f} h" if max_driving_s is not None else ""
    workers = "1 worker, deterministic" if deterministic else f"{num_workers} workers"
    return assemble(problem, matrix, sessions, nights, allocations, status=name,
                    objective=achieved if lexicographic or capped else obj, bound=bound, gap=round(gap, 6),
                    solve_s=round(solve_s, 2),
                    solver=f"OR-Tools CP-SAT ({workers}, seed {seed}, {mode}{cap}; {'; '.join(phases)})")


def _allocate_fair(problem: RotationProblem, matrix: TravelMatrix, sessions: list[Session],
                   allocations: list[Allocation], *, seed: int, deterministic: bool, time_limit_s: float):
    """Re-split the chosen sessions' consultations between communes in reach: as many served as now, the
    least-covered commune's share (whole percentage points, as in the model) as high as possible. Returns
    (allocations, share points, consultations served) when it gains, else None. Small: only the flows of
    the chosen sessions."""
    reach = communes_reach(problem, matrix)
    need = {(c.insee, k): c.demand.get(k, 0) for c in problem.communes for k in DISCIPLINES}
    cap: dict[tuple[str, str], int] = defaultdict(int)
    for s in sessions:
        for k, n in s.capacity.items():
            cap[(s.premises_id, k)] += n
    m = cp_model.CpModel()
    flows = {}
    for (p, k), n in cap.items():
        outs = []
        for insee, ps in reach.items():
            if p in ps and need.get((insee, k), 0) > 0 and n > 0:
                flows[(p, insee, k)] = m.NewIntVar(0, min(n, need[(insee, k)]), "")
                outs.append(flows[(p, insee, k)])
        if outs:
            m.Add(sum(outs) <= n)
    by_ck = defaultdict(list)
    by_c = defaultdict(list)
    for (p, insee, k), f in flows.items():
        by_ck[(insee, k)].append(f)
        by_c[insee].append(f)
    for (insee, k), fs in by_ck.items():
        m.Add(sum(fs) <= need[(insee, k)])
    needy = [c for c in problem.communes if c.total_demand > 0]
    current = {}
    for a in allocations:
        current[a.insee] = current.get(a.insee, 0) + a.consultations
    old_min = min((100 * current.get(c.insee, 0) // c.total_demand for c in needy), default=100)
    if not needy or any(c.insee not in by_c for c in needy):
        return None  # a commune in need without any session in reach: its share is 0 whatever the split
    fairness = m.NewIntVar(0, 100, "")
    for c in needy:
        m.Add(c.total_demand * fairness <= 100 * sum(by_c[c.insee]))
    m.Add(sum(flows.values()) >= sum(a.consultations for a in allocations))  # never fewer served
    m.Maximize(1000 * fairness + sum(flows.values()))
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
    old_served = sum(a.consultations for a in allocations)
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    new_fair, new_served = int(solver.Value(fairness)), int(solver.Value(sum(flows.values())))
    if new_fair <= old_min and new_served <= old_served:
        return None
    out = [Allocation(p, insee, k, int(solver.Value(f))) for (p, insee, k), f in sorted(flows.items())
           if solver.Value(f) > 0]
    return out, new_fair, new_served


def _as_fallback(problem: RotationProblem, matrix: TravelMatrix, plan: RotationSolution, t0: float, seed: int,
                 deterministic: bool, note: str) -> RotationSolution:
    """The greedy plan returned as the answer, its consultations split fairly between communes in reach."""
    better = _allocate_fair(problem, matrix, list(plan.sessions), list(plan.allocations), seed=seed,
                            deterministic=deterministic, time_limit_s=1.0)
    if better is not None:
        nights = {(d.unit_id, d.day): d.night_place for d in plan.days}
        plan = assemble(problem, matrix, list(plan.sessions), nights, better[0])
    return replace(plan, status="FEASIBLE", solve_s=round(time.monotonic() - t0, 2), solver=note)


def _ub(m: cp_model.CpModel, var: cp_model.IntVar) -> int:
    return int(m.Proto().variables[var.Index()].domain[-1])


def _driving_s(solution: RotationSolution) -> int:
    return sum(d.driving_s for d in solution.days)


def _add_hint(m, matrix, problem, hint, x, work, night, leg_vars, flows, flow_ub, uncovered_keys,
              fairness, held) -> None:
    """Hint every variable from a plan (sessions, nights, legs, flows), so CP-SAT starts from it at once."""
    sessions = {(s.unit_id, s.day, s.half): s for s in hint.sessions
                if (s.unit_id, s.day, s.half, s.premises_id) in x}
    for k_, v in x.items():
        s = sessions.get(k_[:3])
        m.AddHint(v, 1 if s is not None and s.premises_id == k_[3] else 0)
    for key, b in work.items():
        m.AddHint(b, 1 if key in sessions else 0)
    nights = {(d.unit_id, d.day): d.night_place for d in hint.days}
    for (uid, d), lits in night.items():
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
            if end not in night.get((u.id, d), {u.base_id: True}):
                end = u.base_id
            if (u.id, d) in leg_vars:
                stops = [sessions[(u.id, d, h)].premises_id for h in ("am", "pm") if (u.id, d, h) in sessions]
                leg1, mid, leg3, direct = leg_vars[(u.id, d)]
                m.AddHint(leg1, matrix.time_s(prev, stops[0]) if stops else 0)
                m.AddHint(mid, matrix.time_s(stops[0], stops[1]) if len(stops) == 2 else 0)
                m.AddHint(leg3, matrix.time_s(stops[-1], end) if stops else 0)
                m.AddHint(direct, matrix.time_s(prev, end) if not stops and prev != end else 0)
            prev = end
    given = {(a.premises_id, a.insee, a.discipline): a.consultations for a in hint.allocations}
    served: dict[str, int] = defaultdict(int)
    for key, f in flows.items():
        val = min(given.get(key, 0), flow_ub[key])
        m.AddHint(f, val)
        served[key[1]] += val
    reach_days = defaultdict(set)
    for s in sessions.values():
        reach_days[s.premises_id].add(s.day)
    periods = dict(problem.periods())
    from planner.rotations.reach import communes_reach

    reach = communes_reach(problem, matrix)
    for (pid, label), lit in held.items():
        m.AddHint(lit, 1 if reach_days[pid] & set(periods[label]) else 0)
    for (label, insee), lit in uncovered_keys.items():
        days = set(periods[label])
        covered = any(reach_days[p] & days for p in reach.get(insee, ()))
        m.AddHint(lit, 0 if covered else 1)
    shares = [100 * served[c.insee] // c.total_demand for c in problem.communes if c.total_demand > 0]
    m.AddHint(fairness, min(shares) if shares else 0)
