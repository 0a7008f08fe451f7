"""Which visits are due over the horizon, and on which day each falls (step (a) of the solver).

The days are chosen jointly with an estimate of the rounds (`plan_days`, by planner.home_visits.daychoice);
the calendar's capacity and greedy cost only serve to move a visit a day's routing could not hold.

Rules (shared by the solver and the checker):
- the first visit is due `frequency_days` after the last visit, within ± `tolerance_days`;
- a patient never visited is due from the horizon start, any day of the first period (start .. start+f-1);
- an overdue first visit (its latest day is before the horizon start) is caught up in the first
  max(tolerance, 6) days of the horizon and counted late;
- each next visit is due `frequency_days` after the day the previous one actually took place (or after the
  earliest day it could have taken place, when it could not be planned), within ± tolerance;
- a visit is required in this plan when its earliest day is inside the horizon; one whose window runs past
  the horizon's end may be left to the next plan (neither planned nor listed unscheduled);
- roles follow the patient's sequence, joint visits follow its joint rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from planner.core.french import WEEKDAYS_SHORT
from planner.core.hours import TimeRange
from planner.core.worktime import legal_spans
from planner.home_visits.daychoice import DayChoice, DayChoiceProblem, Entry, Item, Lane, Limits, Pattern
from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, Patient, Pin, Staff
from planner.core.travel import TravelMatrix

OVERDUE_CATCH_UP_DAYS = 6
NEAR_WEIGHT = 0.7  # cost bonus per nearby visit already on that day (up to 4): clusters rounds
EST_TRAVEL_MIN = 15  # planning estimate of driving per visit, used only to size daily capacity


def fr_day(d: date) -> str:
    return f"{WEEKDAYS_SHORT[d.weekday()]} {d.day:02d}/{d.month:02d}"


@dataclass(frozen=True, slots=True)
class Window:
    """Days a visit may fall on: `earliest`..`latest`; on time when inside `on_time_from`..`on_time_to`."""

    due: date
    earliest: date
    latest: date
    on_time_from: date
    on_time_to: date


def visit_window(p: Patient, prev: date | None, first: bool, horizon_start: date) -> Window:
    """Window of a patient's next visit after `prev` (the last visit day, or None if never visited)."""
    f, t = p.frequency_days, p.tolerance_days
    if prev is None:
        first_day = max(horizon_start, p.enrolled_from or horizon_start)
        last = first_day + timedelta(days=f - 1)
        return Window(first_day, first_day, last, first_day, last)
    due = prev + timedelta(days=f)
    lo, hi = due - timedelta(days=t), due + timedelta(days=t)
    if first and hi < horizon_start:
        return Window(due, horizon_start, horizon_start + timedelta(days=max(t, OVERDUE_CATCH_UP_DAYS)), lo, hi)
    return Window(due, max(lo, horizon_start), hi, lo, hi)


def days_between(a: date, b: date) -> list[date]:
    return [a + timedelta(days=k) for k in range((b - a).days + 1)]


@dataclass
class Demand:
    """One required visit; `day` is chosen by the calendar step and may move when routing cannot place it."""

    patient: Patient
    index: int  # from 1 within the horizon
    role: str
    joint: bool
    window: Window
    day: date | None = None
    reason: str | None = None
    previous_day: date | None = None  # preferred day in a re-plan
    previous_staff: tuple[str, ...] = ()
    pin: Pin | None = None  # held by the planner: its day, caregivers and start never change

    @property
    def key(self) -> tuple[str, int]:
        return (self.patient.id, self.index)

    @property
    def roles(self) -> tuple[str, ...]:
        return (DOCTOR, NURSE) if self.joint else (self.role,)


@dataclass
class Availability:
    """Who works when: staff id -> day -> working span (closed days, absences and days off removed)."""

    spans: dict[str, dict[date, TimeRange]]
    closed: dict[date, str] = field(default_factory=dict)

    def working(self, staff: Staff, day: date) -> TimeRange | None:
        return self.spans.get(staff.id, {}).get(day)


