"""Independent re-verification of a home-visit solution against its problem and travel matrix.

Recomputes every rule from the problem (never from the solver's internals): each required visit planned
or listed unscheduled, roles following the sequence, spacing, joint rule and synchronisation, patient
windows and unavailable dates, staff days, hours, absences, lunch breaks, visits and driving per day,
the French working-time rules of each person's profile (planner.core.worktime: daily and weekly maximum, daily
rest, pause after 6 hours),
and every leg's travel time and distance against the matrix. Used by `planner check` and every test.
"""

from __future__ import annotations

from datetime import date

from planner.core.errors import InputError
from planner.home_visits.calendar import availability, visit_window
from planner.home_visits.io import hms
from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, HomeVisitSolution
from planner.core.travel import TravelMatrix
from planner.core.worktime import WorkDay, violations


def check(problem: HomeVisitProblem, matrix: TravelMatrix, solution: HomeVisitSolution) -> list[str]:
    """One plain sentence per violated rule; an empty list means the solution is valid."""
    errors: list[str] = []
    avail = availability(problem)
    patients = {p.id: p for p in problem.patients}
    staff = {s.id: s for s in problem.staff}
    closed = avail.closed
    # stops by visit key, from the routes
    served: dict[tuple[str, int], list[tuple[str, date, int, int, bool, str]]] = {}
    seen_days: set[tuple[str, date]] = set()
    worked: dict[str, list[WorkDay]] = {}  # staff id -> days worked, for the working-time rules
    for r in solution.routes:
        s = staff.get(r.staff_id)
        where = f"{r.staff_id} {r.day.isoformat()}"
        if s is None:
            errors.append(f"{where}: unknown staff member")
            continue
        if (s.id, r.day) in seen_days:
            errors.append(f"{where}: two routes the same day")
        seen_days.add((s.id, r.day))
        if not problem.horizon.start <= r.day <= problem.horizon.end:
            errors.append(f"{where}: day outside the horizon")
        if r.day in closed:
            errors.append(f"{where}: works on a closed day ({closed[r.day]})")
        if s.is_absent(r.day):
            errors.append(f"{where}: works while absent")
        span = s.hours_on(r.day)
        if span is None:
            errors.append(f"{where}: does not work on this weekday")
        else:
            if r.depart_s < span.start_min * 60:
                errors.append(f"{where}: leaves at {hms(r.depart_s)}, before working hours {span.label}")
            if r.return_s > span.end_min * 60:
                errors.append(f"{where}: back at {hms(r.return_s)}, after working hours {span.label}")
        if len(r.stops) > s.max_visits_per_day:
            errors.append(f"{where}: {len(r.stops)} visits, over the limit of {s.max_visits_per_day}")
        # legs and travel against the matrix
        prev, prev_end = s.start_place_id, r.depart_s
        legs: list[tuple[int, int, int, str]] = []
        services: list[tuple[int, int, str]] = []
        drive = 0
        for st in r.stops:
            p = patients.get(st.patient_id)
            label = f"{where} {st.patient_id} visit {st.visit_index}"
            if p is None:
                errors.append(f"{label}: unknown patient")
                continue
            t, dm = matrix.time_s(prev, p.place_id), matrix.distance_m(prev, p.place_id)
            if st.travel_s != t or st.travel_m != dm:
                errors.append(f"{label}: travel {st.travel_s} s / {st.travel_m} m reported, matrix says {t} s / {dm} m")
            if st.arrival_s < prev_end + t:
                errors.append(f"{label}: arrives at {hms(st.arrival_s)}, sooner than the drive allows")
            if st.start_s < st.arrival_s:
                errors.append(f"{label}: starts before arriving")
            dur = p.duration_min(s.role, st.joint) * 60
            if st.end_s - st.start_s != dur:
                errors.append(f"{label}: lasts {(st.end_s - st.start_s) // 60} min, expected {dur // 60} min")
            if p.window is not None and not (p.window.start_min * 60 <= st.start_s and st.end_s <= p.window.end_min * 60):
                errors.append(f"{label}: {hms(st.start_s)}-{hms(st.end_s)} outside the patient's window {p.window.label}")
            if r.day in p.unavailable:
                errors.append(f"{label}: the patient is unavailable that day")
            if st.role != s.role and not st.joint:
                errors.append(f"{label}: a {st.role} visit made by a {s.role}")
            legs.append((prev_end, st.start_s, t, label))
            services.append((st.start_s, st.end_s, label))
            served.setdefault((st.patient_id, st.visit_index), []).append(
                (s.id, r.day, st.start_s, st.end_s, st.joint, st.role))
            drive += t
            prev, prev_end = p.place_id, st.end_s
        back = matrix.time_s(prev, s.end_place_id)
        if r.return_travel_s != back or r.return_travel_m != matrix.distance_m(prev, s.end_place_id):
            errors.append(f"{where}: return travel does not match the matrix")
        legs.append((prev_end, r.return_s, back, f"{where} return"))
        drive += back
        if drive > s.max_driving_min * 60:
            errors.append(f"{where}: drives {drive // 60} min, over the limit of {s.max_driving_min} min")
        errors += _check_break(s, avail.working(s, r.day) or span, r, legs, services, where)
        worked.setdefault(s.id, []).append(WorkDay(
            r.day, r.depart_s / 60, r.return_s / 60,
            ((r.break_start_s / 60, r.break_end_s / 60),) if r.break_start_s is not None else ()))
    for sid, days in worked.items():
        errors += violations(staff[sid].name, staff[sid].work_profile, days)

    # every required visit: planned (consistent with the routes) or unscheduled, in order and spacing
    calendar = {(v.patient_id, v.visit_index): v for v in solution.visits}
    unplanned = {(u.patient_id, u.visit_index): u for u in solution.unscheduled}
    for key in served:
        if key not in calendar:
            errors.append(f"{key[0]} visit {key[1]}: routed but missing from the calendar")
    for key in set(calendar) & set(unplanned):
        errors.append(f"{key[0]} visit {key[1]}: both planned and unscheduled")
    for p in problem.patients:
        prev_day: date | None = p.last_visit
        prev_real = True
        n = 1
        while True:
            w = visit_window(p, prev_day, n == 1, problem.horizon.start)
            if w.earliest > problem.horizon.end:
                break
            key = (p.id, n)
            role, joint = p.role_of(n), p.joint.is_joint(n)
            v, u = calendar.get(key), unplanned.get(key)
            label = f"{p.id} visit {n}"
            if v is None and u is None:
                if w.latest > problem.horizon.end:
                    break  # may fall after the horizon: left to the next plan
                errors.append(f"{label} ({role}) is required but neither planned nor unscheduled")
                prev_day, prev_real = w.earliest, False
            elif u is not None and v is None:
                if not u.reason.strip():
                    errors.append(f"{label}: unscheduled without a reason")
                prev_day, prev_real = w.earliest, False
            else:
                if v.role != role:
                    errors.append(f"{label}: role {v.role}, the sequence asks for {role}")
                if v.joint != joint:
                    errors.append(f"{label}: joint={v.joint}, the joint rule asks for {joint}")
                if prev_real and not w.earliest <= v.day <= w.latest:
                    errors.append(f"{label} on {v.day.isoformat()}: outside its allowed days "
                                  f"{w.earliest.isoformat()}..{w.latest.isoformat()} (spacing)")
                errors += _check_served(label, v, served.get(key, []), staff, role, joint)
                prev_day, prev_real = v.day, True
            n += 1
            if n > 60:
                break
    errors += _check_pins(problem, calendar, unplanned)
    extra = set(calendar) - {k for k in calendar if k[0] in patients}
    for key in sorted(extra):
        errors.append(f"{key[0]}: planned visit of an unknown patient")
    return errors


