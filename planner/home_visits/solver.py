"""The home-visit solver: choose visit days, then route each day's doctors and nurses (a decomposition).

(a) `calendar.plan_days` places every required visit on a day of its window, balancing each role's daily
    capacity, preferring days when the preferred doctor/nurse works and days with visits nearby;
(b) each day is routed in one model holding every caregiver who works that day, whatever their role
    (roles are data: a stop may only go to caregivers of its role; a psychologist is one more role in the
    staff list). A joint visit is one stop per role tied by a synchronisation (planner/home_visits/sync.py),
    so the search places both caregivers together; the routing core's entry point (planner.routing_engine)
    gives such days to its ruin-and-recreate search (planner.routing_engine_lns), the others to OR-Tools.
    Continuity: a visit is offered only to the preferred caregiver of the role when that person works
    that day and can hold it; it is opened to every colleague of the role when it is retried. Workload:
    each caregiver's fair share of the day's visits of their role (in proportion to working minutes) is a
    soft bound, every visit above it costs BALANCE_COST_S (planner/home_visits/workload.py reports the
    spread over the horizon);
(b') a move pass: visits whose detour costs more (matrix estimate) than inserting them into a round of the
    same role on another allowed day move there, and the changed days are routed again (measured on the
    demo: about 5 % less driving at the same number of visits);
(c) visits a day cannot hold move to another allowed day (spacing with their neighbours kept); what still
    cannot be placed is unscheduled with the rule that blocks it, in French;
(d) the remaining time polishes each day's routes from the current ones (joint visits still tied).

Deterministic for a given seed with `deterministic=True` (greedy descents that end at a local optimum) or
when each search is bounded by `solution_limit` before its time share; with guided local search and only
a time limit, how far each day's search goes depends on the machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

from planner.core.errors import InputError
from planner.home_visits.calendar import (
    Availability, Calendar, Demand, allowed_range, availability, day_break, days_between, fr_day, plan_days,
    staff_can, visit_window,
)
from planner.home_visits.model import (
    ROLE_LABELS_FR, HomeVisitProblem, HomeVisitSolution, PlannedVisit, Route, RouteStop, Staff,
    UnscheduledVisit,
)
from planner.home_visits import sync
from planner.home_visits.workload import fairness
from planner.routing import Break, RoutingProblem, Stop, Vehicle
from planner.routing_engine import solve_routing
from planner.routing_ortools import SearchOptions
from planner.core.travel import UNREACHABLE, TravelMatrix, travel_record

Progress = Callable[[str, float], None]  # (what is being done, fraction of the work done 0..1)
Hints = dict[tuple[str, int], tuple[date, tuple[str, ...]]]  # previous day and staff of a visit (re-plan)

DROP_PENALTY_S = 4 * 3600  # cost of leaving out a visit of priority 1, in seconds of driving
NEAR_S = 12 * 60  # two patients are "near" (worth visiting the same day) within 12 minutes' drive
RETRY_ROUNDS = 5
MOVE_PASS = 1  # passes moving costly detours to days whose rounds pass nearby, after the first routing
MOVE_SHARE = 0.15  # of the time limit, for re-routing the days changed by that pass
BALANCE_COST_S = 15 * 60  # each visit above a caregiver's fair share of the day costs 15 minutes' driving
LNS_ITERATIONS = 400  # work limit of a day's search with joint visits when the plan must be reproducible


@dataclass
class _Day:
    """The routes of one day by staff id (only staff who go out)."""

    routes: dict[str, Route]
    dropped: dict[tuple[str, int], str]  # visit key -> stage that dropped it ("doctor", "nurse", "joint")
    cost: int = 0


def check_matrix_covers(problem: HomeVisitProblem, matrix: TravelMatrix) -> None:
    """Every place of the problem must be in the matrix: name the first patient or staff that is not."""
    known = set(matrix.ids)
    for p in problem.patients:
        if p.place_id not in known:
            raise InputError(f"patient {p.id} is not in the travel matrix", source="matrix", field="id")
    for s in problem.staff:
        for pid in {s.start_place_id, s.end_place_id}:
            if pid not in known:
                raise InputError(f"staff {s.id}: place {pid} is not in the travel matrix", source="matrix",
                                 field="id")


class _Solver:
    def __init__(self, problem: HomeVisitProblem, matrix: TravelMatrix, time_limit_s: float, seed: int,
                 progress: Progress | None, solution_limit: int | None, hints: Hints | None,
                 deterministic: bool = False) -> None:
        check_matrix_covers(problem, matrix)
        # A greedy descent stops at a local optimum, not at the clock: the same plan on any machine.
        self.options = SearchOptions(metaheuristic="greedy_descent") if deterministic else None
        self.iterations = LNS_ITERATIONS if (deterministic or solution_limit is not None) else None
        self.problem, self.matrix, self.seed = problem, matrix, seed
        self.limit, self.solution_limit = time_limit_s, solution_limit
        self.progress = progress or (lambda what, frac: None)
        self.hints = hints or {}
        self.t0 = time.perf_counter()
        self.avail: Availability = availability(problem)
        self.staff = {s.id: s for s in problem.staff}

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def near(self, a: str, b: str) -> bool:
        m = self.matrix
        return m.time_s(a, b) <= NEAR_S

    # --- routing of one day ---------------------------------------------------------------------------
    def route_day(self, day: date, demands: list[Demand], relaxed: set[tuple[str, int]], limit_s: float,
                  previous: _Day | None = None) -> _Day:
        """Route every caregiver working on `day` in one model: a joint visit is one stop per role, tied
        (planner.home_visits.sync), so both caregivers are placed together by the search."""
        members = [s for s in self.problem.staff if self.avail.working(s, day) is not None]
        if not demands:
            return _Day({}, {})
        ids: list[str] = []
        for s in members:
            for pid in (s.start_place_id, s.end_place_id):
                if pid not in ids:
                    ids.append(pid)
        for d in demands:
            if d.patient.place_id not in ids:
                ids.append(d.patient.place_id)
        sub = self.matrix.sub(ids)
        node = {pid: k for k, pid in enumerate(ids)}
        vehicles = []
        for s in members:
            span = self.avail.working(s, day)
            pause = day_break(s, span)
            breaks = (Break(pause[0] * 60, pause[1] * 60, pause[2] * 60),) if pause else ()
            vehicles.append(Vehicle(s.id, node[s.start_place_id], node[s.end_place_id], span.start_min * 60,
                                    span.end_min * 60, s.max_driving_min * 60, s.max_visits_per_day, breaks,
                                    tag=s.role))
        stops, syncs, part_of = [], [], {}
        for d in demands:
            p = d.patient
            roles = d.roles
            dur = max(p.duration_min(r, d.joint) for r in roles) * 60
            windows = ((p.window.start_min * 60, p.window.end_min * 60 - dur),) if p.window else ()
            penalty = DROP_PENALTY_S * p.priority * len(roles)
            if d.pin is not None:  # held by the planner: its start and caregivers, and never dropped lightly
                penalty *= 10
                if d.pin.start_s is not None:
                    windows = ((d.pin.start_s, d.pin.start_s),)
            for sid, role in sync.parts(d.key, roles, d.joint):
                allowed = [s.id for s in members
                           if s.role == role and staff_can(s, self.avail.working(s, day), p, d.joint, role)]
                pref = next((x for x in d.previous_staff if x in self.staff and self.staff[x].role == role), None)
                pref = pref or p.preferred(role)
                named = [x for x in d.pin.staff_ids if self.staff[x].role == role] if d.pin is not None else []
                if named:
                    allowed = [x for x in allowed if x in named]
                elif pref in allowed and d.key not in relaxed:
                    allowed = [pref]
                stops.append(Stop(sid, node[p.place_id], dur, windows, tuple(allowed), penalty))
                part_of[sid] = (d, role)
            if d.joint:
                syncs += sync.ties(d.key, roles)
        rp = RoutingProblem(sub.seconds, sub.metres, tuple(vehicles), tuple(stops), syncs=tuple(syncs),
                            count_target=self._count_targets(day, members, demands),
                            count_cost=BALANCE_COST_S)
        init = None
        if previous is not None:
            init = [[sync.stop_id((st.patient_id, st.visit_index), st.role if st.joint else None)
                     for st in previous.routes[v.id].stops] if v.id in previous.routes else []
                    for v in vehicles]
        sol = solve_routing(rp, time_limit_s=max(0.05, limit_s), seed=self.seed, initial=init,
                            solution_limit=self.solution_limit, options=self.options,
                            iterations=self.iterations)
        routes = {}
        for r in sol.routes:
            if not r.visits:
                continue
            s = self.staff[r.vehicle_id]
            stops_out = []
            for v in r.visits:
                d, role = part_of[v.stop_id]
                stops_out.append(RouteStop(d.patient.id, d.index, role, d.joint, v.arrival_s, v.start_s,
                                           v.end_s, v.travel_s, v.travel_m))
            last = node[part_of[r.visits[-1].stop_id][0].patient.place_id]
            back_s = int(sub.seconds[last, node[s.end_place_id]])
            back_m = int(sub.metres[last, node[s.end_place_id]])
            bs, be = (r.breaks[0] if r.breaks else (None, None))
            routes[s.id] = Route(s.id, day, r.start_s, r.end_s, tuple(stops_out), back_s, back_m, bs, be)
        dropped = {}
        for x in sol.dropped:
            d, role = part_of[x]
            dropped[d.key] = "joint" if d.joint else role
        return _Day(routes, dropped, sol.objective if sol.found else 0)

    def _count_targets(self, day: date, members: list[Staff], demands: list[Demand]) -> tuple[int, ...]:
        """Workload balance of the day: each caregiver's fair share of the visits of their role, in
        proportion to their working minutes that day (each visit above it costs BALANCE_COST_S)."""
        need: dict[str, int] = {}
        for d in demands:
            for r in d.roles:
                need[r] = need.get(r, 0) + 1
        minutes = {m.id: self.avail.working(m, day).end_min - self.avail.working(m, day).start_min for m in members}
        out = []
        for s in members:
            total = sum(minutes[m.id] for m in members if m.role == s.role) or 1
            out.append(-(-need.get(s.role, 0) * minutes[s.id] // total))
        return tuple(out)

    # --- the whole horizon ----------------------------------------------------------------------------
    def run(self) -> HomeVisitSolution:
        problem = self.problem
        self.progress("choix des jours de visite", 0.0)
        cal = Calendar(problem, self.avail, self.near, self.seed, matrix=self.matrix)
        demands = plan_days(problem, cal, self.hints)
        by_key = {d.key: d for d in demands}
        unreachable = self._unreachable(demands)
        for d in demands:
            if d.key in unreachable and d.day is not None:
                cal.unplace(d)
                d.reason = unreachable[d.key]
        days = problem.horizon.dates()
        busy = [day for day in days if any(d.day == day for d in demands)]
        t_calendar = self.elapsed()
        first_budget = 0.4 * self.limit
        per_day = max(0.1, (first_budget - t_calendar) / max(1, len(busy)))
        results: dict[date, _Day] = {}
        relaxed: set[tuple[str, int]] = set()
        for k, day in enumerate(busy):
            self.progress(f"tournées du {fr_day(day)}", 0.1 + 0.4 * k / max(1, len(busy)))
            results[day] = self.route_day(day, [d for d in demands if d.day == day], relaxed, per_day)
        first_feasible_s = self.elapsed()
        for _ in range(MOVE_PASS):
            self._move_far_visits(demands, by_key, cal, results, relaxed)

        tried: dict[tuple[str, int], set[date]] = {}
        for rnd in range(RETRY_ROUNDS):
            dropped = [by_key[k] for day in results for k in results[day].dropped]
            if not dropped:
                break
            self.progress(f"nouvel essai de {len(dropped)} visites", 0.5 + 0.1 * rnd)
            touched: set[date] = set()
            for d in sorted(dropped, key=lambda d: (-d.patient.priority, d.key)):
                results[d.day].dropped.pop(d.key, None)
                if d.pin is not None:  # a pinned visit never moves: it stays out, and says why
                    cal.unplace(d)
                    d.reason = _pin_lost(d)
                    continue
                if d.key in relaxed or not self._restricted(d):
                    tried.setdefault(d.key, set()).add(d.day)  # a day is spent once every colleague was offered
                else:
                    tried.setdefault(d.key, set())
                relaxed.add(d.key)
                cal.unplace(d)
                lo, hi = allowed_range(d, by_key, problem.horizon.start)
                day = cal.best_day(d, lo, hi, exclude=tried[d.key]) if rnd < RETRY_ROUNDS - 1 else None
                if day is None:
                    d.reason = self._reason(d, lo, hi, cal, tried[d.key])
                    continue
                cal.place(d, day)
                touched.add(day)
            remaining = max(0.3 * len(touched), (0.65 * self.limit - self.elapsed()) / (RETRY_ROUNDS - 1 - rnd or 1))
            for k, day in enumerate(sorted(touched)):
                share = remaining / max(1, len(touched) - k)
                t1 = time.perf_counter()
                results[day] = self.route_day(day, [d for d in demands if d.day == day], relaxed, share)
                remaining -= time.perf_counter() - t1
        for day in results:
            for k in list(results[day].dropped):
                d = by_key[k]
                cal.unplace(d)
                lo, hi = allowed_range(d, by_key, problem.horizon.start)
                d.reason = _pin_lost(d) if d.pin is not None else self._reason(d, lo, hi, cal, tried.get(k, {day}))
            results[day].dropped.clear()

        demands = self._normalise(demands, cal)

        # Polish: re-solve each day from its current routes with the remaining time; keep it if better.
        left = self.limit - self.elapsed()
        if left > 1.0 and results:
            order = sorted(results)
            for k, day in enumerate(order):
                self.progress(f"amélioration du {fr_day(day)}", 0.7 + 0.3 * k / len(order))
                share = (self.limit - self.elapsed()) / max(1, len(order) - k)
                if share < 0.2:
                    break
                cur = results[day]
                todo = [d for d in demands if d.day == day]
                cand = self.route_day(day, todo, relaxed, share, previous=cur)
                if not cand.dropped and _travel(cand) < _travel(cur):
                    results[day] = cand
        self.progress("terminé", 1.0)
        return self._solution(demands, results, first_feasible_s)

    def _normalise(self, demands: list[Demand], cal: Calendar) -> list[Demand]:
        """Re-walk each patient's chain of visits from the final days (the checker's rule): windows are
        refreshed, visits that became due are added as unscheduled, unplanned visits that may fall after
        the horizon are left to the next plan."""
        h = self.problem.horizon
        by_patient: dict[str, dict[int, Demand]] = {}
        for d in demands:
            by_patient.setdefault(d.patient.id, {})[d.index] = d
        out: list[Demand] = []
        for p in self.problem.patients:
            mine = by_patient.get(p.id, {})
            prev, n = p.last_visit, 1
            while n <= 60:
                w = visit_window(p, prev, n == 1, h.start)
                d = mine.get(n)
                if d is not None and d.day is not None:
                    d.window = w
                    out.append(d)
                    prev = d.day
                elif w.earliest > h.end or w.latest > h.end:
                    break
                else:
                    if d is None:
                        d = Demand(p, n, p.role_of(n), p.joint.is_joint(n), w)
                        d.reason = self._reason(d, w.earliest, w.latest, cal, set())
                    d.window = w
                    out.append(d)
                    prev = w.earliest
                n += 1
            # planned visits beyond the chain's end stay planned (an extra visit is never harmful)
            out += [d for k, d in mine.items() if d.day is not None and d not in out]
        return out

    def _move_far_visits(self, demands: list[Demand], by_key, cal: Calendar, results: dict[date, _Day],
                         relaxed: set[tuple[str, int]]) -> None:
        """Visits whose detour costs more than inserting them into a round of another allowed day move there.

        Estimates use the matrix only (removal saving vs cheapest insertion between two stops of a route
        of the same role); the changed days are routed again, and a visit the new day cannot hold goes
        through the usual retry."""
        m = self.matrix
        legs: dict[tuple[str, date], list[tuple[str, str]]] = {}
        saving: dict[tuple[str, int], int] = {}
        for day, res in results.items():
            for r in res.routes.values():
                s = self.staff[r.staff_id]
                seq = [s.start_place_id] + [st.patient_id for st in r.stops] + [s.end_place_id]
                legs.setdefault((s.role, day), []).extend(zip(seq, seq[1:]))
                for k, st in enumerate(r.stops):
                    a, v, b = seq[k], seq[k + 1], seq[k + 2]
                    gain = m.time_s(a, v) + m.time_s(v, b) - m.time_s(a, b)
                    key = (st.patient_id, st.visit_index)
                    saving[key] = max(saving.get(key, 0), gain) if not st.joint else 0
        touched: set[date] = set()
        moved = 0
        for key, gain in sorted(saving.items(), key=lambda kv: -kv[1]):
            d = by_key.get(key)
            if (d is None or d.day is None or d.joint or gain < 10 * 60 or d.previous_day is not None
                    or d.pin is not None):
                continue
            lo, hi = allowed_range(d, by_key, self.problem.horizon.start)
            best, best_cost = None, gain - 5 * 60  # worth a move only if it saves 5 minutes or more
            for day in cal.feasible_days(d, lo, hi):
                if day == d.day or cal.load[(d.role, day)] + 1 > cal.capacity[(d.role, day)]:
                    continue
                for a, b in legs.get((d.role, day), []):
                    c = m.time_s(a, d.patient.place_id) + m.time_s(d.patient.place_id, b) - m.time_s(a, b)
                    if c < best_cost:
                        best, best_cost = day, c
            if best is None:
                continue
            touched |= {d.day, best}
            cal.unplace(d)
            cal.place(d, best)
            moved += 1
        if not touched:
            return
        self.progress(f"{moved} visites déplacées vers des tournées voisines", 0.5)
        budget = MOVE_SHARE * self.limit
        for k, day in enumerate(sorted(touched)):
            share = max(0.1, budget / max(1, len(touched) - k))
            t1 = time.perf_counter()
            prev = results.get(day)
            results[day] = self.route_day(day, [x for x in demands if x.day == day], relaxed, share,
                                          previous=prev)
            budget -= time.perf_counter() - t1

    def _restricted(self, d: Demand) -> bool:
        """Was this visit offered to one person only (preferred or previous staff) on its day?"""
        p = d.patient
        return any(p.preferred(r) is not None for r in d.roles) or bool(d.previous_staff)

    def _unreachable(self, demands: list[Demand]) -> dict[tuple[str, int], str]:
        """Visits no staff member of the role can drive to and back from."""
        out = {}
        m = self.matrix
        for d in demands:
            for role in d.roles:
                members = [s for s in self.problem.staff if s.role == role]
                if members and all(m.time_s(s.start_place_id, d.patient.place_id) >= UNREACHABLE
                                   or m.time_s(d.patient.place_id, s.end_place_id) >= UNREACHABLE for s in members):
                    out[d.key] = (f"domicile injoignable par la route depuis la base de chaque "
                                  f"{_label(role)} (réseau routier)")
        return out

    def _reason(self, d: Demand, lo: date, hi: date, cal: Calendar, tried: set[date]) -> str:
        """Why a visit stays out after routing: the first rule that blocks it, for the coordinator."""
        p, m = d.patient, self.matrix
        if not cal.feasible_days(d, lo, hi) and not tried:
            return cal.why_no_day(d, lo, hi)
        for role in d.roles:
            members = [s for s in self.problem.staff if s.role == role]
            label = f"chaque {_label(role)}"
            if members and all(m.time_s(s.start_place_id, p.place_id) + m.time_s(p.place_id, s.end_place_id)
                               > s.max_driving_min * 60 for s in members):
                return f"hors de la limite de conduite de {label}"
            dur = p.duration_min(role, d.joint) * 60
            spans = [(s, self.avail.working(s, day)) for s in members for day in days_between(lo, hi)]
            if all(span is None or m.time_s(s.start_place_id, p.place_id) + dur + m.time_s(p.place_id, s.end_place_id)
                   > (span.end_min - span.start_min) * 60 for s, span in spans):
                return f"trop loin pour tenir dans la journée de travail de {label}"
        span = f"du {fr_day(max(lo, self.problem.horizon.start))} au {fr_day(min(hi, self.problem.horizon.end))}"
        if d.joint:
            return (f"visite en binôme : pas de créneau commun à {' et '.join(_label(r) for r in d.roles)} "
                    f"({span}), tournées complètes")
        who = _label(d.role)
        cut = [s.name for s in self.problem.staff if s.role in d.roles and any(
            (own := s.hours_on(day)) is not None and (legal := self.avail.working(s, day)) is not None
            and legal.end_min - legal.start_min < own.end_min - own.start_min for day in days_between(lo, hi))]
        if cut:
            return (f"tournées {who} complètes les jours possibles ({span}) : le temps de travail de "
                    f"{', '.join(sorted(set(cut)))} est limité par le Code du travail (10 h par jour, 11 h de "
                    "repos, 48 h par semaine)")
        return f"tournées {who} complètes les jours possibles ({span}) : capacité ou horaires insuffisants"

    def _solution(self, demands: list[Demand], results: dict[date, _Day], first_feasible_s: float) -> HomeVisitSolution:
        routes = tuple(r for day in sorted(results) for sid, r in sorted(results[day].routes.items()))
        who: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for r in routes:
            for s in r.stops:
                who.setdefault((s.patient_id, s.visit_index), []).append((r.staff_id, s.start_s))
        visits, unscheduled = [], []
        for d in sorted(demands, key=lambda d: d.key):
            if d.key in who and d.day is not None:
                staff_ids = tuple(sorted(x for x, _ in who[d.key]))
                visits.append(PlannedVisit(d.patient.id, d.index, d.day, d.role, d.joint, staff_ids,
                                           min(t for _, t in who[d.key]), d.window.due, True))
            else:
                unscheduled.append(UnscheduledVisit(d.patient.id, d.index, d.role, d.joint, d.window.earliest,
                                                    d.window.latest, d.reason or "non planifiée"))
        visits = _recompute_on_time(self.problem, visits)
        sol = HomeVisitSolution(routes, tuple(visits), tuple(unscheduled))
        return HomeVisitSolution(sol.routes, sol.visits, sol.unscheduled, indicators(self.problem, sol),
                                 {"solver": "calendar greedy + one routing model per day, joint visits tied (planner.routing_engine)",
                                  "seed": self.seed, "time_limit_s": self.limit,
                                  "first_feasible_s": round(first_feasible_s, 2),
                                  "wall_s": round(self.elapsed(), 2)})


def _recompute_on_time(problem: HomeVisitProblem, visits: list[PlannedVisit]) -> list[PlannedVisit]:
    """On time = inside due ± tolerance, due counted from the previous visit actually planned (or the last
    visit before the horizon); a visit after an unplanned one is counted late."""
    from dataclasses import replace

    from planner.home_visits.calendar import visit_window

    out: list[PlannedVisit] = []
    for v in sorted(visits, key=lambda v: (v.patient_id, v.visit_index)):
        p = problem.patient(v.patient_id)
        if v.visit_index == 1:
            w = visit_window(p, p.last_visit, True, problem.horizon.start)
        elif _consecutive(out, v):
            w = visit_window(p, out[-1].day, False, problem.horizon.start)
        else:
            out.append(replace(v, on_time=False))
            continue
        out.append(replace(v, due=w.due, on_time=w.on_time_from <= v.day <= w.on_time_to))
    return out


def _consecutive(done: list[PlannedVisit], v: PlannedVisit) -> bool:
    return bool(done) and done[-1].patient_id == v.patient_id and done[-1].visit_index == v.visit_index - 1


def _pin_lost(d: Demand) -> str:
    who = ", ".join(d.pin.staff_ids) or "l'équipe"
    at = f" à {d.pin.start_s // 3600:02d}h{d.pin.start_s % 3600 // 60:02d}" if d.pin.start_s is not None else ""
    return (f"visite épinglée le {fr_day(d.pin.day)}{at} avec {who} : la tournée de ce jour ne peut pas la "
            "tenir (horaires, pause, limite de conduite ou nombre de visites) ; déplacez ou désépinglez-la")


def _label(role: str) -> str:
    return ROLE_LABELS_FR.get(role, role)


def _travel(day: _Day) -> int:
    return sum(r.travel_s for r in day.routes.values())


def indicators(problem: HomeVisitProblem, sol: HomeVisitSolution) -> dict:
    """Visits planned/required, on time, continuity kept, driving per staff member, workload balance."""
    planned, unplanned = len(sol.visits), len(sol.unscheduled)
    required = planned + unplanned
    pref_total = pref_kept = 0
    role_of = {s.id: s.role for s in problem.staff}
    for v in sol.visits:
        p = problem.patient(v.patient_id)
        for role in (tuple(dict.fromkeys(role_of[x] for x in v.staff_ids)) if v.joint else (v.role,)):
            pref = p.preferred(role)
            if pref is not None:
                pref_total += 1
                pref_kept += pref in v.staff_ids
    drive: dict[str, int] = {s.id: 0 for s in problem.staff}
    count: dict[str, int] = {s.id: 0 for s in problem.staff}
    km: dict[str, float] = {s.id: 0.0 for s in problem.staff}
    for r in sol.routes:
        drive[r.staff_id] += r.travel_s
        km[r.staff_id] += r.travel_m / 1000
        count[r.staff_id] += len(r.stops)
    balance = {}
    for role in dict.fromkeys(s.role for s in problem.staff):
        xs = [count[s.id] for s in problem.staff if s.role == role]
        if xs:
            mean = sum(xs) / len(xs)
            balance[role] = {"min": min(xs), "max": max(xs), "mean": round(mean, 1)}
    return {
        "visits_required": required,
        "visits_planned": planned,
        "visits_unscheduled": unplanned,
        "joint_visits_planned": sum(1 for v in sol.visits if v.joint),
        "on_time": sum(1 for v in sol.visits if v.on_time),
        "on_time_rate": round(sum(1 for v in sol.visits if v.on_time) / planned, 3) if planned else 1.0,
        "continuity_rate": round(pref_kept / pref_total, 3) if pref_total else 1.0,
        "driving_hours_total": round(sum(drive.values()) / 3600, 2),
        "driving_km_total": round(sum(km.values()), 1),
        "driving_hours_by_staff": {k: round(v / 3600, 2) for k, v in drive.items()},
        "visits_by_staff": count,
        "workload_balance": balance,
        "workload_fairness": fairness(problem, sol),
    }


def solve(problem: HomeVisitProblem, matrix: TravelMatrix, *, time_limit_s: float = 20.0, seed: int = 0,
          progress: Progress | None = None, solution_limit: int | None = None,
          hints: Hints | None = None, deterministic: bool = True) -> HomeVisitSolution:
    """Plan every required visit of the horizon; pure: reads the problem and matrix, returns a solution.

    `hints` (used by re-planning) gives the previous day and staff of visits, preferred when possible.
    `deterministic` (the default): the day choice is iteration-limited and each day's search is a greedy descent that ends at a local optimum rather than at
    the clock, so a seed gives the same plan on any machine (when each descent ends within its time
    share); otherwise guided local search uses all the time given (better plans, machine-dependent).
    """
    sol = _Solver(problem, matrix, time_limit_s, seed, progress, solution_limit, hints, deterministic).run()
    return replace(sol, travel=travel_record(matrix))
