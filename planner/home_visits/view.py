"""Project a home-visit solution into the shared PlanView (one DayItinerary per staff member and day)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from planner.home_visits.model import DOCTOR, ROLE_LABELS_FR, HomeVisitProblem, HomeVisitSolution
from planner.core.worktime import WorkDay, work_indicator, work_summary
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView, Unscheduled
from planner.core.travel import TravelMatrix, network_name


def _at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(seconds=int(seconds))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _hours(h: float) -> str:
    return f"{h:.1f} h".replace(".", ",")


def visit_label(role: str, joint: bool, minutes: int) -> str:
    if joint:
        return f"Visite en binôme médecin + infirmière ({minutes} min)"
    return f"Visite {'médecin' if role == DOCTOR else 'infirmière'} ({minutes} min)"


def workload(problem: HomeVisitProblem, sol: HomeVisitSolution) -> dict[str, tuple[int, int, float]]:
    """Each staff member's (visits, working days, hours from departure to return), in staff order."""
    out = {}
    for s in problem.staff:
        routes = [r for r in sol.routes if r.staff_id == s.id]
        out[s.id] = (sum(len(r.stops) for r in routes), sum(1 for r in routes if r.stops),
                     round(sum(r.return_s - r.depart_s for r in routes if r.stops) / 3600, 1))
    return out


def french_indicators(problem: HomeVisitProblem, sol: HomeVisitSolution) -> tuple[tuple[str, str], ...]:
    ind = sol.indicators
    names = {s.id: s.name for s in problem.staff}
    out = [
        ("Visites planifiées / requises", f"{ind.get('visits_planned', 0)} / {ind.get('visits_required', 0)}"),
        ("Visites non planifiées", str(ind.get("visits_unscheduled", 0))),
        ("Visites en binôme", str(ind.get("joint_visits_planned", 0))),
        ("Visites dans la tolérance", _pct(ind.get("on_time_rate", 1.0))),
        ("Continuité (soignant habituel)", _pct(ind.get("continuity_rate", 1.0))),
        ("Conduite totale", f"{_hours(ind.get('driving_hours_total', 0.0))} ({ind.get('driving_km_total', 0):.0f} km)"),
    ]
    for role, b in ind.get("workload_balance", {}).items():
        who = "médecins" if role == DOCTOR else "infirmières"
        out.append((f"Charge des {who} (visites par personne)", f"de {b['min']} à {b['max']} (moyenne {b['mean']})"))
    for sid, h in ind.get("driving_hours_by_staff", {}).items():
        out.append((f"Conduite — {names.get(sid, sid)}", _hours(h)))
    work = staff_work(sol)
    for sid, (visits, days, hours) in workload(problem, sol).items():
        out.append((f"Charge — {names.get(sid, sid)}",
                    f"{visits} visite(s) sur {days} jour(s), {_hours(hours)} de tournée"))
        if sid in work:
            out.append(work_indicator(names.get(sid, sid), work[sid]))
    return tuple((k, v.replace(".", ",") if k.startswith("Charge") else v) for k, v in out)


