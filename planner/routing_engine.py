"""The routing core's entry point: picks the engine for a problem.

- joint stops (`RoutingProblem.syncs`): our ruin-and-recreate search (planner/routing_engine_lns.py),
  which moves both stops of a joint visit together (OR-Tools' local search stalls on them, bench/README.md);
- else PyVRP where it fits, else OR-Tools.

Why PyVRP: measured on the 56 Solomon VRPTW instances at 10 s (bench/README.md), OR-Tools' routing library stays
at a 2.8 % mean gap whatever its settings while PyVRP reaches 0.25 %; PyVRP lacks breaks, per-stop allowed
vehicles and multiple windows, so those problems (the home-visit days) stay on OR-Tools.
"""

from __future__ import annotations

import importlib.util

from planner.routing import RoutingProblem, RoutingSolution

ENGINES = ("auto", "ortools", "pyvrp", "lns")


def pick_engine(problem: RoutingProblem, engine: str = "auto") -> str:
    """The engine that will solve `problem`: "pyvrp" only when it is installed and fits the problem."""
    if engine not in ENGINES:
        raise ValueError(f"unknown routing engine {engine!r}; expected one of {ENGINES}")
    if engine != "auto":
        return engine
    if problem.syncs:
        return "lns"
    from planner.routing_pyvrp import fits

    return "pyvrp" if importlib.util.find_spec("pyvrp") is not None and fits(problem) else "ortools"


def solve_routing(problem: RoutingProblem, *, engine: str = "auto", **kwargs) -> RoutingSolution:
    """Solve with the picked engine; keyword arguments are those of the engines' solve_routing."""
    picked = pick_engine(problem, engine)
    if picked == "pyvrp":
        from planner.routing_pyvrp import solve_routing as solve
    elif picked == "lns":
        from planner.routing_engine_lns import solve_routing as solve
    else:
        from planner.routing_ortools import solve_routing as solve
    if picked != "lns":
        kwargs.pop("iterations", None)  # a work limit of our search only; OR-Tools has solution_limit
    return solve(problem, **kwargs)
