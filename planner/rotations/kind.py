"""Mobile-unit rotations at the front door: the verbs of `planner.core.solving.Kind` (`planner.kinds`
lists it). Kind options (`SolveParams.options`): `lexicographic` (bool), `max_driving_s` (int)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from planner.core.errors import InputError
from planner.core.geo import Location
from planner.core.solving import Kind, Progress, ProgressEvent, Replanned, SolveParams
from planner.core.travel import TravelMatrix
from planner.rotations import io
from planner.rotations.check import check, ensure_belongs
from planner.rotations.model import RotationProblem, RotationSolution
from planner.rotations.proposals import rank_proposals, write_proposals_csv
from planner.rotations.reach import check_matrix
from planner.rotations.replan import Disruption, replan as _replan
from planner.rotations.solver_ortools import solve as _solve
from planner.rotations.view import to_plan_view


def places(problem: RotationProblem) -> dict[str, Location]:
    """Every place of the problem with a known position, by matrix id (a problem may also come with its
    matrix alone: `check_matrix` names any required place the matrix lacks)."""
    out: dict[str, Location] = {}
    for u in problem.units:
        if u.base_location is not None:
            out[u.base_id] = u.base_location
        out.update({lg.id: lg.location for lg in u.lodging if lg.location is not None})
    out.update({p.id: p.location for p in problem.premises if p.location is not None})
    out.update({c.place_id: c.location for c in problem.communes if c.location is not None})
    return out


def solve(problem: RotationProblem, matrix: TravelMatrix, params: SolveParams,
          progress: Progress | None = None) -> RotationSolution:
    limit = params.time_limit_s
    relay = None if progress is None else (
        lambda objective, bound, elapsed: progress(ProgressEvent(min(1.0, elapsed / limit), "rotation",
                                                                 objective, bound)))
    opts = dict(params.options)
    return _solve(problem, matrix, time_limit_s=limit, seed=params.seed, num_workers=params.workers,
                  deterministic=params.deterministic, progress=relay,
                  lexicographic=bool(opts.get("lexicographic", False)), max_driving_s=opts.get("max_driving_s"))


def change_from_dict(data: dict, problem: RotationProblem, *, today: date) -> tuple[Disruption, date]:
    """A disruption as the service and the CLI receive it: a unit unavailable, or premises withdrawn, from
    a date."""
    if data.get("absent_staff"):
        raise InputError("pour une rotation, indiquez unavailable_unit ou withdrawn_premises", field="absent_staff")
    if data.get("from_date"):
        try:
            today = date.fromisoformat(str(data["from_date"]))
        except ValueError:
            raise InputError(f"pas une date (AAAA-MM-JJ) : {data['from_date']!r}", field="from_date") from None
    members: tuple = ()
    if data.get("unavailable_unit"):
        unit = next((u for u in problem.units if u.id == data["unavailable_unit"]), None)
        if unit is None:
            raise InputError(f"unité {data['unavailable_unit']} absente de ce plan", field="unavailable_unit")
        members = tuple((unit.id, m.id, d) for m in unit.members for d in unit.dates if d >= today)
    withdrawn = (data["withdrawn_premises"],) if data.get("withdrawn_premises") else ()
    if not members and not withdrawn:
        raise InputError("pour une rotation, indiquez unavailable_unit ou withdrawn_premises", field="unavailable_unit")
    return Disruption(member_unavailable=members, premises_withdrawn=withdrawn), today


def replan(problem: RotationProblem, published: RotationSolution, change: tuple[Disruption, date],
           matrix: TravelMatrix, params: SolveParams) -> Replanned:
    disruption, today = change
    new_problem, sol = _replan(problem, published, disruption, matrix, today=today,
                               time_limit_s=params.time_limit_s, seed=params.seed, num_workers=params.workers,
                               deterministic=params.deterministic)
    return Replanned(new_problem, sol, tuple({"change": c} for c in (sol.changes or ())))


def matrix_file(problem: RotationProblem, problem_path: Path) -> Path | None:
    if not problem.matrix_ref:
        return None
    ref = Path(problem.matrix_ref)
    base = problem_path if problem_path.is_dir() else problem_path.parent
    return ref if ref.is_absolute() else base / ref


def write_tables(problem: RotationProblem, solution: RotationSolution, matrix: TravelMatrix, out: Path) -> None:
    """calendar.csv, itineraries.csv, coverage.csv and proposals.csv (what each pending proposal would add)."""
    io.write_solution_csvs(problem, solution, out)
    write_proposals_csv(rank_proposals(problem, matrix, solution), out / "proposals.csv")


def view(problem: RotationProblem, solution: RotationSolution, matrix: TravelMatrix | None = None, *,
         title: str | None = None):
    v = to_plan_view(problem, solution, approximate=bool(matrix is not None and matrix.approximate))
    return replace(v, title=title or KIND.dated_title(problem, problem.name or None))


def left_out(problem: RotationProblem, solution: RotationSolution) -> list[str]:
    return [f"Commune non desservie : {u.name} ({u.insee}, {u.period}) : {u.reason}" for u in solution.unserved]


def no_plan(solution: RotationSolution) -> str | None:
    if not solution.sessions and solution.status not in ("OPTIMAL", "FEASIBLE"):
        return f"Aucun plan trouvé ({solution.status})."
    return None


KIND = Kind(
    name="rotation", label_fr="Rotation des unités mobiles",
    problem_from_dict=io.problem_from_dict, problem_to_dict=io.problem_to_dict,
    solution_from_dict=io.solution_from_dict, solution_to_dict=io.solution_to_dict,
    read_problem=io.read_problem,
    places=places, door_seconds=lambda p: None,
    matrix_file=matrix_file, with_matrix_file=lambda p, ref: replace(p, matrix_ref=ref),
    check_matrix=check_matrix, solve=solve, check=check, ensure_belongs=ensure_belongs,
    view=view,
    change_from_dict=change_from_dict, replan=replan, write_tables=write_tables, left_out=left_out,
    no_plan=no_plan,
    size_fr=lambda p: f"{len(p.units)} unité(s) × {len(p.dates)} jours, {len(p.usable_premises())} locaux",
    period=lambda p: (p.start, p.end),
)
