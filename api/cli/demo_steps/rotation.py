"""Demo step: a 15-day rotation of 3 mobile units over the demo territory's premises.

Writes OUT/rotation/{problem.json, solution.json, calendar.csv, itineraries.csv, coverage.csv, proposals.csv};
the problem refers to the demo's matrix (OUT/matrix.json) so `planner check` can re-verify it.
"""

from __future__ import annotations


from planner.rotations import io
from planner.rotations.check import check
from planner.rotations.demo import build_demo_problem
from planner.rotations.proposals import rank_proposals, write_proposals_csv
from planner.rotations.solver_ortools import solve
from planner.rotations.view import to_plan_view

TIME_LIMIT_S = 30.0
DAYS = 15


def run(ctx) -> None:
    out = ctx.out / "rotation"
    out.mkdir(parents=True, exist_ok=True)
    problem = build_demo_problem(ctx.scenario, ctx.communes, ctx.start, DAYS,
                                 matrix_ref="../matrix.json")
    with ctx.console.status(f"Rotation : {len(problem.units)} unités, {len(problem.usable_premises())} locaux, "
                            f"{DAYS} jours…") as status:
        solution = solve(problem, ctx.matrix, time_limit_s=TIME_LIMIT_S, seed=ctx.scenario.seed,
                         progress=lambda o, b, t: status.update(f"Rotation : calcul… {t:.0f} s"))
    io.write_problem(problem, out / "problem.json")
    io.write_solution(solution, out / "solution.json")
    io.write_solution_csvs(problem, solution, out)
    write_proposals_csv(rank_proposals(problem, ctx.matrix, solution), out / "proposals.csv")
    violations = check(problem, ctx.matrix, solution)
    view = to_plan_view(problem, solution, approximate=ctx.matrix.approximate)
    ctx.views["rotation"] = view
    for label, value in view.indicators:
        ctx.console.print(f"  {label} : {value}", highlight=False)
    if violations:
        ctx.console.print(f"[red]✗ Vérification : {len(violations)} règle(s) enfreinte(s)[/], ex. {violations[0]}",
                          highlight=False)
    else:
        ctx.console.print(f"[green]✓[/] Rotation planifiée et vérifiée dans {out}", highlight=False)