def _check_pins(problem: HomeVisitProblem, calendar: dict, unplanned: dict) -> list[str]:
    """Pinned visits where the planner put them (or unscheduled, with the reason, when their day cannot hold
    them: a pin never moves); nothing but pinned visits on a locked day."""
    errors = []
    pinned = {x.key: x for x in problem.pins}
    for key, pin in sorted(pinned.items()):
        v = calendar.get(key)
        label = f"{key[0]} visit {key[1]}"
        if v is None:
            if key not in unplanned:
                errors.append(f"{label}: pinned on {pin.day.isoformat()} but neither planned nor unscheduled")
            continue
        if v.day != pin.day:
            errors.append(f"{label}: pinned on {pin.day.isoformat()}, planned on {v.day.isoformat()}")
        if pin.staff_ids and set(pin.staff_ids) != set(v.staff_ids):
            errors.append(f"{label}: pinned with {list(pin.staff_ids)}, planned with {list(v.staff_ids)}")
        if pin.start_s is not None and v.start_s != pin.start_s:
            errors.append(f"{label}: pinned at {hms(pin.start_s)}, starts at {hms(v.start_s)}")
    locked = set(problem.locked_days)
    for key, v in sorted(calendar.items()):
        if v.day in locked and key not in pinned:
            errors.append(f"{key[0]} visit {key[1]}: on the locked day {v.day.isoformat()} without being part of it")
    return errors


