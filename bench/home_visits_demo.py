"""Benchmark: the demo territory's home visits at full size (300 patients, 4 doctors, 6 nurses, 4 weeks).

Prints the time to a first feasible plan (every day routed once) and to the final plan, the indicators and
the checker's verdict. Targets (issue 3): feasible < 10 s, final within 60 s, every visit scheduled when
capacity allows. Uses the real OSM extract when present (../shared/osm), else the approximate model.

    .venv/bin/python bench/home_visits_demo.py [--time-limit 20] [--seed 7] [--approx] [--weeks 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from api.cli.demo_job import SHARED_NETWORK, load_territory, places_matrix  # noqa: E402
from planner.home_visits.check import check  # noqa: E402
from planner.home_visits.demo import build_demo_problem  # noqa: E402
from planner import kinds  # noqa: E402
from planner.core.solving import SolveParams  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--approx", action="store_true", help="approximate travel times even if the OSM extract exists")
    ap.add_argument("--start", default="2026-03-02")
    args = ap.parse_args()
    t = time.perf_counter()
    territory = load_territory(None if args.approx or not SHARED_NETWORK.exists() else SHARED_NETWORK)
    scenario, places = territory.scenario, territory.places
    ids = [i for i in places if not i.startswith(("M", "S", "mairie:"))]
    matrix = places_matrix(territory, ids)
    print(f"matrix: {len(matrix)} places, {'approximate' if matrix.approximate else 'OSM roads'} "
          f"({time.perf_counter() - t:.1f} s)")
    problem = build_demo_problem(scenario, date.fromisoformat(args.start), args.weeks)
    print(f"problem: {len(problem.patients)} patients, {len(problem.staff)} staff, {problem.horizon.days} days")
    t0 = time.perf_counter()
    sol = kinds.get("home_visits").solve(problem, matrix, SolveParams(time_limit_s=args.time_limit, seed=args.seed))
    wall = time.perf_counter() - t0
    errors = check(problem, matrix, sol)
    ind = sol.indicators
    print(f"first feasible plan: {sol.stats['first_feasible_s']:.1f} s; final: {wall:.1f} s "
          f"(time limit {args.time_limit:g} s)")
    print(f"visits planned {ind['visits_planned']} / required {ind['visits_required']} "
          f"(joint {ind['joint_visits_planned']}), on time {100 * ind['on_time_rate']:.1f} %, "
          f"continuity {100 * ind['continuity_rate']:.1f} %")
    print(f"driving {ind['driving_hours_total']} h, {ind['driving_km_total']} km; balance {ind['workload_balance']}")
    for g in ind["workload_fairness"]:
        verdict = "ok" if g["within"] else (g["explained_by"] or "NOT within 1.3 and not explained")
        print(f"  {g['role']} {g['working_hours']} h over the horizon, {len(g['staff'])} staff: busiest "
              f"{g['busiest']} {g['busiest_visits']} visits, least busy {g['least_busy']} {g['least_busy_visits']}, "
              f"({g['busiest_own_patients']} for own patients, {g['busiest_covering_absent']} for an absent "
              f"colleague's), ratio {g['ratio']}: {verdict}")
    print("unscheduled reasons:", dict(Counter(u.reason.split(" (")[0] for u in sol.unscheduled)))
    print(f"checker: {len(errors)} violation(s)" + (f", first: {errors[:3]}" if errors else ""))


if __name__ == "__main__":
    main()
