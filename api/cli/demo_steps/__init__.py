"""The demo's steps, each `run(ctx)`; the plan steps build their kind's demo problem and share `plan`."""

from __future__ import annotations

from planner.core.solving import Kind, SolveParams


def plan(ctx, kind: Kind, problem, time_limit_s: float, what: str) -> None:
    """Solve `problem` on the demo's matrix, write its files into OUT/<kind> (referring to OUT/matrix.json),
    keep its view for the output step, and print its indicators and check."""
    out = ctx.out / kind.name
    with ctx.console.status(what) as status:
        solution = kind.solve(problem, ctx.matrix, SolveParams(time_limit_s=time_limit_s, seed=ctx.scenario.seed),
                              lambda e: status.update(f"{kind.label_fr} : {e.message} ({e.fraction:.0%})"))
    kind.write_files(problem, solution, ctx.matrix, out, matrix_file="../matrix.json")
    violations = kind.check(problem, ctx.matrix, solution)
    view = kind.view(problem, solution, ctx.matrix)
    ctx.views[kind.name] = view
    for label, value in view.indicators[:8]:
        ctx.console.print(f"  {label} : {value}", highlight=False)
    if violations:
        ctx.console.print(f"[red]✗ Vérification : {len(violations)} règle(s) enfreinte(s)[/], ex. {violations[0]}",
                          highlight=False)
    else:
        ctx.console.print(f"[green]✓[/] {kind.label_fr} : plan vérifié, écrit dans {out}", highlight=False)
