"""OR-Tools adapter of the routing core: RoutingProblem -> RoutingSolution with pywrapcp's routing library.

Every OR-Tools object stays in this module (STYLE.md rule 3). Model: one routing node per stop plus one
start and one end node per vehicle (so vehicles can share matrix nodes); a time dimension (travel +
service, windows on the stops, shifts on the vehicles, breaks as fixed-duration intervals), a driving
dimension for max_drive, a count dimension for max_stops, a capacity dimension, allowed vehicles and
disjunctions for optional stops. One search thread; the same seed and limits give the same routes as long
as the search is not cut by the clock (use `solution_limit` for a strictly reproducible run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2

from planner.routing import Route, RoutingProblem, RoutingSolution, Visit

Progress = Callable[[int, float], None]  # (objective, seconds since the start)

FIRST_SOLUTION = {
    "automatic": routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC,
    "path_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
    "parallel_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    "local_cheapest_cost_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_COST_INSERTION,
    "sequential_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.SEQUENTIAL_CHEAPEST_INSERTION,
    "savings": routing_enums_pb2.FirstSolutionStrategy.SAVINGS,
    "sweep": routing_enums_pb2.FirstSolutionStrategy.SWEEP,
    "christofides": routing_enums_pb2.FirstSolutionStrategy.CHRISTOFIDES,
}
METAHEURISTIC = {
    "automatic": routing_enums_pb2.LocalSearchMetaheuristic.AUTOMATIC,
    "guided_local_search": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "simulated_annealing": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu_search": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
    "greedy_descent": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
}


@dataclass(frozen=True)
class SearchOptions:
    """Knobs of the OR-Tools search; the defaults are the ones measured best on Solomon (bench/README.md)."""

    # One strategy; or several joined by "+": each builds a first solution within its share of
    # `first_solution_share` of the time limit, and the search starts from the cheapest; or joined by
    # ">": the first one to succeed is kept. The last one is the fallback when none succeeds.
    first_solution: str = "path_cheapest_arc>savings"
    first_solution_share: float = 0.2
    metaheuristic: str = "guided_local_search"
    gls_lambda: float = 0.3
    path_lns: bool = False
    inactive_lns: bool = False
    cross_exchange: bool = False
    relocate_neighbors: bool = False
    full_propagation: bool = False
    neighbors_ratio: float = 1.0  # share of the nearest nodes local search operators consider
    min_neighbors: int = 1
    bandit: bool = False  # multi-armed bandit to order the operators
    restarts: int = 1  # independent searches sharing the time limit, best kept
    # Iterated local search (ruin and recreate, simulated-annealing acceptance) instead of the metaheuristic.
    ils: bool = False
    ils_ruin: str = "sisr"  # "sisr", "random_walk", "spatially_close_routes" or several joined by "+"
    ils_removed: int = 10  # SISR average number of removed visits / random-walk size / routes ruined
    ils_sequence: int = 10  # SISR maximum removed sequence size
    ils_recreate: str = "local_cheapest_insertion"
    ils_improve: bool = True  # local search after each perturbation
    ils_temperatures: tuple[float, float] | None = None  # (initial, final) in objective units; None = auto


class _Model:
    """The OR-Tools model of one problem, with the index maps needed to read a solution back."""

    def __init__(self, problem: RoutingProblem, seed: int) -> None:
        self.problem = problem
        n_v = len(problem.vehicles)
        order = list(range(len(problem.stops)))
        if seed:
            # The only randomness: the order of the stops, which changes the solver's tie-breaking.
            np.random.default_rng(seed).shuffle(order)
        self.stops = [problem.stops[k] for k in order]
        n_s = len(self.stops)
        # Routing nodes: stops, then one depot node per matrix node where some vehicle starts or ends.
        # Vehicles sharing depots share routing nodes, so OR-Tools sees them as one vehicle class
        # (a separate node per vehicle made the search several times slower on Solomon).
        depots = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
        depot_node = {d: n_s + k for k, d in enumerate(depots)}
        self.node_of = np.array([s.node for s in self.stops] + depots, dtype=np.int64)
        self.service = np.array([s.service_s for s in self.stops] + [0] * len(depots), dtype=np.int64)
        starts = [depot_node[v.start] for v in problem.vehicles]
        ends = [depot_node[v.end] for v in problem.vehicles]
        self.n_depots = len(depots)
        self.manager = pywrapcp.RoutingIndexManager(n_s + len(depots), n_v, starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._build()

    def _matrix(self, base: np.ndarray) -> np.ndarray:
        return base[np.ix_(self.node_of, self.node_of)]

    def _build(self) -> None:
        p, routing, manager = self.problem, self.routing, self.manager
        vehicles = p.vehicles
        n_v = len(vehicles)
        travel = self._matrix(p.seconds)
        cost = self._matrix(p.metres) if p.objective == "distance" else travel
        cost_cb = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        for k, v in enumerate(vehicles):
            if v.fixed_cost:
                routing.SetFixedCostOfVehicle(int(v.fixed_cost), k)

        time_cb = routing.RegisterTransitMatrix((travel + self.service[:, None]).tolist())
        horizon = max([v.shift_end_s for v in vehicles]
                      + [b for s in self.stops for _, b in s.windows] + [0])
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        self.time = time = routing.GetDimensionOrDie("time")
        if p.span_cost:
            time.SetSpanCostCoefficientForAllVehicles(int(p.span_cost))
        for k, v in enumerate(vehicles):
            for idx in (routing.Start(k), routing.End(k)):
                time.CumulVar(idx).SetRange(v.shift_start_s, v.shift_end_s)
        vindex = p.vehicle_index()
        for i, s in enumerate(self.stops):
            index = manager.NodeToIndex(i)
            if s.windows:
                windows = sorted(s.windows)
                cumul = time.CumulVar(index)
                close = max(b for _, b in windows)
                if s.late_cost_per_s > 0:
                    # Soft upper bound: the opening stays hard, lateness after the close costs per second.
                    cumul.SetMin(windows[0][0])
                    time.SetCumulVarSoftUpperBound(index, close, int(s.late_cost_per_s))
                else:
                    cumul.SetRange(windows[0][0], close)
                reach = windows[0][1]
                for a, b in windows[1:]:
                    if a > reach + 1:
                        cumul.RemoveInterval(reach + 1, a - 1)
                    reach = max(reach, b)
            if s.allowed_vehicles is not None:
                # SetAllowedVehiclesForIndex's binding rejects every Python sequence in OR-Tools 9.15,
                # and an empty list would mean "all": remove the other vehicles from the domain instead.
                allowed = {vindex[x] for x in s.allowed_vehicles}
                others = [k for k in range(n_v) if k not in allowed]
                if len(others) == n_v:
                    routing.ActiveVar(index).SetMax(0)
                elif others:
                    routing.VehicleVar(index).RemoveValues(others)
            if s.penalty is not None:
                routing.AddDisjunction([index], int(s.penalty))

        if any(v.breaks for v in vehicles):
            solver = routing.solver()
            visit = [int(self.service[manager.IndexToNode(i)]) for i in range(routing.Size() + n_v)]
            self.breaks = []
            for k, v in enumerate(vehicles):
                intervals = [solver.FixedDurationIntervalVar(b.start_min_s, b.start_max_s, b.duration_s,
                                                             False, f"break {v.id} {j}")
                             for j, b in enumerate(v.breaks)]
                self.breaks.append(intervals)
                if intervals:
                    time.SetBreakIntervalsOfVehicle(intervals, k, visit)
        else:
            self.breaks = [[] for _ in vehicles]

        if any(v.max_drive_s is not None for v in vehicles):
            drive_cb = routing.RegisterTransitMatrix(travel.tolist())
            caps = [int(v.max_drive_s) if v.max_drive_s is not None else int(travel.sum()) + 1
                    for v in vehicles]
            routing.AddDimensionWithVehicleCapacity(drive_cb, 0, caps, True, "drive")
        if any(v.max_stops is not None for v in vehicles) or p.count_target is not None:
            ones = [1] * len(self.stops) + [0] * self.n_depots
            count_cb = routing.RegisterUnaryTransitVector(ones)
            caps = [int(v.max_stops) if v.max_stops is not None else len(self.stops) for v in vehicles]
            routing.AddDimensionWithVehicleCapacity(count_cb, 0, caps, True, "stops")
            if p.count_target is not None and p.count_cost:
                count = routing.GetDimensionOrDie("stops")
                for k, target in enumerate(p.count_target):
                    count.SetCumulVarSoftUpperBound(routing.End(k), int(target), int(p.count_cost))
        self._add_syncs(time)
        if p.capacities is not None:
            demand_cb = routing.RegisterUnaryTransitVector(
                [int(s.demand) for s in self.stops] + [0] * self.n_depots)
            routing.AddDimensionWithVehicleCapacity(demand_cb, 0, [int(c) for c in p.capacities], True,
                                                    "capacity")
        # Leave as late and come back as early as the routes allow.
        for k in range(n_v):
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(k)))
            routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(k)))

    def _add_syncs(self, time) -> None:
        """Joint stops: both active or neither, on two vehicles, start times within the offset range.

        Constraints of the CP solver under the routing model: every move of the search is checked
        against them, so a joint visit's two caregivers are planned together, not one after the other."""
        p, routing, manager = self.problem, self.routing, self.manager
        if not p.syncs:
            return
        solver = routing.solver()
        where = {s.id: i for i, s in enumerate(self.stops)}
        for y in p.syncs:
            a, b = manager.NodeToIndex(where[y.first]), manager.NodeToIndex(where[y.second])
            solver.Add(routing.ActiveVar(a) == routing.ActiveVar(b))
            solver.Add(solver.IsDifferentVar(routing.VehicleVar(a), routing.VehicleVar(b))
                       >= routing.ActiveVar(a))
            gap = time.CumulVar(b) - time.CumulVar(a)
            lo, hi = int(y.min_offset_s), int(y.max_offset_s)
            stop_a, stop_b = self.stops[where[y.first]], self.stops[where[y.second]]
            if stop_a.penalty is None and stop_b.penalty is None:
                if lo == hi:
                    solver.Add(gap == lo)
                else:
                    solver.Add(gap >= lo)
                    solver.Add(gap <= hi)
            else:
                # Optional pair: the offset binds only when it is served (free times of dropped stops).
                active = routing.ActiveVar(a)
                solver.Add(active * (gap - lo) >= 0)
                solver.Add(active * (hi - gap) >= 0)

    def initial_assignment(self, initial: RoutingSolution | Sequence[Sequence[str]]):
        """Turn a previous solution (or lists of stop ids per vehicle) into an OR-Tools assignment."""
        where = {s.id: i for i, s in enumerate(self.stops)}
        if isinstance(initial, RoutingSolution):
            by_vehicle = {r.vehicle_id: [x.stop_id for x in r.visits] for r in initial.routes}
            routes = [by_vehicle.get(v.id, []) for v in self.problem.vehicles]
        else:
            routes = list(initial) + [[] for _ in range(len(self.problem.vehicles) - len(initial))]
        indices = [[self.manager.NodeToIndex(where[s]) for s in r if s in where] for r in routes]
        return self.routing.ReadAssignmentFromRoutes(indices, True)

    def index_routes(self, solution) -> list[list[int]]:
        """The routes of an assignment as lists of routing indices (depots excluded), one per vehicle."""
        routing, out = self.routing, []
        for k in range(len(self.problem.vehicles)):
            index, route = solution.Value(routing.NextVar(routing.Start(k))), []
            while not routing.IsEnd(index):
                route.append(index)
                index = solution.Value(routing.NextVar(index))
            out.append(route)
        return out

    def read(self, solution) -> tuple[list[Route], list[str]]:
        """Extract plain routes (times from the time dimension) and the dropped stops."""
        p, routing, manager, time = self.problem, self.routing, self.manager, self.time
        routes: list[Route] = []
        visited: set[str] = set()
        for k, v in enumerate(p.vehicles):
            index = routing.Start(k)
            if routing.IsEnd(solution.Value(routing.NextVar(index))):
                continue
            breaks = [(solution.StartValue(b), solution.StartValue(b) + v.breaks[j].duration_s)
                      for j, b in enumerate(self.breaks[k])]
            start_s = solution.Value(time.CumulVar(index))
            prev_node, prev_end = v.start, start_s
            visits, travel_s, travel_m = [], 0, 0
            while True:
                index = solution.Value(routing.NextVar(index))
                t = solution.Value(time.CumulVar(index))
                if routing.IsEnd(index):
                    node, stop = v.end, None
                else:
                    stop = self.stops[manager.IndexToNode(index)]
                    node = stop.node
                leg_s = int(p.seconds[prev_node, node])
                leg_m = int(p.metres[prev_node, node]) if p.metres is not None else 0
                travel_s += leg_s
                travel_m += leg_m
                if stop is None:
                    end_s = t
                    break
                paused = sum(be - bs for bs, be in breaks if prev_end <= bs and be <= t)
                arrival = min(t, prev_end + leg_s + paused)
                visits.append(Visit(stop.id, v.id, arrival, t, t + stop.service_s, leg_s, leg_m))
                visited.add(stop.id)
                prev_node, prev_end = node, t + stop.service_s
            routes.append(Route(v.id, tuple(visits), start_s, end_s, travel_s, travel_m, tuple(breaks)))
        dropped = [s.id for s in p.stops if s.id not in visited]
        return routes, dropped


