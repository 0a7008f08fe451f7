"""Benchmark: a 15-day rotation of 3 mobile units over the demo territory's premises (80: the town halls
with their real opening hours, plus 6 synthetic halls and former surgeries).

Prints the solve time, the indicators, the gap CP-SAT proves, and the greedy baseline of issue 4 (each
day, the reachable premises with the most unmet priority demand) in the same run, with our gain over it.
Targets (issue 4): within 60 s, proven gap < 5 %, >= 15 % more priority demand served than the greedy
baseline at no more driving. Uses the real OSM extract when present (../shared/osm), else the approximate
model. `--demand-factor` scales every commune's estimated demand (scarcer or more plentiful capacity).

    .venv/bin/python bench/rotation.py [--time-limit 50] [--seed 7] [--approx] [--demand-factor 1.0]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from api.demo import DEMO_COMMUNES, SEED, SHARED_NETWORK, scenario_places  # noqa: E402
from planner.rotations.baseline import solve_greedy  # noqa: E402
from planner.rotations.check import check  # noqa: E402
from planner.rotations.demo import build_demo_problem  # noqa: E402
from planner.rotations.solver_ortools import solve  # noqa: E402
from planner.synthetic import generate  # noqa: E402
from planner.territory import read_communes  # noqa: E402


def line(name: str, sol) -> str:
    i = sol.indicators
    return (f"{name:<8} served {i['priority_demand_served']:>5} / {i['priority_demand']} "
            f"({100 * i['priority_demand_served_share']:.1f} %), communes {i['communes_served']}/"
            f"{i['communes_in_need']}, min share {100 * i['min_commune_share']:.0f} %, population within reach "
            f"{100 * i['population_within_reach_share']:.1f} %, sessions {i['sessions']}, driving "
            f"{i['driving_hours']} h / {i['driving_km']} km, staff use {100 * i['staff_utilisation']:.0f} %")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=50.0)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--days", type=int, default=15)
    ap.add_argument("--start", default="2026-03-02")
    ap.add_argument("--demand-factor", type=float, default=1.0)
    ap.add_argument("--demand-weight", type=int, default=None,
                    help="objective weight of one consultation, in minutes of driving (default 60)")
    ap.add_argument("--approx", action="store_true", help="approximate travel times even if the OSM extract exists")
    args = ap.parse_args()
    communes = read_communes(DEMO_COMMUNES)
    net = road = None
    t = time.perf_counter()
    if SHARED_NETWORK.exists() and not args.approx:
        from maps.network import load_network, road_points

        net = load_network(SHARED_NETWORK)
        road = road_points(net)
    scenario = generate(communes, seed=SEED, road_points=road)
    places = scenario_places(scenario, communes)
    ids = [i for i in places if not i.startswith(("P", "base:D", "base:N"))]
    if net is not None:
        from maps.matrix import travel_matrix

        matrix = travel_matrix(net, ids, [places[i] for i in ids])
    else:
        from maps.approx import approximate_matrix

        matrix = approximate_matrix(ids, [places[i] for i in ids])
    print(f"matrix: {len(matrix)} places, {'approximate' if matrix.approximate else 'OSM roads'} "
          f"({time.perf_counter() - t:.1f} s)")
    problem = build_demo_problem(scenario, communes, date.fromisoformat(args.start), args.days)
    if args.demand_factor != 1.0:
        problem = replace(problem, communes=tuple(
            replace(c, demand={k: int(round(v * args.demand_factor)) for k, v in c.demand.items()})
            for c in problem.communes))
    if args.demand_weight is not None:
        problem = replace(problem, weights=replace(problem.weights, demand=args.demand_weight))
    print(f"problem: {len(problem.units)} units, {len(problem.usable_premises())} premises, "
          f"{len(problem.communes)} communes, {args.days} days, demand {sum(c.total_demand for c in problem.communes)}"
          f" priority consultations")
    t0 = time.perf_counter()
    greedy = solve_greedy(problem, matrix)
    tg = time.perf_counter() - t0
    t0 = time.perf_counter()
    sol = solve(problem, matrix, time_limit_s=args.time_limit, seed=args.seed, num_workers=args.workers)
    wall = time.perf_counter() - t0
    print(f"CP-SAT: {wall:.1f} s (limit {args.time_limit:g} s), status {sol.status}, objective {sol.objective}, "
          f"proven bound {sol.bound}, gap {100 * (sol.gap or 0):.2f} %  [{sol.solver}]")
    print(f"greedy: {tg:.2f} s")
    print(line("CP-SAT", sol))
    print(line("greedy", greedy))
    gs, cs = greedy.indicators["priority_demand_served"], sol.indicators["priority_demand_served"]
    gd, cd = greedy.indicators["driving_hours"], sol.indicators["driving_hours"]
    gain = 100 * (cs - gs) / gs if gs else float("inf")
    print(f"gain over greedy: {gain:+.1f} % priority demand served; driving {cd} h vs {gd} h "
          f"({100 * (cd - gd) / gd if gd else 0:+.1f} %); driving per consultation {60 * cd / max(cs, 1):.1f} min vs "
          f"{60 * gd / max(gs, 1):.1f} min")
    for name, s in (("CP-SAT", sol), ("greedy", greedy)):
        errors = check(problem, matrix, s)
        print(f"checker ({name}): {len(errors)} violation(s)" + (f", first: {errors[:3]}" if errors else ""))


if __name__ == "__main__":
    main()
