"""Which communes each premises serves: those whose town hall is within `reach_min` minutes by road.

Inhabitants travel from their town hall (id "mairie:<insee>") to the premises, so the time read is
town hall -> premises in the TravelMatrix. Also checks the matrix covers every place the plan needs.
"""

from __future__ import annotations

from planner.core.errors import InputError
from planner.rotations.model import RotationProblem
from planner.core.travel import UNREACHABLE, TravelMatrix


def required_places(problem: RotationProblem) -> list[tuple[str, str, str]]:
    """(place id, record, field) for every place the matrix must hold."""
    out = []
    for u in problem.units:
        out.append((u.base_id, f"unit {u.id}", "base"))
        out += [(lg.id, f"unit {u.id}", "lodging") for lg in u.lodging]
    out += [(p.id, f"premises {p.id}", "id") for p in problem.usable_premises()]
    out += [(c.place_id, f"commune {c.insee}", "insee") for c in problem.communes]
    return out


def check_matrix(problem: RotationProblem, matrix: TravelMatrix, *, source: str = "matrix") -> None:
    """Every place is in the matrix and every usable premises can be reached from some unit base."""
    known = set(matrix.ids)
    for place, record, field in required_places(problem):
        if place not in known:
            raise InputError(f"{record}: place '{place}' is not in the travel matrix (no position given?)", source=source, field=field)
    bases = {u.base_id for u in problem.units}
    for p in problem.usable_premises():
        if all(matrix.time_s(b, p.id) >= UNREACHABLE or matrix.time_s(p.id, b) >= UNREACHABLE for b in bases):
            raise InputError(f"premises {p.id} ({p.name}) cannot be reached by road from any unit base",
                             source=source, field="location")


def reach_map(problem: RotationProblem, matrix: TravelMatrix) -> dict[str, tuple[str, ...]]:
    """premises id -> INSEE codes of the communes it serves (town hall within reach), nearest first."""
    limit = problem.reach_min * 60
    out = {}
    for p in problem.usable_premises():
        times = [(matrix.time_s(c.place_id, p.id), c.insee) for c in problem.communes]
        out[p.id] = tuple(insee for t, insee in sorted(times) if t <= limit)
    return out


def communes_reach(problem: RotationProblem, matrix: TravelMatrix) -> dict[str, tuple[str, ...]]:
    """INSEE -> premises ids within reach (inverse of reach_map)."""
    out: dict[str, list[str]] = {c.insee: [] for c in problem.communes}
    for pid, insees in reach_map(problem, matrix).items():
        for i in insees:
            out[i].append(pid)
    return {k: tuple(v) for k, v in out.items()}


def uptake_costs(problem: RotationProblem, matrix: TravelMatrix) -> dict[tuple[str, str], int]:
    """(INSEE, premises id) -> hundredths of the commune's need one consultation there uses up.

    Uptake falls with distance (as in the enhanced two-step floating catchment area method): a commune's
    whole need can be met at premises within half the reach (100), only `far_uptake_pct` of it further
    away (100 * 100 / far_uptake_pct, rounded up). So a session near a commune serves it better than one
    at the sub-prefecture 19 minutes away, and the coverage objective keeps rewarding a rotation after
    every commune has a session in reach. The checker, the greedy and the CP-SAT model read this one rule.
    """
    near = problem.reach_min * 60 / 2
    far = -(-100 * 100 // max(1, problem.far_uptake_pct))
    out = {}
    by_insee = problem.commune_by_insee()
    for insee, pids in communes_reach(problem, matrix).items():
        place = by_insee[insee].place_id
        for pid in pids:
            out[(insee, pid)] = 100 if matrix.time_s(place, pid) <= near else far
    return out
