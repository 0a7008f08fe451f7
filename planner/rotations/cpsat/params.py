"""Options of a rotation solve (no OR-Tools here: callers build one without importing the solver)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Callable

from planner.rotations.model import RotationSolution

Progress = Callable[[float, float, float], None]  # (objective, bound, seconds elapsed)


@dataclass(frozen=True)
class SolveParams:
    """`reference` + `frozen_before`: re-planning (keep the days before, change little); `hint`: a plan to
    start from (default: the published plan, else the capacity-aware greedy); `max_driving_s`: total driving
    cap in seconds (phase 1 free, then the excess penalised above any demand, the greedy plan standing if
    nothing under the cap beats it); `lexicographic`: phase 1 without driving, phase 2 cuts driving holding
    `hold` of the phase-1 value; `deterministic`: one worker and a deterministic time limit, so the same
    seed gives the same plan (else `num_workers` race within the wall-clock `time_limit_s`)."""

    time_limit_s: float = 30.0
    seed: int = 0
    num_workers: int = 2
    deterministic: bool = False
    progress: Progress | None = None
    reference: RotationSolution | None = None
    frozen_before: date | None = None
    hint: RotationSolution | None = None
    extra_params: dict | None = None
    max_driving_s: int | None = None
    lexicographic: bool = False
    hold: float = 0.99

    @classmethod
    def of(cls, params: "SolveParams | None" = None, **options) -> "SolveParams":
        """`params` with `options` replaced (unknown option names are an error, as for a function call)."""
        known = {f.name for f in fields(cls)}
        bad = sorted(set(options) - known)
        if bad:
            raise TypeError(f"unknown rotation solve option(s): {', '.join(bad)}")
        base = params if params is not None else cls()
        return cls(**{**{f.name: getattr(base, f.name) for f in fields(cls)}, **options})

    def frozen(self, d: date) -> bool:
        return self.frozen_before is not None and d < self.frozen_before
