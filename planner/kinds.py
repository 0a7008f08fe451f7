"""The registry of plan kinds: the only place that knows which kinds exist. Everything that plans (CLI,
service, demo, benchmarks) asks it for a `Kind` by name and uses that kind's verbs.

A new kind (say a vaccination campaign) is one package with a `kind.py` building its `Kind`, and one line
here (docs/where_to_change_what.md)."""

from __future__ import annotations

from pathlib import Path

from planner.core.errors import InputError, read_json_file
from planner.core.solving import Kind
from planner.core.travel import TravelMatrix
from planner.home_visits.kind import KIND as HOME_VISITS
from planner.rotations.kind import KIND as ROTATION

KINDS: dict[str, Kind] = {k.name: k for k in (HOME_VISITS, ROTATION)}


def get(name: object, *, source: str | None = None, field: str = "kind") -> Kind:
    """The kind called `name`, or an InputError listing the known ones."""
    if isinstance(name, str) and name in KINDS:
        return KINDS[name]
    raise InputError(f"unknown plan kind {name!r}; expected one of {sorted(KINDS)}", source=source, field=field)


def kind_of_file(path: Path) -> Kind:
    """The kind a problem or solution JSON file declares in its `kind` field."""
    data = read_json_file(path, expect_object=False)
    return get(data.get("kind") if isinstance(data, dict) else None, source=str(path))


def read_plan(problem_path: Path, solution_path: Path) -> tuple[Kind, object, object]:
    """A problem file and its solution file, checked to be of one kind and to belong together."""
    kind = kind_of_file(problem_path)
    data = read_json_file(solution_path)
    if data.get("kind") != kind.name:
        raise InputError(f"these files do not belong together: {problem_path.name} is a {kind.name!r} problem but "
                         f"{solution_path.name} is a {data.get('kind')!r} solution", source=str(solution_path),
                         field="kind")
    problem = kind.read_problem(problem_path)
    solution = kind.solution_from_dict(data, source=str(solution_path))
    kind.ensure_belongs(problem, solution, source=str(solution_path))
    return kind, problem, solution


def problem_matrix(kind: Kind, problem, problem_path: Path) -> TravelMatrix:
    """The travel matrix a problem file refers to, checked to cover the problem."""
    ref = kind.matrix_file(problem, problem_path)
    if ref is None:
        raise InputError("the problem does not name its travel matrix file", source=str(problem_path), field="matrix")
    matrix = TravelMatrix.load(ref)
    kind.check_matrix(problem, matrix, source=str(ref))
    return matrix


def check_files(problem_path: Path, solution_path: Path) -> list[str]:
    """`planner check`: every rule the solution breaks, whatever kind and whatever planner made it."""
    kind, problem, solution = read_plan(problem_path, solution_path)
    return kind.check(problem, problem_matrix(kind, problem, problem_path), solution)
