"""Turn sessions, nights and allocations into a full RotationSolution: days, service, reasons, indicators.

Shared by the CP-SAT solver, the greedy baseline and re-planning, so every plan is reported the same way.
"""

from __future__ import annotations

from datetime import date

from planner.rotations.legs import build_days
from planner.rotations.workdays import crew_profile
from planner.rotations.model import (DISCIPLINES, Allocation, CommuneService, RotationProblem, RotationSolution,
                                     Session, UnservedCommune)
from planner.rotations.reach import communes_reach, uptake_costs
from planner.rotations.slots import session_window, working_days
from planner.core.travel import TravelMatrix


def in_need(problem: RotationProblem) -> list[str]:
    """INSEE codes of the communes with some demand: each must be served once per coverage period."""
    return [c.insee for c in problem.communes if c.total_demand > 0]


def allocate_greedy(problem: RotationProblem, matrix: TravelMatrix, sessions: list[Session]) -> list[Allocation]:
    """Share each session's capacity among the communes in reach, most unmet demand first; a commune takes
    no more than its need allows at that distance (`uptake_costs`)."""
    cost = uptake_costs(problem, matrix)
    by_premises: dict[str, list[str]] = {}
    for insee, p in cost:
        by_premises.setdefault(p, []).append(insee)
    left = {(c.insee, k): 100 * c.demand.get(k, 0) for c in problem.communes for k in DISCIPLINES}
    alloc: dict[tuple[str, str, str], int] = {}
    for s in sorted(sessions, key=lambda s: (s.day, s.half, s.unit_id)):
        p = s.premises_id
        for k, cap in s.capacity.items():
            while cap > 0:
                cands = [i for i in by_premises.get(p, []) if left[(i, k)] // cost[(i, p)] > 0]
                if not cands:
                    break
                i = max(cands, key=lambda i: (left[(i, k)] // cost[(i, p)], i))
                give = min(cap, left[(i, k)] // cost[(i, p)])
                left[(i, k)] -= give * cost[(i, p)]
                cap -= give
                alloc[(p, i, k)] = alloc.get((p, i, k), 0) + give
    return [Allocation(p, i, k, n) for (p, i, k), n in sorted(alloc.items()) if n > 0]


def unserved_reason(problem: RotationProblem, matrix: TravelMatrix, insee: str, period_dates: tuple[date, ...],
                    reach: dict[str, tuple[str, ...]]) -> str:
    """Why a commune in need has no session within reach in a period, in a coordinator's words."""
    pids = reach.get(insee, ())
    if not pids:
        return f"aucun local à moins de {problem.reach_min} min de la mairie"
    prem = problem.premises_by_id()
    days = set(period_dates)
    open_any = False
    drivable = False
    for u in problem.units:
        limit = u.max_driving_min * 60
        for d in working_days(u):
            if d not in days:
                continue
            for pid in pids:
                if any(session_window(problem, prem[pid], d, h) for h in ("am", "pm")):
                    open_any = True
                    if any(matrix.time_s(n, pid) + matrix.time_s(pid, n) <= limit for n in u.night_places()):
                        drivable = True
    if not open_any:
        return (f"les locaux à portée ({', '.join(pids)}) ne sont pas ouverts au moins "
                f"{problem.half_days.min_session_min} min sur une demi-journée de mission")
    if not drivable:
        return "les locaux à portée sont au-delà de la limite de conduite journalière des unités"
    if any(crew_profile(u).max_day_min is not None for u in problem.units):
        return ("capacité des unités insuffisante : les demi-journées sont allées à des communes au besoin plus "
                "élevé, dans la limite du temps de travail des équipes (10 h par jour, pause de 20 min avant "
                "6 h, 48 h par semaine)")
    return "capacité des unités insuffisante : les demi-journées sont allées à des communes au besoin plus élevé"


def assemble(problem: RotationProblem, matrix: TravelMatrix, sessions: list[Session],
             nights: dict[tuple[str, date], str], allocations: list[Allocation], **meta) -> RotationSolution:
    """The complete solution; `meta` fills status, objective, bound, gap, solve_s, solver, changes."""
    sessions = sorted(sessions, key=lambda s: (s.unit_id, s.day, s.half))
    days = build_days(problem, matrix, sessions, nights)
    reach = communes_reach(problem, matrix)
    served: dict[tuple[str, str], int] = {}
    for a in allocations:
        served[(a.insee, a.discipline)] = served.get((a.insee, a.discipline), 0) + a.consultations
    service = []
    for c in problem.communes:
        mine = [s for s in sessions if s.premises_id in reach.get(c.insee, ())]
        offered: dict[str, int] = {}
        for s in mine:
            for k, n in s.capacity.items():
                offered[k] = offered.get(k, 0) + n
        service.append(CommuneService(
            c.insee, c.name, c.population, c.priority_population, dict(c.demand),
            {k: served.get((c.insee, k), 0) for k in DISCIPLINES if c.demand.get(k, 0) or served.get((c.insee, k))},
            offered, len(mine), tuple(sorted({s.premises_id for s in mine}))))
    unserved = []
    need_set = set(in_need(problem))
    by_insee = problem.commune_by_insee()
    for label, period in problem.periods():
        pdays = set(period)
        for insee in sorted(need_set):
            if not any(s.day in pdays and s.premises_id in reach.get(insee, ()) for s in sessions):
                unserved.append(UnservedCommune(insee, by_insee[insee].name, label,
                                                unserved_reason(problem, matrix, insee, period, reach)))
    indicators = compute_indicators(problem, sessions, days, service)
    return RotationSolution(tuple(sessions), tuple(days), tuple(allocations), tuple(service), tuple(unserved),
                            indicators, warnings=problem.warnings, **meta)


def solution_indicators(problem: RotationProblem, solution: RotationSolution) -> dict[str, float]:
    """The headline figures of a plan, recomputed from its sessions, days and service (what the view shows
    and `bench/rotation.py` prints: the terms the solver optimises)."""
    return compute_indicators(problem, solution.sessions, solution.days, solution.service)


def compute_indicators(problem: RotationProblem, sessions, days, service) -> dict[str, float]:
    """Headline figures: priority demand served, each commune's share of its need (mean, least, people
    weighted), population within reach of a session, driving, staff use."""
    pop_total = sum(c.population for c in problem.communes)
    pop_reach = sum(s.population for s in service if s.sessions > 0)
    need = sum(sum(s.need.values()) for s in service)
    served = sum(sum(s.served.values()) for s in service)
    capacity = sum(sum(s.capacity.values()) for s in sessions)
    avail = sum(2 * len(working_days(u)) for u in problem.units)
    needy = [s for s in service if sum(s.need.values()) > 0]
    return {
        "population_total": pop_total,
        "population_within_reach": pop_reach,
        "population_within_reach_share": round(pop_reach / pop_total, 4) if pop_total else 0.0,
        "priority_population_within_reach": sum(s.priority_population for s in service if s.sessions > 0),
        "priority_demand": need,
        "priority_demand_served": served,
        "priority_demand_served_share": round(served / need, 4) if need else 1.0,
        "session_capacity": capacity,
        "sessions": len(sessions),
        "communes_in_need": len(needy),
        "communes_served": sum(1 for s in needy if s.sessions > 0),
        "min_commune_share": round(min((s.share for s in needy), default=1.0), 4),
        "mean_commune_share": round(sum(s.share for s in needy) / len(needy), 4) if needy else 1.0,
        "communes_given_consultations": sum(1 for s in needy if sum(s.served.values()) > 0),
        # people weighted by the share of their commune's need met: never more than was served
        "population_served_share": (round(sum(s.population * s.share for s in needy)
                                          / sum(s.population for s in needy), 4) if needy else 1.0),
        "driving_hours": round(sum(d.driving_s for d in days) / 3600, 2),
        "driving_km": round(sum(d.metres for d in days) / 1000, 1),
        "staff_utilisation": round(len(sessions) / avail, 4) if avail else 0.0,
    }
