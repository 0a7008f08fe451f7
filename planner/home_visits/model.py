"""The typed home-visit problem and solution (one model for CLI, API, maps and tests).

Units: dates are `datetime.date`; times of day in the problem are minutes after midnight (`TimeRange`);
times of day in the solution are whole seconds after midnight (the travel matrix is in seconds);
durations of visits are minutes; travel is seconds and metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from planner.core.errors import InputError
from planner.core.geo import Location
from planner.core.worktime import SALARIED, WorkProfile, public_holidays
from planner.core.hours import TimeRange

KIND = "home_visits"
DOCTOR, NURSE = "doctor", "nurse"
ROLES = (DOCTOR, NURSE)
ROLE_LABELS_FR = {DOCTOR: "médecin", NURSE: "infirmière"}
# Every spelling accepted at the edges -> canonical role. "ipa" is an advanced-practice nurse.
ROLE_ALIASES = {"d": DOCTOR, "doctor": DOCTOR, "médecin": DOCTOR, "medecin": DOCTOR, "m": DOCTOR,
                "n": NURSE, "nurse": NURSE, "infirmier": NURSE, "infirmière": NURSE, "infirmiere": NURSE,
                "i": NURSE, "ipa": NURSE}
MIN_DAYS, MAX_DAYS = 1, 56


def parse_role(value: str, *, source: str | None = None, row: int | None = None, field: str = "role") -> str:
    """'D', 'doctor', 'médecin', 'N', 'nurse', 'ipa'... -> 'doctor' | 'nurse'; InputError otherwise."""
    key = str(value).strip().lower()
    if key not in ROLE_ALIASES:
        raise InputError(f"unknown role {value!r}; expected doctor (D) or nurse (N, ipa)",
                         source=source, row=row, field=field)
    return ROLE_ALIASES[key]


@dataclass(frozen=True, slots=True)
class Joint:
    """When doctor and nurse visit together: never, always, or every k-th visit.

    With `every`, visit number n of the horizon (from 1) is joint when (since_last + n) % every == 0,
    where `since_last` counts the patient's visits since the last joint one (0 = the last was joint).
    """

    mode: str = "never"  # "never" | "always" | "every"
    every: int = 0
    since_last: int = 0

    def is_joint(self, n: int) -> bool:
        if self.mode == "always":
            return True
        if self.mode == "every":
            return (self.since_last + n) % self.every == 0
        return False

    @property
    def text(self) -> str:
        return f"every:{self.every}" if self.mode == "every" else self.mode

    @classmethod
    def parse(cls, text: str, since_last: int = 0, *, source=None, row=None) -> "Joint":
        t = (text or "never").strip().lower()
        if t in ("never", "", "non", "no"):
            return cls("never", 0, since_last)
        if t in ("always", "toujours", "yes", "oui"):
            return cls("always", 0, since_last)
        if t.startswith("every:"):
            try:
                k = int(t.split(":", 1)[1])
            except ValueError:
                k = 0
            if k >= 1:
                return cls("every", k, since_last)
        raise InputError(f"joint must be 'never', 'always' or 'every:K' (K >= 1), got {text!r}",
                         source=source, row=row, field="joint")


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient visited at home alternately by a doctor and a nurse."""

    id: str
    name: str
    location: Location
    address: str = ""
    frequency_days: int = 14
    tolerance_days: int = 2
    last_visit: date | None = None  # None: never visited, the first visit is due from the horizon start
    last_role: str | None = None  # role of the last visit; the sequence continues after it
    duration_doctor_min: int = 30
    duration_nurse_min: int = 30
    window: TimeRange | None = None  # the visit starts and ends inside it (minutes after midnight)
    unavailable: tuple[date, ...] = ()
    joint: Joint = Joint()
    sequence: tuple[str, ...] = (DOCTOR, NURSE)  # role cycle, e.g. (doctor, nurse, nurse)
    sequence_index: int | None = None  # position in `sequence` of the last visit (default: first match)
    preferred_doctor: str | None = None
    preferred_nurse: str | None = None
    ald: bool = False
    no_regular_doctor: bool = False
    palliative: bool = False
    phone: str = ""
    enrolled_from: date | None = None  # never visited and followed from this day (default: horizon start)
    door_seconds: int | None = None  # park, reach the door and back; None: the default by density (maps.matrix)

    @property
    def place_id(self) -> str:
        return self.id

    def duration_min(self, role: str, joint: bool = False) -> int:
        """Minutes on site; a joint visit lasts as long as the longer of the two."""
        if joint:
            return max(self.duration_doctor_min, self.duration_nurse_min)
        return self.duration_doctor_min if role == DOCTOR else self.duration_nurse_min

    def preferred(self, role: str) -> str | None:
        return self.preferred_doctor if role == DOCTOR else self.preferred_nurse

    def role_of(self, n: int) -> str:
        """Role of visit number n (from 1) of the horizon, continuing the sequence after the last visit."""
        return self.sequence[(self._last_position() + n) % len(self.sequence)]

    def _last_position(self) -> int:
        if self.sequence_index is not None:
            return self.sequence_index
        if self.last_role is None:
            return -1  # the first visit of the horizon takes the first role of the sequence
        return self.sequence.index(self.last_role)

    @property
    def priority(self) -> int:
        """Weight of this patient's visits when not everything fits (palliative first)."""
        return 1 + 4 * self.palliative + 2 * self.no_regular_doctor + self.ald


