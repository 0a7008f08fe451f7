"""Rank premises proposals by what each adds to a plan: people newly within reach, priority demand.

For each proposed (or unused) premises, compared with the plan's sessions elsewhere: inhabitants of the
communes within reach that no other session reaches, and the priority demand still unmet within reach
(what a session there could absorb, capped by one typical session's capacity). Estimates, not re-solves.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.rotations.model import RotationProblem, RotationSolution
from planner.rotations.reach import reach_map
from planner.core.travel import TravelMatrix


@dataclass(frozen=True, slots=True)
class ProposalValue:
    premises_id: str
    name: str
    insee: str
    status: str
    used_in_plan: bool
    communes_in_reach: int
    new_population: int
    new_communes: tuple[str, ...]
    unmet_priority_demand: int  # consultations still unmet in the communes within reach
    session_gain: int  # of which one session there could absorb
    message: str


def _fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def rank_proposals(problem: RotationProblem, matrix: TravelMatrix, solution: RotationSolution,
                   *, statuses: tuple[str, ...] = ("proposed",)) -> list[ProposalValue]:
    """Best first: most people newly within reach, then most priority demand a session would absorb."""
    reach = reach_map(problem, matrix)
    communes = problem.commune_by_insee()
    unmet = {s.insee: max(0, sum(s.need.values()) - sum(s.served.values())) for s in solution.service}
    caps = sorted(sum(s.capacity.values()) for s in solution.sessions) or [0]
    typical = caps[len(caps) // 2]
    out = []
    for p in problem.usable_premises():
        if p.status not in statuses:
            continue
        others = {s.premises_id for s in solution.sessions if s.premises_id != p.id}
        covered = {i for q in others for i in reach.get(q, ())}
        mine = reach.get(p.id, ())
        new = tuple(i for i in mine if i not in covered)
        pop = sum(communes[i].population for i in new)
        demand = sum(unmet.get(i, communes[i].total_demand) for i in mine)
        gain = min(demand, typical)
        msg = (f"Votre local ({p.name}) mettrait {_fr(pop)} habitants de plus à moins de {problem.reach_min} "
               f"minutes d'une consultation" if pop else
               f"Votre local ({p.name}) ne met pas de nouveaux habitants à moins de {problem.reach_min} minutes")
        msg += f" ; {_fr(demand)} consultations prioritaires restent à servir à portée ({_fr(gain)} par séance)."
        out.append(ProposalValue(p.id, p.name, p.insee, p.status, p.id in {s.premises_id for s in solution.sessions},
                                 len(mine), pop, new, demand, gain, msg))
    out.sort(key=lambda v: (-v.new_population, -v.session_gain, -v.unmet_priority_demand, v.premises_id))
    return out


def write_proposals_csv(values: list[ProposalValue], path) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rank", "premises", "name", "insee", "status", "used_in_plan", "communes_in_reach",
                    "new_population_within_reach", "new_communes", "unmet_priority_demand_in_reach",
                    "gain_per_session", "message"])
        for k, v in enumerate(values, start=1):
            w.writerow([k, v.premises_id, v.name, v.insee, v.status, int(v.used_in_plan), v.communes_in_reach,
                        v.new_population, " ".join(v.new_communes), v.unmet_priority_demand, v.session_gain,
                        v.message])
