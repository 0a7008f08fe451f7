"""What each audience may see of a plan.

- "planner" (the coordinator) and "staff:<id>" (a staff member's own days) see patients in full;
- "shared" (team-wide maps, files sent around) sees "Patient n°7" at a position rounded to ~300 m, with no
  name, address or phone, and road lines to and from a home drawn on the same grid, so no line ends at a door;
- "public" sees no patient stop at all: only sessions and premises.
"""

from __future__ import annotations

from dataclasses import replace

from api.outputs.legs import LegsByDay, RouteLeg
from planner.core.geo import Location
from planner.core.itinerary import ItineraryStop, PlanView

AUDIENCES = ("planner", "shared", "public")  # plus "staff:<resource_id>"
GRID_LAT = 0.0027  # ~300 m north-south
GRID_LON = 0.004  # ~300 m east-west at 48° N (0.004 * 111 km * cos 48°)
PUBLIC_KINDS = {"session"}


def check_audience(audience: str) -> str:
    if audience in AUDIENCES or (audience.startswith("staff:") and len(audience) > 6):
        return audience
    raise ValueError(f"unknown audience {audience!r}: expected planner, shared, public or staff:<id>")


def patient_numbers(view: PlanView) -> dict[str, int]:
    """Stable pseudonyms: patients numbered 1, 2, … in order of first visit in the plan (by day, then staff
    member, then stop), so numbers do not follow the patient ids (P0007 is not "Patient n°7")."""
    out: dict[str, int] = {}
    for d in sorted(view.itineraries, key=lambda d: (d.day, d.resource_id)):
        for s in d.stops:
            if s.patient_id and s.patient_id not in out:
                out[s.patient_id] = len(out) + 1
    return out


def blur(loc: Location) -> Location:
    """Snap to the centre of a ~300 m grid cell: close enough for a map, too coarse to find a door."""
    def snap(v: float, step: float) -> float:
        return round((v // step) * step + step / 2, 6)
    return Location(snap(loc.lat, GRID_LAT), snap(loc.lon, GRID_LON))


SHARED_EXTRAS = ("coverage", "reach_minutes", "premises_used", "nights", "holidays")


def pseudonymise_stop(stop: ItineraryStop, number: int, secrets: dict[str, str]) -> ItineraryStop:
    """A patient's stop, or any stop at a patient's home (a break taken there): number, blurred position."""
    label = f"Patient n°{number}"
    kind_label = label if stop.patient_id else f"{stop.what or 'Arrêt'} (chez {label})"
    return replace(stop, place_id=f"patient-{number}", place_name=kind_label if not stop.patient_id else label,
                   location=blur(stop.location), address="", patient_id=f"patient-{number}" if stop.patient_id
                   else None, patient_name=label if stop.patient_id else None, phone="",
                   what=_replace_all(stop.what, secrets))


def _replace_all(text: str, secrets: dict[str, str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, secrets[secret])
    return text


def for_audience(view: PlanView, audience: str) -> PlanView:
    """The view cut down to what `audience` may see (see module docstring)."""
    check_audience(audience)
    if audience == "planner":
        return view
    if audience.startswith("staff:"):
        rid = audience[6:]
        return replace(view, itineraries=tuple(d for d in view.itineraries if d.resource_id == rid))
    if audience == "public":
        its = []
        for d in view.itineraries:
            stops = tuple(s for s in d.stops if s.kind in PUBLIC_KINDS and not s.patient_id)
            if stops:
                its.append(replace(d, stops=stops))
        return replace(view, itineraries=tuple(its), unscheduled=(), indicators=(),
                       extras={k: v for k, v in view.extras.items() if k in ("coverage", "reach_minutes",
                                                                          "premises_used")})
    numbers = patient_numbers(view)
    at_home: dict[str, int] = {}  # place id of a patient's home -> patient number
    secrets: dict[str, str] = {}  # name, address, phone, id -> pseudonym
    for d in view.itineraries:
        for s in d.stops:
            if s.patient_id:
                n = numbers[s.patient_id]
                at_home[s.place_id] = n
                for x in (s.patient_name, s.address, s.phone, s.patient_id, s.place_name):
                    if x and len(x) > 2:
                        secrets[x] = f"Patient n°{n}"
    its = tuple(replace(d, stops=tuple(pseudonymise_stop(s, at_home[s.place_id], secrets)
                                        if s.patient_id or s.place_id in at_home
                                        else replace(s, what=_replace_all(s.what, secrets))
                                        for s in d.stops))
                for d in view.itineraries)
    # An unscheduled visit's label may name a patient who is in no stop: replace it by a number.
    unscheduled = tuple(replace(u, item_id=f"non-planifie-{i}", label=f"Visite non planifiée n°{i}",
                                reason=_replace_all(u.reason, secrets)) if view.kind == "home_visits" else
                        replace(u, label=_replace_all(u.label, secrets), reason=_replace_all(u.reason, secrets))
                        for i, u in enumerate(view.unscheduled, start=1))
    extras = {k: v for k, v in view.extras.items() if k in SHARED_EXTRAS}  # e.g. no per-patient calendar
    return replace(view, itineraries=its, unscheduled=unscheduled, extras=extras)


def _coarse(leg: RouteLeg) -> RouteLeg:
    """The leg's points snapped to the ~300 m grid (consecutive repeats dropped): it shows the way, not the door."""
    pts: list[tuple[float, float]] = []
    for lat, lon in leg.coords:
        c = blur(Location(lat, lon))
        if not pts or pts[-1] != (c.lat, c.lon):
            pts.append((c.lat, c.lon))
    if len(pts) == 1:
        pts.append(pts[0])
    return RouteLeg(tuple(pts), (), leg.on_road)


def legs_for_audience(view: PlanView, legs: LegsByDay | None, audience: str) -> LegsByDay | None:
    """The legs of `view` matching `for_audience(view, audience)` stop for stop.

    shared: legs touching a patient's home are coarsened to the grid; public: the legs between two kept stops
    are joined; planner and staff: unchanged."""
    check_audience(audience)
    if legs is None or audience == "planner" or audience.startswith("staff:"):
        return legs
    homes = {s.place_id for d in view.itineraries for s in d.stops if s.patient_id}
    out: LegsByDay = {}
    for d in view.itineraries:
        day_legs = list(legs.get((d.resource_id, d.day)) or [])
        if len(day_legs) != len(d.stops) - 1:
            continue  # legs that do not match the stops: drawn straight between the (seen) stops
        if audience == "shared":
            out[(d.resource_id, d.day)] = [
                _coarse(leg) if {a.place_id, b.place_id} & homes else leg
                for leg, a, b in zip(day_legs, d.stops, d.stops[1:])]
            continue
        kept = [i for i, s in enumerate(d.stops) if s.kind in PUBLIC_KINDS and not s.patient_id]
        joined = []
        for i, j in zip(kept, kept[1:]):
            part = day_legs[i:j]
            coords = [c for leg in part for c in leg.coords]
            joined.append(RouteLeg(tuple(coords), (), all(leg.on_road for leg in part)))
        out[(d.resource_id, d.day)] = joined
    return out
