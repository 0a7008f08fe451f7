"""Benchmark: a 15-day rotation of 3 mobile units over the demo territory's premises (80: the town halls
with their real opening hours, plus 6 synthetic halls and former surgeries).

Prints the solve time, the indicators, the gap CP-SAT proves, and the greedy baseline of issue 4 (each
day, the reachable premises with the most unmet priority demand) in the same run, with our gain over it.
Two CP-SAT runs by default, each within --time-limit: "lexico" (phase 1 demand, coverage and fairness;
phase 2 least driving holding 99 % of phase 1) and "capped" (total driving at most the greedy plan's: the
honest "more demand at no more driving" test; see solve(max_driving_s=...) for how it gets under the cap,
and it returns the greedy plan itself, fairly split, if it finds nothing better).
The ceiling line states the largest gain possible (all priority demand served) next to the greedy figure.
Targets (issue 4): within 60 s, proven gap < 5 %, >= 15 % more priority demand served than the greedy
baseline at no more driving. Uses the real OSM extract when present (../shared/osm), else the approximate
model. `--demand-factor` scales every commune's estimated demand (scarcer or more plentiful capacity).

    .venv/bin/python bench/rotation.py [--time-limit 60] [--seed 7] [--approx] [--demand-factor 1.0]
        [--runs lexico,capped,weighted] [--out DIR]   # then: planner check DIR/capped/{problem,solution}.json
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

from api.cli.demo_job import SEED, SHARED_NETWORK, load_territory, places_matrix  # noqa: E402
from planner.rotations.baseline import solve_greedy  # noqa: E402
from planner.rotations.check import check  # noqa: E402
from planner.rotations.demo import build_demo_problem  # noqa: E402
from planner.rotations.solver_ortools import solve  # noqa: E402


def line(name: str, sol) -> str:
    i = sol.indicators
    return (f"{name:<26} served {i['priority_demand_served']:>5} / {i['priority_demand']} "
            f"({100 * i['priority_demand_served_share']:.1f} %), communes {i['communes_served']}/"
            f"{i['communes_in_need']}, min share {100 * i['min_commune_share']:.0f} %, population within reach "
            f"{100 * i['population_within_reach_share']:.1f} %, sessions {i['sessions']}, driving "
            f"{i['driving_hours']} h / {i['driving_km']} km, staff use {100 * i['staff_utilisation']:.0f} %")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0, help="per CP-SAT run")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--days", type=int, default=15)
    ap.add_argument("--start", default="2026-03-02")
    ap.add_argument("--demand-factor", type=float, default=1.0)
    ap.add_argument("--demand-weight", type=int, default=None,
                    help="objective weight of one consultation, in minutes of driving (default 60)")
    ap.add_argument("--runs", default="lexico,capped",
                    help="comma-separated CP-SAT runs: lexico (phase 1 demand+fairness, phase 2 driving at >= 99 %%), "
                         "capped (total driving <= the greedy plan's), "
                         "weighted (one weighted sum, one consultation = one hour of driving)")
    ap.add_argument("--out", type=Path, default=None,
                    help="write matrix.json and <run>/{problem,solution}.json there, for `planner check`")
    ap.add_argument("--approx", action="store_true", help="approximate travel times even if the OSM extract exists")
    args = ap.parse_args()
    t = time.perf_counter()
    territory = load_territory(None if args.approx or not SHARED_NETWORK.exists() else SHARED_NETWORK)
    scenario, communes, places = territory.scenario, territory.communes, territory.places
    ids = [i for i in places if not i.startswith(("P", "base:D", "base:N"))]
    matrix = places_matrix(territory, ids)
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
    greedy_drive_s = sum(d.driving_s for d in greedy.days)
    runs = [("greedy", greedy, tg)]
    configs = {
        "lexico": dict(lexicographic=True),
        "weighted": dict(),
        "capped": dict(max_driving_s=greedy_drive_s),  # the greedy plan is under the cap: the fallback
    }
    for name in args.runs.split(","):
        t0 = time.perf_counter()
        sol = solve(problem, matrix, time_limit_s=args.time_limit, seed=args.seed, num_workers=args.workers,
                    **configs[name])
        wall = time.perf_counter() - t0
        label = {"capped": "CP-SAT driving <= greedy", "lexico": "CP-SAT lexicographic",
                 "weighted": "CP-SAT weighted"}[name]
        print(f"{label}: {wall:.1f} s (limit {args.time_limit:g} s), status {sol.status}, objective "
              f"{sol.objective}, proven bound {sol.bound}, gap {100 * (sol.gap or 0):.2f} %  [{sol.solver}]")
        runs.append((label, sol, wall))
        if args.out is not None:
            from planner.rotations import io

            args.out.mkdir(parents=True, exist_ok=True)
            matrix.save(args.out / "matrix.json")
            (args.out / name).mkdir(exist_ok=True)
            io.write_problem(replace(problem, matrix_ref="../matrix.json"), args.out / name / "problem.json")
            io.write_solution(sol, args.out / name / "solution.json")
    print()
    for label, sol, _ in runs:
        print(line(label, sol))
    gs = greedy.indicators["priority_demand_served"]
    gd = greedy.indicators["driving_hours"]
    ceiling = greedy.indicators["priority_demand"]
    print()
    print(f"ceiling: {ceiling} priority consultations demanded, greedy serves {gs} -> max possible gain "
          f"{100 * (ceiling - gs) / gs:.1f} %" + ("  (the +15 % target is out of reach here)"
                                                   if ceiling < 1.15 * gs else ""))
    print(f"{'run':<26} {'served':>7} {'gain':>8} {'driving h':>10} {'vs greedy':>10} {'gap':>7} {'time s':>7}"
          f" {'checker':>8}")
    for label, sol, wall in runs:
        i = sol.indicators
        cs, cd = i["priority_demand_served"], i["driving_hours"]
        gain = 100 * (cs - gs) / gs if gs else float("inf")
        errors = check(problem, matrix, sol)
        gap = "-" if sol.gap is None else f"{100 * sol.gap:.2f}%"
        print(f"{label:<26} {cs:>7} {gain:>+7.1f}% {cd:>10.2f} {100 * (cd - gd) / gd if gd else 0:>+9.1f}% "
              f"{gap:>7} {wall:>7.1f} {len(errors):>8}" + (f"  first: {errors[:2]}" if errors else ""))

if __name__ == "__main__":
    main()
