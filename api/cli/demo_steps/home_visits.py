"""Demo step: plan the demo territory's home visits (300 patients, 4 doctors, 6 nurses, 4 weeks).

Writes OUT/home_visits/{problem.json, solution.json, routes.csv, calendar.csv, patients.csv, staff.csv};
the problem refers to the demo's matrix (OUT/matrix.json) so `planner check` can re-verify it.
"""

from __future__ import annotations

from planner import kinds
from planner.home_visits.demo import build_demo_problem

from api.cli.demo_steps import plan

TIME_LIMIT_S = 20.0
WEEKS = 4


def run(ctx) -> None:
    problem = build_demo_problem(ctx.scenario, ctx.start, WEEKS, matrix="../matrix.json")
    plan(ctx, kinds.get("home_visits"), problem, TIME_LIMIT_S,
         f"Visites à domicile : {len(problem.patients)} patients, {len(problem.staff)} soignants, "
         f"{problem.horizon.days} jours…")
