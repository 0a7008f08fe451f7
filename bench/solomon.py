"""Solomon VRPTW benchmark: our routing core (OR-Tools) and PyVRP side by side, gap to the distance-only BKS.

Both solvers get the same integer data and the same time limit per instance, one thread each:
- distances are Euclidean, scaled by SCALE and rounded (the arc cost); travel times are the same distances
  rounded **up**, so that a solution feasible in integers is feasible in exact arithmetic too;
- every vehicle starts and ends at the depot within its window; up to the file's fleet size (25), used
  freely, as the distance-only best-known solutions assume;
- each solution is then re-evaluated in double precision (distance and feasibility) and compared with
  `bks_distance.csv` (2001-2005 values: gaps can be slightly negative).

Run: .venv/bin/python -m bench.solomon [--time-limit 10] [--subset] [--solvers ortools,pyvrp]
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.routing import RoutingProblem, Stop, Vehicle, check_routing

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "solomon"
SCALE = 1000  # integer units per Solomon distance unit
SUBSET = ("C106", "C204", "R102", "R107", "R205", "RC103", "RC207", "R211")


@dataclass(frozen=True)
class Instance:
    """One Solomon instance: node 0 is the depot."""

    name: str
    vehicles: int
    capacity: int
    xy: np.ndarray  # (n, 2)
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray

    @property
    def distances(self) -> np.ndarray:
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        return np.sqrt((diff ** 2).sum(axis=2))

    def int_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """(cost, duration) in integer units: rounded and rounded up."""
        d = self.distances * SCALE
        return np.rint(d).astype(np.int64), np.ceil(d - 1e-9).astype(np.int64)


def read_instance(path: Path) -> Instance:
    lines = [ln.split() for ln in path.read_text().splitlines()]
    vehicles = capacity = None
    rows = []
    for i, parts in enumerate(lines):
        if parts[:1] == ["NUMBER"]:
            vehicles, capacity = (int(v) for v in lines[i + 1][:2])
        if len(parts) == 7 and all(p.replace(".", "").isdigit() for p in parts):
            rows.append([float(p) for p in parts])
    a = np.array(rows)
    return Instance(path.stem, vehicles, capacity, a[:, 1:3], a[:, 3].astype(int),
                    a[:, 4].astype(int), a[:, 5].astype(int), a[:, 6].astype(int))


def routing_problem(inst: Instance, vehicle_cost: int = 0) -> RoutingProblem:
    """The instance in the routing core's terms: times and distances in 1/SCALE units.

    `vehicle_cost` (distance units) is a search aid only: results are always reported as pure distance.
    """
    cost, duration = inst.int_matrices()
    horizon = int(inst.due[0]) * SCALE
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, 0, horizon, fixed_cost=int(vehicle_cost * SCALE))
                     for k in range(inst.vehicles))
    stops = tuple(Stop(str(i), i, int(inst.service[i]) * SCALE,
                       ((int(inst.ready[i]) * SCALE, int(inst.due[i]) * SCALE),), demand=int(inst.demand[i]))
                  for i in range(1, len(inst.xy)))
    return RoutingProblem(duration, cost, vehicles, stops, capacities=(inst.capacity,) * inst.vehicles,
                          objective="distance")


def evaluate(inst: Instance, routes: list[list[int]]) -> tuple[float, list[str]]:
    """Total distance in double precision and the violations found with exact arithmetic."""
    d = inst.distances
    errors, total, seen = [], 0.0, []
    for r in routes:
        t = 0.0
        load = 0
        prev = 0
        for c in r:
            t = max(t + d[prev, c], inst.ready[c])
            if t > inst.due[c] + 1e-9:
                errors.append(f"customer {c} served late ({t:.3f} > {inst.due[c]})")
            t += inst.service[c]
            total += d[prev, c]
            load += inst.demand[c]
            prev = c
        total += d[prev, 0]
        if t + d[prev, 0] > inst.due[0] + 1e-9:
            errors.append("route back late")
        if load > inst.capacity:
            errors.append(f"load {load} > {inst.capacity}")
        seen += r
    if sorted(seen) != list(range(1, len(inst.xy))):
        errors.append("customers missing or repeated")
    return total, errors


def run_ortools(inst: Instance, time_limit: float, seed: int, options, vehicle_cost: int = 0) -> dict:
    from planner.routing_ortools import solve_routing
    problem = routing_problem(inst, vehicle_cost)
    t0 = time.perf_counter()
    sol = solve_routing(problem, time_limit_s=time_limit, seed=seed, options=options)
    wall = time.perf_counter() - t0
    if not sol.found:
        return {"cost": None, "vehicles": None, "wall": wall, "errors": ["no solution"]}
    errors = check_routing(problem, sol)
    routes = [[int(x.stop_id) for x in r.visits] for r in sol.routes if r.visits]
    cost, exact_errors = evaluate(inst, routes)
    return {"cost": cost, "vehicles": len(routes), "wall": wall, "errors": errors + exact_errors,
            "first": sol.first_solution_s}


def run_core_pyvrp(inst: Instance, time_limit: float, seed: int) -> dict:
    """Our routing core's entry point (planner/routing_engine.py: PyVRP adapter where it fits), checked."""
    from planner.routing_engine import pick_engine, solve_routing
    problem = routing_problem(inst)
    assert pick_engine(problem) == "pyvrp", "the Solomon problems fit the PyVRP adapter"
    t0 = time.perf_counter()
    sol = solve_routing(problem, time_limit_s=time_limit, seed=seed)
    wall = time.perf_counter() - t0
    if not sol.found:
        return {"cost": None, "vehicles": None, "wall": wall, "errors": ["no solution"]}
    errors = check_routing(problem, sol)
    routes = [[int(x.stop_id) for x in r.visits] for r in sol.routes if r.visits]
    cost, exact_errors = evaluate(inst, routes)
    return {"cost": cost, "vehicles": len(routes), "wall": wall, "errors": errors + exact_errors}


