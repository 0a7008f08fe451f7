"""Typed model of a mobile-unit rotation: units, premises, communes in need, and the plan that serves them.

Conventions (also in docs/rotation_format.md): dates are `datetime.date`, times of day are whole minutes
after midnight, travel in whole seconds and metres (from the TravelMatrix), demand in consultations over
the planning horizon. Place ids are the travel-matrix ids: "base:<unit id>", premises ids, "mairie:<insee>",
lodging ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from planner.core.geo import Location
from planner.core.hours import TimeRange, WeeklyHours
from planner.core.worktime import SALARIED, WorkProfile, holiday_subdivision, public_holidays

ROLES = ("doctor", "nurse", "ipa", "psychologist", "prevention")
DISCIPLINES = ("gp", "nursing", "education", "psychology", "prevention")
# What each member's role offers during a session (one discipline per role, see docs/rotation_format.md).
ROLE_DISCIPLINE = {"doctor": "gp", "nurse": "nursing", "ipa": "education", "psychologist": "psychology",
                   "prevention": "prevention"}
DEFAULT_DURATIONS_MIN = {"gp": 20, "nursing": 20, "education": 45, "psychology": 45, "prevention": 30}
DISCIPLINE_FR = {"gp": "consultations de médecine générale", "nursing": "soins infirmiers",
                 "education": "éducation thérapeutique / suivi IPA", "psychology": "consultations de psychologie",
                 "prevention": "séances de prévention"}
ROLE_FR = {"doctor": "médecin", "nurse": "infirmier·e", "ipa": "IPA", "psychologist": "psychologue",
           "prevention": "prévention"}
VEHICLES = ("car", "van", "medical_bus")
PREMISES_STATUS = ("proposed", "approved", "withdrawn")
HALVES = ("am", "pm")
HALF_FR = {"am": "matin", "pm": "après-midi"}
MISSION_MIN_DAYS, MISSION_MAX_DAYS = 3, 15


@dataclass(frozen=True, slots=True)
class Member:
    """A person of a unit; `unavailable` lists the dates they cannot work (illness, leave)."""

    id: str
    name: str
    role: str
    unavailable: tuple[date, ...] = ()
    work_profile: WorkProfile = SALARIED  # French working-time limits (planner.core.worktime)


@dataclass(frozen=True, slots=True)
class Lodging:
    """A place where a unit may sleep away from base (id must be in the travel matrix)."""

    id: str
    name: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """A mobile unit: members travelling together in one vehicle, from a base, for one mission."""

    id: str
    name: str
    members: tuple[Member, ...]
    vehicle: str
    base_id: str  # travel-matrix id, usually "base:<unit id>"
    base_name: str
    base_location: Location | None
    start: date
    days: int
    day_start_min: int = 8 * 60  # earliest departure
    day_end_min: int = 19 * 60  # latest return (base or lodging)
    rest_weekdays: tuple[int, ...] = (5, 6)  # Monday = 0; Saturday and Sunday by default
    rest_dates: tuple[date, ...] = ()
    nights: str = "base"  # "base": back every evening; "away": may sleep at `lodging`
    lodging: tuple[Lodging, ...] = ()
    max_nights_away: int = 4  # consecutive nights away from base
    max_driving_min: int = 180  # per day, all legs included
    regular: bool = False  # same premises, same weekday and half-day each week
    worked_holidays: tuple[date, ...] = ()  # public holidays this unit works all the same ("on 8 May")
    holidays: tuple[date, ...] = ()  # public holidays of the mission, filled in by RotationProblem

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=k) for k in range(self.days))

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def is_rest(self, day: date) -> bool:
        return (day.weekday() in self.rest_weekdays or day in self.rest_dates
                or (day in self.holidays and day not in self.worked_holidays))

    def members_on(self, day: date) -> tuple[Member, ...]:
        return tuple(m for m in self.members if day not in m.unavailable)

    def night_places(self) -> tuple[str, ...]:
        """Where the unit may sleep: base first, then lodging places when nights away are allowed."""
        if self.nights == "away":
            return (self.base_id, *(lg.id for lg in self.lodging))
        return (self.base_id,)

    def place_name(self, place_id: str) -> str:
        if place_id == self.base_id:
            return self.base_name
        for lg in self.lodging:
            if lg.id == place_id:
                return lg.name
        return place_id


@dataclass(frozen=True, slots=True)
class DateHours:
    """Opening on one given date (adds to, or with no ranges closes, the weekly hours)."""

    day: date
    ranges: tuple[TimeRange, ...]


@dataclass(frozen=True, slots=True)
class Premises:
    """A room lent by a municipality: where a unit consults. `hours` None means 'use the town hall's'."""

    id: str
    name: str
    insee: str
    location: Location | None
    address: str = ""
    rooms: int = 1
    accessible: bool = True
    equipment: tuple[str, ...] = ()
    hours: WeeklyHours | None = None
    dates: tuple[DateHours, ...] = ()
    status: str = "approved"

    def opening_on(self, day: date, default: WeeklyHours | None = None) -> tuple[TimeRange, ...]:
        """Opening ranges on `day`: a date entry overrides the weekly hours (no ranges = closed)."""
        for d in self.dates:
            if d.day == day:
                return d.ranges
        weekly = self.hours if self.hours is not None else default
        return weekly.on(day.weekday()) if weekly is not None else ()


