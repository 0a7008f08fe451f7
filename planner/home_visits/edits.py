"""Hand adjustments of a home-visit plan: move a visit to another day or caregiver, pin it, lock a day.

Each edit is checked at once: the rules a planner can break by hand are refused in French before anything
is routed (closed day, absent caregiver, wrong role, patient unavailable, spacing with the patient's other
visits, a locked day), then the one or two days it touches are routed again with every other visit kept
with its caregiver (and at its time when pinned), and the whole plan goes through the checker. A refused
edit changes nothing. Pins and locked days live in the problem (`HomeVisitProblem.pins`, `locked_days`),
so "re-plan around my pins" is the planner's own solve of that problem.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from planner.core.edited import Edited
from planner.core.errors import InputError
from planner.core.french import WEEKDAYS
from planner.core.hours import format_hhmm
from planner.core.travel import TravelMatrix
from planner.home_visits.calendar import Demand, Window, allowed_range, availability, fr_day, staff_can, visit_window
from planner.home_visits.check import check
from planner.home_visits.model import (
    DOCTOR, NURSE, ROLE_LABELS_FR, HomeVisitProblem, HomeVisitSolution, Pin, PlannedVisit, Route,
    UnscheduledVisit,
)
from planner.home_visits.solver import _recompute_on_time, _Solver, indicators

DAY_LIMIT_S = 2.0  # search time for re-routing one day after an edit (a greedy descent usually ends sooner)


def _refuse(message: str, field: str) -> InputError:
    return InputError(message, field=field)


def _clock(seconds: int) -> str:
    return format_hhmm(seconds // 60).replace(":", "h")


def _visit(solution: HomeVisitSolution, patient_id: str, visit_index: int):
    key = (patient_id, visit_index)
    v = next((x for x in solution.visits if (x.patient_id, x.visit_index) == key), None)
    u = next((x for x in solution.unscheduled if (x.patient_id, x.visit_index) == key), None)
    if v is None and u is None:
        raise _refuse(f"visite inconnue dans ce plan : patient {patient_id}, visite n° {visit_index}", "visit")
    return v, u


def _names(problem: HomeVisitProblem, ids) -> str:
    return " et ".join(problem.member(x).name for x in ids)


def move_visit(problem: HomeVisitProblem, solution: HomeVisitSolution, matrix: TravelMatrix, patient_id: str,
               visit_index: int, day: date, staff_ids: tuple[str, ...] = (), start_s: int | None = None, *,
               pin: bool = True, time_limit_s: float = DAY_LIMIT_S) -> Edited:
    """The plan with this visit on `day` (with `staff_ids`, at `start_s` when given), pinned there unless
    `pin` is False; InputError naming the broken rule in French otherwise."""
    v, u = _visit(solution, patient_id, visit_index)
    p = problem.patient(patient_id)
    role, joint = (v or u).role, (v or u).joint
    roles = (DOCTOR, NURSE) if joint else (role,)
    h = problem.horizon
    what = f"la visite de {p.name} (n° {visit_index})"
    if not h.start <= day <= h.end:
        raise _refuse(f"le {day.strftime('%d/%m/%Y')} est hors de la période du plan "
                      f"(du {fr_day(h.start)} au {fr_day(h.end)})", "day")
    for d in (day, v.day if v else None):
        if d is not None and d in problem.locked_days:
            raise _refuse(f"la journée du {fr_day(d)} est verrouillée : déverrouillez-la pour la modifier", "day")
    avail = availability(problem)
    if day in avail.closed:
        raise _refuse(f"le {fr_day(day)} est un jour fermé ({avail.closed[day]})", "day")
    if day in p.unavailable:
        raise _refuse(f"{p.name} est indisponible le {fr_day(day)}", "day")

    chosen = tuple(dict.fromkeys(staff_ids))
    for sid in chosen:
        if sid not in {s.id for s in problem.staff}:
            raise _refuse(f"intervenant inconnu : {sid}", "staff_ids")
        s = problem.member(sid)
        if s.role not in roles:
            raise _refuse(f"{s.name} est {ROLE_LABELS_FR.get(s.role, s.role)} : {what} demande "
                          f"{' et '.join(ROLE_LABELS_FR.get(r, r) for r in roles)}", "staff_ids")
    if len({problem.member(x).role for x in chosen}) != len(chosen):
        raise _refuse(f"{what} ne demande qu'une personne par métier", "staff_ids")
    if not chosen and v is not None:  # same caregivers when they work that day, else the search picks
        chosen = tuple(x for x in v.staff_ids if avail.working(problem.member(x), day) is not None)
    for sid in chosen:
        s = problem.member(sid)
        span = avail.working(s, day)
        if s.is_absent(day):
            raise _refuse(f"{s.name} est absent(e) le {fr_day(day)}", "staff_ids")
        if s.hours_on(day) is None:
            raise _refuse(f"{s.name} ne travaille pas le {WEEKDAYS[day.weekday()]}", "staff_ids")
        if span is None:
            raise _refuse(f"{s.name} ne peut plus travailler le {fr_day(day)} : temps de travail limité par le "
                          "Code du travail (10 h par jour, 11 h de repos, 48 h par semaine)", "staff_ids")
        if not staff_can(s, span, p, joint, s.role):
            raise _refuse(f"la plage horaire de {p.name} ({p.window.label if p.window else 'la journée'}) ne tient "
                          f"pas dans les horaires de {s.name} le {fr_day(day)} ({span.label})", "staff_ids")
        if start_s is not None:
            end = start_s + 60 * p.duration_min(s.role, joint)
            if start_s < span.start_min * 60 or end > span.end_min * 60:
                raise _refuse(f"{_clock(start_s)} : hors des horaires de {s.name} le {fr_day(day)} ({span.label})",
                              "start_time")
    if start_s is not None and p.window is not None:
        end = start_s + 60 * max(p.duration_min(r, joint) for r in roles)
        if start_s < p.window.start_min * 60 or end > p.window.end_min * 60:
            raise _refuse(f"{_clock(start_s)} : hors de la plage horaire de {p.name} ({p.window.label})",
                          "start_time")
    _check_spacing(problem, solution, p, visit_index, day, u)

    days = sorted({day} | ({v.day} if v is not None else set()))
    new = _reroute(problem, solution, matrix, days, moved=(patient_id, visit_index), target=day, chosen=chosen,
                   role=role, joint=joint, start_s=start_s, time_limit_s=time_limit_s)
    got = next(x for x in new.visits if (x.patient_id, x.visit_index) == (patient_id, visit_index))
    pins = tuple(x for x in problem.pins if x.key != (patient_id, visit_index))
    if pin:  # the pin names the caregivers the visit got, so a re-plan keeps them
        pins += (Pin(patient_id, visit_index, day, got.staff_ids, start_s),)
    edited = replace(problem, pins=pins)
    _final_check(edited, matrix, new)
    msg = (f"{what} : {fr_day(day)} à {_clock(got.start_s)} avec {_names(problem, got.staff_ids)}"
           f"{' (épinglée)' if pin else ''}")
    return Edited(edited, new, msg)


def _check_spacing(problem: HomeVisitProblem, solution: HomeVisitSolution, p, n: int, day: date,
                   unplanned: UnscheduledVisit | None) -> None:
    """The patient's rhythm (calendar.allowed_range, the rule the solver moves visits by): one visit every
    f days ± t after the previous planned one, and the next planned one still within its own spacing."""
    h = problem.horizon
    planned = {x.visit_index: x for x in solution.visits if x.patient_id == p.id}
    if n == 1:
        window = visit_window(p, p.last_visit, True, h.start)
    elif unplanned is not None:
        window = Window(unplanned.earliest, unplanned.earliest, unplanned.latest, unplanned.earliest, unplanned.latest)
    else:  # after an unplanned visit the checker counts no spacing: only the next visit bounds this one
        window = Window(h.start, h.start, h.end, h.start, h.end)
    by_key = {(p.id, k): Demand(p, k, x.role, x.joint, window, x.day) for k, x in planned.items() if k != n}
    lo, hi = allowed_range(Demand(p, n, p.role_of(n), p.joint.is_joint(n), window), by_key, h.start)
    if lo <= day <= hi:
        return
    why = [f"visite précédente le {fr_day(planned[n - 1].day)}"] if n - 1 in planned else (
        [f"dernière visite le {p.last_visit.strftime('%d/%m')}"] if n == 1 and p.last_visit else [])
    if n + 1 in planned:
        why.append(f"visite suivante le {fr_day(planned[n + 1].day)}")
    span = f"entre le {fr_day(lo)} et le {fr_day(hi)}" if lo <= hi else "à aucune date"
    raise _refuse(f"{p.name} : la visite n° {n} doit tomber {span} (une visite tous les {p.frequency_days} jours "
                  f"± {p.tolerance_days}{' ; ' + ', '.join(why) if why else ''})", "day")


def _reroute(problem: HomeVisitProblem, solution: HomeVisitSolution, matrix: TravelMatrix, days: list[date], *,
             moved: tuple[str, int], target: date, chosen: tuple[str, ...], role: str, joint: bool,
             start_s: int | None, time_limit_s: float) -> HomeVisitSolution:
    """Route `days` again: every other visit kept with its caregivers, the moved one on `target`."""
    solver = _Solver(problem, matrix, time_limit_s, 0, None, None, None, deterministic=True)
    start = problem.horizon.start
    pins = {x.key: x for x in problem.pins}
    new_routes: list[Route] = []
    placed: dict[tuple[str, int], tuple[date, int, tuple[str, ...]]] = {}
    for day in days:
        demands = []
        for x in solution.visits:
            if x.day != day or (x.patient_id, x.visit_index) == moved:
                continue
            p = problem.patient(x.patient_id)
            d = Demand(p, x.visit_index, x.role, x.joint, visit_window(p, None, True, start), day,
                       previous_staff=x.staff_ids)
            d.pin = pins.get(d.key)
            demands.append(d)
        if day == target:
            p = problem.patient(moved[0])
            d = Demand(p, moved[1], role, joint, visit_window(p, None, True, start), day, previous_staff=chosen)
            d.pin = Pin(moved[0], moved[1], day, chosen, start_s)  # held there while routing, pinned or not
            demands.append(d)
        result = solver.route_day(day, demands, set(), time_limit_s)
        if result.dropped:
            who = ", ".join(problem.patient(k[0]).name for k in sorted(result.dropped) if k != moved)
            team = _names(problem, chosen) if chosen else "l'équipe"
            if moved in result.dropped:
                raise _refuse(f"la tournée de {team} le {fr_day(day)} ne peut pas accueillir la visite de "
                              f"{problem.patient(moved[0]).name} : horaires, pause, limite de conduite ou nombre "
                              "de visites", "day")
            raise _refuse(f"le {fr_day(day)} ne peut plus tenir la visite de {who} si l'on ajoute celle-ci "
                          "(horaires, pause, limite de conduite ou nombre de visites)", "day")
        for r in result.routes.values():
            new_routes.append(r)
            for st in r.stops:
                k = (st.patient_id, st.visit_index)
                _, s0, ids = placed.get(k, (day, st.start_s, ()))
                placed[k] = (day, min(s0, st.start_s), tuple(sorted(ids + (r.staff_id,))))
    routes = tuple(sorted([r for r in solution.routes if r.day not in days] + new_routes,
                          key=lambda r: (r.day, r.staff_id)))
    visits = []
    for x in solution.visits:
        k = (x.patient_id, x.visit_index)
        if x.day in days or k == moved:
            if k in placed:
                day, s0, ids = placed[k]
                visits.append(replace(x, day=day, start_s=s0, staff_ids=ids))
        else:
            visits.append(x)
    unscheduled = [x for x in solution.unscheduled if (x.patient_id, x.visit_index) != moved]
    if moved not in {(x.patient_id, x.visit_index) for x in solution.visits}:
        u = next(x for x in solution.unscheduled if (x.patient_id, x.visit_index) == moved)
        day, s0, ids = placed[moved]
        visits.append(PlannedVisit(u.patient_id, u.visit_index, day, u.role, u.joint, ids, s0, u.earliest, True))
    visits = _recompute_on_time(problem, visits)
    sol = HomeVisitSolution(routes, tuple(visits), tuple(unscheduled), travel=solution.travel)
    return replace(sol, indicators=indicators(problem, sol),
                   stats={**solution.stats, "hand_edits": int(solution.stats.get("hand_edits", 0)) + 1})


def _final_check(problem: HomeVisitProblem, matrix: TravelMatrix, solution: HomeVisitSolution) -> None:
    errors = check(problem, matrix, solution)
    if errors:
        more = f" (et {len(errors) - 1} autre(s))" if len(errors) > 1 else ""
        raise _refuse(f"modification refusée, une règle du plan serait enfreinte : {errors[0]}{more}", "visit")


def set_pin(problem: HomeVisitProblem, solution: HomeVisitSolution, patient_id: str, visit_index: int,
            pinned: bool) -> Edited:
    """Pin a planned visit where it is (day, caregivers, start), or release it."""
    v, _ = _visit(solution, patient_id, visit_index)
    key = (patient_id, visit_index)
    name = problem.patient(patient_id).name
    current = problem.pin(*key)
    if not pinned:
        if current is not None and current.by_lock:
            raise _refuse(f"la visite de {name} fait partie d'une journée verrouillée : déverrouillez la journée",
                          "visit")
        return Edited(replace(problem, pins=tuple(x for x in problem.pins if x.key != key)), solution,
                      f"visite de {name} (n° {visit_index}) désépinglée")
    if v is None:
        raise _refuse(f"la visite de {name} (n° {visit_index}) n'est pas planifiée : déplacez-la sur un jour pour "
                      "l'épingler", "visit")
    pin = Pin(patient_id, visit_index, v.day, v.staff_ids, v.start_s)
    pins = tuple(x for x in problem.pins if x.key != key) + (pin,)
    return Edited(replace(problem, pins=pins), solution,
                  f"visite de {name} épinglée : {fr_day(v.day)} à {_clock(v.start_s)} avec "
                  f"{_names(problem, v.staff_ids)}")


def lock_day(problem: HomeVisitProblem, solution: HomeVisitSolution, day: date, locked: bool) -> Edited:
    """Lock a day (every visit of it pinned where it is, no visit added) or unlock it."""
    h = problem.horizon
    if not h.start <= day <= h.end:
        raise _refuse(f"le {day.strftime('%d/%m/%Y')} est hors de la période du plan", "day")
    others = tuple(x for x in problem.pins if not (x.by_lock and x.day == day))
    days = tuple(d for d in problem.locked_days if d != day)
    if not locked:
        return Edited(replace(problem, pins=others, locked_days=days), solution,
                      f"journée du {fr_day(day)} déverrouillée")
    mine = [x for x in solution.visits if x.day == day]
    held = {x.key for x in others}  # visits pinned by hand keep their own pin (unlocking leaves it)
    pins = others + tuple(Pin(x.patient_id, x.visit_index, day, x.staff_ids, x.start_s, by_lock=True)
                          for x in mine if (x.patient_id, x.visit_index) not in held)
    return Edited(replace(problem, pins=pins, locked_days=tuple(sorted(days + (day,)))), solution,
                  f"journée du {fr_day(day)} verrouillée ({len(mine)} visite(s) gardées telles quelles)")


__all__ = ["Edited", "move_visit", "set_pin", "lock_day"]
