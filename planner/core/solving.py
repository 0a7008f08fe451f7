"""What every plan kind shares at its front door: one solve-parameters object, one progress event, and the
shape of a kind (`Kind`), so the CLI, the service, the demo and the benchmarks drive any kind the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

from planner.core.errors import InputError, write_json_file
from planner.core.geo import Location
from planner.core.itinerary import PlanView
from planner.core.travel import TravelMatrix


@dataclass(frozen=True)
class SolveParams:
    """How long and how to search. `time_limit_s` caps the search; `deterministic`: work limits, not the clock,
    end it (same input, same plan on any machine); `options`: the kind's own settings (documented by the kind)."""

    time_limit_s: float = 20.0
    seed: int = 0
    deterministic: bool = True
    workers: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise InputError("time limit must be positive", field="time_limit_s")
        if self.workers < 1:
            raise InputError("at least one worker", field="workers")


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report: share done (0-1), a French message, and the objective and bound when known."""

    fraction: float
    message: str
    objective: float | None = None
    bound: float | None = None


Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class Replanned:
    """A re-plan: the problem as changed, the new plan, and what moved (JSON-ready records, French reasons)."""

    problem: Any
    solution: Any
    changes: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Kind:
    """The verbs of one plan kind. Each kind package builds one (`planner/<kind>/kind.py`); `planner.kinds`
    lists them. Problems and solutions are the kind's own typed models; dicts are their documented JSON."""

    name: str                                   # the JSON "kind" of its problem and solution files
    label_fr: str
    problem_from_dict: Callable[..., Any]       # (data, *, source) -> problem
    problem_to_dict: Callable[[Any], dict]
    solution_from_dict: Callable[..., Any]      # (data, *, source) -> solution
    solution_to_dict: Callable[[Any], dict]
    read_problem: Callable[[Path], Any]         # a problem file (or folder of CSV files)
    places: Callable[[Any], dict[str, Location]]  # every place the travel matrix must cover
    door_seconds: Callable[[Any], dict[str, float] | None]
    matrix_file: Callable[[Any, Path], Path | None]  # the matrix file a problem file refers to, if any
    with_matrix_file: Callable[[Any, str | None], Any]
    check_matrix: Callable[..., None]           # (problem, matrix, *, source) -> raises InputError
    solve: Callable[[Any, TravelMatrix, SolveParams, Progress | None], Any]
    check: Callable[[Any, TravelMatrix, Any], list[str]]
    ensure_belongs: Callable[..., None]         # (problem, solution, *, source) -> raises InputError
    view: Callable[..., PlanView]               # (problem, solution, matrix, *, title) -> PlanView
    change_from_dict: Callable[..., Any]        # (data, problem, *, today) -> the kind's change
    replan: Callable[[Any, Any, Any, TravelMatrix, SolveParams], Replanned]
    write_tables: Callable[[Any, Any, TravelMatrix, Path], None]  # the kind's CSV tables of a plan
    left_out: Callable[[Any, Any], list[str]]   # French lines: each visit or commune left out, and why
    no_plan: Callable[[Any], str | None]        # French reason when the search found no plan at all
    size_fr: Callable[[Any], str]               # the problem's size in planners' words ("3 unités × 8 jours")
    period: Callable[[Any], tuple[date, date]]  # first and last planned day

    def dated_title(self, problem: Any, name: str | None = None) -> str:
        """'Décembre — du 07/12/2026 au 18/12/2026': a plan title that says when."""
        a, b = self.period(problem)
        return f"{name or self.label_fr} — du {a:%d/%m/%Y} au {b:%d/%m/%Y}"

    def write_files(self, problem: Any, solution: Any, matrix: TravelMatrix, out: Path, *,
                    matrix_file: str | None = "matrix.json") -> None:
        """The plan's files: the matrix (unless `matrix_file` names one already written, relative to `out`),
        problem.json referring to it, solution.json and the kind's CSV tables."""
        out.mkdir(parents=True, exist_ok=True)
        if matrix_file == "matrix.json":
            matrix.save(out / "matrix.json")
        for name, data in (("problem.json", self.problem_to_dict(self.with_matrix_file(problem, matrix_file))),
                           ("solution.json", self.solution_to_dict(solution))):
            write_json_file(out / name, data)
        self.write_tables(problem, solution, matrix, out)
