"""Home visits at the front door: the verbs of `planner.core.solving.Kind` for alternating doctor/nurse
visits (`planner.kinds` lists it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from planner.core.errors import InputError
from planner.core.solving import Kind, Progress, ProgressEvent, Replanned, SolveParams
from planner.core.travel import TravelMatrix
from planner.home_visits import io
from planner.home_visits.check import check, ensure_belongs
from planner.home_visits.model import HomeVisitProblem, HomeVisitSolution
from planner.home_visits.replan import PatientAway, StaffAbsent, replan as _replan
from planner.home_visits.solver import check_matrix_covers, solve as _solve
from planner.home_visits.view import to_plan_view


def solve(problem: HomeVisitProblem, matrix: TravelMatrix, params: SolveParams,
          progress: Progress | None = None) -> HomeVisitSolution:
    relay = None if progress is None else (lambda what, frac: progress(ProgressEvent(frac, what)))
    return _solve(problem, matrix, time_limit_s=params.time_limit_s, seed=params.seed,
                  deterministic=params.deterministic, progress=relay)


def change_from_dict(data: dict, problem: HomeVisitProblem, *, today: date) -> StaffAbsent | PatientAway:
    """A change as the service and the CLI receive it: a caregiver absent, or a patient away, from a date."""
    start = _date(data.get("from_date"), "from_date") or today
    until = _date(data.get("until"), "until")
    if data.get("absent_staff"):
        if data["absent_staff"] not in {s.id for s in problem.staff}:
            raise InputError(f"soignant {data['absent_staff']} absent de ce plan", field="absent_staff")
        return StaffAbsent(data["absent_staff"], start, until)
    if data.get("patient_away"):
        if data["patient_away"] not in {p.id for p in problem.patients}:
            raise InputError(f"patient {data['patient_away']} absent de ce plan", field="patient_away")
        if until is None:
            raise InputError("indiquez jusqu'à quand le patient est absent", field="until")
        return PatientAway(data["patient_away"], start, until)
    raise InputError("pour des visites à domicile, indiquez absent_staff ou patient_away", field="absent_staff")


def _date(value, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"pas une date (AAAA-MM-JJ) : {value!r}", field=field) from None


def replan(problem: HomeVisitProblem, published: HomeVisitSolution, change, matrix: TravelMatrix,
           params: SolveParams) -> Replanned:
    res = _replan(problem, published, change, matrix, time_limit_s=params.time_limit_s, seed=params.seed)
    changes = tuple({"patient_id": c.patient_id, "visit": c.visit_index, "kind": c.kind,
                     "old_day": c.old_day.isoformat() if c.old_day else None,
                     "new_day": c.new_day.isoformat() if c.new_day else None,
                     "old_staff": list(c.old_staff), "new_staff": list(c.new_staff), "reason": c.reason}
                    for c in res.diff)
    return Replanned(res.problem, res.solution, changes)


def matrix_file(problem: HomeVisitProblem, problem_path: Path) -> Path | None:
    return io.problem_matrix_path(problem, problem_path) if problem.matrix else None


def check_matrix(problem: HomeVisitProblem, matrix: TravelMatrix, *, source: str = "matrix") -> None:
    check_matrix_covers(problem, matrix)


def write_tables(problem: HomeVisitProblem, solution: HomeVisitSolution, matrix: TravelMatrix, out: Path) -> None:
    """routes.csv and calendar.csv, and the inputs again as patients.csv and staff.csv (CLI columns)."""
    io.write_solution_csv(problem, solution, out)
    io.write_patients_csv(out / "patients.csv", problem.patients)
    io.write_staff_csv(out / "staff.csv", problem.staff)


def left_out(problem: HomeVisitProblem, solution: HomeVisitSolution) -> list[str]:
    names = {p.id: p.name for p in problem.patients}
    return [f"Non planifiée : {names.get(u.patient_id, u.patient_id)} (visite n°{u.visit_index}) : {u.reason}"
            for u in solution.unscheduled]


KIND = Kind(
    name="home_visits", label_fr="Visites à domicile",
    problem_from_dict=io.problem_from_dict, problem_to_dict=io.problem_to_dict,
    solution_from_dict=io.solution_from_dict, solution_to_dict=io.solution_to_dict,
    read_problem=io.read_problem,
    places=lambda p: p.places(), door_seconds=lambda p: p.door_seconds() or None,
    matrix_file=matrix_file, with_matrix_file=lambda p, ref: replace(p, matrix=ref),
    check_matrix=check_matrix, solve=solve, check=check, ensure_belongs=ensure_belongs,
    view=lambda problem, solution, matrix=None, *, title=None: to_plan_view(problem, solution, matrix, title=title),
    change_from_dict=change_from_dict, replan=replan, write_tables=write_tables, left_out=left_out,
    no_plan=lambda solution: None,
    size_fr=lambda p: f"{len(p.patients)} patients, {len(p.staff)} soignants × {p.horizon.days} jours",
    period=lambda p: (p.horizon.start, p.horizon.end),
)
