"""The generic routing core's contract: one problem model, one solution model, one independent checker.

Solvers (planner/routing_ortools.py, ...) are pure functions RoutingProblem -> RoutingSolution; the
home-visit planner builds its day routes on these types. Conventions, stated once:
- every time is a whole number of seconds on one clock shared by the whole problem (for instance seconds
  since the horizon's first midnight); every distance is whole metres; matrices are indexed by node;
- a time window bounds the **start** of service (the end may pass the window's close);
- travel from node i to node j takes `seconds[i][j]`; a break may be taken while waiting or between two
  legs (never during a service), and delays everything after it;
- a vehicle leaves its start node at `Route.start_s` (>= shift start) and reaches its end node at
  `Route.end_s` (<= shift end); breaks may also fall before the start or after the end of a route (the
  person is then off duty anyway);
- `max_drive_s` counts every leg of a route, including the return to the end node;
- a `Sync` ties two stops (a joint visit): both served or both dropped, by two vehicles, their starts
  within an offset range; every engine must honour it (OR-Tools as a CP constraint, planner.routing_engine_lns
  by moving the pair together) and the checker verifies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from planner.core.errors import InputError


@dataclass(frozen=True)
class Break:
    """A break of `duration_s` that must start between `start_min_s` and `start_max_s` (e.g. lunch)."""

    start_min_s: int
    start_max_s: int
    duration_s: int


@dataclass(frozen=True)
class Vehicle:
    """One person-day (or truck): where it starts and ends, its shift and its limits."""

    id: str
    start: int  # node index
    end: int  # node index
    shift_start_s: int
    shift_end_s: int
    max_drive_s: int | None = None  # total travel seconds, return leg included
    max_stops: int | None = None
    breaks: tuple[Break, ...] = ()
    fixed_cost: int = 0  # added to the objective when the vehicle is used
    tag: str | None = None  # free label for the caller (role, date...)


@dataclass(frozen=True)
class Stop:
    """A visit to make at `node`, lasting `service_s`, starting inside one of `windows`.

    `windows` empty = any time in the vehicle's shift. `allowed_vehicles` None = any vehicle.
    `penalty` None = mandatory; otherwise the stop may be dropped at that cost (same unit as the
    objective: seconds for "time", metres for "distance").
    `late_cost_per_s` 0 = the windows are hard; > 0 = service may also start after the last window's
    close, at that cost per second late (a soft upper bound, e.g. tardiness; opening times stay hard).
    """

    id: str
    node: int
    service_s: int = 0
    windows: tuple[tuple[int, int], ...] = ()
    allowed_vehicles: tuple[str, ...] | None = None
    penalty: int | None = None
    demand: int = 0
    late_cost_per_s: int = 0

    def late_s(self, start_s: int) -> int:
        """Seconds by which a service starting at `start_s` passes the last window's close (0 if none)."""
        if not self.windows:
            return 0
        return max(0, start_s - max(b for _, b in self.windows))


@dataclass(frozen=True)
class Sync:
    """Two stops served together: both or neither, by two different vehicles, and
    `min_offset_s <= start(second) - start(first) <= max_offset_s` (0, 0 = the same start time; a positive
    range = the first one, then the second, as in a consultation in two stages)."""

    first: str  # stop id
    second: str  # stop id
    min_offset_s: int = 0
    max_offset_s: int = 0