def run_pyvrp(inst: Instance, time_limit: float, seed: int) -> dict:
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.stop import MaxRuntime
    cost, duration = inst.int_matrices()
    due0 = int(inst.due[0]) * SCALE
    data = ProblemData(
        locations=[Location(float(x), float(y)) for x, y in inst.xy],
        clients=[Client(location=i, delivery=[int(inst.demand[i])],
                        service_duration=int(inst.service[i]) * SCALE,
                        tw_early=int(inst.ready[i]) * SCALE, tw_late=int(inst.due[i]) * SCALE)
                 for i in range(1, len(inst.xy))],
        depots=[Depot(location=0, tw_early=0, tw_late=due0)],
        vehicle_types=[VehicleType(inst.vehicles, capacity=[inst.capacity], tw_early=0, tw_late=due0)],
        distance_matrices=[cost], duration_matrices=[duration])
    t0 = time.perf_counter()
    res = solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False, collect_stats=False)
    wall = time.perf_counter() - t0
    if not res.is_feasible():
        return {"cost": None, "vehicles": None, "wall": wall, "errors": ["no feasible solution"]}
    routes = [[_pyvrp_location(a) for a in r.schedule() if a.is_client()] for r in res.best.routes()]
    total, errors = evaluate(inst, routes)
    return {"cost": total, "vehicles": len(routes), "wall": wall, "errors": errors}


def _pyvrp_location(activity) -> int:
    """PyVRP numbers clients from 0 after the depots; our customer numbers start at 1 after the depot."""
    return int(activity.idx) + PYVRP_CLIENT_OFFSET


PYVRP_CLIENT_OFFSET = 1


def read_bks() -> dict[str, tuple[int, float]]:
    with open(DATA / "bks_distance.csv", newline="") as f:
        return {r["instance"]: (int(r["vehicles"]), float(r["cost"])) for r in csv.DictReader(f)}


