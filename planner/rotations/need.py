"""Priority population and demand of a commune, estimated from its INSEE population when not given.

Rates (orders of magnitude for rural France, documented in docs/rotation_format.md):
- priority population (long-term condition ALD, or 70 and over, or no regular doctor; people in several
  groups counted once) = 30 % of the population (ALD about 20 % of insured people, 70+ about 16 % in rural
  communes, about 11 % of adults without a regular doctor nationally, much overlap);
- of those, the share whose care the units must absorb (no regular doctor in a medical desert or
  follow-up left unmet) = 15 %;
- yearly consultations per such person, by discipline: GP 5, nursing 4, therapeutic education / IPA
  follow-up 1, psychology 0.5, prevention 1; scaled to the planning horizon (days / 365), rounded to whole
  consultations.
"""

from __future__ import annotations

from planner.rotations.model import DISCIPLINES

PRIORITY_RATE = 0.30
UNMET_SHARE = 0.15
YEARLY_CONSULTATIONS = {"gp": 5.0, "nursing": 4.0, "education": 1.0, "psychology": 0.5, "prevention": 1.0}


def estimate_priority_population(population: int) -> int:
    """Residents in at least one priority group (ALD, 70+, no regular doctor)."""
    return int(round(max(population, 0) * PRIORITY_RATE))


def estimate_demand(priority_population: int, horizon_days: int) -> dict[str, int]:
    """Consultations per discipline that the units should absorb over `horizon_days`."""
    people = priority_population * UNMET_SHARE
    return {k: int(round(people * YEARLY_CONSULTATIONS[k] * horizon_days / 365.0)) for k in DISCIPLINES}
