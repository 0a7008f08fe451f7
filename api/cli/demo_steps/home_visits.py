"""Demo step: plan the demo territory's home visits (300 patients, 4 doctors, 6 nurses, 4 weeks).

Writes OUT/home_visits/{problem.json, solution.json, routes.csv, calendar.csv, patients.csv, staff.csv};
the problem refers to the demo's matrix (OUT/matrix.json) so `planner check` can re-verify it.
"""

from __future__ import annotations


from planner.home_visits import io
from planner.home_visits.check import check
from planner.home_visits.demo import build_demo_problem
from planner.home_visits.solver import solve
from planner.home_visits.view import to_plan_view

TIME_LIMIT_S = 20.0
WEEKS = 4


def run(ctx) -> None:
    out = ctx.out / "home_visits"
    out.mkdir(parents=True, exist_ok=True)
    problem = build_demo_problem(ctx.scenario, ctx.start, WEEKS, matrix="../matrix.json")
    with ctx.console.status(f"Visites à domicile : {len(problem.patients)} patients, {len(problem.staff)} "
                            f"soignants, {problem.horizon.days} jours…") as status:
        solution = solve(problem, ctx.matrix, time_limit_s=TIME_LIMIT_S, seed=ctx.scenario.seed,
                         progress=lambda what, frac: status.update(f"Visites à domicile : {what} ({frac:.0%})"))
    io.save_problem(problem, out / "problem.json")
    io.save_solution(solution, out / "solution.json")
    io.write_solution_csv(problem, solution, out)
    io.write_patients_csv(out / "patients.csv", problem.patients)
    io.write_staff_csv(out / "staff.csv", problem.staff)
    violations = check(problem, ctx.matrix, solution)
    view = to_plan_view(problem, solution, ctx.matrix)
    ctx.views["home_visits"] = view
    for label, value in view.indicators[:7]:
        ctx.console.print(f"  {label} : {value}", highlight=False)
    if violations:
        ctx.console.print(f"[red]✗ Vérification : {len(violations)} règle(s) enfreinte(s)[/], ex. {violations[0]}",
                          highlight=False)
    else:
        ctx.console.print(f"[green]✓[/] Visites à domicile planifiées et vérifiées dans {out}", highlight=False)