@dataclass(frozen=True, slots=True)
class CommuneNeed:
    """A commune and what its people need from the units over the planning horizon."""

    insee: str
    name: str
    population: int
    location: Location | None = None  # town hall
    townhall_id: str = ""  # travel-matrix id, "mairie:<insee>" by default
    townhall_hours: WeeklyHours | None = None
    priority_population: int = 0
    priority_estimated: bool = False
    demand: dict[str, int] = field(default_factory=dict)  # discipline -> consultations over the horizon
    demand_estimated: bool = False

    @property
    def place_id(self) -> str:
        return self.townhall_id or f"mairie:{self.insee}"

    @property
    def total_demand(self) -> int:
        return sum(self.demand.values())


@dataclass(frozen=True, slots=True)
class HalfDays:
    """Half-day windows (minutes): sessions happen inside them, within the premises' opening hours."""

    am_start: int = 8 * 60 + 30
    am_end: int = 12 * 60 + 30
    pm_start: int = 13 * 60 + 30
    pm_end: int = 18 * 60 + 30
    min_session_min: int = 90

    def window(self, half: str) -> tuple[int, int]:
        return (self.am_start, self.am_end) if half == "am" else (self.pm_start, self.pm_end)


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights, in this order of importance (see docs/rotation_format.md)."""

    unserved_commune: int = 10_000  # per commune (and week) in need left without any session in reach
    demand: int = 60  # per priority consultation served (1 consultation ~ 60 minutes of driving)
    fairness: int = 20  # per percentage point of the least-covered commune's share of its demand
    commune_share: int = 4  # per percentage point of each commune's share of its need met (3x below 50 %,
    # 2x from 50 to 80 %, 1x above: raising the least served communes first)
    driving_per_min: int = 1  # per minute of driving
    change: int = 500  # re-planning only: per session moved away from the published plan


@dataclass(frozen=True, slots=True)
class SessionPin:
    """A half-day of a unit held by hand: a session at `premises_id`, or no session when it is empty.
    Every plan of the problem keeps it (planner.rotations.edits); the checker verifies it."""

    unit_id: str
    day: date
    half: str
    premises_id: str = ""

    @property
    def key(self) -> tuple[str, date, str]:
        return (self.unit_id, self.day, self.half)


@dataclass(frozen=True)
class RotationProblem:
    """Everything the rotation planner needs besides the travel matrix."""

    units: tuple[Unit, ...]
    premises: tuple[Premises, ...]
    communes: tuple[CommuneNeed, ...]
    name: str = "rotation"
    reach_min: int = 20
    far_uptake_pct: int = 60  # share of a commune's need a session beyond half the reach can meet (reach.py)
    regular_presence: bool = False  # every unit keeps the same premises on the same weekday each week
    coverage_period: str = "mission"  # "mission" or "week": each commune in need served once per period
    half_days: HalfDays = HalfDays()
    durations_min: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DURATIONS_MIN))
    weights: Weights = Weights()
    matrix_ref: str | None = None  # path of the TravelMatrix JSON, relative to the problem file
    warnings: tuple[str, ...] = ()
    kind: str = "rotation"
    public_holidays_off: bool = True  # French public holidays are rest days (units may work some: worked_holidays)
    holiday_subdivision: str | None = None  # "57", "6AE" (Alsace-Moselle's extra days); None: from the communes
    pins: tuple[SessionPin, ...] = ()  # half-days held by hand (planner.rotations.edits)

    def __post_init__(self) -> None:
        if not self.units:
            return
        days = tuple(self.holidays())
        object.__setattr__(self, "units", tuple(u if u.holidays == days else replace(u, holidays=days)
                                                for u in self.units))

    def holidays(self) -> dict[date, str]:
        """The public holidays of the mission, by date, with their French names."""
        if not self.public_holidays_off or not self.units:
            return {}
        sub = self.holiday_subdivision or holiday_subdivision(c.insee for c in self.communes)
        return public_holidays(self.start, self.end, sub)

    @property
    def start(self) -> date:
        return min(u.start for u in self.units)

    @property
    def end(self) -> date:
        return max(u.end for u in self.units)

    @property
    def dates(self) -> tuple[date, ...]:
        n = (self.end - self.start).days + 1
        return tuple(self.start + timedelta(days=k) for k in range(n))

    def pin(self, unit_id: str, day: date, half: str) -> SessionPin | None:
        return next((x for x in self.pins if x.key == (unit_id, day, half)), None)

    def unit(self, unit_id: str) -> Unit:
        return next(u for u in self.units if u.id == unit_id)

    def premises_by_id(self) -> dict[str, Premises]:
        return {p.id: p for p in self.premises}

    def commune_by_insee(self) -> dict[str, CommuneNeed]:
        return {c.insee: c for c in self.communes}

    def default_hours(self, premises: Premises) -> WeeklyHours | None:
        """The hours a premises uses when it has none of its own: its commune's town-hall hours."""
        if premises.hours is not None:
            return premises.hours
        c = self.commune_by_insee().get(premises.insee)
        return c.townhall_hours if c is not None else None

    def usable_premises(self) -> tuple[Premises, ...]:
        return tuple(p for p in self.premises if p.status != "withdrawn")

    def periods(self) -> list[tuple[str, tuple[date, ...]]]:
        """Coverage periods: the whole horizon, or each ISO week (label "2026-W48")."""
        if self.coverage_period != "week":
            return [("mission", self.dates)]
        weeks: dict[str, list[date]] = {}
        for d in self.dates:
            y, w, _ = d.isocalendar()
            weeks.setdefault(f"{y}-W{w:02d}", []).append(d)
        return [(k, tuple(v)) for k, v in weeks.items()]