def search_parameters(time_limit_s: float, options: SearchOptions,
                      solution_limit: int | None = None):
    """OR-Tools search parameters for one thread and the given options."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION[options.first_solution]
    params.local_search_metaheuristic = METAHEURISTIC[options.metaheuristic]
    params.guided_local_search_lambda_coefficient = options.gls_lambda
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    ops = params.local_search_operators
    true, false = 3, 2  # OptionalBoolean BOOL_TRUE / BOOL_FALSE
    ops.use_path_lns = true if options.path_lns else false
    ops.use_inactive_lns = true if options.inactive_lns else false
    ops.use_cross_exchange = true if options.cross_exchange else false
    ops.use_relocate_neighbors = true if options.relocate_neighbors else false
    params.use_full_propagation = options.full_propagation
    params.ls_operator_neighbors_ratio = options.neighbors_ratio
    params.ls_operator_min_neighbors = options.min_neighbors
    params.use_multi_armed_bandit_concatenate_operators = options.bandit
    if options.ils:
        _set_ils(params, options)
    return params


def _set_ils(params, options: SearchOptions) -> None:
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ils.improve_perturbed_solution = options.ils_improve
    rr = ils.ruin_recreate_parameters
    rr.ClearField("ruin_strategies")
    for name in options.ils_ruin.split("+"):
        ruin = rr.ruin_strategies.add()
        if name == "sisr":
            ruin.sisr.avg_num_removed_visits = options.ils_removed
            ruin.sisr.max_removed_sequence_size = options.ils_sequence
            ruin.sisr.bypass_factor = 0.01
        elif name == "random_walk":
            ruin.random_walk.num_removed_visits = options.ils_removed
        else:
            ruin.spatially_close_routes.num_ruined_routes = max(1, options.ils_removed // 5)
    if len(rr.ruin_strategies) > 1:
        rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
    rr.recreate_strategy.heuristic = FIRST_SOLUTION[options.ils_recreate]
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    if options.ils_temperatures is None:
        sa.automatic_temperatures = True
    else:
        sa.automatic_temperatures = False
        sa.initial_temperature, sa.final_temperature = options.ils_temperatures


_STATUS = {7: "optimal"}
PROBE_FAILURES = 1000  # plus 10 per stop: failures allowed to a first-solution probe  # RoutingModel.ROUTING_OPTIMAL


def solve_routing(problem: RoutingProblem, *, time_limit_s: float = 5, seed: int = 0,
                  initial: RoutingSolution | Sequence[Sequence[str]] | None = None,
                  progress: Progress | None = None, solution_limit: int | None = None,
                  options: SearchOptions | None = None) -> RoutingSolution:
    """Solve a routing problem with OR-Tools within `time_limit_s` seconds, one thread.

    `seed` 0 keeps the stops in the given order; another seed shuffles them (a different, reproducible
    search). `initial` (a solution or stop ids per vehicle, in vehicle order) starts the search from it.
    `progress(objective, elapsed_s)` is called at each improving solution.
    With `options.restarts` > 1 the time is split between independent searches (seeds seed, seed+1...),
    the first one from `initial`, and the best result is kept.
    """
    t0 = time.perf_counter()
    if any(s.penalty is None and (s.allowed_vehicles == () or not problem.vehicles) for s in problem.stops):
        # A mandatory stop no vehicle may serve: nothing to search.
        return RoutingSolution((), tuple(s.id for s in problem.stops), 0, "no_solution",
                               time.perf_counter() - t0, None)
    if not problem.vehicles:  # OR-Tools aborts the process on a model without vehicles
        return RoutingSolution((), tuple(s.id for s in problem.stops),
                               sum(s.penalty or 0 for s in problem.stops), "optimal",
                               time.perf_counter() - t0, 0.0)
    options = options or SearchOptions()
    state = {"best": None, "first": None}

    def improved(value: int) -> None:
        elapsed = time.perf_counter() - t0
        if state["first"] is None:
            state["first"] = elapsed
        if state["best"] is None or value < state["best"]:
            state["best"] = value
            if progress is not None:
                progress(int(value), elapsed)

    runs = max(1, options.restarts)
    best: RoutingSolution | None = None
    for r in range(runs):
        left = time_limit_s - (time.perf_counter() - t0)
        if r and left < 0.05:
            break
        share = left / (runs - r)
        one = _solve_once(problem, seed + r, share, options, initial if r == 0 else None,
                          solution_limit, improved)
        if one is not None and (best is None or one.objective < best.objective):
            best = one
    wall = time.perf_counter() - t0
    if best is None:
        return RoutingSolution((), tuple(s.id for s in problem.stops), 0, "no_solution", wall, None)
    return replace(best, wall_s=wall, first_solution_s=state["first"] if state["first"] is not None else wall)


def _solve_once(problem: RoutingProblem, seed: int, time_limit_s: float, options: SearchOptions,
                initial, solution_limit: int | None,
                improved: Callable[[int], None]) -> RoutingSolution | None:
    """One OR-Tools search (first solution, then the metaheuristic); None when nothing was found."""
    t0 = time.perf_counter()
    model = _Model(problem, seed)
    routing = model.routing
    routing.AddAtSolutionCallback(lambda: improved(routing.CostVar().Value()))
    chain = ">" in options.first_solution
    strategies = options.first_solution.replace(">", "+").split("+")
    start = model.initial_assignment(initial) if initial is not None else None
    if start is None and len(strategies) > 1:
        # "a+b": build a first solution with each strategy (capped), start from the cheapest;
        # "a>b": use the first strategy that succeeds within its cap.
        # Each probe runs on its own copy of the model, stopped by a failure count (deterministic) as well
        # as by its share of the time: PATH_CHEAPEST_ARC either succeeds after a few dozen failures or
        # backtracks for ever (7 Solomon instances).
        cap = options.first_solution_share * time_limit_s / len(strategies)
        found = []
        for name in strategies[:-1] if chain else strategies:
            one = replace(options, first_solution=name)
            probe_model = _Model(problem, seed)
            solver = probe_model.routing.solver()
            probe_model.routing.AddSearchMonitor(solver.FailuresLimit(PROBE_FAILURES + 10 * len(problem.stops)))
            probe = probe_model.routing.SolveWithParameters(search_parameters(cap, one, solution_limit=1))
            if probe is not None:
                found.append((probe.ObjectiveValue(), probe_model.index_routes(probe)))
                if chain:
                    break
        if found:
            start = routing.ReadAssignmentFromRoutes(min(found, key=lambda f: f[0])[1], True)
    last = replace(options, first_solution=strategies[-1])
    solution = None
    if start is not None:
        remaining = max(0.01, time_limit_s - (time.perf_counter() - t0))
        solution = routing.SolveFromAssignmentWithParameters(
            start, search_parameters(remaining, last, solution_limit))
    if solution is None:
        remaining = max(0.01, time_limit_s - (time.perf_counter() - t0))
        solution = routing.SolveWithParameters(search_parameters(remaining, last, solution_limit))
    if solution is None:
        return None
    routes, dropped = model.read(solution)
    status = _STATUS.get(routing.status(), "feasible")
    return RoutingSolution(tuple(routes), tuple(dropped), int(solution.ObjectiveValue()), status,
                           time.perf_counter() - t0, None)
