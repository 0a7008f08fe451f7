"""Workload fairness of a home-visit plan: caregivers of the same role and the same working time compared.

The rule (issue 10): the busiest caregiver has at most `MAX_RATIO` times the visits of the least busy one
of the same role and the same working time over the horizon, unless continuity of care or absences explain
it. Working time = the minutes of the caregiver's working spans on the horizon's open days (absences and
days off removed), so a part-time colleague, or one away for three days, is compared only with colleagues
of the same time. Each group says which rule explains a wider spread, in French, for the coordinator:
- continuity: without the visits to the busiest caregiver's own patients (preferred caregiver, or the same
  caregiver as before in a re-plan), the spread would be within the ratio;
- absences: the least busy caregiver of the group was absent part of the horizon, or the busiest one
  also covered the patients of a colleague who was.
Otherwise `explained_by` is None: the spread is a fault of the plan (or of where the caregivers are based).
"""

from __future__ import annotations

from planner.home_visits.calendar import availability
from planner.home_visits.model import ROLE_LABELS_FR, HomeVisitProblem, HomeVisitSolution

MAX_RATIO = 1.3


def fairness(problem: HomeVisitProblem, sol: HomeVisitSolution) -> list[dict]:
    """One entry per (role, working minutes) group of two caregivers or more."""
    avail = availability(problem)
    minutes = {s.id: sum(t.end_min - t.start_min for t in avail.spans.get(s.id, {}).values())
               for s in problem.staff}
    count = {s.id: 0 for s in problem.staff}
    own = {s.id: 0 for s in problem.staff}  # visits to patients whose preferred caregiver they are
    covered = {s.id: 0 for s in problem.staff}  # visits to patients of a colleague absent on the horizon
    absent = {s.id for s in problem.staff if any(a <= problem.horizon.end and b >= problem.horizon.start
                                                 for a, b in s.absences)}
    for r in sol.routes:
        count[r.staff_id] += len(r.stops)
        for st in r.stops:
            pref = problem.patient(st.patient_id).preferred(st.role)
            if pref == r.staff_id:
                own[r.staff_id] += 1
            elif pref in absent:
                covered[r.staff_id] += 1
    groups: dict[tuple[str, int], list[str]] = {}
    for s in problem.staff:
        groups.setdefault((s.role, minutes[s.id]), []).append(s.id)
    by_id = {s.id: s for s in problem.staff}
    out = []
    for (role, mins), ids in sorted(groups.items()):
        if len(ids) < 2:
            continue
        busiest = max(ids, key=lambda x: (count[x], x))
        least = min(ids, key=lambda x: (count[x], x))
        lo, hi = count[least], count[busiest]
        ratio = round(hi / lo, 2) if lo else (1.0 if hi == 0 else None)
        within = ratio is not None and ratio <= MAX_RATIO
        reason = None
        if not within:
            if least in absent:
                reason = f"absence de {by_id[least].name} sur l'horizon"
            elif hi - own[busiest] <= MAX_RATIO * lo:
                reason = (f"continuité des soins : {own[busiest]} des {hi} visites de {by_id[busiest].name} "
                          "sont pour ses patients attitrés")
            elif hi - own[busiest] - covered[busiest] <= MAX_RATIO * lo:
                reason = (f"continuité des soins et absences : {own[busiest]} des {hi} visites de "
                          f"{by_id[busiest].name} sont pour ses patients attitrés, {covered[busiest]} pour ceux "
                          "d'un collègue absent")
        out.append({"role": role, "role_fr": ROLE_LABELS_FR.get(role, role), "working_hours": round(mins / 60, 1),
                    "staff": sorted(ids), "busiest": busiest, "busiest_visits": hi, "least_busy": least,
                    "least_busy_visits": lo, "busiest_own_patients": own[busiest],
                    "busiest_covering_absent": covered[busiest], "ratio": ratio, "within": within, "explained_by": reason})
    return out
