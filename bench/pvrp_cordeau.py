"""Benchmark: Cordeau's periodic VRP instances, solved with the home-visit planner's day-choice method.

(a) planner.home_visits.daychoice (the method calendar.plan_days uses for visit days): each customer picks
one of its allowed day combinations, priced by cheapest insertion into the routes of those days (capacity
and maximum duration kept), construction then a large neighbourhood search moving customers between days;
(b) `--rounds` rounds of: each day's routes polished by the routing core (planner.routing_engine, PyVRP,
warm-started from the LNS routes) and the LNS resumed from them. Work limits only (iterations scaled by
the number of customers, `--work`), so figures do not depend on the machine's load, only the wall time does.
Prints the total distance against the reference solutions shipped with the data (bks.csv; not always
today's best known, see PROVENANCE.md) and checks every solution in doubles.

    .venv/bin/python bench/pvrp_cordeau.py [--instances all|p01,p02,...] [--work 1] [--rounds 2] [--seed 0]
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

from planner.home_visits.daychoice import (  # noqa: E402
    DayChoice, DayChoiceProblem, Entry, Item, Lane, Limits, Pattern,
)
from planner.routing import RoutingProblem, Stop, Vehicle  # noqa: E402
from planner.routing_engine import solve_routing  # noqa: E402

DATA = REPO.parent / "shared" / "bench" / "pvrp_cordeau"
SCALE = 100  # Euclidean distances are doubles: the routing core works on hundredths, rounded


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


def day_choice_problem(inst: Instance, dist: np.ndarray) -> DayChoiceProblem:
    """The instance in the day-choice model: one group per day, `m` lanes per day from the depot."""
    maxd = inst.D if inst.D > 0 else math.inf
    lanes = tuple(Lane(d, 0, 0, float(inst.Q), maxd) for d in range(inst.t) for _ in range(inst.m))
    items = []
    for c in range(1, len(inst.xy)):
        pats = tuple(Pattern(tuple(Entry(d, float(inst.service[c]), float(inst.demand[c]))
                                   for d in range(inst.t) if mask >> d & 1)) for mask in inst.combos[c])
        items.append(Item(c, pats))
    return DayChoiceProblem(dist, lanes, tuple(items))


def route_day(inst: Instance, dist: np.ndarray, routes: list[list[int]], iterations: int, seed: int):
    """Polish one day's routes (customer ids per vehicle) with the routing core, from those routes."""
    customers = [c for r in routes for c in r]
    if not customers:
        return routes
    nodes = [0] + customers
    sub = dist[np.ix_(nodes, nodes)]
    metres = np.rint(sub * SCALE).astype(np.int64)
    seconds = np.ceil(sub * SCALE - 1e-9).astype(np.int64)  # durations rounded up: feasible in doubles
    horizon = int(inst.D * SCALE) if inst.D > 0 else int(seconds.sum() + inst.service.sum() * SCALE + 1)
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, 0, horizon) for k in range(inst.m))
    stops = tuple(Stop(str(c), k + 1, int(math.ceil(inst.service[c] * SCALE)), demand=int(inst.demand[c]))
                  for k, c in enumerate(customers))
    rp = RoutingProblem(seconds, metres, vehicles, stops, capacities=(inst.Q,) * inst.m, objective="distance")
    init = [[str(c) for c in r] for r in routes] + [[] for _ in range(inst.m - len(routes))]
    sol = solve_routing(rp, engine="pyvrp", time_limit_s=600, seed=seed, initial=init, iterations=iterations)
    if sol.dropped or not sol.routes:
        return routes
    return [[int(v.stop_id) for v in r.visits] for r in sol.routes if r.visits]


def route_cost(dist: np.ndarray, r: list[int]) -> float:
    path = [0] + r + [0]
    return float(sum(dist[a, b] for a, b in zip(path, path[1:]))) if r else 0.0


