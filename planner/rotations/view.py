"""Project a rotation plan into the shared PlanView (one DayItinerary per unit and day) for every output.

extras carries what maps and public commune schedules need without reading the solution:
- "coverage": {insee: {"name", "population", "priority_population", "share_within_reach" (1.0 when a
  session is within reach, else 0.0), "share_served" (priority demand served / need), "sessions": [{"date",
  "half", "start", "end", "premises_id", "premises_name", "address", "unit_id", "unit_name", "what"}]}}
- "premises_used": [{"id", "name", "insee", "address", "lat", "lon", "accessible", "rooms", "hours" (weekly
  opening hours in French), "sessions"}]
- "reach_minutes": X; "nights": [{"unit_id", "date", "place_id", "place_name"}]
"""

from __future__ import annotations

from datetime import datetime, time

from planner.core.geo import Location
from planner.core.hours import format_hhmm
from planner.rotations.workdays import crew_days
from planner.core.worktime import work_indicator, work_summary
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView, Unscheduled
from planner.rotations.assemble import solution_indicators
from planner.rotations.model import HALF_FR, ROLE_FR, RotationProblem, RotationSolution, Session, Unit

_NOWHERE = Location(0.0, 0.0)


def _fr_int(n: float) -> str:
    return f"{int(round(n)):,}".replace(",", "\u202f")


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def session_label(unit: Unit, session: Session) -> str:
    """'Consultations médecin + infirmier·e' from the members present."""
    roles = []
    for m in unit.members:
        if m.id in session.members and ROLE_FR[m.role] not in roles:
            roles.append(ROLE_FR[m.role])
    return "Consultations " + " + ".join(roles) if roles else "Consultations"


def workload(problem: RotationProblem, solution: RotationSolution) -> list[tuple[str, str, str, int, int]]:
    """Each unit member's (unit id, member id, name, sessions, consultation minutes), in problem order."""
    out = []
    for u in problem.units:
        for m in u.members:
            mine = [s for s in solution.sessions if s.unit_id == u.id and m.id in s.members]
            out.append((u.id, m.id, m.name, len(mine), sum(s.end_min - s.start_min for s in mine)))
    return out