def availability(problem: HomeVisitProblem) -> Availability:
    """Working spans of each staff member: their hours on open days, cut to their working-time profile so
    that any round inside a span keeps the French rules (daily and weekly maximum, daily rest)."""
    h = problem.horizon
    closed = h.holidays() | {d: "fermé" for d in h.closed}
    spans: dict[str, dict[date, TimeRange]] = {}
    for s in problem.staff:
        own = {}
        for d in h.dates():
            r = s.hours_on(d)
            if r is not None and d not in closed and not s.is_absent(d):
                own[d] = (r.start_min, r.end_min)
        pauses = {d: pause_minutes(s, TimeRange(*own[d])) for d in own}
        spans[s.id] = {d: TimeRange(a, b) for d, (a, b) in legal_spans(s.work_profile, own, pauses).items()
                       if b - a >= 30}
    return Availability(spans, closed)


def day_break(s: Staff, span: TimeRange) -> tuple[int, int, int] | None:
    """The pause of a day, as (earliest start, latest start, minutes): lunch when the span covers the lunch
    window, else the 20-minute pause a salaried person takes once 6 hours are worked; None when none is due."""
    p = s.work_profile
    if s.needs_break(span):
        w = s.lunch_window
        latest = w.end_min - s.lunch_min
        if p.break_after_min is not None:  # lunch late enough to keep the 6-hour rule (an early start)
            latest = max(w.start_min, min(latest, span.start_min + p.break_after_min))
        return w.start_min, latest, s.lunch_min
    if p.break_after_min is not None and span.end_min - span.start_min > p.break_after_min:
        latest = span.start_min + p.break_after_min
        return min(span.start_min + 60, latest), latest, p.break_min
    return None


def pause_minutes(s: Staff, span: TimeRange) -> int:
    found = day_break(s, span)
    return found[2] if found else 0


def staff_can(s: Staff, span: TimeRange | None, p: Patient, joint: bool, role: str) -> bool:
    """Can this staff member's working span hold this patient's visit (time window vs hours)?"""
    if span is None:
        return False
    dur = p.duration_min(role, joint)
    lo, hi = span.start_min, span.end_min
    if p.window is not None:
        lo, hi = max(lo, p.window.start_min), min(hi, p.window.end_min)
    return hi - lo >= dur