def to_plan_view(problem: HomeVisitProblem, solution: HomeVisitSolution, matrix: TravelMatrix | None = None, *,
                 title: str | None = None) -> PlanView:
    """The field view of the plan; `matrix` only tells whether travel times are approximate."""
    patients = {p.id: p for p in problem.patients}
    staff = {s.id: s for s in problem.staff}
    itineraries = []
    for r in sorted(solution.routes, key=lambda r: (r.day, r.staff_id)):
        s = staff[r.staff_id]
        events: list[tuple[int, int, dict]] = []
        events.append((r.depart_s, 0, dict(kind="depart", place_id=s.start_place_id,
                                           place_name=s.start_address or f"Départ de {s.name}", location=s.start,
                                           arrival=r.depart_s, start=r.depart_s, end=r.depart_s,
                                           address=s.start_address, what="Départ")))
        last_loc, last_id, last_name = s.start, s.start_place_id, s.start_address or "Départ"
        for st in r.stops:
            p = patients[st.patient_id]
            minutes = (st.end_s - st.start_s) // 60
            events.append((st.start_s, 1, dict(
                kind="joint_visit" if st.joint else "visit", place_id=p.place_id, place_name=p.name,
                location=p.location, arrival=st.arrival_s, start=st.start_s, end=st.end_s, travel_s=st.travel_s,
                travel_m=st.travel_m, address=p.address, what=visit_label(s.role, st.joint, minutes),
                patient_id=p.id, patient_name=p.name, phone=p.phone)))
        if r.break_start_s is not None and r.depart_s <= r.break_start_s < r.return_s:
            # Where the break is taken: at the last place left before it.
            before = [st for st in r.stops if st.end_s <= r.break_start_s]
            if before:
                p = patients[before[-1].patient_id]
                last_loc, last_id, last_name = p.location, p.place_id, p.name
            w = s.lunch_window
            pause = "Pause déjeuner" if w and w.start_min * 60 <= r.break_start_s < w.end_min * 60 else "Pause"
            # a break at a patient's home never carries the patient's name (it reaches shared outputs)
            events.append((r.break_start_s, 1, dict(kind="break", place_id=last_id,
                                                    place_name=pause if before else last_name,
                                                    location=last_loc, arrival=r.break_start_s,
                                                    start=r.break_start_s, end=r.break_end_s,
                                                    what=f"{pause} ({(r.break_end_s - r.break_start_s) // 60} min)")))
        end_loc = s.end or s.start
        end_addr = s.end_address if s.end is not None else s.start_address
        events.append((r.return_s, 2, dict(kind="return", place_id=s.end_place_id,
                                           place_name=end_addr or f"Retour de {s.name}", location=end_loc,
                                           arrival=r.return_s, start=r.return_s, end=r.return_s,
                                           travel_s=r.return_travel_s, travel_m=r.return_travel_m, address=end_addr,
                                           what="Retour")))
        stops = []
        for k, (_, _, e) in enumerate(sorted(events, key=lambda e: (e[0], e[1]))):
            stops.append(ItineraryStop(
                sequence=k, kind=e["kind"], place_id=e["place_id"], place_name=e["place_name"],
                location=e["location"], arrival=_at(r.day, e["arrival"]), start=_at(r.day, e["start"]),
                end=_at(r.day, e["end"]), travel_s=e.get("travel_s", 0), travel_m=e.get("travel_m", 0),
                address=e.get("address", ""), what=e.get("what", ""), patient_id=e.get("patient_id"),
                patient_name=e.get("patient_name"), phone=e.get("phone", "")))
        itineraries.append(DayItinerary(s.id, s.name, s.display_role, r.day, tuple(stops)))
    unscheduled = []
    for u in sorted(solution.unscheduled, key=lambda u: (u.patient_id, u.visit_index)):
        p = patients.get(u.patient_id)
        who = "en binôme" if u.joint else ROLE_LABELS_FR[u.role]
        name = p.name if p else u.patient_id
        unscheduled.append(Unscheduled(f"{u.patient_id}#{u.visit_index}",
                                       f"Visite {who} n°{u.visit_index} de {name} "
                                       f"(entre le {u.earliest:%d/%m} et le {u.latest:%d/%m})", u.reason))
    h = problem.horizon
    calendar = {pid: [{"date": v.day.isoformat(), "role": v.role, "joint": v.joint, "staff_ids": list(v.staff_ids),
                       "on_time": v.on_time} for v in vs] for pid, vs in solution.calendar().items()}
    return PlanView(
        kind="home_visits",
        title=title or f"Visites à domicile du {h.start:%d/%m/%Y} au {h.end:%d/%m/%Y}",
        itineraries=tuple(itineraries), indicators=french_indicators(problem, solution),
        unscheduled=tuple(unscheduled),
        approximate=bool(matrix.approximate) if matrix is not None else solution.travel.get("model") == "approximate",
        network=solution.travel.get("network") or (network_name(matrix) if matrix is not None else ""),
        extras={"calendar": calendar, "holidays": {d.isoformat(): n for d, n in h.holidays().items()},
                "work_minutes": {staff[sid].name: w for sid, w in staff_work(solution).items()},
                "door_seconds": matrix.door_seconds() if matrix is not None else {}})


def staff_work(sol: HomeVisitSolution) -> dict[str, dict]:
    """Each staff member's minutes of work per day and per week (departure to return, minus the pause)."""
    days: dict[str, list[WorkDay]] = {}
    for r in sol.routes:
        pauses = ((r.break_start_s / 60, r.break_end_s / 60),) if r.break_start_s is not None else ()
        days.setdefault(r.staff_id, []).append(WorkDay(r.day, r.depart_s / 60, r.return_s / 60, pauses))
    return {sid: work_summary(ws) for sid, ws in sorted(days.items())}