@dataclass(frozen=True, slots=True)
class Staff:
    """A doctor or a nurse who does rounds from a start place and back to an end place."""

    id: str
    name: str
    role: str  # "doctor" | "nurse"
    start: Location
    hours: tuple[TimeRange | None, ...] = (None,) * 7  # working span per weekday, Monday = 0
    advanced_practice: bool = False  # IPA: counts as a nurse
    end: Location | None = None  # None: back to the start place
    start_address: str = ""
    end_address: str = ""
    absences: tuple[tuple[date, date], ...] = ()  # inclusive date ranges
    lunch_window: TimeRange | None = TimeRange(12 * 60, 14 * 60)
    lunch_min: int = 45
    max_visits_per_day: int = 10
    max_driving_min: int = 180
    phone: str = ""
    work_profile: WorkProfile = SALARIED  # French working-time limits (planner.core.worktime)

    @property
    def start_place_id(self) -> str:
        return f"base:{self.id}"

    @property
    def end_place_id(self) -> str:
        return f"end:{self.id}" if self.end is not None else self.start_place_id

    @property
    def display_role(self) -> str:
        return "ipa" if self.advanced_practice else self.role

    def is_absent(self, day: date) -> bool:
        return any(a <= day <= b for a, b in self.absences)

    def hours_on(self, day: date) -> TimeRange | None:
        return self.hours[day.weekday()]

    def needs_break(self, span: TimeRange) -> bool:
        """A lunch break is due when the working span covers the whole lunch window."""
        w = self.lunch_window
        return w is not None and self.lunch_min > 0 and span.start_min <= w.start_min and span.end_min >= w.end_min


@dataclass(frozen=True, slots=True)
class Horizon:
    """The planned days. French public holidays are closed unless `public_holidays_off` is False or the
    holiday is listed in `worked_holidays`; `holiday_subdivision` adds Alsace-Moselle's days ("57", "6AE")."""

    start: date
    days: int
    public_holidays_off: bool = True
    closed: tuple[date, ...] = ()
    holiday_subdivision: str | None = None
    worked_holidays: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        if not MIN_DAYS <= self.days <= MAX_DAYS:
            raise InputError(f"horizon must be {MIN_DAYS} to {MAX_DAYS} days, got {self.days}", field="days")

    @property
    def end(self) -> date:
        """Last day included."""
        return self.start + timedelta(days=self.days - 1)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=k) for k in range(self.days)]

    def holidays(self) -> dict[date, str]:
        """French public holidays inside the horizon (name by date), when they are off."""
        if not self.public_holidays_off:
            return {}
        return {d: name for d, name in public_holidays(self.start, self.end, self.holiday_subdivision).items()
                if d not in self.worked_holidays}

    def closed_dates(self) -> set[date]:
        return set(self.holidays()) | set(self.closed)


@dataclass(frozen=True, slots=True)
class Pin:
    """A visit the planner holds by hand: planning keeps its day, its caregivers and (when given) its start."""

    patient_id: str
    visit_index: int
    day: date
    staff_ids: tuple[str, ...] = ()
    start_s: int | None = None  # seconds after midnight; None: any time of the day
    by_lock: bool = False  # set by locking its day; unlocking the day removes it

    @property
    def key(self) -> tuple[str, int]:
        return (self.patient_id, self.visit_index)


