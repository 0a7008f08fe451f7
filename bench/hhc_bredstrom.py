"""Benchmark: Bredström & Rönnqvist (2008) home care with synchronised visits (the book's reformatted set).

30 instances (../shared/bench/hhc_bredstrom_ronnqvist, see its PROVENANCE.md): 4 to 16 caregivers, 20 to 80
visits, hard time windows, pairs of visits that must start at the same time (two caregivers at the same
patient's); the objective is the total travel time. The same method as the product's joint visits: one
routing model with every caregiver, each pair tied by a `planner.routing.Sync`, solved by the routing
core's entry point (planner.routing_engine: our ruin-and-recreate search for joint stops), verified by the
routing checker. Compared with the book's reference solution of each instance, whose travel time we
recompute from its routes (column "ref"; the header value of bks.csv where there is one, column "bks");
column "ok": the reference routes keep every window and pair on this data and their travel is the header's
(or there is no header). The summary counts only instances whose reference is ok.

Time limit per instance: `--seconds` (default 2 + visits / 4 s: 7 s at 20 visits, 22 s at 80).

    .venv/bin/python bench/hhc_bredstrom.py [--instances all|Bred_01S,...] [--seconds S] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.routing import RoutingProblem, Stop, Sync, Vehicle, check_routing  # noqa: E402
from planner.routing_engine import solve_routing  # noqa: E402

DATA = REPO.parent / "shared" / "bench" / "hhc_bredstrom_ronnqvist"


def _sections(path: Path) -> list[list[list[int]]]:
    """The file's numeric lines, grouped by the comment lines that separate its sections."""
    groups: list[list[list[int]]] = [[]]
    for raw in path.read_text(encoding="latin-1").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("//"):
            groups.append([])
            continue
        nums = [int(x) for x in re.findall(r"-?\d+", line.split("//")[0])]
        if nums:
            groups[-1].append(nums)
    return [g for g in groups if g]


def load(name: str) -> dict:
    head, proc, horizon, windows, _demand, dist, depot, syncs = _sections(DATA / "instances" / f"{name}.txt")
    n_v, n = head[0][0], head[1][0]
    m = np.zeros((n + 1, n + 1), dtype=np.int64)
    m[1:, 1:] = np.array(dist[:n])
    for i, d in depot:
        m[0, i] = m[i, 0] = d
    pairs = [tuple(x) for x in syncs[1:]]
    return dict(name=name, vehicles=n_v, n=n, service=[p[1] for p in proc], horizon=tuple(horizon[0]),
                windows=[tuple(w) for w in windows], matrix=m, pairs=pairs)


def reference(data: dict, problem: RoutingProblem) -> tuple[int | None, bool]:
    """(travel time, feasible) of the book's reference routes (lines "route, count, visits..."): their
    travel recomputed from the matrix, and whether they keep every window and pair on this data (timed on
    their earliest schedule by the same timing as our search)."""
    from planner.routing_engine_lns import INFEASIBLE, _Search

    path = DATA / "reference_solutions" / f"tournee_{data['name']}_GC.txt"
    if not path.exists():
        return None, False
    m, total, routes = data["matrix"], 0, []
    lines = [[int(x) for x in re.findall(r"\d+", ln)] for ln in path.read_text(encoding="latin-1").splitlines()]
    for nums in lines[1:]:
        if len(nums) < 2:
            continue
        seq = [0] + nums[2:2 + nums[1]] + [0]
        total += sum(int(m[a, b]) for a, b in zip(seq, seq[1:]))
        routes.append([i - 1 for i in seq[1:-1]])
    routes += [[] for _ in range(len(problem.vehicles) - len(routes))]
    served = sorted(i for r in routes for i in r)
    feasible = (served == list(range(data["n"])) and len(routes) == len(problem.vehicles)
                and _Search(problem, 0).evaluate(routes, set()).cost < INFEASIBLE)
    return total, feasible


def build(data: dict) -> RoutingProblem:
    m = data["matrix"]
    h0, h1 = data["horizon"]
    vehicles = tuple(Vehicle(f"v{k + 1}", 0, 0, h0, h1) for k in range(data["vehicles"]))
    stops = tuple(Stop(f"{i + 1}", i + 1, data["service"][i], (data["windows"][i],)) for i in range(data["n"]))
    syncs = tuple(Sync(f"{a}", f"{b}") for a, b in data["pairs"])
    return RoutingProblem(m, m, vehicles, stops, syncs=syncs)


def names() -> list[str]:
    return sorted(p.stem for p in (DATA / "instances").glob("Bred_*.txt"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", default="all")
    ap.add_argument("--seconds", type=float, default=None, help="per instance (default: 2 + visits / 4)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    bks = {r["instance"]: r["cost"] for r in csv.DictReader((DATA / "bks.csv").open())}
    todo = names() if args.instances == "all" else args.instances.split(",")
    print(f"{'instance':10} {'visits':>6} {'pairs':>5} {'ours':>6} {'ref':>6} {'bks':>6} {'ok':>3} {'gap %':>7} "
          f"{'limit':>5} {'s':>5}",
          flush=True)
    gaps: dict[int, list[float]] = {}
    missed = []
    for name in todo:
        data = load(name)
        problem = build(data)
        seconds = args.seconds if args.seconds is not None else 2 + data["n"] / 4
        t0 = time.perf_counter()
        sol = solve_routing(problem, time_limit_s=seconds, seed=args.seed)
        wall = time.perf_counter() - t0
        ref, feasible = reference(data, problem)
        ok = feasible and (not bks.get(name) or int(bks[name]) == ref)
        if not sol.found or sol.dropped:
            print(f"{name:10} no plan serving every visit in {wall:.0f} s", flush=True)
            missed.append(name)
            continue
        errors = check_routing(problem, sol)
        if errors:
            raise AssertionError(f"{name}: {errors[:3]}")
        ours = sum(r.travel_s for r in sol.routes)
        gap = 100 * (ours - ref) / ref if ref else float("nan")
        if ref and ok:
            gaps.setdefault(data["n"], []).append(gap)
        print(f"{name:10} {data['n']:6d} {len(data['pairs']):5d} {ours:6d} {ref or '':>6} {bks.get(name) or '':>6} "
              f"{'yes' if ok else 'no':>3} {gap:7.1f} {seconds:5.0f} {wall:5.1f}", flush=True)
    print()
    print(f"{'visits':>6} {'solved':>6} {'mean gap %':>10} {'max gap %':>9}")
    for n in sorted(gaps):
        g = gaps[n]
        print(f"{n:6d} {len(g):6d} {sum(g) / len(g):10.1f} {max(g):9.1f}")
    allg = [x for g in gaps.values() for x in g]
    if allg:
        print(f"mean gap to the verified reference solutions over {len(allg)} instances: "
              f"{sum(allg) / len(allg):.1f} %; "
              f"{len(missed)} without a full plan {missed if missed else ''} (one thread)")


if __name__ == "__main__":
    main()