def gap(cost: float | None, bks: float) -> float | None:
    return None if cost is None else 100.0 * (cost - bks) / bks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance and solver")
    parser.add_argument("--subset", nargs="?", const="default", default=None,
                        help=f"a quick run: {','.join(SUBSET)} by default, or comma-separated names")
    parser.add_argument("--solvers", default="ortools,pyvrp")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-solution", default=None, help="override the OR-Tools first solution")
    parser.add_argument("--gls-lambda", type=float, default=None)
    parser.add_argument("--vehicle-cost", type=int, default=0,
                        help="fixed cost per used vehicle (distance units) given to the OR-Tools search only")
    parser.add_argument("--option", action="append", default=[],
                        help="override a SearchOptions field, e.g. --option ils=true --option ils_removed=15")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"Solomon instances not found at {DATA}", file=sys.stderr)
        return 2

    from planner.routing_ortools import SearchOptions
    options = SearchOptions()
    if args.first_solution:
        options = SearchOptions(**{**options.__dict__, "first_solution": args.first_solution})
    if args.gls_lambda is not None:
        options = SearchOptions(**{**options.__dict__, "gls_lambda": args.gls_lambda})

    for item in args.option:
        key, value = item.split("=", 1)
        current = getattr(options, key)
        if isinstance(current, bool):
            parsed = value.lower() in ("1", "true", "yes")
        elif isinstance(current, (int, float)) and not isinstance(current, bool):
            parsed = type(current)(value)
        elif key == "ils_temperatures":
            parsed = None if value == "auto" else tuple(float(v) for v in value.split(","))
        else:
            parsed = value
        options = SearchOptions(**{**options.__dict__, key: parsed})

    bks = read_bks()
    files = sorted((DATA / "instances").glob("*.txt"))
    if args.subset:
        names = SUBSET if args.subset == "default" else tuple(args.subset.split(","))
        files = [f for f in files if f.stem in names]
    solvers = [s for s in args.solvers.split(",") if s]
    print(f"Solomon VRPTW, {len(files)} instances, {args.time_limit:g} s per instance and solver, one thread, "
          f"seed {args.seed}; gap to distance-only BKS (bks_distance.csv); ortools options: {options}")
    header = f"{'instance':9} {'BKS':>8} " + " ".join(f"{s + ' cost':>13} {'veh':>3} {'gap%':>6}" for s in solvers)
    print(header)
    results: dict[str, list] = {s: [] for s in solvers}
    for f in files:
        inst = read_instance(f)
        _, best = bks[inst.name]
        cells = []
        for s in solvers:
            if s == "ortools":
                r = run_ortools(inst, args.time_limit, args.seed, options, args.vehicle_cost)
            elif s == "core-pyvrp":
                r = run_core_pyvrp(inst, args.time_limit, args.seed)
            else:
                r = run_pyvrp(inst, args.time_limit, args.seed)
            g = gap(r["cost"], best)
            if r["errors"]:
                g = None
                r["cost"] = None
            results[s].append((inst.name, r["cost"], g))
            cells.append(f"{r['cost'] or float('nan'):13.2f} {r['vehicles'] or 0:3d} "
                         f"{g if g is not None else float('nan'):6.2f}"
                         + (f" !{r['errors'][0]}" if r["errors"] else ""))
        print(f"{inst.name:9} {best:8.2f} " + " ".join(cells), flush=True)

    print()
    for s in solvers:
        gaps = [g for _, _, g in results[s] if g is not None]
        print(f"{s}: solved {len(gaps)}/{len(files)}, mean gap {statistics.fmean(gaps) if gaps else math.nan:.2f} %"
              f", max gap {max(gaps) if gaps else math.nan:.2f} %")
    if "ortools" in results and "pyvrp" in results:
        pairs = [(a[1], b[1]) for a, b in zip(results["ortools"], results["pyvrp"]) if a[1] and b[1]]
        if pairs:
            ratio = statistics.fmean(a / b for a, b in pairs)
            print(f"ortools / pyvrp mean cost ratio {ratio:.4f} on {len(pairs)} instances")
    return 0


if __name__ == "__main__":
    sys.exit(main())
