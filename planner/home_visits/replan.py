"""Re-planning after a change: keep everything before the change date, re-solve after it, report the diff.

Changes: a staff member absent from a date (to a date or the horizon's end), a patient in hospital from a
date until a date, a new patient from a date. The re-solve starts from the published plan's visits before
the change (they become each patient's last visit, role and joint count), and prefers each visit's previous
day and staff (a cost to move it, its previous staff offered first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Union

from planner.core.errors import InputError
from planner.home_visits.model import (
    HomeVisitProblem, HomeVisitSolution, Horizon, Joint, Patient, PlannedVisit, UnscheduledVisit,
)
from planner.home_visits.solver import indicators, solve
from planner.core.travel import TravelMatrix


@dataclass(frozen=True)
class StaffAbsent:
    staff_id: str
    start: date
    end: date | None = None  # inclusive; None = until the horizon's end


@dataclass(frozen=True)
class PatientAway:
    """In hospital (or away) from `start` until `until`, both included."""

    patient_id: str
    start: date
    until: date


@dataclass(frozen=True)
class NewPatient:
    patient: Patient
    start: date


Change = Union[StaffAbsent, PatientAway, NewPatient]


@dataclass(frozen=True)
class VisitChange:
    """One difference between the published plan and the new one, from the change date on."""

    patient_id: str
    visit_index: int
    kind: str  # "moved" | "reassigned" | "moved_reassigned" | "cancelled" | "added"
    old_day: date | None
    new_day: date | None
    old_staff: tuple[str, ...]
    new_staff: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class ReplanResult:
    problem: HomeVisitProblem  # the original problem with the change applied (what the new plan answers)
    solution: HomeVisitSolution
    diff: tuple[VisitChange, ...]

    def summary(self) -> dict[str, int]:
        out = {"moved": 0, "reassigned": 0, "cancelled": 0, "added": 0}
        for c in self.diff:
            for k in c.kind.split("_"):
                key = {"moved": "moved", "reassigned": "reassigned"}.get(k, k)
                out[key] = out.get(key, 0) + 1
        return out


def apply_change(problem: HomeVisitProblem, change: Change) -> HomeVisitProblem:
    """The problem with the change written in (absence, unavailable days or one more patient)."""
    h = problem.horizon
    if isinstance(change, StaffAbsent):
        if change.staff_id not in {s.id for s in problem.staff}:
            raise InputError(f"unknown staff member {change.staff_id}", field="staff_id")
        end = change.end or h.end
        staff = tuple(replace(s, absences=s.absences + ((change.start, end),)) if s.id == change.staff_id else s
                      for s in problem.staff)
        return replace(problem, staff=staff)
    if isinstance(change, PatientAway):
        if change.patient_id not in {p.id for p in problem.patients}:
            raise InputError(f"unknown patient {change.patient_id}", field="patient_id")
        days = [change.start + timedelta(days=k) for k in range((change.until - change.start).days + 1)]
        days = tuple(d for d in days if h.start <= d <= h.end)
        patients = tuple(replace(p, unavailable=tuple(sorted(set(p.unavailable) | set(days))))
                         if p.id == change.patient_id else p for p in problem.patients)
        return replace(problem, patients=patients)
    if isinstance(change, NewPatient):
        if change.patient.id in {p.id for p in problem.patients}:
            raise InputError(f"patient {change.patient.id} already exists", field="id")
        p = change.patient
        if p.last_visit is None:
            p = replace(p, enrolled_from=max(change.start, p.enrolled_from or change.start))
        return replace(problem, patients=problem.patients + (p,))
    raise InputError(f"unknown change {change!r}")


def replan(problem: HomeVisitProblem, published: HomeVisitSolution, change: Change, matrix: TravelMatrix, *,
           time_limit_s: float = 20.0, seed: int = 0, solution_limit: int | None = None) -> ReplanResult:
    """Keep the published plan before the change date; re-solve from it, preferring previous assignments."""
    h = problem.horizon
    cut = min(max(change.start, h.start), h.end + timedelta(days=1))
    changed = apply_change(problem, change)
    frozen_routes = tuple(r for r in published.routes if r.day < cut)
    frozen_visits = [v for v in published.visits if v.day < cut]
    kept_unscheduled = [u for u in published.unscheduled if u.latest < cut]
    done: dict[str, int] = {}  # patient -> number of visits of the horizon already behind the cut
    last: dict[str, tuple[date, str]] = {}
    for item in sorted([*frozen_visits, *kept_unscheduled], key=lambda x: (x.patient_id, x.visit_index)):
        done[item.patient_id] = item.visit_index
        last[item.patient_id] = (item.day if isinstance(item, PlannedVisit) else item.earliest, item.role)

    if cut > h.end:
        return ReplanResult(changed, published, ())
    sub_patients = []
    for p in changed.patients:
        k = done.get(p.id, 0)
        if k:
            day, role = last[p.id]
            pos = (p._last_position() + k) % len(p.sequence)
            p = replace(p, last_visit=day, last_role=role, sequence_index=pos,
                        joint=Joint(p.joint.mode, p.joint.every, p.joint.since_last + k))
        sub_patients.append(p)
    sub = replace(changed, horizon=Horizon(cut, (h.end - cut).days + 1, h.public_holidays_off, h.closed),
                  patients=tuple(sub_patients))
    hints = {}
    for v in published.visits:
        if v.day >= cut:
            hints[(v.patient_id, v.visit_index - done.get(v.patient_id, 0))] = (v.day, v.staff_ids)
    new = solve(sub, matrix, time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit, hints=hints)

    def shift(pid: str, n: int) -> int:
        return n + done.get(pid, 0)

    visits = tuple(frozen_visits) + tuple(replace(v, visit_index=shift(v.patient_id, v.visit_index))
                                          for v in new.visits)
    unscheduled = tuple(kept_unscheduled) + tuple(replace(u, visit_index=shift(u.patient_id, u.visit_index))
                                                  for u in new.unscheduled)
    routes = frozen_routes + tuple(replace(r, stops=tuple(replace(s, visit_index=shift(s.patient_id, s.visit_index))
                                                          for s in r.stops)) for r in new.routes)
    merged = HomeVisitSolution(routes, visits, unscheduled)
    merged = HomeVisitSolution(routes, visits, unscheduled, indicators(changed, merged),
                               {**new.stats, "replanned_from": cut.isoformat()})
    return ReplanResult(changed, merged, diff(published, merged, cut))


def diff(old: HomeVisitSolution, new: HomeVisitSolution, cut: date) -> tuple[VisitChange, ...]:
    """Moved, reassigned, cancelled and added visits from `cut` on, by (patient, visit number)."""
    before = {(v.patient_id, v.visit_index): v for v in old.visits if v.day >= cut}
    after = {(v.patient_id, v.visit_index): v for v in new.visits if v.day >= cut}
    reasons = {(u.patient_id, u.visit_index): u.reason for u in new.unscheduled}
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None:
            moved, reassigned = a.day != b.day, set(a.staff_ids) != set(b.staff_ids)
            if moved or reassigned:
                kind = "moved_reassigned" if moved and reassigned else ("moved" if moved else "reassigned")
                out.append(VisitChange(key[0], key[1], kind, a.day, b.day, a.staff_ids, b.staff_ids))
        elif a is not None:
            out.append(VisitChange(key[0], key[1], "cancelled", a.day, None, a.staff_ids, (),
                                   reasons.get(key, "plus due dans cet horizon (reportée au prochain plan)")))
        else:
            out.append(VisitChange(key[0], key[1], "added", None, b.day, (), b.staff_ids))
    return tuple(out)


__all__ = ["StaffAbsent", "PatientAway", "NewPatient", "Change", "VisitChange", "ReplanResult", "replan",
           "apply_change", "diff", "UnscheduledVisit"]
