"""Demo step: a 15-day rotation of 3 mobile units over the demo territory's premises.

Writes OUT/rotation/{problem.json, solution.json, calendar.csv, itineraries.csv, coverage.csv, proposals.csv};
the problem refers to the demo's matrix (OUT/matrix.json) so `planner check` can re-verify it.
"""

from __future__ import annotations

from planner import kinds
from planner.rotations.demo import build_demo_problem

from api.cli.demo_steps import plan

TIME_LIMIT_S = 30.0
DAYS = 15


def run(ctx) -> None:
    problem = build_demo_problem(ctx.scenario, ctx.communes, ctx.start, DAYS, matrix_ref="../matrix.json")
    plan(ctx, kinds.get("rotation"), problem, TIME_LIMIT_S,
         f"Rotation : {len(problem.units)} unités, {len(problem.usable_premises())} locaux, {DAYS} jours…")