@dataclass(frozen=True, slots=True)
class HomeVisitProblem:
    """Everything the solver needs, except the travel matrix (passed alongside, referenced by `matrix`)."""

    horizon: Horizon
    patients: tuple[Patient, ...]
    staff: tuple[Staff, ...]
    matrix: str | None = None  # path of the matrix JSON, relative to the problem file
    name: str = ""
    kind: str = KIND
    pins: tuple[Pin, ...] = ()  # hand adjustments every plan of this problem keeps (planner.home_visits.edits)
    locked_days: tuple[date, ...] = ()  # days whose rounds stay as they are: no visit added, moved or removed

    def __post_init__(self) -> None:
        validate_problem(self)

    def pin(self, patient_id: str, visit_index: int) -> Pin | None:
        return next((x for x in self.pins if x.key == (patient_id, visit_index)), None)

    def patient(self, pid: str) -> Patient:
        return self._patients()[pid]

    def member(self, sid: str) -> Staff:
        return self._staff()[sid]

    def _patients(self) -> dict[str, Patient]:
        return {p.id: p for p in self.patients}

    def _staff(self) -> dict[str, Staff]:
        return {s.id: s for s in self.staff}

    def place_ids(self) -> list[str]:
        """Every place the plan travels between: patients, staff start and end places."""
        ids = [p.place_id for p in self.patients]
        for s in self.staff:
            ids.append(s.start_place_id)
            if s.end is not None:
                ids.append(s.end_place_id)
        return ids

    def door_seconds(self) -> dict[str, float]:
        """Door times given per patient place (the others keep the travel matrix's default)."""
        return {p.place_id: float(p.door_seconds) for p in self.patients if p.door_seconds is not None}

    def places(self) -> dict[str, Location]:
        out = {p.place_id: p.location for p in self.patients}
        for s in self.staff:
            out[s.start_place_id] = s.start
            if s.end is not None:
                out[s.end_place_id] = s.end
        return out


def validate_patient(p: Patient, *, horizon: Horizon | None = None, source=None, row=None) -> None:
    """Raise InputError naming the field when a patient record cannot be planned as given."""
    def bad(msg: str, fld: str) -> InputError:
        return InputError(f"patient {p.id}: {msg}", source=source, row=row, field=fld)

    if not p.id:
        raise bad("empty id", "id")
    if p.door_seconds is not None and not 0 <= p.door_seconds <= 3600:
        raise bad(f"door time must be between 0 and 3600 seconds, got {p.door_seconds}", "door_seconds")
    if p.frequency_days < 1:
        raise bad(f"frequency must be at least 1 day, got {p.frequency_days}", "frequency_days")
    if p.tolerance_days < 0:
        raise bad(f"tolerance cannot be negative, got {p.tolerance_days}", "tolerance_days")
    if p.frequency_days <= p.tolerance_days:
        raise bad(f"frequency ({p.frequency_days} days) must be longer than the tolerance "
                  f"({p.tolerance_days} days)", "frequency_days")
    for fld in ("duration_doctor_min", "duration_nurse_min"):
        if not 1 <= getattr(p, fld) <= 8 * 60:
            raise bad(f"visit duration must be 1 to 480 minutes, got {getattr(p, fld)}", fld)
    if not p.sequence or any(r not in ROLES for r in p.sequence):
        raise bad("role sequence must list doctor (D) and nurse (N) roles", "sequence")
    if p.last_role is not None and p.last_role not in p.sequence:
        raise bad(f"last role {p.last_role!r} is not in the role sequence", "last_role")
    if p.sequence_index is not None and not 0 <= p.sequence_index < len(p.sequence):
        raise bad("sequence index outside the role sequence", "sequence_index")
    if p.joint.mode == "every" and p.joint.every < 1:
        raise bad("joint every K needs K >= 1", "joint")
    if p.window is not None and p.window.end_min - p.window.start_min < p.duration_min(DOCTOR, True):
        if p.window.end_min - p.window.start_min < min(p.duration_doctor_min, p.duration_nurse_min):
            raise bad(f"time window {p.window.label} is shorter than the visit", "window")
    if horizon is not None and p.last_visit is not None and p.last_visit >= horizon.start:
        raise bad(f"last visit {p.last_visit.isoformat()} is not before the horizon start "
                  f"{horizon.start.isoformat()}", "last_visit")


def validate_staff(s: Staff, *, source=None, row=None) -> None:
    def bad(msg: str, fld: str) -> InputError:
        return InputError(f"staff {s.id}: {msg}", source=source, row=row, field=fld)

    if not s.id:
        raise bad("empty id", "id")
    if s.role not in ROLES:
        raise bad(f"unknown role {s.role!r}; expected doctor or nurse", "role")
    if len(s.hours) != 7:
        raise bad("working hours need 7 weekdays", "hours")
    if s.max_visits_per_day < 0:
        raise bad("maximum visits per day cannot be negative", "max_visits_per_day")
    if s.max_driving_min < 0:
        raise bad("maximum driving per day cannot be negative", "max_driving_min")
    if s.lunch_min < 0 or (s.lunch_window is not None and s.lunch_min > s.lunch_window.end_min - s.lunch_window.start_min):
        raise bad("lunch break longer than its window", "lunch_minutes")
    for a, b in s.absences:
        if b < a:
            raise bad(f"absence ends ({b}) before it starts ({a})", "absences")


