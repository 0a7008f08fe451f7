"""JSON and CSV forms of the home-visit problem and solution (see docs/home_visits_format.md).

Reading splits into "raw record (dict of strings or JSON values) -> typed object": a patient or staff
record has the same keys in a CSV row and in the problem JSON, so one parser serves both and every error
names the source, the row and the field.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from planner.core.errors import InputError, read_json_file, write_json_file
from planner.core.tables import Columns, check_unique, parse_decimal, read_records
from planner.core.geo import Location
from planner.core.hours import TimeRange, parse_hhmm
from planner.core.worktime import PROFILE_KEYS, profile_of, profile_to_record
from planner.home_visits.model import (
    DOCTOR, KIND, NURSE, HomeVisitProblem, HomeVisitSolution, Horizon, Joint, Patient, PlannedVisit, Route,
    Pin, RouteStop, Staff, UnscheduledVisit, parse_role, validate_patient, validate_problem, validate_staff,
)

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PATIENT_FIELDS = ("id", "name", "lat", "lon", "address", "frequency_days", "tolerance_days", "last_visit",
                  "last_role", "duration_doctor_min", "duration_nurse_min", "window", "unavailable", "joint",
                  "visits_since_joint", "sequence", "sequence_index", "preferred_doctor", "preferred_nurse",
                  "ald", "no_regular_doctor", "palliative", "phone", "enrolled_from", "door_seconds")
STAFF_FIELDS = ("id", "name", "role", "advanced_practice", "start_lat", "start_lon", "start_address",
                "end_lat", "end_lon", "end_address", *WEEKDAY_KEYS, "absences", "lunch_window",
                "lunch_minutes", "max_visits_per_day", "max_driving_minutes", "phone", "work_profile",
                *PROFILE_KEYS)
ROUTE_FIELDS = ("staff_id", "staff_name", "role", "date", "sequence", "kind", "patient_id", "patient_name",
                "visit_index", "visit_role", "arrival", "start", "end", "travel_min", "travel_km")
CALENDAR_FIELDS = ("patient_id", "patient_name", "visit_index", "date", "role", "joint", "staff_ids", "start",
                   "due", "on_time", "status", "reason")


# --- small field parsers ----------------------------------------------------------------------------------

class _Fields:
    """Typed access to one raw record, raising InputError(source, row, field) on bad values."""

    def __init__(self, rec: dict[str, Any], source: str | None, row: int | None) -> None:
        self.rec, self.source, self.row = rec, source, row

    def err(self, fld: str, msg: str) -> InputError:
        rid = self.rec.get("id")
        prefix = f"{rid}: " if rid not in (None, "") else ""
        return InputError(prefix + msg, source=self.source, row=self.row, field=fld)

    def raw(self, fld: str) -> Any:
        v = self.rec.get(fld)
        if isinstance(v, str):
            v = v.strip()
            return None if v == "" else v
        return v

    def text(self, fld: str, default: str = "") -> str:
        v = self.raw(fld)
        return default if v is None else str(v)

    def required(self, fld: str) -> Any:
        v = self.raw(fld)
        if v is None:
            raise self.err(fld, "missing value")
        return v

    def int_(self, fld: str, default: int | None = None) -> int | None:
        v = self.raw(fld)
        if v is None:
            return default
        try:
            f = parse_decimal(v)
            if f != int(f):
                raise ValueError
            return int(f)
        except (TypeError, ValueError):
            raise self.err(fld, f"not a whole number: {v!r}") from None

    def float_(self, fld: str) -> float:
        v = self.required(fld)
        try:
            return parse_decimal(v)  # French spreadsheets: 48,56
        except (TypeError, ValueError):
            raise self.err(fld, f"not a number: {v!r}") from None

    def bool_(self, fld: str) -> bool:
        v = self.raw(fld)
        if v is None:
            return False
        if isinstance(v, bool):
            return v
        t = str(v).lower()
        if t in ("1", "true", "yes", "oui", "o", "x", "vrai"):
            return True
        if t in ("0", "false", "no", "non", "n", "faux"):
            return False
        raise self.err(fld, f"not a yes/no value: {v!r}")

    def date_(self, fld: str, value: Any = None) -> date | None:
        v = self.raw(fld) if value is None else value
        if v is None:
            return None
        try:
            return date.fromisoformat(str(v).strip())
        except ValueError:
            raise self.err(fld, f"not a date (YYYY-MM-DD): {v!r}") from None

    def dates(self, fld: str) -> tuple[date, ...]:
        return tuple(self.date_(fld, x) for x in _items(self.raw(fld)))

    def range_(self, fld: str) -> TimeRange | None:
        v = self.raw(fld)
        if v is None:
            return None
        try:
            a, b = str(v).replace("–", "-").split("-")
            return TimeRange(parse_hhmm(a), parse_hhmm(b))
        except ValueError:
            raise self.err(fld, f"not a time range HH:MM-HH:MM: {v!r}") from None

    def location(self, lat: str, lon: str) -> Location:
        la, lo = self.float_(lat), self.float_(lon)
        try:
            return Location(la, lo)
        except ValueError as exc:
            raise self.err(lat, str(exc)) from None


def _items(v: Any) -> list:
    """A list given as a JSON list or as 'a;b;c' text."""
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    return [x.strip() for x in str(v).replace(",", ";").split(";") if x.strip()]


def _range_text(r: TimeRange | None) -> str:
    return r.label if r is not None else ""


# --- patients and staff --------------------------------------------------------------------------------

def patient_from_record(rec: dict[str, Any], *, source: str | None = None, row: int | None = None,
                        horizon: Horizon | None = None) -> Patient:
    f = _Fields(rec, source, row)
    pid = str(f.required("id"))
    last_role = f.raw("last_role")
    seq_raw = _items(f.raw("sequence")) or ["D", "N"]
    sequence = tuple(parse_role(r, source=source, row=row, field="sequence") for r in seq_raw)
    p = Patient(
        id=pid, name=f.text("name", pid), location=f.location("lat", "lon"), address=f.text("address"),
        frequency_days=f.int_("frequency_days", 14), tolerance_days=f.int_("tolerance_days", 2),
        last_visit=f.date_("last_visit"),
        last_role=None if last_role is None else parse_role(last_role, source=source, row=row, field="last_role"),
        duration_doctor_min=f.int_("duration_doctor_min", 30), duration_nurse_min=f.int_("duration_nurse_min", 30),
        window=f.range_("window"), unavailable=f.dates("unavailable"),
        joint=Joint.parse(f.text("joint", "never"), f.int_("visits_since_joint", 0), source=source, row=row),
        sequence=sequence, sequence_index=f.int_("sequence_index"),
        preferred_doctor=f.raw("preferred_doctor"), preferred_nurse=f.raw("preferred_nurse"),
        ald=f.bool_("ald"), no_regular_doctor=f.bool_("no_regular_doctor"), palliative=f.bool_("palliative"),
        phone=f.text("phone"), enrolled_from=f.date_("enrolled_from"), door_seconds=f.int_("door_seconds"))
    if p.preferred_doctor is not None:
        object.__setattr__(p, "preferred_doctor", str(p.preferred_doctor))
    if p.preferred_nurse is not None:
        object.__setattr__(p, "preferred_nurse", str(p.preferred_nurse))
    validate_patient(p, horizon=horizon, source=source, row=row)
    return p


def patient_to_record(p: Patient) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "lat": p.location.lat, "lon": p.location.lon, "address": p.address,
        "frequency_days": p.frequency_days, "tolerance_days": p.tolerance_days,
        "last_visit": p.last_visit.isoformat() if p.last_visit else "", "last_role": p.last_role or "",
        "duration_doctor_min": p.duration_doctor_min, "duration_nurse_min": p.duration_nurse_min,
        "window": _range_text(p.window), "unavailable": ";".join(d.isoformat() for d in p.unavailable),
        "joint": p.joint.text, "visits_since_joint": p.joint.since_last,
        "sequence": ";".join("D" if r == DOCTOR else "N" for r in p.sequence),
        "sequence_index": "" if p.sequence_index is None else p.sequence_index,
        "preferred_doctor": p.preferred_doctor or "", "preferred_nurse": p.preferred_nurse or "",
        "ald": int(p.ald), "no_regular_doctor": int(p.no_regular_doctor), "palliative": int(p.palliative),
        "phone": p.phone, "enrolled_from": p.enrolled_from.isoformat() if p.enrolled_from else "",
        **({} if p.door_seconds is None else {"door_seconds": p.door_seconds}),  # optional column
    }


def staff_from_record(rec: dict[str, Any], *, source: str | None = None, row: int | None = None) -> Staff:
    f = _Fields(rec, source, row)
    sid = str(f.required("id"))
    raw_role = str(f.required("role"))
    role = parse_role(raw_role, source=source, row=row, field="role")
    ipa = f.bool_("advanced_practice") or raw_role.strip().lower() == "ipa"
    if ipa and role != NURSE:
        raise f.err("advanced_practice", "only a nurse can be an advanced-practice nurse (IPA)")
    end = f.location("end_lat", "end_lon") if f.raw("end_lat") is not None else None
    absences = []
    for item in _items(f.raw("absences")):
        if isinstance(item, (list, tuple)):
            a, b = (item[0], item[-1])
        else:
            a, _, b = str(item).partition("..")
            b = b or a
        absences.append((f.date_("absences", a), f.date_("absences", b)))
    lunch_min = f.int_("lunch_minutes", 45)
    s = Staff(
        id=sid, name=f.text("name", sid), role=role, advanced_practice=ipa,
        start=f.location("start_lat", "start_lon"), start_address=f.text("start_address"),
        end=end, end_address=f.text("end_address"),
        hours=tuple(f.range_(k) for k in WEEKDAY_KEYS), absences=tuple(absences),
        lunch_window=f.range_("lunch_window") if "lunch_window" in rec else TimeRange(12 * 60, 14 * 60),
        lunch_min=lunch_min, max_visits_per_day=f.int_("max_visits_per_day", 10),
        max_driving_min=f.int_("max_driving_minutes", 180), phone=f.text("phone"),
        work_profile=profile_of(rec, source=source, row=row))
    validate_staff(s, source=source, row=row)
    return s


def staff_to_record(s: Staff) -> dict[str, Any]:
    rec = {
        "id": s.id, "name": s.name, "role": s.role, "advanced_practice": int(s.advanced_practice),
        "start_lat": s.start.lat, "start_lon": s.start.lon, "start_address": s.start_address,
        "end_lat": s.end.lat if s.end else "", "end_lon": s.end.lon if s.end else "", "end_address": s.end_address,
    }
    rec.update({k: _range_text(r) for k, r in zip(WEEKDAY_KEYS, s.hours)})
    rec.update({
        "absences": ";".join(a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}" for a, b in s.absences),
        "lunch_window": _range_text(s.lunch_window), "lunch_minutes": s.lunch_min,
        "max_visits_per_day": s.max_visits_per_day, "max_driving_minutes": s.max_driving_min, "phone": s.phone,
    })
    profile = profile_to_record(s.work_profile)  # flat: the kind, then one column per overridden limit
    rec.update(profile if isinstance(profile, dict) else {"kind": profile})
    rec["work_profile"] = rec.pop("kind")
    return rec


PATIENT_COLUMNS = Columns(PATIENT_FIELDS, required=("id", "lat", "lon"))
STAFF_COLUMNS = Columns(STAFF_FIELDS, required=("id", "role", "start_lat", "start_lon"))


def read_patients_csv(path: str | Path, horizon: Horizon | None = None) -> list[Patient]:
    records = read_records(path, PATIENT_COLUMNS, what="patient")
    out = [patient_from_record(r, source=str(path), row=n, horizon=horizon) for n, r in records]
    check_unique(((n, p.id) for (n, _), p in zip(records, out)), source=str(path), what="patient id")
    return out


def read_staff_csv(path: str | Path) -> list[Staff]:
    records = read_records(path, STAFF_COLUMNS, what="staff member")
    out = [staff_from_record(r, source=str(path), row=n) for n, r in records]
    check_unique(((n, p.id) for (n, _), p in zip(records, out)), source=str(path), what="staff id")
    return out


def problem_from_csv(patients: str | Path, staff: str | Path, horizon: Horizon, *, name: str = "") -> HomeVisitProblem:
    """A problem from patients.csv and staff.csv; cross-record errors name the file and row they come from."""
    p_records = read_records(patients, PATIENT_COLUMNS, what="patient")
    s_records = read_records(staff, STAFF_COLUMNS, what="staff member")
    pts = [patient_from_record(r, source=str(patients), row=n, horizon=horizon) for n, r in p_records]
    sts = [staff_from_record(r, source=str(staff), row=n) for n, r in s_records]
    check_unique(((n, p.id) for (n, _), p in zip(p_records, pts)), source=str(patients), what="patient id")
    check_unique(((n, s.id) for (n, _), s in zip(s_records, sts)), source=str(staff), what="staff id")
    where = {f"patient:{p.id}": (str(patients), n) for p, (n, _) in zip(pts, p_records)}
    where.update({f"staff:{s.id}": (str(staff), n) for s, (n, _) in zip(sts, s_records)})
    try:
        return HomeVisitProblem(horizon, tuple(pts), tuple(sts), name=name)
    except InputError as exc:
        src, row = where.get(exc.record or "", (exc.source, exc.row))
        raise InputError(exc.message, source=src, row=row, field=exc.field) from None


def write_csv(path: str | Path, header: Iterable[str], rows: Iterable[dict[str, Any]]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(header))
        w.writeheader()
        for r in rows:
            w.writerow(r)


def write_patients_csv(path: str | Path, patients: Iterable[Patient]) -> None:
    write_csv(path, PATIENT_FIELDS, (patient_to_record(p) for p in patients))


def write_staff_csv(path: str | Path, staff: Iterable[Staff]) -> None:
    write_csv(path, STAFF_FIELDS, (staff_to_record(s) for s in staff))


# --- problem JSON ----------------------------------------------------------------------------------------

def horizon_from_dict(d: dict, *, source: str | None = None) -> Horizon:
    f = _Fields(d, source, None)
    start = f.date_("start")
    if start is None:
        raise InputError("missing horizon start date", source=source, field="horizon.start")
    days = f.int_("days")
    if days is None:
        raise InputError("missing number of days", source=source, field="horizon.days")
    try:
        return Horizon(start, days, bool(d.get("public_holidays_off", True)), f.dates("closed"),
                       d.get("holiday_subdivision") or None, f.dates("worked_holidays"))
    except InputError as exc:
        raise InputError(exc.message, source=source, field="horizon.days") from None


def problem_to_dict(problem: HomeVisitProblem) -> dict:
    h = problem.horizon
    return {
        "kind": KIND, "name": problem.name,
        "horizon": {"start": h.start.isoformat(), "days": h.days, "public_holidays_off": h.public_holidays_off,
                    "holiday_subdivision": h.holiday_subdivision,
                    "worked_holidays": [d.isoformat() for d in h.worked_holidays],
                    "closed": [d.isoformat() for d in h.closed]},
        "matrix": problem.matrix,
        "patients": [patient_to_record(p) for p in problem.patients],
        "staff": [staff_to_record(s) for s in problem.staff],
        "pins": [{"patient_id": x.patient_id, "visit_index": x.visit_index, "day": x.day.isoformat(),
                  "staff_ids": list(x.staff_ids), "start_s": x.start_s,
                  "by_lock": x.by_lock} for x in problem.pins],
        "locked_days": [d.isoformat() for d in problem.locked_days],
    }


def _pins(data: dict, source: str | None) -> tuple[Pin, ...]:
    out = []
    for k, rec in enumerate(_records(data, "pins", source)):
        f = _Fields(rec, source, None)
        where = f"pins[{k}]"
        try:
            start_s = rec.get("start_s")
            if start_s is not None and (not isinstance(start_s, int) or not 0 <= start_s < 86400):
                raise ValueError("start_s must be seconds after midnight (0 to 86399)")
            staff = rec.get("staff_ids") or []
            if not isinstance(staff, list) or not all(isinstance(x, str) for x in staff):
                raise ValueError("staff_ids must be a list of staff ids")
            out.append(Pin(str(f.required("patient_id")), int(f.required("visit_index")), f.date_("day") or
                           _missing("day"), tuple(staff), start_s, bool(rec.get("by_lock", False))))
        except (ValueError, TypeError) as exc:
            raise InputError(f"{where}: {exc}", source=source, field=where) from None
        except InputError as exc:
            raise InputError(exc.message, source=source, field=f"{where}.{exc.field or ''}".rstrip(".")) from None
    return tuple(out)


def _missing(fld: str):
    raise ValueError(f"missing {fld}")


def _records(data: dict, key: str, source: str | None) -> list[dict]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise InputError("expected a list of objects", source=source, field=key)
    return value


def _known_keys(rec: dict, columns: Columns, source: str | None, where: str) -> dict:
    """A JSON record with its keys named as the CSV columns are (aliases accepted); unknown keys are errors."""
    names, issues = columns.resolve(list(rec))
    for issue in issues:
        if issue.kind != "missing":  # missing values are reported field by field, with their record id
            raise InputError(issue.english().replace("column", "key"), source=source,
                             field=f"{where}.{issue.column}")
    return {n: v for n, v in zip(names, rec.values()) if n is not None}


def problem_from_dict(data: dict, *, source: str | None = None) -> HomeVisitProblem:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(f"not a home-visit problem (kind must be {KIND!r})", source=source, field="kind")
    horizon = horizon_from_dict(data.get("horizon") or {}, source=source)
    patients = [patient_from_record(_known_keys(r, PATIENT_COLUMNS, source, f"patients[{k}]"), source=source,
                                    row=None, horizon=horizon) for k, r in enumerate(_records(data, "patients", source))]
    staff = [staff_from_record(_known_keys(r, STAFF_COLUMNS, source, f"staff[{k}]"), source=source, row=None)
             for k, r in enumerate(_records(data, "staff", source))]
    if not patients:
        raise InputError("no patient: the problem has nothing to plan", source=source, field="patients")
    if not staff:
        raise InputError("no staff member: add at least one doctor or nurse", source=source, field="staff")
    try:
        problem = HomeVisitProblem(horizon, tuple(patients), tuple(staff), data.get("matrix"),
                                   str(data.get("name", "")), pins=_pins(data, source),
                                   locked_days=_Fields(data, source, None).dates("locked_days"))
    except InputError as exc:
        raise InputError(exc.message, source=exc.source or source, row=exc.row, field=exc.field) from None
    validate_problem(problem, source=source)
    return problem


def write_problem(problem: HomeVisitProblem, path: str | Path) -> None:
    write_json_file(path, problem_to_dict(problem))


def _read_json(path: str | Path) -> dict:
    return read_json_file(path)


def read_problem(path: str | Path) -> HomeVisitProblem:
    return problem_from_dict(_read_json(path), source=str(path))


def problem_matrix_path(problem: HomeVisitProblem, problem_path: str | Path) -> Path:
    """The matrix file a problem JSON refers to (relative to the problem file)."""
    if not problem.matrix:
        raise InputError("the problem does not name its travel matrix file", source=str(problem_path),
                         field="matrix")
    return (Path(problem_path).parent / problem.matrix).resolve()


# --- solution JSON and CSV -----------------------------------------------------------------------------

def hms(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def solution_to_dict(sol: HomeVisitSolution) -> dict:
    return {
        "kind": KIND,
        "units": "times of day in seconds after midnight; travel in seconds and metres",
        "routes": [{
            "staff_id": r.staff_id, "date": r.day.isoformat(), "depart_s": r.depart_s, "return_s": r.return_s,
            "return_travel_s": r.return_travel_s, "return_travel_m": r.return_travel_m,
            "break_start_s": r.break_start_s, "break_end_s": r.break_end_s,
            "stops": [{"patient_id": s.patient_id, "visit_index": s.visit_index, "role": s.role, "joint": s.joint,
                       "arrival_s": s.arrival_s, "start_s": s.start_s, "end_s": s.end_s,
                       "travel_s": s.travel_s, "travel_m": s.travel_m} for s in r.stops],
        } for r in sol.routes],
        "calendar": [{
            "patient_id": v.patient_id, "visit_index": v.visit_index, "date": v.day.isoformat(), "role": v.role,
            "joint": v.joint, "staff_ids": list(v.staff_ids), "start_s": v.start_s, "due": v.due.isoformat(),
            "on_time": v.on_time} for v in sol.visits],
        "unscheduled": [{
            "patient_id": u.patient_id, "visit_index": u.visit_index, "role": u.role, "joint": u.joint,
            "earliest": u.earliest.isoformat(), "latest": u.latest.isoformat(), "reason": u.reason}
            for u in sol.unscheduled],
        "indicators": sol.indicators,
        "stats": sol.stats,
        "travel": sol.travel,
    }


def solution_from_dict(data: dict, *, source: str | None = None) -> HomeVisitSolution:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(f"not a home-visit solution (kind must be {KIND!r})", source=source, field="kind")
    try:
        routes = tuple(Route(
            staff_id=str(r["staff_id"]), day=date.fromisoformat(r["date"]), depart_s=int(r["depart_s"]),
            return_s=int(r["return_s"]), return_travel_s=int(r["return_travel_s"]),
            return_travel_m=int(r["return_travel_m"]),
            break_start_s=None if r.get("break_start_s") is None else int(r["break_start_s"]),
            break_end_s=None if r.get("break_end_s") is None else int(r["break_end_s"]),
            stops=tuple(RouteStop(str(s["patient_id"]), int(s["visit_index"]), str(s["role"]), bool(s["joint"]),
                                  int(s["arrival_s"]), int(s["start_s"]), int(s["end_s"]), int(s["travel_s"]),
                                  int(s["travel_m"])) for s in r["stops"]))
            for r in data.get("routes", []))
        visits = tuple(PlannedVisit(str(v["patient_id"]), int(v["visit_index"]), date.fromisoformat(v["date"]),
                                    str(v["role"]), bool(v["joint"]), tuple(v["staff_ids"]), int(v["start_s"]),
                                    date.fromisoformat(v["due"]), bool(v["on_time"]))
                       for v in data.get("calendar", []))
        unscheduled = tuple(UnscheduledVisit(str(u["patient_id"]), int(u["visit_index"]), str(u["role"]),
                                             bool(u["joint"]), date.fromisoformat(u["earliest"]),
                                             date.fromisoformat(u["latest"]), str(u["reason"]))
                            for u in data.get("unscheduled", []))
    except KeyError as exc:
        raise InputError("missing key in solution", source=source, field=str(exc.args[0])) from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"bad value in solution ({exc})", source=source) from None
    return HomeVisitSolution(routes, visits, unscheduled, dict(data.get("indicators", {})),
                             dict(data.get("stats", {})), travel=dict(data.get("travel") or {}))


def write_solution(sol: HomeVisitSolution, path: str | Path) -> None:
    write_json_file(path, solution_to_dict(sol))


def read_solution(path: str | Path) -> HomeVisitSolution:
    return solution_from_dict(_read_json(path), source=str(path))


def write_solution_csv(problem: HomeVisitProblem, sol: HomeVisitSolution, out_dir: str | Path) -> None:
    """routes.csv (one row per departure, visit, break and return) and calendar.csv (one row per visit)."""
    out_dir = Path(out_dir)
    names = {p.id: p.name for p in problem.patients}
    staff = {s.id: s for s in problem.staff}
    rows = []
    for r in sorted(sol.routes, key=lambda r: (r.day, r.staff_id)):
        s = staff.get(r.staff_id)
        base = {"staff_id": r.staff_id, "staff_name": s.name if s else "", "role": s.display_role if s else "",
                "date": r.day.isoformat()}
        events = [(r.depart_s, 0, {"kind": "depart", "start": hms(r.depart_s), "end": hms(r.depart_s)})]
        for st in r.stops:
            events.append((st.start_s, 1, {
                "kind": "joint_visit" if st.joint else "visit", "patient_id": st.patient_id,
                "patient_name": names.get(st.patient_id, ""), "visit_index": st.visit_index, "visit_role": st.role,
                "arrival": hms(st.arrival_s), "start": hms(st.start_s), "end": hms(st.end_s),
                "travel_min": round(st.travel_s / 60, 1), "travel_km": round(st.travel_m / 1000, 2)}))
        if r.break_start_s is not None:
            events.append((r.break_start_s, 1, {"kind": "break", "start": hms(r.break_start_s),
                                                "end": hms(r.break_end_s)}))
        events.append((r.return_s, 2, {"kind": "return", "arrival": hms(r.return_s),
                                       "travel_min": round(r.return_travel_s / 60, 1),
                                       "travel_km": round(r.return_travel_m / 1000, 2)}))
        for k, (_, _, e) in enumerate(sorted(events, key=lambda e: (e[0], e[1]))):
            rows.append({**base, "sequence": k, **e})
    write_csv(out_dir / "routes.csv", ROUTE_FIELDS, rows)
    cal = []
    for v in sorted(sol.visits, key=lambda v: (v.patient_id, v.visit_index)):
        cal.append({"patient_id": v.patient_id, "patient_name": names.get(v.patient_id, ""),
                    "visit_index": v.visit_index, "date": v.day.isoformat(), "role": v.role, "joint": int(v.joint),
                    "staff_ids": ";".join(v.staff_ids), "start": hms(v.start_s), "due": v.due.isoformat(),
                    "on_time": int(v.on_time), "status": "planned", "reason": ""})
    for u in sorted(sol.unscheduled, key=lambda u: (u.patient_id, u.visit_index)):
        cal.append({"patient_id": u.patient_id, "patient_name": names.get(u.patient_id, ""),
                    "visit_index": u.visit_index, "date": "", "role": u.role, "joint": int(u.joint),
                    "staff_ids": "", "start": "", "due": "", "on_time": 0, "status": "unscheduled",
                    "reason": u.reason})
    write_csv(out_dir / "calendar.csv", CALENDAR_FIELDS, cal)