# --- solution --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Session:
    """A unit consulting at a premises on one half-day. Times in minutes after midnight."""

    unit_id: str
    day: date
    half: str
    premises_id: str
    start_min: int
    end_min: int
    members: tuple[str, ...]  # member ids present
    capacity: dict[str, int]  # discipline -> consultations the session can absorb


@dataclass(frozen=True, slots=True)
class Leg:
    """One drive of a day: from a place to another, with clock times (minutes) and matrix figures."""

    origin: str
    destination: str
    depart_min: int
    arrive_min: int
    seconds: int
    metres: int


@dataclass(frozen=True, slots=True)
class DayPlan:
    """A unit's day: its legs in order and where it sleeps that evening."""

    unit_id: str
    day: date
    start_place: str
    night_place: str
    legs: tuple[Leg, ...]
    rest: bool = False

    @property
    def driving_s(self) -> int:
        return sum(leg.seconds for leg in self.legs)

    @property
    def metres(self) -> int:
        return sum(leg.metres for leg in self.legs)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Consultations of the sessions at a premises given to the people of a commune."""

    premises_id: str
    insee: str
    discipline: str
    consultations: int


@dataclass(frozen=True, slots=True)
class CommuneService:
    """What a commune receives: sessions within reach, capacity offered, demand served."""

    insee: str
    name: str
    population: int
    priority_population: int
    need: dict[str, int]
    served: dict[str, int]
    capacity_offered: dict[str, int]  # capacity of the sessions within reach (shared with neighbours)
    sessions: int
    premises: tuple[str, ...]  # premises within reach that hold sessions

    @property
    def share(self) -> float:
        need = sum(self.need.values())
        return sum(self.served.values()) / need if need else 1.0


@dataclass(frozen=True, slots=True)
class UnservedCommune:
    insee: str
    name: str
    period: str
    reason: str


@dataclass(frozen=True)
class RotationSolution:
    """A rotation plan: sessions (the calendar), days (itineraries and nights), service and indicators."""

    sessions: tuple[Session, ...]
    days: tuple[DayPlan, ...]
    allocations: tuple[Allocation, ...]
    service: tuple[CommuneService, ...]
    unserved: tuple[UnservedCommune, ...]
    indicators: dict[str, float]
    status: str = "FEASIBLE"
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    solve_s: float = 0.0
    solver: str = ""
    warnings: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()  # re-planning: differences with the published plan
    kind: str = "rotation"
    travel: dict = field(default_factory=dict)  # travel model and network it was made on (travel_record)

    def session_at(self, unit_id: str, day: date, half: str) -> Session | None:
        for s in self.sessions:
            if s.unit_id == unit_id and s.day == day and s.half == half:
                return s
        return None

    def day_plan(self, unit_id: str, day: date) -> DayPlan | None:
        for d in self.days:
            if d.unit_id == unit_id and d.day == day:
                return d
        return None
