"""The demo's home-visit problem, built from the synthetic scenario (seeded, named, SYNTHETIC people).

Staff: the scenario's doctors and nurses (one IPA), each with realistic part-time visit slots (doctors
do home visits on half days beside their surgery; nurses do rounds most of the day). Patients: every
7, 14 or 28 days (palliative care weekly) with a tolerance, a last visit in the past (a few overdue),
some joint visits, some time windows and unavailable days, preferred doctor and nurse nearby.
Place ids are the patient ids and "base:<staff id>", as in the demo matrix.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from planner.core.geo import haversine_m
from planner.core.hours import TimeRange
from planner.home_visits.model import DOCTOR, NURSE, HomeVisitProblem, Horizon, Joint, Patient, Staff
from planner.synthetic import Scenario

AM, PM, FULL = TimeRange(8 * 60 + 30, 12 * 60 + 30), TimeRange(13 * 60 + 30, 18 * 60 + 30), TimeRange(8 * 60, 17 * 60)
# Weekly visit slots (Monday first) by doctor rank and nurse rank.
DOCTOR_WEEKS = (
    (AM, AM, AM, AM, AM, None, None),
    (PM, PM, PM, PM, PM, None, None),
    (FULL, FULL, None, FULL, FULL, None, None),
    (None, PM, PM, PM, PM, None, None),
)
NURSE_WEEKS = (
    (FULL, FULL, FULL, None, None, None, None),  # the IPA: three days of rounds
    (FULL, FULL, FULL, FULL, FULL, None, None),
    (FULL, None, FULL, FULL, FULL, None, None),
    (FULL, FULL, None, FULL, FULL, None, None),
    (FULL, FULL, FULL, FULL, None, None, None),
    (None, FULL, FULL, FULL, FULL, None, None),
)


def build_demo_problem(scenario: Scenario, start: date, weeks: int = 4, *, seed: int | None = None,
                       matrix: str | None = None) -> HomeVisitProblem:
    """Deterministic for a scenario, start date and seed (default: the scenario's seed)."""
    rng = np.random.default_rng(scenario.seed if seed is None else seed)
    staff: list[Staff] = []
    doctors = [s for s in scenario.staff if s.role == "doctor"]
    nurses = [s for s in scenario.staff if s.role in ("nurse", "ipa")]
    for k, s in enumerate(doctors):
        staff.append(Staff(s.id, s.name, DOCTOR, s.base, DOCTOR_WEEKS[k % len(DOCTOR_WEEKS)],
                           start_address=s.base_name, max_visits_per_day=7, max_driving_min=150,
                           phone=f"06 00 00 1{k:01d} 0{k:01d}"))
    for k, s in enumerate(nurses):
        staff.append(Staff(s.id, s.name, NURSE, s.base, NURSE_WEEKS[k % len(NURSE_WEEKS)],
                           advanced_practice=s.role == "ipa", start_address=s.base_name, max_visits_per_day=9,
                           max_driving_min=180, phone=f"06 00 00 2{k:01d} 0{k:01d}"))
    # A planned absence to show the calendar working around it: the third nurse, days 8-10.
    if len(staff) > len(doctors) + 2:
        n3 = staff[len(doctors) + 2]
        staff[len(doctors) + 2] = replace(n3, absences=((start + timedelta(days=7), start + timedelta(days=9)),))

    def nearest(role_staff: list[Staff], lat: float, lon: float) -> str:
        """One of the staff members based nearest (colleagues sharing a base share its patients)."""
        d = np.array([float(haversine_m(lat, lon, s.start.lat, s.start.lon)) for s in role_staff])
        near = np.flatnonzero(d <= d.min() + 1.0)
        return role_staff[int(rng.choice(near))].id

    docs = [s for s in staff if s.role == DOCTOR]
    nurs = [s for s in staff if s.role == NURSE]
    patients = []
    for sp in scenario.patients:
        if sp.palliative:
            f, t = 7, 1
        else:
            f, t = [(7, 1), (14, 2), (28, 3)][int(rng.choice(3, p=[0.2, 0.45, 0.35]))]
        r = rng.random()
        if r < 0.05:
            last = start - timedelta(days=f + t + int(rng.integers(1, 6)))  # overdue
        else:
            last = start - timedelta(days=int(rng.integers(1, f + 1)))
        joint = Joint("every", 2) if sp.palliative else (Joint("every", 3, int(rng.integers(0, 3)))
                                                       if rng.random() < 0.08 else Joint())
        w = rng.random()
        window = TimeRange(9 * 60, 12 * 60) if w < 0.12 else (TimeRange(14 * 60, 17 * 60) if w < 0.2 else None)
        unavailable = ()
        if rng.random() < 0.05:
            unavailable = (start + timedelta(days=int(rng.integers(0, weeks * 7))),)
        seq = (DOCTOR, NURSE, NURSE) if (not sp.palliative and rng.random() < 0.1) else (DOCTOR, NURSE)
        last_role = seq[int(rng.integers(0, len(seq)))]
        patients.append(Patient(
            sp.id, sp.name, sp.location, sp.address, f, t, last, last_role,
            duration_doctor_min=30, duration_nurse_min=45 if sp.palliative else 30, window=window,
            unavailable=unavailable, joint=joint, sequence=seq,
            sequence_index=seq.index(last_role) if last_role == DOCTOR else (len(seq) - 1),
            preferred_doctor=None if sp.no_regular_doctor else nearest(docs, sp.location.lat, sp.location.lon),
            preferred_nurse=nearest(nurs, sp.location.lat, sp.location.lon) if rng.random() < 0.5 else None,
            ald=sp.ald, no_regular_doctor=sp.no_regular_doctor, palliative=sp.palliative,
            phone=f"01 60 00 {int(rng.integers(10, 99))} {int(rng.integers(10, 99))}"))
    return HomeVisitProblem(Horizon(start, 7 * weeks), tuple(patients), tuple(staff), matrix=matrix,
                            name=f"Visites à domicile — {scenario.name} (données synthétiques)")
