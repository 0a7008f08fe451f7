"""Independent checker: recompute every rule of a rotation plan from the problem and the travel matrix.

It trusts nothing the solver wrote: session windows against opening hours, rooms, members, legs and their
times against the matrix, driving limits, nights, regular presence, allocations within reach and capacity,
coverage of every commune in need (or its listed reason), public holidays, each member's working time
(planner.core.worktime), and the headline indicators.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from planner.core.errors import InputError
from planner.core.hours import format_hhmm
from planner.rotations.assemble import in_need
from planner.rotations.legs import build_day
from planner.rotations.candidates import candidate
from planner.rotations.model import HALF_FR, HALVES, RotationProblem, RotationSolution
from planner.rotations.reach import communes_reach, uptake_costs
from planner.rotations.slots import session_capacity
from planner.rotations.workdays import crew_violations
from planner.core.travel import TravelMatrix
from planner.core.worktime import day_fr


def check(problem: RotationProblem, matrix: TravelMatrix, solution: RotationSolution) -> list[str]:
    """Every broken rule, in words; empty when the plan is valid."""
    out: list[str] = []
    units = {u.id: u for u in problem.units}
    prem = problem.premises_by_id()
    hd = problem.half_days
    holidays = problem.holidays()

    # sessions --------------------------------------------------------------------------------------------
    per_slot = Counter((s.unit_id, s.day, s.half) for s in solution.sessions)
    for key, n in per_slot.items():
        if n > 1:
            out.append(f"unit {key[0]} has {n} sessions on {key[1]} {key[2]} (one premises per half-day)")
    for s in solution.sessions:
        tag = f"session {s.unit_id} {s.day} {s.half} at {s.premises_id}"
        u = units.get(s.unit_id)
        p = prem.get(s.premises_id)
        if u is None:
            out.append(f"{tag}: unknown unit")
            continue
        if p is None:
            out.append(f"{tag}: unknown premises")
            continue
        if p.status == "withdrawn":
            out.append(f"{tag}: premises withdrawn")
        if s.day not in u.dates:
            out.append(f"{tag}: outside the unit's mission ({u.start} to {u.end})")
        if s.day in holidays and s.day not in u.worked_holidays:
            out.append(f"séance de {u.name} le {day_fr(s.day)} à {p.name} : jour férié ({holidays[s.day]}), "
                       "la mairie est fermée ; ajoutez la date à worked_holidays si l'unité y travaille")
        elif u.is_rest(s.day):
            out.append(f"{tag}: on a rest day")
        if s.half not in HALVES:
            out.append(f"{tag}: half-day must be am or pm")
            continue
        lo, hi = hd.window(s.half)
        if s.start_min < lo or s.end_min > hi:
            out.append(f"{tag}: {format_hhmm(s.start_min)}-{format_hhmm(s.end_min)} outside the half-day window "
                       f"{format_hhmm(lo)}-{format_hhmm(hi)}")
        if s.end_min - s.start_min < hd.min_session_min:
            out.append(f"{tag}: shorter than {hd.min_session_min} min")
        opening = p.opening_on(s.day, problem.default_hours(p))
        if not any(r.start_min <= s.start_min and s.end_min <= r.end_min for r in opening):
            out.append(f"{tag}: premises not open {format_hhmm(s.start_min)}-{format_hhmm(s.end_min)} that day")
        present = {m.id for m in u.members_on(s.day)}
        for mid in s.members:
            if mid not in {m.id for m in u.members}:
                out.append(f"{tag}: member {mid} is not in the unit")
            elif mid not in present:
                out.append(f"{tag}: member {mid} is unavailable that day")
        roles = {m.role for m in u.members_on(s.day)}
        listed_roles = {m.role for m in u.members if m.id in s.members}
        if {"doctor", "nurse"} <= roles and not {"doctor", "nurse"} <= listed_roles:
            out.append(f"{tag}: the doctor and the nurse must work together")
        cap = session_capacity(problem, u, s.day, s.end_min - s.start_min)
        for k, n in s.capacity.items():
            if n > cap.get(k, 0):
                out.append(f"{tag}: capacity {k}={n} above what the members can hold ({cap.get(k, 0)})")
    rooms = Counter((s.day, s.half, s.premises_id) for s in solution.sessions)
    for (d, h, pid), n in rooms.items():
        if pid in prem and n > prem[pid].rooms:
            out.append(f"premises {pid} on {d} {h}: {n} units for {prem[pid].rooms} room(s)")

    out += _check_pins(problem, matrix, solution)

    # days, legs, driving, nights ----------------------------------------------------------------------------
    plans = defaultdict(list)
    for dp in solution.days:
        plans[(dp.unit_id, dp.day)].append(dp)
    for u in problem.units:
        prev_night = u.base_id
        away_run = 0
        for i, d in enumerate(u.dates):
            found = plans.get((u.id, d), [])
            if len(found) != 1:
                out.append(f"unit {u.id} on {d}: expected one day plan, found {len(found)}")
                continue
            dp = found[0]
            tag = f"unit {u.id} on {d}"
            if dp.start_place != prev_night:
                out.append(f"{tag}: starts at {dp.start_place} but slept at {prev_night}")
            if dp.night_place not in u.night_places():
                out.append(f"{tag}: night at {dp.night_place}, not an allowed place")
            last = i == len(u.dates) - 1
            if last and dp.night_place != u.base_id:
                out.append(f"{tag}: the mission must end at base")
            if dp.night_place != u.base_id and (u.is_rest(d) or (d + timedelta(days=1) in u.dates
                                                                and u.is_rest(d + timedelta(days=1)))):
                out.append(f"{tag}: rest days are spent at base (night at {dp.night_place})")
            away_run = away_run + 1 if dp.night_place != u.base_id else 0
            if away_run > u.max_nights_away:
                out.append(f"{tag}: {away_run} consecutive nights away (limit {u.max_nights_away})")
            todays = [s for s in solution.sessions if s.unit_id == u.id and s.day == d]
            try:
                expected = build_day(matrix, u, d, dp.start_place, todays, dp.night_place)
            except InputError as exc:
                out.append(f"{tag}: {exc}")
                prev_night = dp.night_place
                continue
            if [(lg.origin, lg.destination, lg.seconds, lg.metres, lg.depart_min, lg.arrive_min)
                    for lg in dp.legs] != [(lg.origin, lg.destination, lg.seconds, lg.metres, lg.depart_min,
                                            lg.arrive_min) for lg in expected.legs]:
                out.append(f"{tag}: legs do not match the sessions and the travel matrix")
            if expected.driving_s > u.max_driving_min * 60:
                out.append(f"{tag}: {expected.driving_s / 60:.0f} min of driving (limit {u.max_driving_min})")
            if expected.legs:
                if expected.legs[0].depart_min < u.day_start_min:
                    out.append(f"{tag}: leaves at {format_hhmm(expected.legs[0].depart_min)}, before the day starts")
                if expected.legs[-1].arrive_min > u.day_end_min:
                    out.append(f"{tag}: arrives at {format_hhmm(expected.legs[-1].arrive_min)}, after the day ends")
            ordered = sorted(todays, key=lambda s: s.start_min)
            for a, b in zip(ordered, ordered[1:]):
                if a.premises_id != b.premises_id:
                    t = -(-matrix.time_s(a.premises_id, b.premises_id) // 60)
                    if a.end_min + t > b.start_min:
                        out.append(f"{tag}: cannot drive from {a.premises_id} to {b.premises_id} between sessions")
                elif a.end_min > b.start_min:
                    out.append(f"{tag}: overlapping sessions")
            prev_night = dp.night_place

    # working time of each member (French rules of their profile) ---------------------------------------
    out += crew_violations(problem, solution, matrix)

    # regular presence -----------------------------------------------------------------------------------
    for u in problem.units:
        if not (u.regular or problem.regular_presence):
            continue
        work = {d for d in u.dates if not u.is_rest(d) and u.members_on(d)}
        for d in u.dates:
            d7 = d + timedelta(days=7)
            if d not in work or d7 not in work:
                continue
            for h in HALVES:
                a, b = solution.session_at(u.id, d, h), solution.session_at(u.id, d7, h)
                pa, pb = a.premises_id if a else None, b.premises_id if b else None
                if pa != pb:
                    out.append(f"unit {u.id}: regular presence broken on {d7} {h} ({pb} instead of {pa})")

    # allocations, service, coverage ---------------------------------------------------------------------
    reach = communes_reach(problem, matrix)
    cap_total = defaultdict(int)
    for s in solution.sessions:
        for k, n in s.capacity.items():
            cap_total[(s.premises_id, k)] += n
    given = defaultdict(int)
    served = defaultdict(int)
    for a in solution.allocations:
        if a.consultations < 0:
            out.append(f"allocation {a.premises_id}->{a.insee}: negative")
        if a.premises_id not in reach.get(a.insee, ()):
            out.append(f"allocation {a.premises_id}->{a.insee}: commune not within {problem.reach_min} min")
        given[(a.premises_id, a.discipline)] += a.consultations
        served[(a.insee, a.discipline)] += a.consultations
    for (pid, k), n in given.items():
        if n > cap_total[(pid, k)]:
            out.append(f"premises {pid}: {n} {k} consultations given, sessions hold {cap_total[(pid, k)]}")
    cost = uptake_costs(problem, matrix)
    used = defaultdict(int)  # (insee, discipline) -> hundredths of the need used up, distance counted
    for a in solution.allocations:
        used[(a.insee, a.discipline)] += a.consultations * cost.get((a.insee, a.premises_id), 100)
    for c in problem.communes:
        for k in set(c.demand) | {k for (i, k) in served if i == c.insee}:
            if served[(c.insee, k)] > c.demand.get(k, 0):
                out.append(f"commune {c.insee}: {served[(c.insee, k)]} {k} served for a need of {c.demand.get(k, 0)}")
            elif used[(c.insee, k)] > 100 * c.demand.get(k, 0):
                out.append(f"commune {c.insee}: {served[(c.insee, k)]} {k} served, more than its need allows at "
                           f"that distance ({problem.far_uptake_pct} % beyond {problem.reach_min / 2:g} min)")
    listed = {(u.insee, u.period) for u in solution.unserved}
    for label, period in problem.periods():
        days = set(period)
        for insee in in_need(problem):
            has = any(s.day in days and s.premises_id in reach.get(insee, ()) for s in solution.sessions)
            if not has and (insee, label) not in listed:
                out.append(f"commune {insee} ({label}): no session within reach and not listed as unserved")
            if has and (insee, label) in listed:
                out.append(f"commune {insee} ({label}): listed as unserved but a session is within reach")
    for un in solution.unserved:
        if not un.reason.strip():
            out.append(f"commune {un.insee}: unserved without a reason")
    ind = solution.indicators
    total_served = sum(served.values())
    if "priority_demand_served" in ind and int(ind["priority_demand_served"]) != total_served:
        out.append(f"indicator priority_demand_served={ind['priority_demand_served']} but allocations sum to "
                   f"{total_served}")
    drive_h = sum(dp.driving_s for dp in solution.days) / 3600
    if "driving_hours" in ind and abs(float(ind["driving_hours"]) - drive_h) > 0.01:
        out.append(f"indicator driving_hours={ind['driving_hours']} but legs sum to {drive_h:.2f} h")
    return out


def _check_pins(problem: RotationProblem, matrix: TravelMatrix, solution: RotationSolution) -> list[str]:
    """Each half-day pinned by hand holds its premises, or stays empty. A pin the problem no longer allows
    on its own (premises closed since, member away) may be left out: the solver lists it in its warnings."""
    out: list[str] = []
    units = {u.id: u for u in problem.units}
    prem = problem.premises_by_id()
    for pin in problem.pins:
        s = solution.session_at(*pin.key)
        got = s.premises_id if s else ""
        if got == pin.premises_id:
            continue
        if pin.premises_id and s is None:
            u, p = units.get(pin.unit_id), prem.get(pin.premises_id)  # a pin naming what is gone: not allowed
            if u is None or p is None or pin.half not in HALVES \
                    or isinstance(candidate(problem, matrix, u, pin.day, pin.half, p), str):
                continue
        want = prem[pin.premises_id].name if pin.premises_id in prem else "aucune séance"
        have = prem[got].name if got in prem else "aucune séance"
        out.append(f"demi-journée épinglée de {problem.unit(pin.unit_id).name} le {day_fr(pin.day)} "
                   f"{HALF_FR[pin.half]} : {want} attendu, {have} dans le plan")
    return out


def ensure_belongs(problem: RotationProblem, solution: RotationSolution, *, source: str | None = None) -> None:
    """InputError unless every unit, premises and commune the solution names is in the problem."""
    units = {u.id for u in problem.units}
    prem = set(problem.premises_by_id())
    communes = set(problem.commune_by_insee())
    found = [
        ("units", "unit", {s.unit_id for s in solution.sessions} | {d.unit_id for d in solution.days}, units),
        ("premises", "premises", {s.premises_id for s in solution.sessions}
         | {a.premises_id for a in solution.allocations}, prem),
        ("communes", "insee", {a.insee for a in solution.allocations} | {s.insee for s in solution.service}
         | {u.insee for u in solution.unserved}, communes),
    ]
    parts, field = [], None
    for label, fld, named, known in found:
        missing = sorted(named - known)
        if missing:
            parts.append(f"{label} {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
            field = field or fld
    if parts:
        raise InputError(f"this solution does not belong to this problem: it names {' and '.join(parts)}, "
                         "absent from the problem", source=source, field=field)