def to_plan_view(problem: RotationProblem, solution: RotationSolution, *, approximate: bool = False) -> PlanView:
    prem = problem.premises_by_id()
    communes = problem.commune_by_insee()
    approximate = approximate or solution.travel.get("model") == "approximate"

    def where(place_id: str, unit: Unit) -> tuple[str, Location, str, str | None]:
        """name, location, address, commune of a place id."""
        if place_id in prem:
            p = prem[place_id]
            loc = p.location or (communes[p.insee].location if p.insee in communes else None)
            return p.name, loc or _NOWHERE, p.address, p.insee
        if place_id == unit.base_id:
            return unit.base_name, unit.base_location or _NOWHERE, "", None
        for lg in unit.lodging:
            if lg.id == place_id:
                return lg.name, lg.location or _NOWHERE, "", None
        for c in problem.communes:
            if c.place_id == place_id:
                return f"Mairie de {c.name}", c.location or _NOWHERE, "", c.insee
        return place_id, _NOWHERE, "", None

    def at(day, minutes: int) -> datetime:
        minutes = max(0, min(minutes, 24 * 60 - 1))
        return datetime.combine(day, time(minutes // 60, minutes % 60))

    itineraries = []
    for dp in solution.days:
        u = problem.unit(dp.unit_id)
        sessions = sorted((s for s in solution.sessions if s.unit_id == u.id and s.day == dp.day),
                          key=lambda s: s.start_min)
        if not sessions and not dp.legs:
            continue
        legs = list(dp.legs)  # in driving order: each one leaves the place the unit is at
        first_depart = dp.legs[0].depart_min if dp.legs else (sessions[0].start_min if sessions else u.day_start_min)
        name, loc, addr, _ = where(dp.start_place, u)
        stops = [ItineraryStop(0, "depart", dp.start_place, name, loc, at(dp.day, first_depart),
                               at(dp.day, first_depart), at(dp.day, first_depart), address=addr)]
        clock = first_depart
        here = dp.start_place
        for s in sessions:
            # a unit staying at the same premises for the afternoon drives nothing and arrives at nothing:
            # only a session at another place than the last one consumes the next leg
            lg = legs.pop(0) if s.premises_id != here and legs and legs[0].destination == s.premises_id else None
            here = s.premises_id
            name, loc, addr, insee = where(s.premises_id, u)
            travel_s, travel_m = (lg.seconds, lg.metres) if lg is not None else (0, 0)
            arrival = lg.arrive_min if lg is not None else s.start_min
            stops.append(ItineraryStop(len(stops), "session", s.premises_id, name, loc, at(dp.day, arrival),
                                       at(dp.day, s.start_min), at(dp.day, s.end_min), travel_s, travel_m, addr,
                                       f"{session_label(u, s)} ({HALF_FR[s.half]})", commune_insee=insee))
            clock = s.end_min
        last_leg = legs.pop(0) if legs and legs[0].destination == dp.night_place else None
        kind = "return" if dp.night_place == u.base_id else "night"
        name, loc, addr, _ = where(dp.night_place, u)
        arrive = last_leg.arrive_min if last_leg else clock
        stops.append(ItineraryStop(len(stops), kind, dp.night_place, name, loc, at(dp.day, arrive),
                                   at(dp.day, arrive), at(dp.day, arrive),
                                   last_leg.seconds if last_leg else 0, last_leg.metres if last_leg else 0, addr,
                                   "Retour à la base" if kind == "return" else "Nuit sur place"))
        itineraries.append(DayItinerary(u.id, u.name, "unit", dp.day, tuple(stops)))

    ind = solution_indicators(problem, solution)  # the benchmark's computation, never the stored copy
    x = problem.reach_min
    indicators = [
        # first what the solver optimises: consultations given and each commune's share of its need
        ("Demande prioritaire servie",
         f"{_fr_int(ind.get('priority_demand_served', 0))} / {_fr_int(ind.get('priority_demand', 0))} consultations "
         f"({_pct(ind.get('priority_demand_served_share', 0))})"),
        ("Part de sa demande servie, en moyenne par commune", _pct(ind.get("mean_commune_share", 0))),
        ("Part de sa demande servie, dans la commune la moins servie", _pct(ind.get("min_commune_share", 0))),
        ("Communes en besoin ayant reçu des consultations",
         f"{ind.get('communes_given_consultations', 0):.0f} / {ind.get('communes_in_need', 0):.0f}"),
        ("Population servie (chaque habitant compté pour la part servie de la demande de sa commune)",
         _pct(ind.get("population_served_share", 0))),
        # access, not consultations: a commune can have a session in reach whose consultations all went
        # to neighbours with more need
        (f"Population à moins de {x} min d'une séance (accès, pas consultations données)",
         f"{_fr_int(ind.get('population_within_reach', 0))} hab. ({_pct(ind.get('population_within_reach_share', 0))})"),
        ("Séances de consultation", f"{ind.get('sessions', 0):.0f}"),
        ("Heures de conduite", f"{ind.get('driving_hours', 0):.1f} h ({ind.get('driving_km', 0):.1f} km)"
         .replace(".", ",")),
        ("Taux d'occupation des équipes (demi-journées)", _pct(ind.get("staff_utilisation", 0))),
    ]
    for uid, mid, name, sessions, minutes in workload(problem, solution):
        indicators.append((f"Charge — {name} ({uid})",
                           f"{sessions} séance(s), {minutes / 60:.1f} h de consultation".replace(".", ",")))
    work = {u.name: work_summary(crew_days(problem, solution, u)) for u in problem.units}
    indicators += [work_indicator(f"équipe de {name}", summary) for name, summary in work.items()]
    if solution.gap is not None:
        indicators.append(("Écart maximal à l'optimum (prouvé par le solveur)", f"{100 * solution.gap:.1f} %"
                           .replace(".", ",")))
    unscheduled = tuple(Unscheduled(u.insee, f"{u.name} ({u.insee})",
                                    u.reason if u.period == "mission" else f"semaine {u.period} : {u.reason}")
                        for u in solution.unserved)

    service = {s.insee: s for s in solution.service}
    reach = {insee: set(sv.premises) for insee, sv in service.items()}  # premises in reach holding sessions
    coverage = {}
    for c in problem.communes:
        sv = service.get(c.insee)
        mine = [s for s in solution.sessions if s.premises_id in reach.get(c.insee, ())]
        coverage[c.insee] = {
            "name": c.name, "population": c.population, "priority_population": c.priority_population,
            "share_within_reach": 1.0 if mine else 0.0,
            "share_served": round(sv.share, 4) if sv else 0.0,
            **({"lat": c.location.lat, "lon": c.location.lon} if c.location is not None else {}),
            "sessions": [{"date": s.day.isoformat(), "half": s.half, "start": format_hhmm(s.start_min),
                          "end": format_hhmm(s.end_min), "premises_id": s.premises_id,
                          "premises_name": prem[s.premises_id].name if s.premises_id in prem else s.premises_id,
                          "address": prem[s.premises_id].address if s.premises_id in prem else "",
                          "unit_id": s.unit_id, "unit_name": problem.unit(s.unit_id).name,
                          "what": session_label(problem.unit(s.unit_id), s)}
                         for s in sorted(mine, key=lambda s: (s.day, s.start_min))],
        }
    used = []
    for pid in sorted({s.premises_id for s in solution.sessions}):
        p = prem.get(pid)
        if p is None:
            continue
        used.append({"id": p.id, "name": p.name, "insee": p.insee, "address": p.address,
                     "lat": p.location.lat if p.location else None, "lon": p.location.lon if p.location else None,
                     "accessible": p.accessible, "rooms": p.rooms,
                     "hours": (problem.default_hours(p).describe_fr() if problem.default_hours(p) is not None
                               else "horaires non renseignés"),
                     "sessions": sum(1 for s in solution.sessions if s.premises_id == pid)})
    nights = [{"unit_id": d.unit_id, "date": d.day.isoformat(), "place_id": d.night_place,
               "place_name": problem.unit(d.unit_id).place_name(d.night_place)} for d in solution.days]
    return PlanView("rotation", f"Rotation des unités mobiles — {problem.name}", tuple(itineraries),
                    tuple(indicators), unscheduled, approximate,
                    {"coverage": coverage, "premises_used": used, "reach_minutes": x, "nights": nights,
                     "work_minutes": work, "holidays": {d.isoformat(): n for d, n in problem.holidays().items()}},
                    network=solution.travel.get("network", ""))

