"""PyVRP adapter of the routing core, for the sub-problems it fits: same solve_routing signature as OR-Tools.

Why it exists: on the Solomon VRPTW benchmark (bench/README.md) OR-Tools' routing library stays several
percent above the best-known distances at 10 s whatever its settings, while PyVRP (hybrid genetic search)
is within a fraction of a percent. PyVRP has no breaks, no per-stop allowed vehicles and one time window per
stop, and bounds distance, not driving time; so it only takes problems without those, or with a driving
limit under the time objective (`unfit_reasons` says why not). `max_stops` becomes a second capacity
dimension, optional stops become prizes (dropping one costs its penalty, as in OR-Tools).
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np

from planner.routing import (Route, RoutingProblem, RoutingSolution, Visit, objective_value)

Progress = Callable[[int, float], None]

_BIG = 2 ** 44  # "no bound" for times and loads, far below PyVRP's own maxima


def unfit_reasons(problem: RoutingProblem) -> list[str]:
    """Why PyVRP cannot take this problem (empty list = it can)."""
    reasons = []
    if any(v.breaks for v in problem.vehicles):
        reasons.append("breaks")
    if problem.objective != "time" and any(v.max_drive_s is not None for v in problem.vehicles):
        # With the time objective PyVRP's distance is travel seconds, and max_distance bounds it.
        reasons.append("max_drive_s with the distance objective")
    all_ids = {v.id for v in problem.vehicles}
    if any(s.allowed_vehicles is not None and set(s.allowed_vehicles) != all_ids for s in problem.stops):
        reasons.append("allowed_vehicles")
    if any(len(s.windows) > 1 for s in problem.stops):
        reasons.append("several time windows on a stop")
    if any(s.late_cost_per_s > 0 and s.windows for s in problem.stops):
        reasons.append("soft time windows (late_cost_per_s)")
    if problem.syncs:
        reasons.append("joint stops (syncs)")
    if problem.count_target is not None and problem.count_cost:
        reasons.append("soft bound on stops per vehicle (count_target)")
    return reasons


def fits(problem: RoutingProblem) -> bool:
    return not unfit_reasons(problem)


class _Data:
    """The PyVRP ProblemData of one problem and the maps needed to read its solutions back."""

    def __init__(self, problem: RoutingProblem) -> None:
        from pyvrp import Client, Depot, Location, ProblemData, VehicleType

        p = problem
        self.problem = p
        depots = sorted({v.start for v in p.vehicles} | {v.end for v in p.vehicles})
        # PyVRP locations: the depots, then one per stop (stops may share matrix nodes).
        self.nodes = np.array(depots + [s.node for s in p.stops], dtype=np.int64)
        depot_loc = {d: k for k, d in enumerate(depots)}
        n_d = len(depots)
        count_stops = any(v.max_stops is not None for v in p.vehicles)
        has_load = p.capacities is not None

        def load(s) -> list[int]:
            return ([int(s.demand)] if has_load else []) + ([1] if count_stops else [])

        clients = []
        for s in p.stops:
            early, late = s.windows[0] if s.windows else (0, _BIG)
            clients.append(Client(location=n_d + len(clients), delivery=load(s),
                                  service_duration=int(s.service_s), tw_early=int(early), tw_late=int(late),
                                  required=s.penalty is None, prize=int(s.penalty or 0)))
        # One vehicle type per group of identical vehicles (PyVRP is faster with few types).
        groups: dict[tuple, list[int]] = {}
        for k, v in enumerate(p.vehicles):
            cap = (([int(p.capacities[k])] if has_load else [])
                   + ([int(v.max_stops) if v.max_stops is not None else len(p.stops)] if count_stops else []))
            key = (depot_loc[v.start], depot_loc[v.end], v.shift_start_s, v.shift_end_s, v.fixed_cost,
                   tuple(cap), v.max_drive_s if v.max_drive_s is not None else _BIG)
            groups.setdefault(key, []).append(k)
        self.type_vehicles = list(groups.values())
        types = [VehicleType(num_available=len(ks), capacity=list(key[5]), start_depot=key[0],
                             end_depot=key[1], fixed_cost=int(key[4]), tw_early=int(key[2]),
                             tw_late=int(key[3]), max_distance=int(key[6]), unit_distance_cost=1,
                             unit_duration_cost=int(p.span_cost))
                 for key, ks in groups.items()]
        cost = p.metres if p.objective == "distance" else p.seconds
        sub = np.ix_(self.nodes, self.nodes)
        self.data = ProblemData(
            locations=[Location(0.0, 0.0) for _ in self.nodes], clients=clients,
            depots=[Depot(location=k) for k in range(n_d)], vehicle_types=types,
            distance_matrices=[np.ascontiguousarray(cost[sub])],
            duration_matrices=[np.ascontiguousarray(p.seconds[sub])])
        self.n_depots = n_d

    def initial_solution(self, initial: RoutingSolution | Sequence[Sequence[str]]):
        from pyvrp import Activity, ActivityType, Route as PRoute, Solution
        p = self.problem
        where = {s.id: k for k, s in enumerate(p.stops)}
        if isinstance(initial, RoutingSolution):
            by_vehicle = {r.vehicle_id: [x.stop_id for x in r.visits] for r in initial.routes}
            lists = [by_vehicle.get(v.id, []) for v in p.vehicles]
        else:
            lists = list(initial)
        type_of = {k: t for t, ks in enumerate(self.type_vehicles) for k in ks}
        routes = [PRoute(self.data, [Activity(ActivityType.CLIENT, where[s]) for s in ids if s in where],
                         type_of[k])
                  for k, ids in enumerate(lists) if any(s in where for s in ids)]
        return Solution(self.data, routes)

    def read(self, best) -> tuple[list[Route], list[str]]:
        """Plain routes with the earliest schedule from PyVRP's start time, and the dropped stops."""
        p = self.problem
        free = [list(ks) for ks in self.type_vehicles]
        routes, visited = [], set()
        for r in best.routes():
            k = free[r.vehicle_type()].pop(0)
            v = p.vehicles[k]
            order = [p.stops[a.idx] for a in r.schedule() if a.is_client()]
            start = max(int(r.start_time()), v.shift_start_s)
            t, node, visits, travel_s, travel_m = start, v.start, [], 0, 0
            for s in order:
                leg_s = int(p.seconds[node, s.node])
                leg_m = int(p.metres[node, s.node]) if p.metres is not None else 0
                arrival = t + leg_s
                begin = max(arrival, s.windows[0][0]) if s.windows else arrival
                visits.append(Visit(s.id, v.id, arrival, begin, begin + s.service_s, leg_s, leg_m))
                travel_s += leg_s
                travel_m += leg_m
                visited.add(s.id)
                t, node = begin + s.service_s, s.node
            back_s = int(p.seconds[node, v.end])
            travel_s += back_s
            travel_m += int(p.metres[node, v.end]) if p.metres is not None else 0
            routes.append(Route(v.id, tuple(visits), start, t + back_s, travel_s, travel_m))
        return routes, [s.id for s in p.stops if s.id not in visited]


