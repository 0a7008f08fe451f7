"""Adapter between the service and the planners: territory snapshot + request -> PlanView and solution.

The service stores plans as PlanView dicts (api.outputs.viewjson) plus the planner's own problem and
solution JSON (so `planner check` can re-verify them and a re-plan can start from them). Travel times come
from the road network the service was started with (`planner serve --network FILE.osm`, loaded once per
process) or else from the approximate model (great-circle x circuity, maps.approx); views say which.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from api.service.records import home_visit_problem, rotation_problem
from planner import kinds
from planner.core.errors import InputError
from planner.core.itinerary import PlanView
from planner.core.solving import Kind, ProgressEvent, SolveParams

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PlanOutcome:
    view: PlanView
    solution: dict = field(default_factory=dict)  # {"problem": ..., "solution": ..., "changes": ...}


class _Relay:
    """Relays solver progress to the job; a cancellation seen inside a solver callback is remembered and
    raised once the solver returns (exceptions must not cross native solver code)."""

    def __init__(self, progress: Progress, time_limit_s: float, size: str = "") -> None:
        self.progress, self.cancelled = progress, None
        self.limit, self.size, self.t0 = time_limit_s, size, time.monotonic()

    def event(self, e: ProgressEvent) -> None:
        """'environ 12 s restantes — 3 unité(s) × 8 jours' (the search's own numbers stay out of sight)."""
        if self.cancelled is not None:
            return
        left = max(0, round(self.limit - (time.monotonic() - self.t0)))
        message = (f"environ {left} s restantes" if left else "dernières vérifications") + \
            (f" — {self.size}" if self.size else "")
        try:
            self.progress(min(0.95, 0.1 + 0.85 * e.fraction), message)
        except Exception as exc:  # noqa: BLE001 - JobCancelled, re-raised after the solver
            self.cancelled = exc

    def done(self) -> None:
        if self.cancelled is not None:
            raise self.cancelled


# The problem builders from a territory's rows, by kind.
def _builders() -> dict:
    return {"home_visits": home_visit_problem, "rotation": rotation_problem}


def run_planning(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    """Plan the territory with the planner of params["kind"] (see planner.kinds), or re-plan a stored plan
    after params["change"]."""
    kind = kinds.get(params.get("kind"))
    solve_params = SolveParams(time_limit_s=float(params.get("time_limit_s", 10)), seed=int(params.get("seed", 0)),
                               deterministic=bool(params.get("deterministic", True)))
    progress(0.02, "préparation du problème")
    changes: tuple = ()
    if params.get("change") or params.get("around_pins"):  # from the stored plan's own problem
        parent = snapshot.get("parent", {}).get("solution", {})
        if "problem" not in parent:
            raise InputError("le plan d'origine n'a pas de problème enregistré", field="plan_id")
        problem = kind.problem_from_dict(parent["problem"])
        matrix = _matrix(kind, problem, snapshot.get("network_path"))
        relay = _Relay(progress, solve_params.time_limit_s, kind.size_fr(problem))
        if params.get("change"):
            published = kind.solution_from_dict(parent["solution"])
            change = kind.change_from_dict(params["change"], problem, today=date.today())
            result = kind.replan(problem, published, change, matrix, solve_params)
            problem, sol, changes = result.problem, result.solution, result.changes
        else:  # re-optimised around its pins and locked days (they are part of the problem)
            sol = kind.solve(problem, matrix, solve_params, relay.event)
    else:
        problem = _builders()[kind.name](snapshot, params)
        progress(0.05, "matrice des temps de trajet")
        matrix = _matrix(kind, problem, snapshot.get("network_path"))
        relay = _Relay(progress, solve_params.time_limit_s, kind.size_fr(problem))
        progress(0.1, f"environ {solve_params.time_limit_s:.0f} s restantes — {kind.size_fr(problem)}")
        sol = kind.solve(problem, matrix, solve_params, relay.event)
    relay.done()
    view = kind.view(problem, sol, matrix, title=kind.dated_title(problem, params.get("title") or None))
    return PlanOutcome(view, {"problem": kind.problem_to_dict(problem), "solution": kind.solution_to_dict(sol),
                              "changes": list(changes)})


_networks: dict[str, object] = {}
_networks_lock = threading.Lock()


def road_network(path: str | None):
    """The road network at `path`, loaded once per process (None: no network, approximate model)."""
    if not path:
        return None
    with _networks_lock:
        if path not in _networks:
            from maps.network import load_network

            _networks[path] = load_network(path)
        return _networks[path]


def _matrix(kind: Kind, problem, network_path: str | None = None):
    """All-pairs travel times between the problem's places, over the service's road network when it has one."""
    from maps.travel import places_matrix

    places = kind.places(problem)
    return places_matrix({i: places[i] for i in sorted(places)}, road_network(network_path),
                         door_seconds=kind.door_seconds(problem), source="territoire")


# --- differences ---------------------------------------------------------------------------------------

def _items(view: dict) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(kind, item) -> {(day, resource)}: patient visits by patient id, sessions by place."""
    out: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for it in view.get("itineraries", []):
        for s in it.get("stops", []):
            if s.get("patient_id"):
                key = ("visit", s["patient_id"])
            elif s.get("kind") == "session":
                key = ("session", s.get("place_id", ""))
            else:
                continue
            out.setdefault(key, set()).add((it["day"], it["resource_id"]))
    return out


def view_diff(old: dict, new: dict) -> dict:
    """What a re-plan changed: visits or sessions moved to another day, reassigned, cancelled or added."""
    a, b = _items(old or {}), _items(new or {})
    moved, reassigned, cancelled, added = [], [], [], []
    for key in sorted(set(a) | set(b)):
        before, after = a.get(key, set()), b.get(key, set())
        if before == after:
            continue
        if not after:
            cancelled.append({"kind": key[0], "item": key[1], "before": sorted(before)})
        elif not before:
            added.append({"kind": key[0], "item": key[1], "after": sorted(after)})
        elif {d for d, _ in before} == {d for d, _ in after}:
            reassigned.append({"kind": key[0], "item": key[1], "before": sorted(before), "after": sorted(after)})
        else:
            moved.append({"kind": key[0], "item": key[1], "before": sorted(before), "after": sorted(after)})
    return {"moved": moved, "reassigned": reassigned, "cancelled": cancelled, "added": added}



def edit_stored(kind_name: str, stored: dict, edit: Callable, title: str | None,
                network_path: str | None = None, *, routed: bool = True) -> tuple[dict, PlanView | None, str]:
    """A hand adjustment of a stored plan: `edit(problem, solution, matrix)` returns the planner's Edited
    (planner.home_visits.edits, planner.rotations.edits); the new stored form, its view and the French message of what was done.
    `routed` False (a pin, a lock: only the problem changes) builds no travel matrix and no new view (None)."""
    kind = kinds.get(kind_name)
    problem = kind.problem_from_dict(stored["problem"])
    solution = kind.solution_from_dict(stored["solution"])
    matrix = _matrix(kind, problem, network_path) if routed else None
    result = edit(problem, solution, matrix)
    view = kind.view(result.problem, result.solution, matrix, title=title) if routed else None
    return ({"problem": kind.problem_to_dict(result.problem), "solution": kind.solution_to_dict(result.solution),
             "changes": []}, view, result.message)


def check_stored(kind_name: str, stored: dict, network_path: str | None = None) -> list[str]:
    """Re-verify a stored plan with its planner's checker (every rule, travel times against the matrix)."""
    kind = kinds.get(kind_name)
    problem = kind.problem_from_dict(stored["problem"])
    return kind.check(problem, _matrix(kind, problem, network_path), kind.solution_from_dict(stored["solution"]))


def rank_pending_premises(stored: dict, proposals: list[dict], network_path: str | None = None) -> list[dict]:
    """What each pending proposal would add to a rotation plan (people newly within reach, priority demand),
    so a planner can answer a town hall. Estimates from planner.rotations.proposals, not a re-solve."""
    from dataclasses import replace

    from planner.rotations import io as rot_io
    from planner.rotations.proposals import rank_proposals

    problem = rot_io.problem_from_dict(stored["problem"])
    known = {p.id for p in problem.premises}
    extra = tuple(rot_io._premises({**p, "status": "proposed"}, "local", k)  # records (api.service.records)
                  for k, p in enumerate(proposals) if p["id"] not in known)
    if not extra:
        return []
    solution = rot_io.solution_from_dict(stored["solution"])

    def rank(candidates: tuple) -> list[dict]:
        grown = replace(problem, premises=problem.premises + candidates)
        values = rank_proposals(grown, _matrix(kinds.get("rotation"), grown, network_path), solution)
        return [{"code": v.premises_id, "name": v.name, "insee": v.insee, "new_population": v.new_population,
                 "new_communes": list(v.new_communes), "communes_in_reach": v.communes_in_reach,
                 "unmet_priority_demand": v.unmet_priority_demand, "session_gain": v.session_gain,
                 "message": v.message} for v in values]

    try:
        return rank(extra)
    except InputError:
        pass  # one proposal cannot be placed (e.g. far from any road): value the others, name that one
    ranked, refused = [], []
    for p in extra:
        try:
            ranked += rank((p,))
        except InputError:
            refused.append({"code": p.id, "name": p.name, "insee": p.insee, "new_population": 0, "new_communes": [],
                            "communes_in_reach": 0, "unmet_priority_demand": 0, "session_gain": 0,
                            "message": f"{p.name} : position inutilisable (trop loin des routes du réseau) : "
                                       "vérifiez la latitude et la longitude du local"})
    ranked.sort(key=lambda r: (-r["new_population"], -r["unmet_priority_demand"], r["code"]))
    return ranked + refused
