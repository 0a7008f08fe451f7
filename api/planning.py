"""Adapter between the service and the planners: territory snapshot + request -> PlanView and solution.

The service stores plans as PlanView dicts (api.exports.viewjson); what each planner needs is built here
from the snapshot taken by api.jobs, so neither the planners nor the routers know about each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from planner.errors import PlannerError
from planner.itinerary import PlanView

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PlanOutcome:
    view: PlanView
    solution: dict = field(default_factory=dict)  # the planner's own JSON form, for `planner check`


def run_planning(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    """Plan the territory with the real planner of params["kind"] ("home_visits" or "rotation")."""
    kind = params.get("kind")
    if kind == "home_visits":
        return _home_visits(snapshot, params, progress)
    if kind == "rotation":
        return _rotation(snapshot, params, progress)
    raise PlannerError(f"type de plan inconnu : {kind!r}")


def _home_visits(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    raise PlannerError("le planificateur de visites à domicile n'est pas encore branché")


def _rotation(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    raise PlannerError("le planificateur de rotations n'est pas encore branché")


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