def solve_routing(problem: RoutingProblem, *, time_limit_s: float = 5, seed: int = 0,
                  initial: RoutingSolution | Sequence[Sequence[str]] | None = None,
                  progress: Progress | None = None, iterations: int | None = None,
                  **_ignored) -> RoutingSolution:
    """Solve with PyVRP within `time_limit_s` seconds (one thread), deterministic for a seed.

    `iterations` (a work limit) stops the search after that many PyVRP iterations: the same result on any
    machine when it ends before the time limit.
    Raises ValueError when the problem uses a feature PyVRP lacks (see `unfit_reasons`); callers pick
    the OR-Tools adapter then. Extra keyword arguments of the OR-Tools adapter are accepted and ignored.
    """
    from pyvrp import solve
    from pyvrp.stop import MaxRuntime

    reasons = unfit_reasons(problem)
    if reasons:
        raise ValueError(f"PyVRP does not fit this problem: {', '.join(reasons)}")
    t0 = time.perf_counter()
    if not problem.vehicles or not problem.stops:
        from planner.routing_ortools import solve_routing as trivial  # nothing to search either way
        return trivial(problem, time_limit_s=time_limit_s)
    model = _Data(problem)
    limit = MaxRuntime(max(0.01, time_limit_s - (time.perf_counter() - t0)))
    state = {"best": None, "first": None}

    def stop(best_cost: float) -> bool:
        # PyVRP calls this every iteration with the best cost so far (penalised when infeasible).
        if state["best"] is None or best_cost < state["best"]:
            state["best"] = best_cost
            elapsed = time.perf_counter() - t0
            if state["first"] is None:
                state["first"] = elapsed
            if progress is not None and np.isfinite(best_cost):
                progress(int(best_cost), elapsed)
        state["iterations"] = state.get("iterations", 0) + 1
        if iterations is not None and state["iterations"] > iterations:
            return True
        return limit(best_cost)

    start = None
    if initial is not None:
        try:
            start = model.initial_solution(initial)
        except (ValueError, RuntimeError, IndexError, KeyError):
            start = None
    res = solve(model.data, stop=stop, seed=seed, collect_stats=False, display=False,
                initial_solution=start)
    wall = time.perf_counter() - t0
    if not res.is_feasible():
        return RoutingSolution((), tuple(s.id for s in problem.stops), 0, "no_solution", wall, None)
    routes, dropped = model.read(res.best)
    sol = RoutingSolution(tuple(routes), tuple(dropped), 0, "feasible", wall, state["first"])
    return RoutingSolution(sol.routes, sol.dropped, objective_value(problem, sol), "feasible", wall,
                           state["first"])
