"""Benchmark: how home-visit planning grows with size (issue 10, "Scale").

300, 600 and 1,200 synthetic patients on the demo territory (staff in proportion: 4 doctors and 6 nurses
per 300 patients), over 4 and 8 weeks, approximate travel times (great circle x circuity). Each case runs
in its own process so the peak memory (getrusage max RSS, and tracemalloc's traced peak of the solve is
not used: it slows Python several times) is that case's. Prints the time to choose the visit days, to
the first feasible plan (every visit given a day, every day routed once), the final quality (share of required visits planned,
on time, driving hours) and the checker's verdict. Target: 1,200 patients over 8 weeks feasible within
60 s on the 2-core machine.

    .venv/bin/python bench/scale_home_visits.py [--time-limit 60] [--sizes 300,600,1200] [--weeks 4,8]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def run_case(n: int, weeks: int, limit: float, seed: int) -> dict:
    from api.cli.demo_job import load_territory
    from maps.approx import approximate_matrix
    from planner.home_visits.check import check
    from planner.home_visits.demo import build_demo_problem
    from planner.home_visits.solver import solve
    from planner.synthetic import generate

    territory = load_territory(None)
    k = max(1, n // 300)
    scenario = generate(territory.communes, n_patients=n, n_doctors=4 * k, n_nurses=6 * k, seed=seed)
    problem = build_demo_problem(scenario, date(2026, 3, 2), weeks)
    places = problem.places()
    matrix = approximate_matrix(list(places), list(places.values()))
    t0 = time.perf_counter()
    seen: dict[str, float] = {}

    def progress(what: str, frac: float) -> None:
        if what.startswith("tournées") and "days" not in seen:
            seen["days"] = time.perf_counter() - t0  # visit days chosen, first day's routing starts

    sol = solve(problem, matrix, time_limit_s=limit, seed=seed, progress=progress)
    wall = time.perf_counter() - t0
    ind = sol.indicators
    return {"patients": n, "weeks": weeks, "staff": len(problem.staff), "required": ind["visits_required"],
            "served": ind["visits_planned"] / max(1, ind["visits_required"]), "on_time": ind["on_time_rate"],
            "driving_h": ind["driving_hours_total"], "days_s": seen.get("days", 0.0), "first_s": sol.stats["first_feasible_s"], "wall_s": wall,
            "violations": len(check(problem, matrix, sol)),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--sizes", default="300,600,1200")
    ap.add_argument("--weeks", default="4,8")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--case", help=argparse.SUPPRESS)  # "n,weeks": run one case, print JSON
    args = ap.parse_args()
    if args.case:
        n, w = map(int, args.case.split(","))
        print(json.dumps(run_case(n, w, args.time_limit, args.seed)))
        return
    print(f"time limit {args.time_limit:g} s, seed {args.seed}, approximate travel times, deterministic search")
    print(f"{'patients':>8} {'weeks':>5} {'staff':>5} {'visits':>6} {'days s':>7} {'first s':>8} {'final s':>8} {'served':>7} "
          f"{'on time':>7} {'driving h':>9} {'peak MB':>8} {'checker':>7}")
    for n in map(int, args.sizes.split(",")):
        for w in map(int, args.weeks.split(",")):
            out = subprocess.run([sys.executable, __file__, "--case", f"{n},{w}", "--time-limit",
                                  str(args.time_limit), "--seed", str(args.seed)],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{r['patients']:8d} {r['weeks']:5d} {r['staff']:5d} {r['required']:6d} {r['days_s']:7.1f} {r['first_s']:8.1f} "
                  f"{r['wall_s']:8.1f} {100 * r['served']:6.1f}% {100 * r['on_time']:6.1f}% {r['driving_h']:9.1f} "
                  f"{r['peak_mb']:8.0f} {r['violations']:7d}", flush=True)


if __name__ == "__main__":
    main()