def feasible(inst: Instance, dist: np.ndarray, days: list[list[list[int]]]) -> bool:
    """Every customer on one allowed combination; each route within capacity and duration (doubles)."""
    seen: dict[int, int] = {}
    for d, routes in enumerate(days):
        if len(routes) > inst.m:
            return False
        for r in routes:
            if sum(inst.demand[c] for c in r) > inst.Q:
                return False
            if inst.D > 0 and route_cost(dist, r) + sum(inst.service[c] for c in r) > inst.D + 1e-6:
                return False
            for c in r:
                seen[c] = seen.get(c, 0) | (1 << d)
    return all(seen.get(c, 0) in inst.combos[c] for c in range(1, len(inst.xy)))


def solve_instance(inst: Instance, dist: np.ndarray, work: float, seed: int, rounds: int):
    """The day choice (construction + LNS), then `rounds` of: polish each day's routes with the routing
    core (PyVRP, iteration-limited) and resume the LNS from the polished routes. Work limits only."""
    n = len(inst.xy) - 1
    problem = day_choice_problem(inst, dist)
    dc = DayChoice(problem)
    lns_iters = int(work * 60 * n)
    dc.lns(Limits(iterations=lns_iters, seed=seed))
    first = float(dc.travel.sum())
    by_day = [[lane for lane in range(len(problem.lanes)) if problem.lanes[lane].group == d] for d in range(inst.t)]
    for rnd in range(rounds):
        for d in range(inst.t):
            lanes = by_day[d]
            cur = [[problem.items[i].node for i in dc.routes[lane]] for lane in lanes if dc.routes[lane]]
            polished = route_day(inst, dist, cur, int(work * 20 * n), seed + rnd)
            if sum(route_cost(dist, r) for r in polished) < sum(route_cost(dist, r) for r in cur) - 1e-9:
                assign = {lane: [] for lane in lanes}
                for lane, r in zip(lanes, polished):
                    assign[lane] = [c - 1 for c in r]  # item index = customer - 1
                dc.set_routes(assign)
        dc.lns(Limits(iterations=lns_iters // 2, seed=seed + 1 + rnd))
    days = [[[problem.items[i].node for i in dc.routes[lane]] for lane in by_day[d] if dc.routes[lane]]
            for d in range(inst.t)]
    return days, first


ALL = ",".join([f"p{k:02d}" for k in range(1, 33)] + [f"pr{k:02d}" for k in range(1, 11)])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", default="all", help="all (p01-p32, pr01-pr10) or a comma-separated list")
    ap.add_argument("--work", type=float, default=1.0,
                    help="work per customer: LNS iterations 60 x work x customers, PyVRP iterations 20 x work x customers per day")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of day polishing + LNS after the first LNS")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    ref = {r["instance"]: float(r["cost"]) for r in csv.DictReader((DATA / "bks.csv").open())}
    names = ALL.split(",") if args.instances == "all" else args.instances.split(",")
    gaps, t_all = [], time.perf_counter()
    print(f"{'inst':6} {'n':>4} {'days':>4} {'veh':>3} {'ours':>10} {'reference':>10} {'gap %':>7} "
          f"{'feasible':>8} {'time s':>7} {'after LNS':>10}")
    for name in names:
        inst = read_instance(DATA / "instances" / f"{name}.txt")
        dist = np.sqrt(((inst.xy[:, None, :] - inst.xy[None, :, :]) ** 2).sum(-1))
        t0 = time.perf_counter()
        days, first = solve_instance(inst, dist, args.work, args.seed, args.rounds)
        total = sum(route_cost(dist, r) for day in days for r in day)
        ok = feasible(inst, dist, days)
        wall = time.perf_counter() - t0
        gap = 100 * (total - ref[name]) / ref[name]
        if ok:
            gaps.append(gap)
        print(f"{name:6} {len(inst.xy) - 1:4d} {inst.t:4d} {inst.m:3d} {total:10.2f} {ref[name]:10.2f} {gap:7.2f} "
              f"{str(ok):>8} {wall:7.1f} {first:10.2f}", flush=True)
    if gaps:
        print(f"mean gap over {len(gaps)}/{len(names)} feasible instances: {sum(gaps) / len(gaps):.2f} % "
              f"(work {args.work:g}, rounds {args.rounds}, seed {args.seed}, one thread; "
              f"{time.perf_counter() - t_all:.0f} s in all)")


if __name__ == "__main__":
    main()
