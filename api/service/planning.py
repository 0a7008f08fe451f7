"""Adapter between the service and the planners: territory snapshot + request -> PlanView and solution.

The service stores plans as PlanView dicts (api.outputs.viewjson) plus the planner's own problem and
solution JSON (so `planner check` can re-verify them and a re-plan can start from them). Travel times come
from the road network the service was started with (`planner serve --network FILE.osm`, loaded once per
process) or else from the approximate model (great-circle x circuity, maps.approx); views say which.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from planner.errors import InputError, PlannerError
from planner.worktime import holiday_subdivision, profile_from_record
from planner.geo import Location
from planner.itinerary import PlanView

Progress = Callable[[float, str], None]
WEEKDAY_HOURS = "08:30-17:30"  # staff working span when none is recorded (Monday to Friday)
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class PlanOutcome:
    view: PlanView
    solution: dict = field(default_factory=dict)  # {"problem": ..., "solution": ..., "changes": ...}


class _Relay:
    """Relays solver progress to the job; a cancellation seen inside a solver callback is remembered and
    raised once the solver returns (exceptions must not cross native solver code)."""

    def __init__(self, progress: Progress, time_limit_s: float) -> None:
        self.progress, self.limit, self.cancelled = progress, max(time_limit_s, 0.1), None
        self.lock = threading.Lock()

    def report(self, fraction: float, message: str) -> None:
        if self.cancelled is not None:
            return
        try:
            self.progress(min(0.95, 0.1 + 0.85 * fraction), message)
        except Exception as exc:  # noqa: BLE001 - JobCancelled, re-raised after the solver
            self.cancelled = exc

    def home_visits(self, what: str, fraction: float) -> None:
        self.report(fraction, what)

    def rotation(self, objective: float, bound: float, elapsed: float) -> None:
        self.report(elapsed / self.limit, f"meilleure solution {objective:.0f}, borne {bound:.0f}")

    def done(self) -> None:
        if self.cancelled is not None:
            raise self.cancelled


def run_planning(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    """Plan the territory with the real planner of params["kind"] ("home_visits" or "rotation")."""
    kind = params.get("kind")
    if kind == "home_visits":
        return _home_visits(snapshot, params, progress)
    if kind == "rotation":
        return _rotation(snapshot, params, progress)
    raise PlannerError(f"type de plan inconnu : {kind!r}")


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


def _matrix(places: dict[str, Location], network_path: str | None = None, door_seconds: dict | None = None):
    """All-pairs travel times between the places: over the road network when there is one (door times
    by density, or as given per place)."""
    ids = sorted(places)
    net = road_network(network_path)
    if net is not None:
        from maps.matrix import travel_matrix

        return travel_matrix(net, ids, [places[i] for i in ids], source="territoire",
                             door_seconds=door_seconds or None)
    from maps.approx import approximate_matrix

    return approximate_matrix(ids, [places[i] for i in ids])


def _weekly_hours(days: list[str], hours: str):
    from planner.hours import WeeklyHours
    import json

    a, b = hours.split("-")
    return WeeklyHours.from_fr_json(json.dumps([[d, d, [[a, b]]] for d in days]))


# --- home visits ---------------------------------------------------------------------------------------

def _last_visit_before(last_visit: str | None, start: date) -> date | None:
    """The patient's last visit (set by the visits ticked done on the phone, api.service.routers.ticks), as the
    planner needs it: before the horizon. A visit ticked on the start day itself counts as the day before."""
    if not last_visit:
        return None
    return min(date.fromisoformat(last_visit), start - timedelta(days=1))


def home_visit_problem(snapshot: dict, params: dict):
    from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, Horizon, Patient, Staff
    from planner.hours import TimeRange

    start = date.fromisoformat(params["start"])

    def week(s: dict) -> tuple:
        a, b = (s.get("work_hours") or WEEKDAY_HOURS).split("-")
        span = TimeRange(int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:]))
        days = s.get("work_days") or list(JOURS[:5])
        return tuple(span if j in days else None for j in JOURS)

    staff = tuple(Staff(s["code"], s["name"], DOCTOR if s["role"] == "doctor" else NURSE,
                        Location(s["base_lat"], s["base_lon"]), week(s),
                        advanced_practice=s["role"] == "ipa", start_address=s["base_name"], phone=s.get("phone", ""),
                        work_profile=profile_from_record(s.get("work_profile"), field="work_profile"))
                  for s in snapshot["staff"])
    codes = {s.id: s.role for s in staff}
    if not staff:
        raise InputError("aucun soignant dans le territoire : ajoutez ou importez le personnel", field="staff")
    patients = tuple(Patient(p["code"], p["name"], Location(p["lat"], p["lon"]), p["address"], p["frequency_days"],
                             p["tolerance_days"],
                             last_visit=_last_visit_before(p.get("last_visit"), start),
                             last_role=p.get("last_role") if p.get("last_visit") else None,
                             preferred_doctor=p["preferred_doctor"] if codes.get(p["preferred_doctor"]) == DOCTOR else None,
                             preferred_nurse=p["preferred_nurse"] if codes.get(p["preferred_nurse"]) == NURSE else None,
                             ald=p["ald"], no_regular_doctor=p["no_regular_doctor"], palliative=p["palliative"])
                     for p in snapshot["patients"])
    region = holiday_subdivision(c["insee"] for c in snapshot.get("communes", []))
    return HomeVisitProblem(Horizon(start, int(params["days"]), holiday_subdivision=region), patients, staff,
                            name=params.get("title") or f"Visites à domicile — {snapshot['territory']['name']}")


def _home_visits(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    from planner.home_visits import io as hv_io
    from planner.home_visits.replan import StaffAbsent, replan
    from planner.home_visits.solver import solve
    from planner.home_visits.view import to_plan_view

    relay = _Relay(progress, float(params.get("time_limit_s", 10)))
    progress(0.02, "préparation du problème")
    change = params.get("change")
    changes: list = []
    if change:
        parent = snapshot.get("parent", {}).get("solution", {})
        if "problem" not in parent:
            raise InputError("le plan d'origine n'a pas de problème enregistré", field="plan_id")
        problem = hv_io.problem_from_dict(parent["problem"])
        published = hv_io.solution_from_dict(parent["solution"])
        if not change.get("absent_staff"):
            raise InputError("pour des visites à domicile, indiquez absent_staff", field="absent_staff")
        when = date.fromisoformat(change.get("from_date") or date.today().isoformat())
        matrix = _matrix(problem.places(), snapshot.get("network_path"), problem.door_seconds())
        res = replan(problem, published, StaffAbsent(change["absent_staff"], when), matrix,
                     time_limit_s=float(params.get("time_limit_s", 10)), seed=int(params.get("seed", 0)))
        problem, sol = res.problem, res.solution
        changes = [{"patient_id": c.patient_id, "visit": c.visit_index, "kind": c.kind,
                    "old_day": c.old_day.isoformat() if c.old_day else None,
                    "new_day": c.new_day.isoformat() if c.new_day else None,
                    "old_staff": list(c.old_staff), "new_staff": list(c.new_staff), "reason": c.reason}
                   for c in res.diff]
    else:
        problem = home_visit_problem(snapshot, params)
        progress(0.05, "matrice des temps de trajet")
        matrix = _matrix(problem.places(), snapshot.get("network_path"), problem.door_seconds())
        sol = solve(problem, matrix, time_limit_s=float(params.get("time_limit_s", 10)),
                    seed=int(params.get("seed", 0)), progress=relay.home_visits)
    relay.done()
    view = to_plan_view(problem, sol, matrix, title=params.get("title") or None)
    return PlanOutcome(view, {"problem": hv_io.problem_to_dict(problem), "solution": hv_io.solution_to_dict(sol),
                              "changes": changes})


# --- rotations -----------------------------------------------------------------------------------------

def rotation_problem(snapshot: dict, params: dict):
    from planner.hours import WeeklyHours
    from planner.rotations.io import validate
    from planner.rotations.model import CommuneNeed, Member, Premises, RotationProblem, Unit
    from planner.rotations.need import estimate_demand, estimate_priority_population

    start, days = date.fromisoformat(params["start"]), int(params["days"])
    if not snapshot["units"]:
        raise InputError("aucune unité mobile dans le territoire", field="units")
    if not snapshot["premises"]:
        raise InputError("aucun local retenu : approuvez au moins une proposition", field="premises")
    units = tuple(Unit(u["code"], u["name"], tuple(Member(f"{u['code']}-{r}-{k}", f"{r} ({u['name']})", r,
                                                         work_profile=profile_from_record(u.get("work_profile")))
                                                  for k, r in enumerate(u["roles"])),
                       u["vehicle"], f"base:{u['code']}", u["base_name"], Location(u["base_lat"], u["base_lon"]),
                       start, days) for u in snapshot["units"])
    premises = tuple(Premises(p["code"], p["name"], p["insee"], Location(p["lat"], p["lon"]), p["address"], p["rooms"],
                              p["accessible"], tuple(x.strip() for x in p["equipment"].split(",") if x.strip()),
                              _weekly_hours(p["days"], p["hours"]) if p["days"] and p["hours"] else None, (), "approved")
                     for p in snapshot["premises"])
    needs = []
    for c in snapshot["communes"]:
        if c["lat"] is None:
            continue
        prio = estimate_priority_population(c["population"])
        hours = WeeklyHours.from_fr_json(c["townhall_hours"]) if c.get("townhall_hours") else None
        needs.append(CommuneNeed(c["insee"], c["name"], c["population"], Location(c["lat"], c["lon"]),
                                 f"mairie:{c['insee']}", hours, prio, True, estimate_demand(prio, days), True))
    problem = RotationProblem(units, premises, tuple(needs),
                              name=params.get("title") or f"Rotation — {snapshot['territory']['name']}")
    return validate(problem)


def _rotation_places(problem) -> dict[str, Location]:
    places = {u.base_id: u.base_location for u in problem.units}
    places.update({lg.id: lg.location for u in problem.units for lg in u.lodging if lg.location})
    places.update({p.id: p.location for p in problem.premises})
    places.update({c.place_id: c.location for c in problem.communes if c.location})
    return places


def _rotation(snapshot: dict, params: dict, progress: Progress) -> PlanOutcome:
    from planner.rotations import io as rot_io
    from planner.rotations.replan import Disruption, replan
    from planner.rotations.solver_ortools import solve
    from planner.rotations.view import to_plan_view

    limit = float(params.get("time_limit_s", 10))
    relay = _Relay(progress, limit)
    progress(0.02, "préparation du problème")
    change = params.get("change")
    if change:
        parent = snapshot.get("parent", {}).get("solution", {})
        if "problem" not in parent:
            raise InputError("le plan d'origine n'a pas de problème enregistré", field="plan_id")
        problem = rot_io.problem_from_dict(parent["problem"])
        published = rot_io.solution_from_dict(parent["solution"])
        today = date.fromisoformat(change.get("from_date") or date.today().isoformat())
        members = ()
        if change.get("unavailable_unit"):
            unit = next((u for u in problem.units if u.id == change["unavailable_unit"]), None)
            if unit is None:
                raise InputError(f"unité {change['unavailable_unit']} absente de ce plan", field="unavailable_unit")
            members = tuple((unit.id, m.id, d) for m in unit.members for d in unit.dates if d >= today)
        disruption = Disruption(member_unavailable=members,
                                premises_withdrawn=(change["withdrawn_premises"],) if change.get("withdrawn_premises") else ())
        if change.get("absent_staff"):
            raise InputError("pour une rotation, indiquez unavailable_unit ou withdrawn_premises", field="absent_staff")
        matrix = _matrix(_rotation_places(problem), snapshot.get("network_path"))
        problem, sol = replan(problem, matrix, published, disruption, today=today, time_limit_s=limit,
                              seed=int(params.get("seed", 0)))
    else:
        problem = rotation_problem(snapshot, params)
        progress(0.05, "matrice des temps de trajet")
        matrix = _matrix(_rotation_places(problem), snapshot.get("network_path"))
        sol = solve(problem, matrix, time_limit_s=limit, seed=int(params.get("seed", 0)), progress=relay.rotation)
    relay.done()
    view = to_plan_view(problem, sol, approximate=matrix.approximate)
    return PlanOutcome(view, {"problem": rot_io.problem_to_dict(problem), "solution": rot_io.solution_to_dict(sol),
                              "changes": list(getattr(sol, "changes", ()) or ())})


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



def check_stored(kind: str, stored: dict, network_path: str | None = None) -> list[str]:
    """Re-verify a stored plan with its planner's checker (every rule, travel times against the matrix)."""
    if kind == "home_visits":
        from planner.home_visits import io as hv_io
        from planner.home_visits.check import check

        problem = hv_io.problem_from_dict(stored["problem"])
        return check(problem, _matrix(problem.places(), network_path, problem.door_seconds()),
                     hv_io.solution_from_dict(stored["solution"]))
    from planner.rotations import io as rot_io
    from planner.rotations.check import check

    problem = rot_io.problem_from_dict(stored["problem"])
    return check(problem, _matrix(_rotation_places(problem), network_path),
                 rot_io.solution_from_dict(stored["solution"]))


def rank_pending_premises(stored: dict, proposals: list[dict], network_path: str | None = None) -> list[dict]:
    """What each pending proposal would add to a rotation plan (people newly within reach, priority demand),
    so a planner can answer a town hall. Estimates from planner.rotations.proposals, not a re-solve."""
    from dataclasses import replace

    from planner.rotations import io as rot_io
    from planner.rotations.model import Premises
    from planner.rotations.proposals import rank_proposals

    problem = rot_io.problem_from_dict(stored["problem"])
    known = {p.id for p in problem.premises}
    extra = tuple(Premises(p["code"], p["name"], p["insee"], Location(p["lat"], p["lon"]), p["address"], p["rooms"],
                           p["accessible"], (), _weekly_hours(p["days"], p["hours"]) if p["days"] and p["hours"] else None, (),
                           "proposed") for p in proposals if p["code"] not in known)
    if not extra:
        return []
    solution = rot_io.solution_from_dict(stored["solution"])

    def rank(candidates: tuple) -> list[dict]:
        grown = replace(problem, premises=problem.premises + candidates)
        values = rank_proposals(grown, _matrix(_rotation_places(grown), network_path), solution)
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
