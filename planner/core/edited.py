"""What a hand adjustment of a plan returns, whatever the planner: the problem (its pins), the plan and the
French sentence of what was done (planner.home_visits.edits, planner.rotations.edits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Edited:
    """The problem (with its pins) and the plan after an edit, and what was done in French."""

    problem: Any
    solution: Any
    message: str