OBJECTIVES = ("time", "distance")


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """Vehicles, stops and the node matrices they refer to.

    `capacities`: one integer per vehicle (same order as `vehicles`) bounding the sum of its stops'
    `demand`, or None for no capacity. `objective`: arc cost is travel seconds ("time") or metres
    ("distance"). `span_cost`: cost per second of each route's duration (start to end), 0 = none.
    """

    seconds: np.ndarray
    metres: np.ndarray | None
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    capacities: tuple[int, ...] | None = None
    objective: str = "time"
    span_cost: int = 0
    syncs: tuple[Sync, ...] = ()
    count_target: tuple[int, ...] | None = None
    count_cost: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", _as_matrix(self.seconds, "seconds"))
        if self.metres is not None:
            object.__setattr__(self, "metres", _as_matrix(self.metres, "metres"))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "stops", tuple(self.stops))
        if self.capacities is not None:
            object.__setattr__(self, "capacities", tuple(int(c) for c in self.capacities))
        object.__setattr__(self, "syncs", tuple(self.syncs))
        if self.count_target is not None:
            object.__setattr__(self, "count_target", tuple(int(c) for c in self.count_target))
        validate(self)

    @property
    def n_nodes(self) -> int:
        return int(self.seconds.shape[0])

    def vehicle_index(self) -> dict[str, int]:
        return {v.id: k for k, v in enumerate(self.vehicles)}

    def stop_by_id(self) -> dict[str, Stop]:
        return {s.id: s for s in self.stops}

    def arc_cost(self, i: int, j: int) -> int:
        """The objective's cost of travelling from node i to node j."""
        if self.objective == "distance":
            return int(self.metres[i, j])
        return int(self.seconds[i, j])


