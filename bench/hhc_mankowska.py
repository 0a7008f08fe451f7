"""Benchmark: Mankowska et al. (2014) home care with synchronised double services, with our approach.

Our joint-visit method (planner/home_visits/sync.py): one routing model holds every caregiver of the day;
a double service is two stops (one per caregiver) tied by a `planner.routing.Sync` (same start time when
simultaneous, start(second) - start(first) in [min, max] when sequential). The routing core's entry point
(planner.routing_engine) gives problems with joint stops to our ruin-and-recreate search
(planner.routing_engine_lns), which removes and re-inserts both stops of a double service together and
times every candidate plan as a whole (earliest schedule, joint starts waiting for the later caregiver).
Skills are allowed vehicles; tardiness is priced in the routing core
(each window's close is a soft upper bound, Stop.late_cost_per_s = 1, distance and time share one unit, so
the search minimises distance + total tardiness; max tardiness is not priced). Every plan is verified by
the routing checker (planner.routing.check_routing, syncs included) before it is scored. The objective is
the benchmark's: (distance + total tardiness + max tardiness) / 3, compared with the best values of
Ceschia et al. 2024 in bks.csv.

Time limit per instance: `--seconds` (default: 2 + n/4 s for n patients: the whole set of 70 instances
in 34 minutes on one thread).

    .venv/bin/python bench/hhc_mankowska.py [--instances all|10_1,25_1,...] [--seconds S] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.routing import RoutingProblem, Stop, Sync, Vehicle, check_routing  # noqa: E402
from planner.routing_engine import solve_routing  # noqa: E402

DATA = REPO.parent / "shared" / "bench" / "hhc_mankowska"
SCALE = 100
LATE_COST = 1  # per unit of tardiness, the benchmark's weight of total tardiness (max tardiness is not priced)


def time_limit(n_patients: int) -> float:
    return 2 + n_patients / 4


def names() -> list[str]:
    out = [f.name.split("HCSRP_")[1].removesuffix(".json.gz") for f in (DATA / "instances").glob("*.json.gz")]
    return sorted(out, key=lambda x: tuple(int(k) for k in x.split("_")))


def load(name: str) -> dict:
    prefix = "InstanzCPLEX_HCSRP_" if int(name.split("_")[0]) <= 75 else "InstanzVNS_HCSRP_"
    with gzip.open(DATA / "instances" / f"{prefix}{name}.json.gz", "rt") as fh:
        data = json.load(fh)
    data["name"] = prefix + name
    return data


def build(data: dict) -> tuple[RoutingProblem, dict]:
    """The benchmark instance as one routing problem: one stop per service, one Sync per double service."""
    dist = np.asarray(data["distances"], dtype=float)
    sec = np.rint(dist * SCALE).astype(np.int64)
    carers = data["caregivers"]
    end = int(max(p["time_window"][1] for p in data["patients"]) * SCALE * 4 + sec.max() * 4)
    vehicles = tuple(Vehicle(c["id"], 0, 0, 0, end) for c in carers)
    able = {s["id"]: tuple(c["id"] for c in carers if s["id"] in c["abilities"]) for s in data["services"]}
    stops, syncs, info = [], [], {}
    for k, p in enumerate(data["patients"], start=1):
        a, b = (int(round(x * SCALE)) for x in p["time_window"])
        reqs = p["required_caregivers"]
        for j, r in enumerate(reqs):
            sid = f"{p['id']}/{j}"
            stops.append(Stop(sid, k, int(round(r["duration"] * SCALE)), ((a, b),), able[r["service"]],
                              late_cost_per_s=LATE_COST))
            info[sid] = b
        if len(reqs) == 2:
            sync = p.get("synchronization") or {"type": "simultaneous"}
            lo, hi = ((0, 0) if sync["type"] == "simultaneous"
                      else tuple(int(round(x * SCALE)) for x in sync["distance"]))
            syncs.append(Sync(f"{p['id']}/0", f"{p['id']}/1", lo, hi))
    return RoutingProblem(sec, sec, vehicles, tuple(stops), syncs=tuple(syncs)), info


def solve_instance(data: dict, seconds: float, seed: int):
    """(distance, total tardiness, max tardiness) of our plan, or None when some service is left out."""
    problem, close = build(data)
    sol = solve_routing(problem, time_limit_s=seconds, seed=seed)  # joint stops: planner.routing_engine_lns
    if not sol.found or sol.dropped:
        return None
    errors = check_routing(problem, sol)
    if errors:
        raise AssertionError(f"{data['name']}: {errors[:3]}")
    dist = sum(r.travel_m for r in sol.routes) / SCALE
    tard = [max(0, v.start_s - close[v.stop_id]) / SCALE for r in sol.routes for v in r.visits]
    return dist, sum(tard), max(tard, default=0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", default="all", help="'all' or names such as 10_1,25_3")
    ap.add_argument("--seconds", type=float, default=None, help="per instance (default: 2 + n/4)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    best = {r["instance"]: r for r in csv.DictReader((DATA / "bks.csv").open())}
    todo = names() if args.instances == "all" else args.instances.split(",")
    print(f"{'instance':28} {'dist':>8} {'tot.tard':>8} {'max.tard':>8} {'cost':>8} {'best':>8} {'gap %':>7} "
          f"{'limit':>5} {'s':>5}", flush=True)
    groups: dict[int, list[float]] = {}
    missed = []
    for name in todo:
        data = load(name)
        n = len(data["patients"])
        seconds = args.seconds if args.seconds is not None else time_limit(n)
        t0 = time.perf_counter()
        res = solve_instance(data, seconds, args.seed)
        wall = time.perf_counter() - t0
        ref = float(best[data["name"]]["cost"])
        if res is None:
            print(f"{data['name']:28} no plan serving every patient in {wall:.0f} s", flush=True)
            missed.append(name)
            continue
        d, tt, mt = res
        cost = (d + tt + mt) / 3
        gap = 100 * (cost - ref) / ref
        groups.setdefault(n, []).append(gap)
        print(f"{data['name']:28} {d:8.1f} {tt:8.1f} {mt:8.1f} {cost:8.1f} {ref:8.1f} {gap:7.1f} {seconds:5.0f} "
              f"{wall:5.1f}", flush=True)
    print()
    print(f"{'patients':>8} {'solved':>7} {'mean gap %':>10} {'max gap %':>9}")
    for n in sorted(groups):
        g = groups[n]
        print(f"{n:8d} {len(g):7d} {sum(g) / len(g):10.1f} {max(g):9.1f}")
    gaps = [x for g in groups.values() for x in g]
    if gaps:
        print(f"mean gap over {len(gaps)} instances: {sum(gaps) / len(gaps):.1f} %; "
              f"{len(missed)} without a full plan {missed if missed else ''} (one thread)")


if __name__ == "__main__":
    main()