def validate_problem(problem: HomeVisitProblem, *, source: str | None = None) -> None:
    """Cross-record rules: unique ids, preferred staff exist with the right role."""
    seen: set[str] = set()
    for p in problem.patients:
        validate_patient(p, horizon=problem.horizon, source=source)
        if p.id in seen:
            raise InputError(f"duplicate patient id {p.id}", source=source, field="id", record=f"patient:{p.id}")
        seen.add(p.id)
    staff = {}
    for s in problem.staff:
        validate_staff(s, source=source)
        if s.id in staff or s.id in seen:
            what = "a patient's id" if s.id in seen else "another staff member's id"
            raise InputError(f"staff id {s.id} is already {what}", source=source, field="id", record=f"staff:{s.id}")
        staff[s.id] = s
    h = problem.horizon
    keys: set[tuple[str, int]] = set()
    for pin in problem.pins:
        where = f"pin {pin.patient_id} visit {pin.visit_index}"
        if pin.patient_id not in seen:
            raise InputError(f"{where}: unknown patient", source=source, field="pins.patient_id")
        if pin.key in keys:
            raise InputError(f"{where}: pinned twice", source=source, field="pins")
        keys.add(pin.key)
        if not h.start <= pin.day <= h.end:
            raise InputError(f"{where}: day {pin.day.isoformat()} outside the horizon", source=source,
                             field="pins.day")
        for sid in pin.staff_ids:
            if sid not in staff:
                raise InputError(f"{where}: unknown staff member {sid}", source=source, field="pins.staff_ids")
    for d in problem.locked_days:
        if not h.start <= d <= h.end:
            raise InputError(f"locked day {d.isoformat()} outside the horizon", source=source, field="locked_days")
    for p in problem.patients:
        for role, sid in ((DOCTOR, p.preferred_doctor), (NURSE, p.preferred_nurse)):
            if sid is None:
                continue
            if sid not in staff:
                raise InputError(f"patient {p.id}: preferred {role} {sid!r} is not in the staff list",
                                 source=source, field=f"preferred_{role}", record=f"patient:{p.id}")
            if staff[sid].role != role:
                raise InputError(f"patient {p.id}: preferred {role} {sid!r} is a {staff[sid].role}",
                                 source=source, field=f"preferred_{role}", record=f"patient:{p.id}")


# --- solution -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RouteStop:
    """One patient visit in a staff member's day. Times: seconds after midnight; travel from previous stop."""

    patient_id: str
    visit_index: int  # n-th visit of this patient in the horizon, from 1
    role: str  # role the visit counts as in the patient's sequence
    joint: bool
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int
    travel_m: int


@dataclass(frozen=True, slots=True)
class Route:
    """A staff member's day: leaves the start place, visits in order, returns; one lunch break or none."""

    staff_id: str
    day: date
    depart_s: int
    return_s: int
    stops: tuple[RouteStop, ...]
    return_travel_s: int
    return_travel_m: int
    break_start_s: int | None = None
    break_end_s: int | None = None

    @property
    def travel_s(self) -> int:
        return sum(s.travel_s for s in self.stops) + self.return_travel_s

    @property
    def travel_m(self) -> int:
        return sum(s.travel_m for s in self.stops) + self.return_travel_m


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """A patient's visit in the calendar: which day, which role, who goes, and whether it is on time."""

    patient_id: str
    visit_index: int
    day: date
    role: str
    joint: bool
    staff_ids: tuple[str, ...]
    start_s: int
    due: date  # target day: previous visit + frequency
    on_time: bool  # within due ± tolerance


@dataclass(frozen=True, slots=True)
class UnscheduledVisit:
    """A required visit the plan could not place, with the reason in French for the coordinator."""

    patient_id: str
    visit_index: int
    role: str
    joint: bool
    earliest: date
    latest: date
    reason: str


@dataclass(frozen=True)
class HomeVisitSolution:
    routes: tuple[Route, ...]
    visits: tuple[PlannedVisit, ...]
    unscheduled: tuple[UnscheduledVisit, ...]
    indicators: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    kind: str = KIND
    travel: dict = field(default_factory=dict)  # travel model and network it was made on (travel_record)

    def calendar(self) -> dict[str, list[PlannedVisit]]:
        """Visits by patient, in order."""
        out: dict[str, list[PlannedVisit]] = {}
        for v in sorted(self.visits, key=lambda v: (v.patient_id, v.visit_index)):
            out.setdefault(v.patient_id, []).append(v)
        return out
