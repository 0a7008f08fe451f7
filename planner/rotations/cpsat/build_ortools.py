"""Build the rotation's CP-SAT model: which premises each unit consults at on each half-day, where it sleeps.

Variables: x[u,d,h,p] (unit u holds a session at premises p on day d, half-day h), nights n[u,d,l] for
units allowed to sleep away, integer flows f[p,c,k] (consultations of discipline k at premises p given to
commune c, within reach, each using up `uptake_costs` hundredths of the commune's need). Day driving is
exact: legs start -> first session -> second -> night place, as enforced linear bounds. Objective terms
(maximised, in seconds-of-driving units; `primary` is everything but driving):
  - unserved_commune * 60 * (communes in need without a session in reach, per coverage period)
  + demand * 60 * (priority consultations served)
  + commune_share * 60 * (each commune's share of its need met, percentage points, concave: 3x below 50 %,
    2x to 80 %, 1x above), so the least served communes gain first and the term never saturates while need
    is left
  + fairness * 60 * (least-covered commune's share, percentage points)
  - driving seconds
  - change * 60 * (half-days changed from a published plan, when re-planning).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from planner.rotations.assemble import in_need
from planner.rotations.candidates import Candidate, ceil_min, unit_candidates
from planner.rotations.cpsat.params import SolveParams
from planner.rotations.model import DISCIPLINES, RotationProblem
from planner.rotations.reach import communes_reach, uptake_costs
from planner.rotations.workdays import LEG_SLACK_S, crew_profile
from planner.core.travel import TravelMatrix

SHARE_SEGMENTS = ((50, 3), (30, 2), (20, 1))  # (percentage points, weight multiplier): concave utility


@dataclass
class RotationModel:
    """The CP-SAT model and the variables the phases and the reader need."""

    m: cp_model.CpModel
    cands: dict[tuple[str, date, str, str], Candidate]
    x: dict = field(default_factory=dict)  # (u, d, h, p) -> session literal
    slot: dict = field(default_factory=lambda: defaultdict(list))  # (u, d, h) -> [(p, literal)]
    work: dict = field(default_factory=dict)  # (u, d, h) -> "a session this half-day"
    night: dict = field(default_factory=dict)  # (u, d) -> {place: literal or True}
    leg_vars: dict = field(default_factory=dict)  # (u, d) -> (leg1, mid, leg3, direct)
    day_work: dict = field(default_factory=dict)  # (u, d) -> seconds of work (sessions and driving)
    drive_terms: list = field(default_factory=list)
    flows: dict = field(default_factory=dict)  # (p, insee, k) -> consultations
    flow_ub: dict = field(default_factory=dict)
    uncovered: list = field(default_factory=list)
    uncovered_keys: dict = field(default_factory=dict)  # (period label, insee) -> literal
    held: dict = field(default_factory=dict)  # (premises, period label) -> literal
    shares: dict = field(default_factory=dict)  # insee -> share of its need met (points)
    fairness: cp_model.IntVar | None = None
    change_terms: list = field(default_factory=list)
    share_expr: object = 0
    served_expr: object = 0
    drive_expr: object = 0
    change_expr: object = 0
    primary: object = 0
    objective: object = 0


def build_model(problem: RotationProblem, matrix: TravelMatrix, prm: SolveParams) -> RotationModel:
    """Every constraint of a rotation plan, and the objective terms (not yet set as the objective)."""
    rm = RotationModel(cp_model.CpModel(), {})
    _sessions(rm, problem, matrix, prm)
    _days(rm, problem, matrix, prm)
    _weeks(rm, problem)
    _regular(rm, problem)
    _demand(rm, problem, matrix)
    _changes(rm, problem, prm)
    w = problem.weights
    rm.served_expr = sum(rm.flows.values())
    rm.drive_expr = sum(rm.drive_terms)
    rm.change_expr = sum(rm.change_terms)
    rm.primary = (w.demand * 60 * rm.served_expr + w.commune_share * 60 * rm.share_expr
                  + w.fairness * 60 * rm.fairness - w.unserved_commune * 60 * sum(rm.uncovered)
                  - w.change * 60 * rm.change_expr)
    rm.objective = rm.primary - w.driving_per_min * rm.drive_expr
    return rm


def _sessions(rm: RotationModel, problem: RotationProblem, matrix: TravelMatrix, prm: SolveParams) -> None:
    """Session literals (the past of a re-plan fixed as published), one per half-day, rooms shared."""
    m = rm.m
    ref_sessions = {(s.unit_id, s.day, s.half): s for s in (prm.reference.sessions if prm.reference else ())}
    for u in problem.units:
        for c in unit_candidates(problem, matrix, u):
            if not prm.frozen(c.day):
                rm.cands[(c.unit_id, c.day, c.half, c.premises_id)] = c
    for s in ref_sessions.values():  # the past stays as published
        if prm.frozen(s.day):
            rm.cands[(s.unit_id, s.day, s.half, s.premises_id)] = Candidate(
                s.unit_id, s.day, s.half, s.premises_id, s.start_min, s.end_min, dict(s.capacity))
    rm.x = {k: m.NewBoolVar(f"x_{k[0]}_{k[1]:%m%d}_{k[2]}_{k[3]}") for k in rm.cands}
    for k, v in rm.x.items():
        if prm.frozen(k[1]):
            m.Add(v == (1 if ref_sessions.get(k[:3]) and ref_sessions[k[:3]].premises_id == k[3] else 0))
        elif (pin := problem.pin(*k[:3])) is not None:  # held by hand: that premises, or no session
            m.Add(v == (1 if pin.premises_id == k[3] else 0))
    for k, v in rm.x.items():
        rm.slot[k[:3]].append((k[3], v))
    for key, items in rm.slot.items():
        b = m.NewBoolVar(f"w_{key[0]}_{key[1]:%m%d}_{key[2]}")
        m.Add(sum(v for _, v in items) == b)
        rm.work[key] = b
    at = defaultdict(list)  # rooms shared between units at the same premises
    for k, v in rm.x.items():
        at[(k[1], k[2], k[3])].append(v)
    rooms = {p.id: p.rooms for p in problem.premises}
    for (d, h, p), vs in at.items():
        if len(vs) > rooms.get(p, 1):
            m.Add(sum(vs) <= rooms.get(p, 1))


def _nights(rm: RotationModel, problem: RotationProblem, prm: SolveParams) -> None:
    """Night places: base on the last day, around rest days, else one of the unit's places; at most
    max_nights_away consecutive nights away."""
    m = rm.m
    ref_nights = {(d.unit_id, d.day): d.night_place for d in (prm.reference.days if prm.reference else ())}
    for u in problem.units:
        places = u.night_places()
        dates = u.dates
        for i, d in enumerate(dates):
            last = i == len(dates) - 1
            before_rest = not last and u.is_rest(dates[i + 1])
            if len(places) == 1 or last or u.is_rest(d) or before_rest:
                rm.night[(u.id, d)] = {u.base_id: True}
                continue
            lits = {pl: m.NewBoolVar(f"n_{u.id}_{d:%m%d}_{pl}") for pl in places}
            m.AddExactlyOne(lits.values())
            if prm.frozen(d) and (u.id, d) in ref_nights:
                for pl, lit in lits.items():
                    m.Add(lit == (1 if ref_nights[(u.id, d)] == pl else 0))
            rm.night[(u.id, d)] = lits
        if len(places) > 1:
            span = u.max_nights_away + 1
            for i in range(len(dates) - span + 1):
                base_lits = [rm.night[(u.id, dates[i + j])].get(u.base_id) for j in range(span)]
                if any(b is True for b in base_lits):
                    continue
                m.Add(sum(base_lits) >= 1)


def _days(rm: RotationModel, problem: RotationProblem, matrix: TravelMatrix, prm: SolveParams) -> None:
    """Each day's legs, the driving limit, arriving on time, and the crew's working time that day."""
    _nights(rm, problem, prm)
    m, night, slot, work, cands = rm.m, rm.night, rm.slot, rm.work, rm.cands
    for u in problem.units:
        dates = u.dates
        limit = u.max_driving_min * 60
        prof = crew_profile(u)
        pause_min = prof.break_min if prof.break_after_min is not None else 0
        for i, d in enumerate(dates):
            starts = night[(u.id, dates[i - 1])] if i else {u.base_id: True}
            ends = night[(u.id, d)]
            am = list(slot.get((u.id, d, "am"), []))
            pm = list(slot.get((u.id, d, "pm"), []))
            if not am and not pm and len(starts) == 1 and len(ends) == 1 and set(starts) == set(ends):
                continue
            w_am = work.get((u.id, d, "am"))
            w_pm = work.get((u.id, d, "pm"))
            leg1, mid, leg3, direct = (m.NewIntVar(0, limit, "") for _ in range(4))
            m.Add(leg1 + mid + leg3 + direct <= limit)
            rm.drive_terms += [leg1, mid, leg3, direct]
            rm.leg_vars[(u.id, d)] = (leg1, mid, leg3, direct)
            cand_am = {p: cands[(u.id, d, "am", p)] for p, _ in am}
            cand_pm = {q: cands[(u.id, d, "pm", q)] for q, _ in pm}
            # working time of the crew (planner.rotations.workdays states the same rules for the greedy)
            am_s = sum((cand_am[p].end_min - cand_am[p].start_min) * 60 * v for p, v in am)
            pm_s = sum((cand_pm[q].end_min - cand_pm[q].start_min) * 60 * v for q, v in pm)
            drive = leg1 + mid + leg3 + direct
            worked = m.NewBoolVar("")  # some session this day: its legs' rounding counts in the week
            for lit in (w_am, w_pm):
                if lit is not None:
                    m.AddImplication(lit, worked)
            rm.day_work[(u.id, d)] = am_s + pm_s + drive + LEG_SLACK_S * worked
            # the checker counts each leg in whole minutes rounded up: keep a minute per leg in hand
            if prof.max_day_min is not None:
                m.Add(am_s + pm_s + drive <= prof.max_day_min * 60 - LEG_SLACK_S)
            if prof.break_after_min is not None:
                after = prof.break_after_min * 60
                if am and pm:  # the pause comes between the sessions, before 6 hours of work
                    m.Add(leg1 + am_s <= after - 60).OnlyEnforceIf([w_am, w_pm])
                if am:
                    m.Add(am_s + drive <= after - LEG_SLACK_S).OnlyEnforceIf(
                        [w_am] + ([w_pm.Not()] if w_pm is not None else []))
                if pm:
                    m.Add(pm_s + drive <= after - LEG_SLACK_S).OnlyEnforceIf(
                        [w_pm] + ([w_am.Not()] if w_am is not None else []))
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


def _weeks(rm: RotationModel, problem: RotationProblem) -> None:
    """Weekly maximum of each crew's work."""
    for u in problem.units:
        cap = crew_profile(u).max_week_min
        if cap is None:
            continue
        weeks = defaultdict(list)
        for d in u.dates:
            if (u.id, d) in rm.day_work:
                weeks[d.isocalendar()[:2]].append(rm.day_work[(u.id, d)])
        for terms in weeks.values():
            rm.m.Add(sum(terms) <= cap * 60)  # each worked day with its LEG_SLACK_S, as the greedy counts


