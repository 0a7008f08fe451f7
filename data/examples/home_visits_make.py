"""Regenerate the home-visit example files (6 fictitious patients, 1 doctor, 1 IPA, 2 weeks, approximate matrix).

    .venv/bin/python data/examples/home_visits_make.py
"""

import sys
from datetime import date
from pathlib import Path

EX = Path(__file__).resolve().parent
sys.path.insert(0, str(EX.parents[1]))

from maps.approx import approximate_matrix  # noqa: E402
from planner.core.geo import Location  # noqa: E402
from planner.home_visits import io  # noqa: E402
from planner.home_visits.check import check  # noqa: E402
from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, Horizon, Joint, Patient, Staff  # noqa: E402
from planner.home_visits.solver import solve  # noqa: E402
from planner.core.hours import TimeRange  # noqa: E402

AM, FULL = TimeRange(8 * 60 + 30, 12 * 60 + 30), TimeRange(8 * 60, 17 * 60)
STAFF = (
    Staff("D1", "Dr Martin (fictif)", DOCTOR, Location(48.5601, 3.2994), (AM, AM, None, AM, AM, None, None),
          start_address="Maison de santé de Provins", max_visits_per_day=6, max_driving_min=120,
          phone="06 00 00 00 01"),
    Staff("N1", "Marie Durand (fictif)", NURSE, Location(48.5601, 3.2994), (FULL, FULL, FULL, FULL, FULL, None, None),
          advanced_practice=True, start_address="Maison de santé de Provins",
          absences=((date(2026, 3, 11), date(2026, 3, 11)),), phone="06 00 00 00 02"),
)
ROWS = [  # id, name, lat, lon, address, frequency, tolerance, last visit, last role, joint, window
    ("P01", "Jeanne Petit (fictif)", 48.5552, 3.2790, "3 rue fictive, Provins", 7, 1, "2026-02-25", DOCTOR, "never", None),
    ("P02", "René Moreau (fictif)", 48.5770, 3.3300, "12 rue fictive, Provins", 14, 2, "2026-02-20", NURSE, "always",
     TimeRange(9 * 60, 12 * 60)),
    ("P03", "Simone Roux (fictif)", 48.5400, 3.2500, "5 rue fictive, Sourdun", 7, 1, "2026-02-26", NURSE, "every:2", None),
    ("P04", "Marcel Girard (fictif)", 48.5900, 3.2600, "8 rue fictive, Rouilly", 14, 2, "2026-02-16", DOCTOR, "never", None),
    ("P05", "Odette Bonnet (fictif)", 48.5300, 3.3200, "1 rue fictive, Poigny", 28, 3, None, None, "never", None),
    ("P06", "Henri Lambert (fictif)", 48.5650, 3.3550, "20 rue fictive, Chalautre", 7, 1, "2026-02-24", DOCTOR, "never",
     TimeRange(14 * 60, 17 * 60)),
]


def main() -> None:
    patients = tuple(Patient(
        pid, name, Location(lat, lon), addr, f, t, date.fromisoformat(last) if last else None, role, window=win,
        joint=Joint.parse(joint), preferred_doctor="D1", ald=pid in ("P01", "P03"), palliative=pid == "P03",
        no_regular_doctor=pid == "P05", duration_nurse_min=45 if pid == "P03" else 30,
        unavailable=(date(2026, 3, 4),) if pid == "P04" else ())
        for pid, name, lat, lon, addr, f, t, last, role, joint, win in ROWS)
    problem = HomeVisitProblem(Horizon(date(2026, 3, 2), 14), patients, STAFF, matrix="home_visits_matrix.json",
                               name="Exemple : 6 patients, 1 médecin, 1 IPA, 2 semaines (fictif)")
    places = problem.places()
    matrix = approximate_matrix(list(places), list(places.values()))
    solution = solve(problem, matrix, time_limit_s=2, seed=1, solution_limit=300)
    errors = check(problem, matrix, solution)
    if errors:
        raise SystemExit("\n".join(errors))
    io.write_patients_csv(EX / "home_visits_patients.csv", problem.patients)
    io.write_staff_csv(EX / "home_visits_staff.csv", problem.staff)
    io.write_problem(problem, EX / "home_visits_problem.json")
    matrix.save(EX / "home_visits_matrix.json")
    io.write_solution(solution, EX / "home_visits_solution.json")
    print(solution.indicators["visits_planned"], "/", solution.indicators["visits_required"], "visits planned")


if __name__ == "__main__":
    main()