class Calendar:
    """Daily capacity per role, feasible days, and the greedy choice of a new day for a visit to move."""

    def __init__(self, problem: HomeVisitProblem, avail: Availability,
                 near: Callable[[str, str], bool] | None = None, seed: int = 0,
                 matrix: TravelMatrix | None = None) -> None:
        self.problem, self.avail, self.near, self.matrix = problem, avail, near, matrix
        self.rng, self.seed = random.Random(seed), seed
        self.days = problem.horizon.dates()
        self.locked = set(problem.locked_days)  # no visit moves onto a locked day (its pins are there already)
        self.by_role = {r: [s for s in problem.staff if s.role == r] for r in (DOCTOR, NURSE)}
        self.capacity: dict[tuple[str, date], float] = {}
        mean_dur = {r: _mean([p.duration_min(r) for p in problem.patients]) for r in (DOCTOR, NURSE)}
        for r, members in self.by_role.items():
            for d in self.days:
                cap = 0.0
                for s in members:
                    span = avail.working(s, d)
                    if span is None:
                        continue
                    minutes = span.end_min - span.start_min - pause_minutes(s, span)
                    cap += min(s.max_visits_per_day, minutes / (mean_dur[r] + EST_TRAVEL_MIN))
                self.capacity[(r, d)] = cap
        self.load: dict[tuple[str, date], float] = {k: 0.0 for k in self.capacity}
        self.assigned: dict[tuple[str, date], list[str]] = {k: [] for k in self.capacity}

    # --- feasibility of a day for a visit ---------------------------------------------------------------
    def role_works(self, role: str, d: date, p: Patient | None = None, joint: bool = False) -> bool:
        return any(staff_can(s, self.avail.working(s, d), p, joint, role) if p is not None
                   else self.avail.working(s, d) is not None for s in self.by_role[role])

    def feasible_days(self, dem: Demand, lo: date, hi: date) -> list[date]:
        p = dem.patient
        out = []
        for d in days_between(max(lo, self.days[0]), min(hi, self.days[-1])):
            if d in p.unavailable or d in self.locked:
                continue
            if all(self.role_works(r, d, p, dem.joint) for r in dem.roles):
                out.append(d)
        return out

    def why_no_day(self, dem: Demand, lo: date, hi: date) -> str:
        """The first rule that leaves no possible day, in words for the coordinator."""
        p = dem.patient
        lo, hi = max(lo, self.days[0]), min(hi, self.days[-1])
        span = f"du {fr_day(lo)} au {fr_day(hi)}" if lo <= hi else "dans l'horizon"
        days = days_between(lo, hi) if lo <= hi else []
        for r in dem.roles:
            if not any(self.role_works(r, d) for d in days):
                who = "aucun médecin ne travaille" if r == DOCTOR else "aucune infirmière ne travaille"
                return f"{who} les jours où cette visite peut tomber ({span})"
        if dem.joint and not any(all(self.role_works(r, d) for r in dem.roles) for d in days):
            return f"aucun jour où un médecin et une infirmière travaillent tous deux ({span}) pour la visite en binôme"
        if all(d in p.unavailable or not all(self.role_works(r, d) for r in dem.roles) for d in days):
            return f"le patient est indisponible tous les jours où cette visite peut tomber ({span})"
        who = ("d'aucun binôme médecin + infirmière" if dem.joint
               else "d'aucun médecin" if dem.role == DOCTOR else "d'aucune infirmière")
        win = p.window.label if p.window else "la journée"
        return f"la plage horaire du patient ({win}) ne recoupe les horaires {who} ({span})"

    # --- greedy choice -------------------------------------------------------------------------------
    def cost(self, dem: Demand, d: date) -> float:
        p = dem.patient
        c = 0.25 * abs((d - dem.window.due).days)
        if dem.previous_day is not None:
            c += 0.0 if d == dem.previous_day else 3.0
        for r in dem.roles:
            cap = self.capacity[(r, d)]
            ratio = (self.load[(r, d)] + 1) / cap if cap > 0 else 99.0
            c += 2.0 * ratio + (20.0 * (ratio - 1.0) if ratio > 1.0 else 0.0)
            pref = p.preferred(r)
            if pref is not None and self.avail.spans.get(pref, {}).get(d) is None:
                c += 0.6
            if self.near is not None:
                close = sum(1 for q in self.assigned[(r, d)] if self.near(p.id, q))
                c -= NEAR_WEIGHT * min(close, 4)
        return c + self.rng.random() * 1e-3

    def place(self, dem: Demand, d: date) -> None:
        dem.day, dem.reason = d, None
        for r in dem.roles:
            self.load[(r, d)] += 1
            self.assigned[(r, d)].append(dem.patient.id)

    def unplace(self, dem: Demand) -> None:
        if dem.day is None:
            return
        for r in dem.roles:
            self.load[(r, dem.day)] -= 1
            self.assigned[(r, dem.day)].remove(dem.patient.id)
        dem.day = None

    def best_day(self, dem: Demand, lo: date, hi: date, exclude: set[date] = frozenset()) -> date | None:
        cands = [d for d in self.feasible_days(dem, lo, hi) if d not in exclude]
        return min(cands, key=lambda d: self.cost(dem, d)) if cands else None


# Penalties of a day pattern, in seconds of driving (the estimate's unit).
OFF_DUE_S = 300  # per day between a visit and its due day
VISIT_S = 900  # credit per planned visit: a sequence drifting late must not win by making fewer visits
LATE_S = 1800  # a catch-up visit outside its on-time window
UNPLANNED_S = 4 * 3600  # a visit of priority 1 with no possible day (times the priority)
PREFERRED_OFF_S = 600  # the preferred doctor/nurse does not work that day
MOVED_S = 1800  # a re-plan puts a visit on another day than before
OVERFLOW_S = 4 * 3600  # a visit the estimated rounds of its day cannot hold
MAX_PATTERNS = 21


