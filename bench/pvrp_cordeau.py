"""Benchmark: Cordeau's periodic VRP instances, solved with the home-visit planner's decomposition.

The same two steps as planner/home_visits/solver.py: (a) choose each customer's visit days (here one of
its allowed day combinations) greedily, balancing daily load and clustering neighbours on the same
days, then (b) route each day with the generic routing core (planner.routing_ortools.solve_routing:
capacity, maximum route duration, service times), then (c) the move pass: customers whose detours cost
more than inserting them into the routes of another allowed combination's days move, and the changed
days are routed again. Half of `--day-seconds` goes to the first routing of a day, half to its re-routings. Prints the total distance against the reference
solutions shipped with the data (bks.csv; not always today's best known, see PROVENANCE.md).

    .venv/bin/python bench/pvrp_cordeau.py [--instances p01,p02,...] [--day-seconds 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.routing import RoutingProblem, Stop, Vehicle  # noqa: E402
from planner.routing_ortools import solve_routing  # noqa: E402

DATA = REPO.parent / "shared" / "bench" / "pvrp_cordeau"
SCALE = 100  # Euclidean distances are doubles: the routing core works on hundredths, rounded
DEFAULT = "p01,p02,p03,p04,p14,p15,p17"


@dataclass
class Instance:
    name: str
    m: int  # vehicles per day
    t: int  # days
    D: float  # max route duration (0 = none)
    Q: int
    xy: np.ndarray  # node 0 = depot
    service: np.ndarray
    demand: np.ndarray
    combos: list[list[int]]  # per customer (index 1..n): allowed bitmasks


def read_instance(path: Path) -> Instance:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    _, m, n, t = map(int, lines[0])
    D, Q = float(lines[1][0]), int(float(lines[1][1]))
    rows = lines[1 + t: 1 + t + n + 1]
    if path.stem == "p01":
        rows = rows[:51]  # node 51 is a data quirk (see PROVENANCE.md): 50 customers
    xy = np.array([[float(r[1]), float(r[2])] for r in rows])
    service = np.array([float(r[3]) for r in rows])
    demand = np.array([int(float(r[4])) for r in rows])
    combos = [[]] + [[int(x) for x in r[7:7 + int(r[6])]] for r in rows[1:]]
    return Instance(path.stem, m, t, D, Q, xy, service, demand, combos)


def choose_days(inst: Instance, dist: np.ndarray, rng: np.random.Generator) -> list[list[int]]:
    """Customers per day: biggest demands first, each on the allowed combination that adds least
    (nearest already-placed neighbour on each day, plus a penalty when the day's capacity is exceeded)."""
    days: list[list[int]] = [[] for _ in range(inst.t)]
    load = np.zeros(inst.t)
    cap = inst.m * inst.Q
    order = sorted(range(1, len(inst.xy)), key=lambda c: (-inst.demand[c] * len(inst.combos[c]), rng.random()))
    for c in order:
        best, best_cost = None, math.inf
        for mask in inst.combos[c]:
            ds = [d for d in range(inst.t) if mask >> d & 1]
            cost = 0.0
            for d in ds:
                near = min([dist[c, x] for x in days[d]] + [dist[c, 0]])
                over = max(0.0, load[d] + inst.demand[c] - 0.95 * cap)
                cost += near + 5.0 * over + 0.05 * load[d] / max(1, cap) * dist[c, 0]
            if cost < best_cost:
                best, best_cost = ds, cost
        for d in best:
            days[d].append(c)
            load[d] += inst.demand[c]
    # Best response: re-choose each customer's combination given all the others, a few sweeps.
    for _ in range(4):
        changed = 0
        for c in order:
            cur = [d for d in range(inst.t) if c in days[d]]
            for d in cur:
                days[d].remove(c)
                load[d] -= inst.demand[c]
            options = []
            for mask in inst.combos[c]:
                ds = [d for d in range(inst.t) if mask >> d & 1]
                cost = 0.0
                for d in ds:
                    near = sorted([dist[c, x] for x in days[d]] + [dist[c, 0]])[:2]
                    over = max(0.0, load[d] + inst.demand[c] - 0.95 * cap)
                    cost += sum(near) / len(near) + 5.0 * over
                options.append((cost, ds))
            best = min(options)[1]
            changed += best != cur
            for d in best:
                days[d].append(c)
                load[d] += inst.demand[c]
        if not changed:
            break
    return days


def route_day(inst: Instance, dist: np.ndarray, customers: list[int], limit_s: float, seed: int):
    nodes = [0] + customers
    sec = np.rint(dist[np.ix_(nodes, nodes)] * SCALE).astype(np.int64)
    horizon = int(inst.D * SCALE) if inst.D > 0 else int(sec.sum() + inst.service.sum() * SCALE + 1)
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, 0, horizon) for k in range(inst.m))
    stops = tuple(Stop(str(c), k + 1, int(round(inst.service[c] * SCALE)), demand=int(inst.demand[c]),
                       penalty=10 ** 9) for k, c in enumerate(customers))
    rp = RoutingProblem(sec, sec, vehicles, stops, capacities=(inst.Q,) * inst.m)
    sol = solve_routing(rp, time_limit_s=limit_s, seed=seed)
    cost = 0.0
    paths = []
    for r in sol.routes:
        path = [0] + [int(v.stop_id) for v in r.visits] + [0]
        paths.append(path)
        cost += sum(dist[a, b] for a, b in zip(path, path[1:]))
    return cost, len(sol.dropped), paths


