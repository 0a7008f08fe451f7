"""The demo rotation: 3 units over the demo territory's premises (town halls with their real opening hours,
plus the synthetic former surgeries and halls), 15 days. People and units are SYNTHETIC."""

from __future__ import annotations

from datetime import date
from typing import Sequence

from planner.core.hours import WeeklyHours
from planner.rotations.io import validate
from planner.rotations.model import CommuneNeed, Lodging, Member, Premises, RotationProblem, Unit
from planner.rotations.need import estimate_demand, estimate_priority_population
from planner.synthetic import Scenario
from planner.core.territory import Commune

# Synthetic halls and former surgeries: open on weekdays, two rooms (the town halls keep their real hours).
OTHER_PREMISES_HOURS = WeeklyHours.from_fr_json(
    '[["lundi","vendredi",[["09:00","12:30"],["13:30","18:00"]]]]')


def build_demo_problem(scenario: Scenario, communes: Sequence[Commune], start: date, days: int = 15, *,
                       matrix_ref: str | None = None) -> RotationProblem:
    """Units from the scenario (members named by role), premises from the scenario, every commune's need
    estimated from its population. Unit 2 may sleep away, at the two largest other communes' town halls."""
    by_size = sorted((c for c in communes if c.townhall is not None), key=lambda c: (-c.population, c.insee))
    units = []
    for k, su in enumerate(scenario.units):
        members = tuple(Member(f"{su.id}-{r}", f"{r.capitalize()} {su.id} (fictif)", r) for r in su.roles)
        away = k == 1
        lodging = tuple(Lodging(f"mairie:{c.insee}", f"Gîte près de la mairie de {c.name} (fictif)", c.townhall)
                        for c in by_size[1:3]) if away else ()
        units.append(Unit(su.id, su.name, members, su.vehicle, f"base:{su.id}", su.base_name, su.base, start, days,
                          nights="away" if away else "base", lodging=lodging, max_nights_away=3,
                          max_driving_min=150))
    premises = []
    for sp in scenario.premises:
        if sp.kind == "mairie":
            premises.append(Premises(sp.id, sp.name, sp.insee, sp.location, sp.address, sp.rooms, sp.accessible,
                                     (), None, (), "approved"))
        else:
            premises.append(Premises(sp.id, sp.name, sp.insee, sp.location, sp.address, sp.rooms, sp.accessible,
                                     ("table d'examen", "point d'eau"), OTHER_PREMISES_HOURS, (), "proposed"))
    needs = []
    for c in communes:
        prio = estimate_priority_population(c.population)
        needs.append(CommuneNeed(c.insee, c.name, c.population, c.townhall, f"mairie:{c.insee}", c.townhall_hours,
                                 prio, True, estimate_demand(prio, days), True))
    problem = RotationProblem(tuple(units), tuple(premises), tuple(needs), name="Démo Provinois–Montois",
                              matrix_ref=matrix_ref)
    return validate(problem)
