"""The field view of any plan: who goes where, when, in what order.

Both planners' solutions project into these records (home visits: one per staff member and day;
rotations: one per unit and day), and every output (maps, day sheets, CSV/XLSX, iCalendar, GPX, public
schedules) is generated from them, so outputs never depend on a solver's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from planner.core.geo import Location
from planner.core.travel import travel_fr


@dataclass(frozen=True, slots=True)
class ItineraryStop:
    """One stop of a day. Times are local wall-clock datetimes; travel is from the previous stop."""

    sequence: int  # 0 = departure from base, then 1, 2, ... ; the return to base is the last stop
    kind: str  # "depart" | "visit" | "joint_visit" | "session" | "break" | "return" | "night"
    place_id: str
    place_name: str
    location: Location
    arrival: datetime
    start: datetime
    end: datetime
    travel_s: int = 0
    travel_m: int = 0
    address: str = ""
    what: str = ""  # e.g. "Visite infirmière (30 min)", "Consultations médecin + infirmière"
    patient_id: str | None = None  # set on patient visits only: outputs pseudonymise it where shared
    patient_name: str | None = None
    phone: str = ""
    commune_insee: str | None = None


@dataclass(frozen=True, slots=True)
class DayItinerary:
    """A staff member's or a unit's day."""

    resource_id: str
    resource_name: str
    role: str  # "doctor", "nurse", "ipa", or "unit"
    day: date
    stops: tuple[ItineraryStop, ...]

    @property
    def travel_s(self) -> int:
        return sum(s.travel_s for s in self.stops)

    @property
    def travel_m(self) -> int:
        return sum(s.travel_m for s in self.stops)


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """Something the plan could not place, with the reason in words a coordinator understands."""

    item_id: str
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanView:
    """What outputs need of a plan, whatever its kind: itineraries, indicators, what is left out."""

    kind: str  # "home_visits" | "rotation"
    title: str
    itineraries: tuple[DayItinerary, ...]
    indicators: tuple[tuple[str, str], ...] = ()  # (label, formatted value), in display order
    unscheduled: tuple[Unscheduled, ...] = ()
    approximate: bool = False  # travel times from the approximate model: outputs must say so
    extras: dict = field(default_factory=dict)  # kind-specific data, e.g. rotation commune coverage
    network: str = ""  # road network file the plan was made on ("" when approximate or unknown)

    @property
    def travel_fr(self) -> str:
        """The sentence naming the travel model and network, said once by every output."""
        return travel_fr(self.approximate, self.network)