def move_pass(inst: Instance, dist: np.ndarray, days: list[list[int]], routes: list[list[list[int]]]) -> set[int]:
    """The home-visit planner's move pass, for combinations: a customer moves to another allowed
    combination when removing it from its routes saves more than inserting it into the other days' routes
    (cheapest insertion, capacity respected). Returns the days changed."""
    load = [[sum(inst.demand[c] for c in p) for p in day] for day in routes]
    changed: set[int] = set()
    for c in range(1, len(inst.xy)):
        cur = [d for d in range(inst.t) if c in days[d]]
        saving = 0.0
        for d in cur:
            for p in routes[d]:
                if c in p:
                    k = p.index(c)
                    saving += dist[p[k - 1], c] + dist[c, p[k + 1]] - dist[p[k - 1], p[k + 1]]
        best, best_cost = None, saving - 1e-6
        for mask in inst.combos[c]:
            ds = [d for d in range(inst.t) if mask >> d & 1]
            if ds == cur:
                continue
            cost, ok = 0.0, True
            for d in ds:
                if d in cur:
                    continue  # stays on that day: no change
                opts = [dist[p[k], c] + dist[c, p[k + 1]] - dist[p[k], p[k + 1]]
                        for i, p in enumerate(routes[d]) if load[d][i] + inst.demand[c] <= inst.Q
                        for k in range(len(p) - 1)]
                if len(routes[d]) < inst.m:
                    opts.append(2 * dist[0, c])
                if not opts:
                    ok = False
                    break
                cost += min(opts)
            kept = sum(dist[p[p.index(c) - 1], c] + dist[c, p[p.index(c) + 1]] - dist[p[p.index(c) - 1], p[p.index(c) + 1]]
                       for d in cur if d in ds for p in routes[d] if c in p)
            if ok and cost + kept < best_cost:
                best, best_cost = ds, cost + kept
        if best is None:
            continue
        for d in cur:
            if d not in best:
                days[d].remove(c)
                for i, p in enumerate(routes[d]):
                    if c in p:
                        p.remove(c)
                        load[d][i] -= inst.demand[c]
                changed.add(d)
        for d in best:
            if d in cur:
                continue
            days[d].append(c)
            cands = [(dist[p[k], c] + dist[c, p[k + 1]] - dist[p[k], p[k + 1]], i, k)
                     for i, p in enumerate(routes[d]) if load[d][i] + inst.demand[c] <= inst.Q for k in range(len(p) - 1)]
            if len(routes[d]) < inst.m:
                cands.append((2 * dist[0, c], len(routes[d]), 0))
            _, i, k = min(cands)
            if i == len(routes[d]):
                routes[d].append([0, 0])
                load[d].append(0)
            routes[d][i].insert(k + 1, c)
            load[d][i] += inst.demand[c]
            changed.add(d)
    return changed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", default=DEFAULT)
    ap.add_argument("--day-seconds", type=float, default=2.0, help="routing time per day")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--moves", type=int, default=3, help="move passes (0 = none)")
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    ref = {r["instance"]: float(r["cost"]) for r in csv.DictReader((DATA / "bks.csv").open())}
    gaps = []
    print(f"{'inst':6} {'n':>4} {'days':>4} {'veh':>3} {'ours':>10} {'reference':>10} {'gap %':>7} {'dropped':>7} {'time s':>7} {'before move':>11}")
    for name in args.instances.split(","):
        inst = read_instance(DATA / "instances" / f"{name}.txt")
        dist = np.sqrt(((inst.xy[:, None, :] - inst.xy[None, :, :]) ** 2).sum(-1))
        t0 = time.perf_counter()
        days = choose_days(inst, dist, np.random.default_rng(args.seed))
        results = [route_day(inst, dist, days[d], args.day_seconds / 2, args.seed) for d in range(inst.t)]
        first = sum(r[0] for r in results)
        for _ in range(args.moves):
            changed = move_pass(inst, dist, days, [r[2] for r in results])
            if not changed:
                break
            for d in sorted(changed):
                results[d] = route_day(inst, dist, days[d], args.day_seconds / 2 / args.moves, args.seed)
        total = sum(r[0] for r in results)
        dropped = sum(r[1] for r in results)
        wall = time.perf_counter() - t0
        gap = 100 * (total - ref[name]) / ref[name]
        if not dropped:
            gaps.append(gap)
        print(f"{name:6} {len(inst.xy) - 1:4d} {inst.t:4d} {inst.m:3d} {total:10.2f} {ref[name]:10.2f} {gap:7.2f} "
              f"{dropped:7d} {wall:7.1f} {first:11.2f}")
    if gaps:
        print(f"mean gap over {len(gaps)} instances with every visit made: {sum(gaps) / len(gaps):.2f} % "
              f"({args.day_seconds:g} s of routing per day, one thread)")


if __name__ == "__main__":
    main()
