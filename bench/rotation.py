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

The harder territory (issue 10): a whole département, Alpes-de-Haute-Provence (04), on its OSM road network
(../shared/osm/fr04_departement_drive.osm) with its communes from ../shared/data/communes_fr.csv: every
town hall with opening hours is a premises, units (doctor + nurse, back at base every evening) based in
Digne-les-Bains, Manosque, Sisteron, Barcelonnette, Castellane (the first N), 15 days:

    .venv/bin/python bench/rotation.py --territory fr04 [--units 3,4,5] [--runs capped]
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
from planner.rotations.assemble import solution_indicators  # noqa: E402
from planner import kinds  # noqa: E402
from planner.core.solving import SolveParams  # noqa: E402

SHARED = REPO.parent / "shared"
FR04_BASES = ("04070", "04112", "04209", "04019", "04039")  # Digne, Manosque, Sisteron, Barcelonnette, Castellane


def solve(problem, matrix, args, options: dict):
    """The rotation as the product plans it: through the kind's front door (as the CLI and the service)."""
    params = SolveParams(time_limit_s=args.time_limit, seed=args.seed, workers=args.workers, options=options)
    return kinds.get("rotation").solve(problem, matrix, params)


def departement_problem(n_units: int, start: date, days: int):
    """(problem, matrix) of the département 04 rotation with `n_units` units."""
    import csv
    import tempfile

    from maps.matrix import travel_matrix
    from maps.network import load_network
    from planner.rotations.io import validate
    from planner.rotations.model import CommuneNeed, Member, Premises, RotationProblem, Unit
    from planner.rotations.need import estimate_demand, estimate_priority_population
    from planner.core.territory import read_communes

    with (SHARED / "data" / "communes_fr.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["departement"] == "04"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "communes_04.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        communes = [c for c in read_communes(path) if c.townhall is not None]
    by_insee = {c.insee: c for c in communes}
    units = tuple(Unit(f"U{k + 1}", f"Unité {by_insee[b].name}",
                       (Member(f"U{k + 1}-d", "Médecin (fictif)", "doctor"), Member(f"U{k + 1}-n", "Infirmier·e (fictif)", "nurse")),
                       "van", f"base:U{k + 1}", f"Centre hospitalier de {by_insee[b].name}", by_insee[b].townhall, start, days)
                  for k, b in enumerate(FR04_BASES[:n_units]))
    premises = tuple(Premises(f"M{c.insee}", f"Mairie de {c.name}", c.insee, c.townhall, c.townhall_address)
                     for c in communes if c.townhall_hours is not None and not c.townhall_hours.is_empty)
    needs = []
    for c in communes:
        prio = estimate_priority_population(c.population)
        needs.append(CommuneNeed(c.insee, c.name, c.population, c.townhall, f"mairie:{c.insee}", c.townhall_hours,
                                 prio, True, estimate_demand(prio, days), True))
    problem = validate(RotationProblem(units, premises, tuple(needs), name="Alpes-de-Haute-Provence (04)"))
    places = {u.base_id: u.base_location for u in units}
    places.update({p.id: p.location for p in premises})
    places.update({c.place_id: c.location for c in needs})
    net = load_network(SHARED / "osm" / "fr04_departement_drive.osm")
    return problem, travel_matrix(net, list(places), list(places.values()))


def departement(args) -> None:
    """Greedy against CP-SAT at no more driving, 3 to 5 units over département 04."""
    print("run                         units  served  share   gain  min share  driving h  vs greedy     gap  time s  checker")
    for n in (int(k) for k in args.units.split(",")):
        t = time.perf_counter()
        problem, matrix = departement_problem(n, date.fromisoformat(args.start), args.days)
        if n == int(args.units.split(",")[0]):
            print(f"# {len(problem.communes)} communes, {len(problem.usable_premises())} premises (town halls with hours), "
                  f"demand {sum(c.total_demand for c in problem.communes)}, matrix {len(matrix)} places "
                  f"({time.perf_counter() - t:.1f} s)")
        t0 = time.perf_counter()
        greedy = solve_greedy(problem, matrix)
        runs = [("greedy", greedy, time.perf_counter() - t0)]
        drive = sum(d.driving_s for d in greedy.days)
        for name in args.runs.split(","):
            cfg = {"capped": dict(max_driving_s=drive), "lexico": dict(lexicographic=True), "weighted": {}}[name]
            t0 = time.perf_counter()
            sol = solve(problem, matrix, args, cfg)
            runs.append((f"CP-SAT {name}", sol, time.perf_counter() - t0))
        gi = solution_indicators(problem, greedy)
        for label, sol, wall in runs:
            i = solution_indicators(problem, sol)
            gs, cs = gi["priority_demand_served"], i["priority_demand_served"]
            gd, cd = gi["driving_hours"], i["driving_hours"]
            gap = "-" if sol.gap is None else f"{100 * sol.gap:.2f}%"
            print(f"{label:<27} {n:>5} {cs:>7} {100 * i['priority_demand_served_share']:>5.1f}% "
                  f"{100 * (cs - gs) / gs if gs else 0:>+6.1f}% {100 * i['min_commune_share']:>9.0f}% {cd:>10.2f} "
                  f"{100 * (cd - gd) / gd if gd else 0:>+9.1f}% {gap:>7} {wall:>7.1f} {len(check(problem, matrix, sol)):>8}",
                  flush=True)


def line(name: str, problem, sol) -> str:
    i = solution_indicators(problem, sol)  # the function the rotation view shows
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
    ap.add_argument("--territory", choices=("demo", "fr04"), default="demo")
    ap.add_argument("--units", default="3,4,5", help="fr04 only: the numbers of units to try")
    args = ap.parse_args()
    if args.territory == "fr04":
        return departement(args)
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
        sol = solve(problem, matrix, args, configs[name])
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
        print(line(label, problem, sol))
    gs = greedy.indicators["priority_demand_served"]
    gd = greedy.indicators["driving_hours"]
    from planner.rotations.reach import uptake_costs

    best = {}  # the largest share of its need each commune can take, at its nearest premises in reach
    for (insee, _), c in uptake_costs(problem, matrix).items():
        best[insee] = min(best.get(insee, c), c)
    ceiling = sum(100 * n // best[c.insee] for c in problem.communes if c.insee in best for n in c.demand.values())
    print()
    print(f"ceiling: {greedy.indicators['priority_demand']} priority consultations demanded, at most {ceiling} "
          f"servable (uptake {problem.far_uptake_pct} % beyond {problem.reach_min // 2} min), greedy serves {gs} "
          f"-> max possible gain "
          f"{100 * (ceiling - gs) / gs:.1f} %" + ("  (the +15 % target is out of reach here)"
                                                   if ceiling < 1.15 * gs else ""))
    print(f"{'run':<26} {'served':>7} {'gain':>8} {'of max':>7} {'driving h':>10} {'vs greedy':>10} {'gap':>7} {'time s':>7}"
          f" {'checker':>8}")
    for label, sol, wall in runs:
        i = solution_indicators(problem, sol)
        cs, cd = i["priority_demand_served"], i["driving_hours"]
        gain = 100 * (cs - gs) / gs if gs else float("inf")
        errors = check(problem, matrix, sol)
        gap = "-" if sol.gap is None else f"{100 * sol.gap:.2f}%"
        share = 100 * (cs - gs) / (ceiling - gs) if ceiling > gs else 0.0
        print(f"{label:<26} {cs:>7} {gain:>+7.1f}% {share:>6.0f}% {cd:>10.2f} {100 * (cd - gd) / gd if gd else 0:>+9.1f}% "
              f"{gap:>7} {wall:>7.1f} {len(errors):>8}" + (f"  first: {errors[:2]}" if errors else ""))

if __name__ == "__main__":
    main()
