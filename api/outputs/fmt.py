"""French formatting shared by the exports: days, times, durations, distances, roles, file names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from planner.core.french import ROLE_FR, STOP_KIND_FR as KIND_FR, day_fr  # noqa: F401 - re-exported for the exports


def hm(t: datetime) -> str:
    return t.strftime("%H:%M")


def minutes(seconds: float) -> int:
    return int(round(seconds / 60))


def km(metres: float) -> str:
    return f"{metres / 1000:.1f}".replace(".", ",")


def duration_fr(seconds: float) -> str:
    m = minutes(seconds)
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d}"


def role_fr(role: str) -> str:
    return ROLE_FR.get(role, role)


def kind_fr(kind: str) -> str:
    return KIND_FR.get(kind, kind)


def slug(text: str) -> str:
    """A safe file-name part: 'Dr Paul Bérnard' -> 'dr-paul-bernard'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def day_slug(d: date) -> str:
    return d.isoformat()