def _walks(p: Patient, cal: "Calendar", ok: Callable[[int, date], bool], start: date, end: date,
           fixed: dict[int, date] | None = None):
    """Candidate day sequences of a patient's chain of visits: every first day of the first window (spread
    when there are many) x a constant offset from the due day (-tolerance..+tolerance) for the next ones.
    Each is a tuple of (visit number, window, day or None: no possible day). `fixed` holds the days of
    pinned visits (visit number -> day): every walk passes through them."""
    fixed = fixed or {}
    t = p.tolerance_days

    def feasible(n: int, w: Window) -> list[date]:
        lo, hi = max(w.earliest, start), min(w.latest, end)
        return [d for d in days_between(lo, hi) if ok(n, d)] if lo <= hi else []

    def walk(first: date | None, offset: int):
        out, prev, n = [], p.last_visit, 1
        while n <= 60:
            w = visit_window(p, prev, n == 1, start)
            if n in fixed:
                out.append((n, w, fixed[n]))
                prev = fixed[n]
                n += 1
                continue
            if w.earliest > end and n > max(fixed, default=0):
                break
            days = feasible(n, w)
            if not days:
                if w.latest > end and n > max(fixed, default=0):
                    break  # may still fall after the horizon: left to the next plan
                out.append((n, w, None))
                prev = w.earliest
            else:
                if n == 1 and first is not None and first in days:
                    d = first
                else:
                    target = w.due + timedelta(days=offset)
                    d = min(days, key=lambda x: (abs((x - target).days), x))
                out.append((n, w, d))
                prev = d
            n += 1
        return tuple(out)

    w1 = visit_window(p, p.last_visit, True, start)
    firsts = ([fixed[1]] if 1 in fixed else feasible(1, w1)) or [None]
    offsets = sorted(range(-t, t + 1), key=abs)
    per = max(1, MAX_PATTERNS // max(1, len(offsets)))
    if len(firsts) > per:
        firsts = [firsts[round(k * (len(firsts) - 1) / (per - 1))] for k in range(per)] if per > 1 else [
            min(firsts, key=lambda d: abs((d - w1.due).days))]
    seen, out = set(), []
    for f in firsts:
        for o in offsets:
            wk = walk(f, o)
            key = tuple(d for _, _, d in wk)
            if key not in seen:
                seen.add(key)
                out.append(wk)
    return out


def plan_days(problem: HomeVisitProblem, cal: Calendar,
              hints: dict[tuple[str, int], tuple[date, tuple[str, ...]]] | None = None, *,
              limits: Limits | None = None) -> list[Demand]:
    """Every required visit of every patient, with a chosen day or a reason why none is possible.

    The days are chosen jointly with an estimate of the rounds (planner.home_visits.daychoice, the method
    benchmarked on Cordeau's periodic VRP): each patient picks one of its candidate day sequences, priced by
    the cheapest insertion of its visits into the rounds of each working doctor/nurse that day (travel from
    the matrix, visits per day and working minutes as limits), plus penalties for days off the due day,
    preferred staff absent, a day changed in a re-plan; then a large neighbourhood search moves patients'
    visits between days. Needs the calendar's matrix; deterministic for a seed and work limit."""
    if cal.matrix is None:
        raise ValueError("plan_days needs the travel matrix: Calendar(..., matrix=...)")
    hints = hints or {}
    start, end = problem.horizon.start, problem.horizon.end
    days = cal.days
    day_ix = {d: k for k, d in enumerate(days)}
    roles = (DOCTOR, NURSE)
    nd = len(days)
    m = cal.matrix
    ids = list(dict.fromkeys([p.place_id for p in problem.patients]
                             + [x for s in problem.staff for x in (s.start_place_id, s.end_place_id)]))
    sub = m.sub(ids)
    node = {pid: k for k, pid in enumerate(ids)}
    lanes = []
    for ri, r in enumerate(roles):
        for k, d in enumerate(days):
            members = [s for s in cal.by_role[r] if cal.avail.working(s, d) is not None]
            for s in members:
                span = cal.avail.working(s, d)
                minutes = span.end_min - span.start_min - pause_minutes(s, span)
                lanes.append(Lane(ri * nd + k, node[s.start_place_id], node[s.end_place_id],
                                  float(s.max_visits_per_day), 60.0 * minutes))
            if members:
                lanes.append(Lane(ri * nd + k, node[members[0].start_place_id], node[members[0].end_place_id],
                                  entry_penalty=OVERFLOW_S))
    works: dict[tuple, bool] = {}  # (role, day, minutes on site, patient window) -> someone can hold it
    pins = {x.key: x for x in problem.pins}

    def role_ok(r: str, d: date, p: Patient, joint: bool) -> bool:
        key = (r, d, p.duration_min(r, joint), p.window)
        if key not in works:
            works[key] = cal.role_works(r, d, p, joint)
        return works[key]

    items, walks_of = [], []
    for p in problem.patients:
        ok_cache: dict[tuple[int, date], bool] = {}

        def ok(n: int, d: date, p=p, ok_cache=ok_cache) -> bool:
            role, joint = p.role_of(n), p.joint.is_joint(n)
            key = (hash((role, joint)), d)
            if key not in ok_cache:
                rs = (DOCTOR, NURSE) if joint else (role,)
                ok_cache[key] = d not in p.unavailable and d not in cal.locked and all(
                    role_ok(r, d, p, joint) for r in rs)
            return ok_cache[key]

        fixed = {n: x.day for (pid, n), x in pins.items() if pid == p.id}
        walks = _walks(p, cal, ok, start, end, fixed)
        pats = []
        for wk in walks:
            entries, pen = [], 0.0
            for n, w, d in wk:
                role, joint = p.role_of(n), p.joint.is_joint(n)
                hint = hints.get((p.id, n))
                if d is None:
                    pen += UNPLANNED_S * p.priority
                    continue
                pen += -VISIT_S + OFF_DUE_S * abs((d - w.due).days) + (0 if w.on_time_from <= d <= w.on_time_to else LATE_S)
                if hint is not None and hint[0] != d:
                    pen += MOVED_S
                for r in ((DOCTOR, NURSE) if joint else (role,)):
                    pref = p.preferred(r)
                    if pref is not None and cal.avail.spans.get(pref, {}).get(d) is None:
                        pen += PREFERRED_OFF_S
                    entries.append(Entry(roles.index(r) * nd + day_ix[d], 60.0 * p.duration_min(r, joint), 1.0))
            pats.append(Pattern(tuple(entries), pen))
        walks_of.append(walks)
        items.append(Item(node[p.place_id], tuple(pats)))
    dc = DayChoice(DayChoiceProblem(sub.seconds.astype(float), tuple(lanes), tuple(items)))
    choice = sum(1 for it in items if len(it.patterns) > 1)  # patients whose days can move
    dc.lns(limits or Limits(iterations=min(300, 2 * choice), seed=cal.seed, max_remove=12))
    demands: list[Demand] = []
    for p, walks, k in zip(problem.patients, walks_of, dc.pattern):
        for n, w, d in walks[max(k, 0)]:
            dem = Demand(p, n, p.role_of(n), p.joint.is_joint(n), w)
            if dem.key in hints:
                dem.previous_day, dem.previous_staff = hints[dem.key]
            dem.pin = pins.get(dem.key)
            if d is None:
                dem.reason = cal.why_no_day(dem, w.earliest, w.latest)
            else:
                cal.place(dem, d)
            demands.append(dem)
    return demands


def allowed_range(dem: Demand, by_key: dict[tuple[str, int], Demand], horizon_start: date) -> tuple[date, date]:
    """Days this visit may move to without breaking spacing with its planned neighbours."""
    p = dem.patient
    f, t = p.frequency_days, p.tolerance_days
    prev = by_key.get((p.id, dem.index - 1))
    if prev is not None and prev.day is not None:
        w = visit_window(p, prev.day, False, horizon_start)
        lo, hi = w.earliest, w.latest
    else:
        lo, hi = dem.window.earliest, dem.window.latest
    nxt = by_key.get((p.id, dem.index + 1))
    if nxt is not None and nxt.day is not None:
        lo = max(lo, nxt.day - timedelta(days=f + t))
        hi = min(hi, nxt.day - timedelta(days=f - t))
    return lo, hi


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 30.0