def _regular(rm: RotationModel, problem: RotationProblem) -> None:
    """Regular presence: same premises, same weekday and half-day each week."""
    for u in problem.units:
        if not (u.regular or problem.regular_presence):
            continue
        for d in u.dates:
            d7 = date.fromordinal(d.toordinal() + 7)
            if d7 > u.end:
                continue
            for h in ("am", "pm"):
                a = dict(rm.slot.get((u.id, d, h), []))
                b = dict(rm.slot.get((u.id, d7, h), []))
                if not a or not b:
                    continue  # a rest day or an absence breaks the week: nothing to repeat
                for p in set(a) | set(b):
                    rm.m.Add((a[p] if p in a else 0) == (b[p] if p in b else 0))


def _demand(rm: RotationModel, problem: RotationProblem, matrix: TravelMatrix) -> None:
    """Flows of consultations within reach and capacity, each commune's share, coverage per period."""
    m, x, cands = rm.m, rm.x, rm.cands
    reach = communes_reach(problem, matrix)
    cost = uptake_costs(problem, matrix)
    need = {(c.insee, k): c.demand.get(k, 0) for c in problem.communes for k in DISCIPLINES}
    cap_at = defaultdict(list)  # (p, k) -> [(cap, var)]
    for k_, v in x.items():
        for k, n in cands[k_].capacity.items():
            if n > 0:
                cap_at[(k_[3], k)].append((n, v))
    served_terms = defaultdict(list)
    for (p, k), items in cap_at.items():
        total_cap = sum(n for n, _ in items)
        outs = []
        for insee in (c for c, ps in reach.items() if p in ps):
            ub = min(100 * need[(insee, k)] // cost[(insee, p)], total_cap)
            if ub > 0:
                f = m.NewIntVar(0, ub, "")
                rm.flows[(p, insee, k)] = f
                rm.flow_ub[(p, insee, k)] = ub
                outs.append(f)
                served_terms[insee].append((k, p, f))
        if outs:
            m.Add(sum(outs) <= sum(n * v for n, v in items))
    # redundant, for the bound: consultations of a discipline never exceed what the half-days can hold
    for k in DISCIPLINES:
        fk = [f for (_, _, kk), f in rm.flows.items() if kk == k]
        if not fk:
            continue
        best = defaultdict(int)
        for k_ in x:
            best[k_[:3]] = max(best[k_[:3]], cands[k_].capacity.get(k, 0))
        m.Add(sum(fk) <= sum(n * rm.work[key] for key, n in best.items() if n > 0))
    served_total = {}
    for c in problem.communes:
        for k in DISCIPLINES:
            fs = [(p, f) for kk, p, f in served_terms.get(c.insee, []) if kk == k]
            if len(fs) > 1 or any(cost[(c.insee, p)] > 100 for p, _ in fs):  # the need, distance counted
                m.Add(sum(cost[(c.insee, p)] * f for p, f in fs) <= 100 * need[(c.insee, k)])
        fs_all = [f for _, _, f in served_terms.get(c.insee, [])]
        if fs_all:
            served_total[c.insee] = sum(fs_all)
    for label, period in problem.periods():
        pdays = set(period)
        by_p = defaultdict(list)
        for k_, v in x.items():
            if k_[1] in pdays:
                by_p[k_[3]].append(v)
        for pid, vs in by_p.items():
            h_ = m.NewBoolVar("")
            m.Add(h_ <= sum(vs))
            rm.held[(pid, label)] = h_
        for insee in in_need(problem):
            hs = [rm.held[(pid, label)] for pid in reach.get(insee, ()) if (pid, label) in rm.held]
            if hs:
                unc = m.NewBoolVar("")
                m.Add(sum(hs) + unc >= 1)
                rm.uncovered.append(unc)
                rm.uncovered_keys[(label, insee)] = unc
    rm.fairness = m.NewIntVar(0, 100, "min_share")
    coverable = [c for c in problem.communes if c.total_demand > 0 and c.insee in served_total]
    share_terms = []
    for c in coverable:
        m.Add(c.total_demand * rm.fairness <= 100 * served_total[c.insee])
        segs = [m.NewIntVar(0, width, "") for width, _ in SHARE_SEGMENTS]
        m.Add(c.total_demand * sum(segs) <= 100 * served_total[c.insee])
        rm.shares[c.insee] = segs
        share_terms += [mult * s for s, (_, mult) in zip(segs, SHARE_SEGMENTS)]
    rm.share_expr = sum(share_terms)
    if len(coverable) < len(in_need(problem)):
        m.Add(rm.fairness == 0)  # some commune cannot be served at all: its share is 0


def _changes(rm: RotationModel, problem: RotationProblem, prm: SolveParams) -> None:
    """Half-days changed from the published plan (re-planning)."""
    if prm.reference is None:
        return
    ref_sessions = {(s.unit_id, s.day, s.half): s for s in prm.reference.sessions}
    for u in problem.units:
        for d in u.dates:
            if prm.frozen(d):
                continue
            for h in ("am", "pm"):
                ref = ref_sessions.get((u.id, d, h))
                items = dict(rm.slot.get((u.id, d, h), []))
                if ref is None:
                    rm.change_terms += list(items.values())
                elif ref.premises_id in items:
                    rm.change_terms.append(1 - items[ref.premises_id])
                else:
                    rm.change_terms.append(1)


def share_points(problem: RotationProblem, served: dict[str, int]) -> tuple[int, int]:
    """(concave share score, least share) of a plan's consultations per commune, as the model counts them."""
    score, least = 0, 100
    for c in problem.communes:
        if c.total_demand <= 0:
            continue
        pts = 100 * served.get(c.insee, 0) // c.total_demand
        least = min(least, pts)
        left = pts
        for width, mult in SHARE_SEGMENTS:
            take = min(width, left)
            score += mult * take
            left -= take
    return score, least