def _check_served(label, v, stops, staff, role, joint) -> list[str]:
    errors = []
    if not stops:
        return [f"{label}: in the calendar but on no route"]
    if any(day != v.day for _, day, *_ in stops):
        errors.append(f"{label}: routed on a different day than the calendar says")
    roles = sorted(staff[sid].role for sid, *_ in stops)
    if joint:
        if roles != [DOCTOR, NURSE]:
            errors.append(f"{label}: joint visit needs one doctor and one nurse, got {roles}")
        elif len({start for _, _, start, *_ in stops}) != 1:
            errors.append(f"{label}: doctor and nurse do not start the joint visit together")
    else:
        if roles != [role]:
            errors.append(f"{label}: expected one {role}, got {roles}")
    if sorted(sid for sid, *_ in stops) != sorted(v.staff_ids):
        errors.append(f"{label}: calendar staff {list(v.staff_ids)} differ from the routes")
    return errors


def _check_break(s, span, r, legs, services, where) -> list[str]:
    errors = []
    has = r.break_start_s is not None
    if span is None:
        return errors
    lunch = s.needs_break(span)
    if lunch and not has:
        return [f"{where}: no lunch break"]
    if not has:
        return errors  # a pause due after 6 hours of work is checked with the working-time rules
    bs, be = r.break_start_s, r.break_end_s
    w = s.lunch_window
    if lunch and be - bs != s.lunch_min * 60:
        errors.append(f"{where}: lunch break lasts {(be - bs) // 60} min, expected {s.lunch_min} min")
    if lunch and (bs < w.start_min * 60 or be > w.end_min * 60):
        errors.append(f"{where}: lunch break {hms(bs)}-{hms(be)} outside {w.label}")
    for a, b, label in services:
        if bs < b and a < be:
            errors.append(f"{label}: overlaps the lunch break")
    for free_from, free_until, travel, label in legs:
        inside = be - bs if free_from <= bs and be <= free_until else 0
        if free_until - free_from < travel + inside:
            errors.append(f"{label}: not enough time for the drive{' and the lunch break' if inside else ''}")
    if bs < r.return_s and be > r.depart_s and not any(f <= bs and be <= u for f, u, _, _ in legs):
        errors.append(f"{where}: lunch break {hms(bs)}-{hms(be)} straddles a visit or the route's ends")
    return errors


def ensure_belongs(problem: HomeVisitProblem, solution: HomeVisitSolution, *, source: str | None = None) -> None:
    """InputError unless every staff member and patient the solution names is in the problem: a solution
    checked against another problem would list every rule as broken instead of saying the files differ."""
    staff = {s.id for s in problem.staff}
    patients = {p.id for p in problem.patients}
    unknown_staff = sorted({r.staff_id for r in solution.routes} - staff)
    unknown_patients = sorted(({st.patient_id for r in solution.routes for st in r.stops}
                               | {v.patient_id for v in solution.visits}
                               | {u.patient_id for u in solution.unscheduled}) - patients)
    if unknown_staff or unknown_patients:
        parts = []
        if unknown_staff:
            parts.append(f"staff {', '.join(unknown_staff[:5])}{' …' if len(unknown_staff) > 5 else ''}")
        if unknown_patients:
            parts.append(f"patients {', '.join(unknown_patients[:5])}{' …' if len(unknown_patients) > 5 else ''}")
        raise InputError(f"this solution does not belong to this problem: it names {' and '.join(parts)}, "
                         "absent from the problem", source=source, field="staff_id" if unknown_staff else "patient_id")