def _as_matrix(values, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(f"the {name} matrix must be square, got shape {arr.shape}", field=name)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise InputError(f"the {name} matrix must hold whole numbers", field=name)
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise InputError(f"the {name} matrix holds a negative value", field=name)
    return arr


def validate(problem: RoutingProblem) -> None:
    """Raise InputError on the first inconsistency a solver could not make sense of."""
    n = problem.n_nodes
    if problem.metres is not None and problem.metres.shape != problem.seconds.shape:
        raise InputError("the metres and seconds matrices differ in shape", field="metres")
    if problem.objective not in OBJECTIVES:
        raise InputError(f"unknown objective {problem.objective!r} (expected one of {OBJECTIVES})",
                         field="objective")
    if problem.objective == "distance" and problem.metres is None:
        raise InputError("objective 'distance' needs a metres matrix", field="metres")
    ids = [v.id for v in problem.vehicles]
    if len(set(ids)) != len(ids):
        raise InputError("two vehicles share an id", field="vehicles")
    for v in problem.vehicles:
        for node in (v.start, v.end):
            if not 0 <= node < n:
                raise InputError(f"vehicle {v.id}: node {node} outside the matrix (size {n})",
                                 source=v.id, field="start/end")
        if v.shift_end_s < v.shift_start_s:
            raise InputError(f"vehicle {v.id}: shift ends before it starts", source=v.id, field="shift")
        for b in v.breaks:
            if b.start_max_s < b.start_min_s or b.duration_s < 0:
                raise InputError(f"vehicle {v.id}: break with an empty start range or negative duration",
                                 source=v.id, field="breaks")
    if problem.capacities is not None and len(problem.capacities) != len(problem.vehicles):
        raise InputError("capacities must give one value per vehicle", field="capacities")
    known = set(ids)
    seen: set[str] = set()
    for s in problem.stops:
        if s.id in seen:
            raise InputError(f"two stops share the id {s.id}", source=s.id, field="id")
        seen.add(s.id)
        if not 0 <= s.node < n:
            raise InputError(f"stop {s.id}: node {s.node} outside the matrix (size {n})",
                             source=s.id, field="node")
        if s.service_s < 0:
            raise InputError(f"stop {s.id}: negative service time", source=s.id, field="service_s")
        for a, b in s.windows:
            if b < a:
                raise InputError(f"stop {s.id}: window ({a}, {b}) ends before it opens",
                                 source=s.id, field="windows")
        if s.allowed_vehicles is not None:
            unknown = set(s.allowed_vehicles) - known
            if unknown:
                raise InputError(f"stop {s.id}: unknown vehicles {sorted(unknown)}",
                                 source=s.id, field="allowed_vehicles")
        if s.penalty is not None and s.penalty < 0:
            raise InputError(f"stop {s.id}: negative penalty", source=s.id, field="penalty")
        if s.late_cost_per_s < 0:
            raise InputError(f"stop {s.id}: negative late cost", source=s.id, field="late_cost_per_s")
    if problem.count_target is not None and len(problem.count_target) != len(problem.vehicles):
        raise InputError("count_target must give one value per vehicle", field="count_target")
    paired: set[str] = set()
    for y in problem.syncs:
        for sid in (y.first, y.second):
            if sid not in seen:
                raise InputError(f"sync names unknown stop {sid}", source=sid, field="syncs")
            if sid in paired:
                raise InputError(f"stop {sid} is in two syncs", source=sid, field="syncs")
            paired.add(sid)
        if y.first == y.second or y.max_offset_s < y.min_offset_s:
            raise InputError(f"sync {y.first}/{y.second}: same stop twice or empty offset range",
                             source=y.first, field="syncs")


@dataclass(frozen=True)
class Visit:
    """One stop on a route: arrival at the node, service start and end, leg from the previous node."""

    stop_id: str
    vehicle_id: str
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int  # from the previous node (the vehicle's start for the first visit)
    travel_m: int


@dataclass(frozen=True)
class Route:
    """A vehicle's ordered visits. `travel_s`/`travel_m` include the return leg to the end node.

    `breaks` holds (start_s, end_s) of each break taken, in the order of `Vehicle.breaks`.
    """

    vehicle_id: str
    visits: tuple[Visit, ...]
    start_s: int
    end_s: int
    travel_s: int
    travel_m: int
    breaks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class RoutingSolution:
    """Routes of the used vehicles, the dropped optional stops, and how the search went.

    `status`: "optimal", "feasible" (a solution, search stopped by its limit) or "no_solution".
    `objective`: the solver's objective value (arc costs + fixed costs + span costs + lateness costs +
    penalties).
    `first_solution_s`: seconds until the first solution, None if none was found.
    """

    routes: tuple[Route, ...]
    dropped: tuple[str, ...]
    objective: int
    status: str
    wall_s: float
    first_solution_s: float | None = None

    @property
    def found(self) -> bool:
        return self.status in ("optimal", "feasible")


def _in_windows(t: int, windows: Sequence[tuple[int, int]]) -> bool:
    return not windows or any(a <= t <= b for a, b in windows)


def objective_value(problem: RoutingProblem, solution: RoutingSolution) -> int:
    """Recompute the objective from the problem (arcs, fixed costs, spans, lateness, dropped stops' penalties)."""
    vehicles = {v.id: v for v in problem.vehicles}
    stops = problem.stop_by_id()
    total = 0
    for r in solution.routes:
        if not r.visits:
            continue
        v = vehicles[r.vehicle_id]
        nodes = [v.start] + [stops[x.stop_id].node for x in r.visits] + [v.end]
        total += sum(problem.arc_cost(a, b) for a, b in zip(nodes, nodes[1:]))
        total += v.fixed_cost + problem.span_cost * (r.end_s - r.start_s)
        total += sum(stops[x.stop_id].late_cost_per_s * stops[x.stop_id].late_s(x.start_s) for x in r.visits)
        if problem.count_target is not None:
            over = len(r.visits) - problem.count_target[problem.vehicle_index()[r.vehicle_id]]
            total += problem.count_cost * max(0, over)
    total += sum(stops[s].penalty or 0 for s in solution.dropped if s in stops)
    return total


def check_routing(problem: RoutingProblem, solution: RoutingSolution) -> list[str]:
    """Re-verify a solution against its problem; return one plain sentence per violation (empty = valid).

    Checks every stop visited once or dropped (mandatory ones never dropped), allowed vehicles, windows
    (a start after the last window's close only where the stop has a late cost),
    shifts, breaks, max_drive, max_stops, capacity, and every leg's travel against the matrices.
    """
    errors: list[str] = []
    vehicles = {v.id: v for v in problem.vehicles}
    vindex = problem.vehicle_index()
    stops = problem.stop_by_id()
    sec, met = problem.seconds, problem.metres
    visited: dict[str, str] = {}
    used_vehicles: set[str] = set()

    for r in solution.routes:
        v = vehicles.get(r.vehicle_id)
        if v is None:
            errors.append(f"route of unknown vehicle {r.vehicle_id}")
            continue
        if r.vehicle_id in used_vehicles:
            errors.append(f"vehicle {v.id} has two routes")
        used_vehicles.add(r.vehicle_id)
        if r.start_s < v.shift_start_s:
            errors.append(f"vehicle {v.id} leaves at {r.start_s}, before its shift starts ({v.shift_start_s})")
        if r.end_s > v.shift_end_s:
            errors.append(f"vehicle {v.id} is back at {r.end_s}, after its shift ends ({v.shift_end_s})")
        if not r.visits:
            continue

        # Legs: (from node, departure time, to node, arrival deadline = service start or route end).
        prev_node, prev_end = v.start, r.start_s
        drive_s = drive_m = 0
        load = 0
        services: list[tuple[int, int, str]] = []
        legs: list[tuple[int, int, int, str]] = []  # (free from, free until, travel, label)
        for x in r.visits:
            s = stops.get(x.stop_id)
            if s is None:
                errors.append(f"vehicle {v.id} visits unknown stop {x.stop_id}")
                continue
            if x.vehicle_id != v.id:
                errors.append(f"stop {s.id}: visit names vehicle {x.vehicle_id} but is on {v.id}'s route")
            if s.id in visited:
                errors.append(f"stop {s.id} is visited twice ({visited[s.id]} and {v.id})")
            visited[s.id] = v.id
            if s.allowed_vehicles is not None and v.id not in s.allowed_vehicles:
                errors.append(f"stop {s.id} is served by {v.id}, which is not allowed for it")
            t_s = int(sec[prev_node, s.node])
            if x.travel_s != t_s:
                errors.append(f"stop {s.id}: travel {x.travel_s} s reported, matrix says {t_s} s")
            if met is not None and x.travel_m != int(met[prev_node, s.node]):
                errors.append(f"stop {s.id}: travel {x.travel_m} m reported, matrix says "
                              f"{int(met[prev_node, s.node])} m")
            if x.arrival_s < prev_end + t_s:
                errors.append(f"stop {s.id}: arrival {x.arrival_s} is earlier than departure {prev_end} "
                              f"+ travel {t_s}")
            if x.start_s < x.arrival_s:
                errors.append(f"stop {s.id}: service starts at {x.start_s}, before arrival {x.arrival_s}")
            if s.late_cost_per_s > 0 and s.late_s(x.start_s) > 0:
                pass  # soft upper bound: late service allowed, at a cost counted by objective_value
            elif not _in_windows(x.start_s, s.windows):
                errors.append(f"stop {s.id}: service starts at {x.start_s}, outside its windows {list(s.windows)}")
            if x.end_s != x.start_s + s.service_s:
                errors.append(f"stop {s.id}: service ends at {x.end_s}, expected start + {s.service_s} s")
            legs.append((prev_end, x.start_s, t_s, f"before stop {s.id}"))
            services.append((x.start_s, x.end_s, s.id))
            drive_s += t_s
            drive_m += int(met[prev_node, s.node]) if met is not None else 0
            load += s.demand
            prev_node, prev_end = s.node, x.end_s
        t_back = int(sec[prev_node, v.end])
        legs.append((prev_end, r.end_s, t_back, f"on {v.id}'s way back"))
        drive_s += t_back
        drive_m += int(met[prev_node, v.end]) if met is not None else 0
        if r.travel_s != drive_s:
            errors.append(f"vehicle {v.id}: route travel {r.travel_s} s reported, matrix sums to {drive_s} s")
        if met is not None and r.travel_m != drive_m:
            errors.append(f"vehicle {v.id}: route travel {r.travel_m} m reported, matrix sums to {drive_m} m")
        if v.max_drive_s is not None and drive_s > v.max_drive_s:
            errors.append(f"vehicle {v.id} drives {drive_s} s, over its limit of {v.max_drive_s} s")
        if v.max_stops is not None and len(r.visits) > v.max_stops:
            errors.append(f"vehicle {v.id} makes {len(r.visits)} stops, over its limit of {v.max_stops}")
        if problem.capacities is not None and load > problem.capacities[vindex[v.id]]:
            errors.append(f"vehicle {v.id} carries {load}, over its capacity {problem.capacities[vindex[v.id]]}")
        errors.extend(_check_breaks(v, r, services, legs))

    for s in problem.stops:
        if s.id in visited:
            if s.id in solution.dropped:
                errors.append(f"stop {s.id} is both visited and listed as dropped")
        elif s.id not in solution.dropped:
            errors.append(f"stop {s.id} is neither visited nor listed as dropped")
        elif s.penalty is None:
            errors.append(f"mandatory stop {s.id} is dropped")
    for d in solution.dropped:
        if d not in stops:
            errors.append(f"dropped stop {d} is not in the problem")
    errors.extend(_check_syncs(problem, solution))
    return errors


def _check_syncs(problem: RoutingProblem, solution: RoutingSolution) -> list[str]:
    """Both stops of a sync served or both dropped, by two vehicles, starts within the offset range."""
    served = {x.stop_id: x for r in solution.routes for x in r.visits}
    errors = []
    for y in problem.syncs:
        a, b = served.get(y.first), served.get(y.second)
        if (a is None) != (b is None):
            errors.append(f"stops {y.first} and {y.second} go together, but only one is served")
        elif a is not None:
            if a.vehicle_id == b.vehicle_id:
                errors.append(f"stops {y.first} and {y.second} go together, both served by {a.vehicle_id}")
            gap = b.start_s - a.start_s
            if not y.min_offset_s <= gap <= y.max_offset_s:
                errors.append(f"stops {y.first} and {y.second} start {gap} s apart, outside "
                              f"[{y.min_offset_s}, {y.max_offset_s}]")
    return errors


def _check_breaks(v: Vehicle, r: Route, services, legs) -> list[str]:
    errors: list[str] = []
    if len(r.breaks) != len(v.breaks):
        return [f"vehicle {v.id}: {len(r.breaks)} breaks taken, {len(v.breaks)} required"]
    spans = sorted(r.breaks)
    for (a1, b1), (a2, _) in zip(spans, spans[1:]):
        if a2 < b1:
            errors.append(f"vehicle {v.id}: two breaks overlap ({a1}-{b1} and {a2})")
    for b, (bs, be) in zip(v.breaks, r.breaks):
        if be - bs != b.duration_s:
            errors.append(f"vehicle {v.id}: break {bs}-{be} should last {b.duration_s} s")
        if not b.start_min_s <= bs <= b.start_max_s:
            errors.append(f"vehicle {v.id}: break starts at {bs}, outside [{b.start_min_s}, {b.start_max_s}]")
        for s0, s1, sid in services:
            if bs < s1 and s0 < be and s1 > s0:
                errors.append(f"vehicle {v.id}: break {bs}-{be} overlaps the service of stop {sid}")
    # Inside the route, the breaks taken in a gap plus the travel of that gap must fit in it.
    for free_from, free_until, travel, label in legs:
        inside = sum(be - bs for bs, be in r.breaks if free_from <= bs and be <= free_until)
        if free_until - free_from < travel + inside:
            errors.append(f"vehicle {v.id}: {free_until - free_from} s {label} cannot hold travel "
                          f"{travel} s and breaks {inside} s")
    for bs, be in r.breaks:
        if bs < r.end_s and be > r.start_s:
            if not any(f <= bs and be <= u for f, u, _, _ in legs):
                errors.append(f"vehicle {v.id}: break {bs}-{be} straddles a service or the route's ends")
    return errors
