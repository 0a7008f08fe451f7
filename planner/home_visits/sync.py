"""Joint visits (binômes) in the day's routing model: the seam between home visits and the routing core.

A joint visit needs one caregiver of each of its roles at the patient's at the same time. In the day's
single routing model (every caregiver of the day, planner.home_visits.solver) it is one stop per role,
the stops tied by a `planner.routing.Sync` (both or neither, two caregivers, equal starts), so the search
places both caregivers together; no caregiver is planned first and the other fixed afterwards. A visit in
sequence (one role first, then the other after a delay) is the same tie with an offset range.

Stop ids: "<patient>#<visit>" for a visit made by one caregiver, "<patient>#<visit>@<role>" for each
caregiver of a joint visit.
"""

from __future__ import annotations

from planner.routing import Sync

Key = tuple[str, int]  # (patient id, visit index)


def stop_id(key: Key, role: str | None = None) -> str:
    """The routing stop of a visit; `role` names the caregiver's part of a joint visit."""
    base = f"{key[0]}#{key[1]}"
    return f"{base}@{role}" if role is not None else base


def parse(stop: str) -> tuple[Key, str | None]:
    """(visit key, role of the joint part or None) from a stop id."""
    pid, _, tail = stop.rpartition("#")
    n, _, role = tail.partition("@")
    return (pid, int(n)), (role or None)


def parts(key: Key, roles: tuple[str, ...], joint: bool) -> list[tuple[str, str]]:
    """(stop id, role) of each caregiver the visit needs."""
    if not joint:
        return [(stop_id(key), roles[0])]
    return [(stop_id(key, r), r) for r in roles]


def ties(key: Key, roles: tuple[str, ...], min_offset_s: int = 0, max_offset_s: int = 0) -> list[Sync]:
    """The syncs holding a joint visit's caregivers together: each role after the first is tied to the
    first (equal starts by default; in sequence with an offset range)."""
    first = stop_id(key, roles[0])
    return [Sync(first, stop_id(key, r), min_offset_s, max_offset_s) for r in roles[1:]]
