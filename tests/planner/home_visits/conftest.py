"""Small real home-visit problems (1 doctor, 1 nurse, 2 weeks) on the approximate travel model."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from maps.approx import approximate_matrix
from planner.core.geo import Location
from planner.core.hours import TimeRange
from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, Horizon, Joint, Patient, Staff

START = date(2026, 3, 2)  # a Monday
DAY = TimeRange(8 * 60, 18 * 60)
WEEKDAYS = (DAY, DAY, DAY, DAY, DAY, None, None)


def make_problem(n_patients: int = 5, *, joint_first: bool = False, staff=None, days: int = 14) -> HomeVisitProblem:
    if staff is None:
        staff = (Staff("D1", "Dr Alpha", DOCTOR, Location(48.560, 3.300), WEEKDAYS),
                 Staff("N1", "Inf Beta", NURSE, Location(48.562, 3.290), WEEKDAYS))
    patients = []
    for k in range(n_patients):
        patients.append(Patient(
            f"P{k + 1}", f"Patient {k + 1}", Location(48.54 + 0.012 * k, 3.27 + 0.015 * (k % 3)),
            address=f"{k + 1} rue test", frequency_days=7, tolerance_days=1,
            last_visit=date(2026, 2, 24 + k % 3), last_role=DOCTOR if k % 2 else NURSE,
            duration_doctor_min=30, duration_nurse_min=25,
            joint=Joint("always") if (joint_first and k == 0) else Joint()))
    return HomeVisitProblem(Horizon(START, days), tuple(patients), tuple(staff), name="test")


def matrix_for(problem: HomeVisitProblem):
    places = problem.places()
    return approximate_matrix(list(places), list(places.values()))


@pytest.fixture
def small():
    p = make_problem()
    return p, matrix_for(p)


__all__ = ["make_problem", "matrix_for", "replace", "START", "WEEKDAYS", "DAY"]
