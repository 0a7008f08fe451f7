"""JSON and CSV forms of rotation problems and solutions (format: docs/rotation_format.md).

Reading is two steps: parse raw fields (each bad field raises InputError naming the record and field),
then validate the whole problem (units with no member, premises with no opening hours, ...). A mission
shorter than 3 or longer than 15 days is accepted with a warning, kept in `problem.warnings`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from planner.core.errors import InputError, read_json_file, write_json_file
from planner.core.tables import Columns, check_unique, parse_decimal, read_records
from planner.core.geo import Location
from planner.core.hours import WEEKDAYS_FR, TimeRange, WeeklyHours, format_hhmm, parse_hhmm
from planner.rotations.model import (DEFAULT_DURATIONS_MIN, DISCIPLINES, HALF_FR, HALVES, MISSION_MAX_DAYS,
                                     MISSION_MIN_DAYS, PREMISES_STATUS, ROLES, VEHICLES, Allocation, CommuneNeed,
                                     CommuneService, DateHours, DayPlan, HalfDays, Leg, Lodging, Member, Premises,
                                     RotationProblem, RotationSolution, Session, SessionPin, Unit, UnservedCommune,
                                     Weights)
from planner.rotations.need import estimate_demand, estimate_priority_population
from planner.rotations.workdays import crew_profile
from planner.core.worktime import profile_of, profile_to_record


class _Reader:
    """Field access that names the record and field in every error."""

    def __init__(self, data: dict, source: str, record: str, row: int | None = None) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{record}: expected an object", source=source, row=row)
        self.data, self.source, self.record, self.row = data, source, record, row

    def error(self, field: str, message: str) -> InputError:
        return InputError(f"{self.record}: {message}", source=self.source, row=self.row, field=field)

    def get(self, field: str, default: Any = ..., *, required: bool = False) -> Any:
        value = self.data.get(field)
        if value is None or value == "":
            if required or default is ...:
                raise self.error(field, "missing value")
            return default
        return value

    def text(self, field: str, default: Any = ...) -> str:
        return str(self.get(field, default)).strip() if self.get(field, default) is not None else default

    def integer(self, field: str, default: Any = ..., *, lo: int | None = None, hi: int | None = None) -> int:
        value = self.get(field, default)
        try:
            out = int(value) if not isinstance(value, str) else int(parse_decimal(value))
            if isinstance(value, str) and parse_decimal(value) != out:
                raise ValueError
            if isinstance(value, float) and value != out:
                raise ValueError
        except (TypeError, ValueError):
            raise self.error(field, f"not a whole number: {value!r}") from None
        if (lo is not None and out < lo) or (hi is not None and out > hi):
            raise self.error(field, f"must be between {lo} and {hi}, got {out}")
        return out

    def boolean(self, field: str, default: bool) -> bool:
        value = self.get(field, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "oui", "vrai"):
            return True
        if text in ("0", "false", "no", "non", "faux"):
            return False
        raise self.error(field, f"not a yes/no value: {value!r}")

    def day(self, field: str, default: Any = ...) -> date:
        value = self.get(field, default)
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise self.error(field, f"not an ISO date (YYYY-MM-DD): {value!r}") from None

    def dates(self, field: str) -> tuple[date, ...]:
        value = self.get(field, [])
        items = value.split(";") if isinstance(value, str) else value
        out = []
        for v in items:
            try:
                out.append(date.fromisoformat(str(v).strip()))
            except ValueError:
                raise self.error(field, f"not an ISO date (YYYY-MM-DD): {v!r}") from None
        return tuple(out)

    def clock(self, field: str, default: str) -> int:
        value = self.get(field, default)
        try:
            return parse_hhmm(str(value))
        except ValueError as exc:
            raise self.error(field, str(exc)) from None

    def location(self, lat_field: str = "lat", lon_field: str = "lon") -> Location | None:
        lat, lon = self.data.get(lat_field), self.data.get(lon_field)
        if lat in (None, "") and lon in (None, ""):
            return None
        try:
            return Location(parse_decimal(lat), parse_decimal(lon))
        except (TypeError, ValueError) as exc:
            raise self.error(lat_field, f"invalid position ({exc})") from None

    def hours(self, field: str) -> WeeklyHours | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            return WeeklyHours.from_fr_json(text)
        except ValueError as exc:
            raise self.error(field, str(exc)) from None

    def choice(self, field: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.text(field, default)
        if value not in allowed:
            raise self.error(field, f"{value!r} is not one of {', '.join(allowed)}")
        return value


def _weekdays(r: _Reader, field: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = r.get(field, None)
    if value is None:
        return default
    items = value.split(";") if isinstance(value, str) else value
    out = []
    for v in items:
        name = str(v).strip().lower()
        if not name:
            continue
        if name not in WEEKDAYS_FR:
            raise r.error(field, f"unknown weekday {v!r} (expected French names: {', '.join(WEEKDAYS_FR)})")
        out.append(WEEKDAYS_FR.index(name))
    return tuple(out)


def _ranges(r: _Reader, field: str, value) -> tuple[TimeRange, ...]:
    try:
        return tuple(TimeRange(parse_hhmm(a), parse_hhmm(b)) for a, b in value)
    except (TypeError, ValueError) as exc:
        raise r.error(field, f"time ranges must be [[\"HH:MM\", \"HH:MM\"], ...] ({exc})") from None


# --- problem from JSON ------------------------------------------------------------------------------------

def problem_from_dict(data: dict, *, source: str = "problem") -> RotationProblem:
    """Build and validate a problem from its JSON form."""
    top = _Reader(data, source, "problem")
    kind = top.get("kind", "rotation")
    if kind != "rotation":
        raise top.error("kind", f"expected 'rotation', got {kind!r}")
    hd = _Reader(top.get("half_days", {}), source, "half_days")
    am = hd.get("am", ["08:30", "12:30"])
    pm = hd.get("pm", ["13:30", "18:30"])
    try:
        half_days = HalfDays(parse_hhmm(am[0]), parse_hhmm(am[1]), parse_hhmm(pm[0]), parse_hhmm(pm[1]),
                             hd.integer("min_session_minutes", 90, lo=15, hi=600))
    except (TypeError, ValueError, IndexError) as exc:
        raise hd.error("am", f"half-days must be [\"HH:MM\", \"HH:MM\"] ({exc})") from None
    durations = dict(DEFAULT_DURATIONS_MIN)
    dr = _Reader(top.get("durations_minutes", {}), source, "durations_minutes")
    for k in dr.data:
        if k not in DISCIPLINES:
            raise dr.error(k, f"unknown discipline (expected {', '.join(DISCIPLINES)})")
        durations[k] = dr.integer(k, lo=5, hi=240)
    wr = _Reader(top.get("weights", {}), source, "weights")
    weights = Weights(**{k: wr.integer(k, getattr(Weights(), k), lo=0) for k in Weights.__dataclass_fields__})
    units = tuple(_unit(u, source, i) for i, u in enumerate(_list(top, "units")))
    horizon = (max(u.start.toordinal() + u.days for u in units) - min(u.start.toordinal() for u in units)) \
        if units else 0
    premises = tuple(_premises(p, source, i) for i, p in enumerate(_list(top, "premises")))
    communes = tuple(_commune(c, source, i, horizon) for i, c in enumerate(_list(top, "communes")))
    problem = RotationProblem(
        units=units, premises=premises, communes=communes, name=top.text("name", "rotation"),
        reach_min=top.integer("reach_minutes", 20, lo=1, hi=180),
        far_uptake_pct=top.integer("far_uptake_percent", 60, lo=1, hi=100),
        regular_presence=top.boolean("regular_presence", False),
        public_holidays_off=top.boolean("public_holidays_off", True),
        holiday_subdivision=top.text("holiday_subdivision", "") or None,
        coverage_period=top.choice("coverage_period", ("mission", "week"), "mission"),
        half_days=half_days, durations_min=durations, weights=weights, matrix_ref=top.get("matrix", None),
        pins=tuple(_pin(x, source, i) for i, x in enumerate(_list(top, "pins"))))
    return validate(problem, source=source)


def _pin(data: dict, source: str, i: int) -> SessionPin:
    r = _Reader(data, source, f"pins[{i}]")
    return SessionPin(r.text("unit_id"), r.day("day"), r.choice("half", HALVES), str(r.get("premises_id", "") or ""))


def _list(r: _Reader, field: str) -> list:
    value = r.get(field, [])
    if not isinstance(value, list):
        raise r.error(field, "expected a list")
    return value


def _unit(data: dict, source: str, i: int, row: int | None = None) -> Unit:
    r = _Reader(data, source, f"unit {data.get('id', i + 1) if isinstance(data, dict) else i + 1}", row)
    uid = r.text("id")
    base = data.get("base") or {}
    br = _Reader(base if isinstance(base, dict) else {}, source, r.record)
    members = []
    for j, md in enumerate(r.get("members", [])):
        mr = _Reader(md, source, f"{r.record} member {md.get('id', j + 1) if isinstance(md, dict) else j + 1}", row)
        members.append(Member(mr.text("id"), mr.text("name", mr.text("id")), mr.choice("role", ROLES),
                              mr.dates("unavailable"),
                              profile_of(md if isinstance(md, dict) else {}, source=source, row=row,
                                         field=f"units[{i}].members[{j}].work_profile")))
    lodging = []
    for j, ld in enumerate(r.get("lodging", [])):
        lr = _Reader(ld, source, f"{r.record} lodging {j + 1}", row)
        lodging.append(Lodging(lr.text("id"), lr.text("name", lr.text("id")), lr.location()))
    return Unit(
        id=uid, name=r.text("name", uid), members=tuple(members),
        vehicle=r.choice("vehicle", VEHICLES, "car"),
        base_id=br.text("id", f"base:{uid}"), base_name=br.text("name", f"Base {uid}"), base_location=br.location(),
        start=r.day("start"), days=r.integer("days", lo=1, hi=62),
        day_start_min=r.clock("day_start", "08:00"), day_end_min=r.clock("day_end", "19:00"),
        rest_weekdays=_weekdays(r, "rest_weekdays", (5, 6)), rest_dates=r.dates("rest_dates"),
        nights=r.choice("nights", ("base", "away"), "base"), lodging=tuple(lodging),
        max_nights_away=r.integer("max_nights_away", 4, lo=0, hi=31),
        max_driving_min=r.integer("max_driving_minutes", 180, lo=0, hi=24 * 60),
        regular=r.boolean("regular", False), worked_holidays=r.dates("worked_holidays"))


def _premises(data: dict, source: str, i: int, row: int | None = None) -> Premises:
    r = _Reader(data, source, f"premises {data.get('id', i + 1) if isinstance(data, dict) else i + 1}", row)
    dates = []
    for j, dd in enumerate(r.get("dates", [])):
        dr = _Reader(dd, source, r.record, row)
        dates.append(DateHours(dr.day("date"), _ranges(dr, "dates", dd.get("hours", []))))
    equipment = r.get("equipment", [])
    if isinstance(equipment, str):
        equipment = [e.strip() for e in equipment.split(";") if e.strip()]
    insee = r.text("insee")
    if len(insee) != 5:
        raise r.error("insee", f"INSEE code must have 5 characters, got {insee!r}")
    return Premises(r.text("id"), r.text("name", r.text("id")), insee, r.location(), r.text("address", ""),
                    r.integer("rooms", 1, lo=0, hi=50), r.boolean("accessible", True), tuple(equipment),
                    r.hours("hours"), tuple(dates), r.choice("status", PREMISES_STATUS, "approved"))


def _commune(data: dict, source: str, i: int, horizon_days: int, row: int | None = None) -> CommuneNeed:
    r = _Reader(data, source, f"commune {data.get('insee', i + 1) if isinstance(data, dict) else i + 1}", row)
    insee = r.text("insee")
    if len(insee) != 5:
        raise r.error("insee", f"INSEE code must have 5 characters, got {insee!r}")
    population = r.integer("population", lo=0)
    given_priority = r.get("priority_population", None)
    priority = r.integer("priority_population", lo=0) if given_priority is not None \
        else estimate_priority_population(population)
    raw = r.get("demand", None)
    if isinstance(data, dict) and raw is None and any(f"demand_{k}" in data for k in DISCIPLINES):
        raw = {k: data.get(f"demand_{k}") for k in DISCIPLINES if data.get(f"demand_{k}") not in (None, "")}
    if raw is None:
        demand, estimated = estimate_demand(priority, horizon_days), True
    else:
        dr = _Reader(raw, source, r.record, row)
        for k in raw:
            if k not in DISCIPLINES:
                raise dr.error(f"demand.{k}", f"unknown discipline (expected {', '.join(DISCIPLINES)})")
        demand = {k: dr.integer(k, lo=0) for k in raw}
        estimated = False
    loc = r.location("lat", "lon") if "lat" in data else r.location("townhall_lat", "townhall_lon")
    return CommuneNeed(insee, r.text("name", insee), population, loc, r.text("townhall_id", f"mairie:{insee}"),
                       r.hours("townhall_hours"), priority, given_priority is None, demand, estimated)


def validate(problem: RotationProblem, *, source: str = "problem") -> RotationProblem:
    """Whole-problem rules; returns the problem with its warnings (mission length) filled in."""
    warnings = list(problem.warnings)
    if not problem.units:
        raise InputError("no unit: add at least one unit", source=source, field="units")
    seen: set[str] = set()
    units_fixed: dict = {}
    for u in problem.units:
        rec = f"unit {u.id}"
        if u.id in seen:
            raise InputError(f"{rec}: duplicate unit id", source=source, field="id")
        seen.add(u.id)
        if not u.members:
            raise InputError(f"{rec}: a unit needs at least one member", source=source, field="members")
        if len({m.id for m in u.members}) != len(u.members):
            raise InputError(f"{rec}: duplicate member id", source=source, field="members")
        if not MISSION_MIN_DAYS <= u.days <= MISSION_MAX_DAYS:
            warnings.append(f"unit {u.id}: mission of {u.days} days, outside the usual {MISSION_MIN_DAYS}-"
                            f"{MISSION_MAX_DAYS} days (accepted)")
        if u.day_end_min <= u.day_start_min:
            raise InputError(f"{rec}: day_end must be after day_start", source=source, field="day_end")
        rest = crew_profile(u).min_rest_min
        if rest is not None and 24 * 60 - (u.day_end_min - u.day_start_min) < rest:
            end = u.day_start_min + 24 * 60 - rest
            warnings.append(f"unit {u.id}: day ends at {format_hhmm(end)} instead of {format_hhmm(u.day_end_min)} "
                            f"to keep {rest // 60} h of daily rest")
            units_fixed[u.id] = replace(u, day_end_min=end)
        if u.nights == "away" and not u.lodging:
            raise InputError(f"{rec}: nights 'away' needs at least one lodging place", source=source,
                             field="lodging")
    communes = problem.commune_by_insee()
    if len(communes) != len(problem.communes):
        raise InputError("duplicate commune INSEE code", source=source, field="insee")
    ids: set[str] = set()
    for p in problem.premises:
        rec = f"premises {p.id}"
        if p.id in ids:
            raise InputError(f"{rec}: duplicate premises id", source=source, field="id")
        ids.add(p.id)
        if p.insee not in communes:
            raise InputError(f"{rec}: commune {p.insee} is not in the communes list", source=source, field="insee")
        if p.status == "withdrawn":
            continue
        weekly = problem.default_hours(p)
        if (weekly is None or weekly.is_empty) and not any(d.ranges for d in p.dates):
            raise InputError(f"{rec}: no opening hours (give 'hours' or 'dates', or town-hall hours for its "
                             "commune)", source=source, field="hours")
        if p.rooms < 1:
            raise InputError(f"{rec}: needs at least one consulting room", source=source, field="rooms")
    keys: set = set()
    for k, pin in enumerate(problem.pins):
        rec = f"pins[{k}]"
        if pin.unit_id not in seen:
            raise InputError(f"{rec}: unknown unit {pin.unit_id}", source=source, field="pins.unit_id")
        if pin.key in keys:
            raise InputError(f"{rec}: half-day pinned twice", source=source, field="pins")
        keys.add(pin.key)
        if pin.day not in problem.unit(pin.unit_id).dates:
            raise InputError(f"{rec}: {pin.day.isoformat()} outside the mission of unit {pin.unit_id}",
                             source=source, field="pins.day")
        if pin.premises_id and pin.premises_id not in ids:
            raise InputError(f"{rec}: unknown premises {pin.premises_id}", source=source, field="pins.premises_id")
    units = tuple(units_fixed.get(u.id, u) for u in problem.units)
    return replace(problem, units=units, warnings=tuple(dict.fromkeys(warnings)))


def read_problem(path: str | Path) -> RotationProblem:
    """A problem JSON file, or a folder of CSV files (units.csv, members.csv, premises.csv, communes.csv)."""
    path = Path(path)
    if path.is_dir():
        return read_problem_csv(path)
    return problem_from_dict(read_json_file(path), source=str(path))


# --- problem from CSV ------------------------------------------------------------------------------------

UNIT_COLUMNS = Columns(("id", "name", "vehicle", "base_id", "base_name", "base_lat", "base_lon", "start", "days",
                        "day_start", "day_end", "rest_weekdays", "rest_dates", "nights", "lodging",
                        "max_nights_away", "max_driving_minutes", "regular"), required=("id", "start", "days"))
MEMBER_COLUMNS = Columns(("unit_id", "id", "name", "role", "unavailable"), required=("unit_id", "id", "role"))
PREMISES_COLUMNS = Columns(("id", "name", "insee", "lat", "lon", "address", "rooms", "accessible", "equipment",
                            "hours", "status"), required=("id", "insee"))
COMMUNE_COLUMNS = Columns(("insee", "name", "population", "lat", "lon", "townhall_id", "townhall_lat",
                           "townhall_lon", "townhall_hours", "priority_population",
                           *(f"demand_{k}" for k in DISCIPLINES)), required=("insee", "population"))


def _csv_rows(path: Path, columns: Columns, what: str) -> list[tuple[int, dict]]:
    return read_records(path, columns, what=what)


def read_problem_csv(folder: str | Path, **settings) -> RotationProblem:
    """CSV form: units.csv (one row per unit), members.csv (unit_id, id, name, role, unavailable),
    premises.csv, communes.csv; optional settings.json with the top-level JSON keys (reach_minutes...)."""
    folder = Path(folder)
    members: dict[str, list[dict]] = {}
    member_rows = _csv_rows(folder / "members.csv", MEMBER_COLUMNS, "member")
    for row, m in member_rows:
        members.setdefault(m["unit_id"], []).append(m)
    unit_rows = _csv_rows(folder / "units.csv", UNIT_COLUMNS, "unit")
    check_unique(((row, u["id"]) for row, u in unit_rows), source=str(folder / "units.csv"), what="unit id")
    unit_ids = {u["id"] for _, u in unit_rows}
    for row, m in member_rows:
        if m["unit_id"] not in unit_ids:
            raise InputError(f"unit {m['unit_id']!r} is not in units.csv", source=str(folder / "members.csv"),
                             row=row, field="unit_id")
    check_unique(((row, f"{m['unit_id']}/{m['id']}") for row, m in member_rows),
                 source=str(folder / "members.csv"), what="member (unit/id)")
    units = []
    for i, (row, u) in enumerate(unit_rows):
        data = dict(u)
        data["base"] = {"id": u.get("base_id") or f"base:{u['id']}", "name": u.get("base_name", ""),
                        "lat": u.get("base_lat", ""), "lon": u.get("base_lon", "")}
        data["members"] = members.get(u["id"], [])
        data["lodging"] = [{"id": x.split("|")[0], "name": x.split("|")[-1]}
                           for x in (u.get("lodging") or "").split(";") if x.strip()]
        units.append(_unit(data, str(folder / "units.csv"), i, row))
    premises_rows = _csv_rows(folder / "premises.csv", PREMISES_COLUMNS, "premises")
    check_unique(((row, p["id"]) for row, p in premises_rows), source=str(folder / "premises.csv"),
                 what="premises id")
    premises = [_premises(p, str(folder / "premises.csv"), i, row) for i, (row, p) in enumerate(premises_rows)]
    horizon = (max(u.start.toordinal() + u.days for u in units) - min(u.start.toordinal() for u in units)) \
        if units else 0
    commune_rows = _csv_rows(folder / "communes.csv", COMMUNE_COLUMNS, "commune")
    check_unique(((row, c["insee"]) for row, c in commune_rows), source=str(folder / "communes.csv"),
                 what="commune INSEE code", field="insee")
    communes = [_commune(c, str(folder / "communes.csv"), i, horizon, row) for i, (row, c) in enumerate(commune_rows)]
    top = dict(settings)
    sp = folder / "settings.json"
    if sp.exists():
        top = {**read_json_file(sp), **settings}
    return validate(RotationProblem(
        units=tuple(units), premises=tuple(premises), communes=tuple(communes),
        name=str(top.get("name", folder.name)), reach_min=int(top.get("reach_minutes", 20)),
        regular_presence=bool(top.get("regular_presence", False)),
        coverage_period=str(top.get("coverage_period", "mission")), matrix_ref=top.get("matrix")),
        source=str(folder))


# --- problem to JSON -------------------------------------------------------------------------------------

def _loc(loc: Location | None) -> dict:
    return {"lat": loc.lat, "lon": loc.lon} if loc is not None else {}


def _hours_json(h: WeeklyHours | None):
    return json.loads(h.to_fr_json()) if h is not None else None


def problem_to_dict(problem: RotationProblem) -> dict:
    hd = problem.half_days
    out = {
        "kind": "rotation", "name": problem.name, "reach_minutes": problem.reach_min,
        "far_uptake_percent": problem.far_uptake_pct,
        "regular_presence": problem.regular_presence, "coverage_period": problem.coverage_period,
        "public_holidays_off": problem.public_holidays_off,
        **({"holiday_subdivision": problem.holiday_subdivision} if problem.holiday_subdivision else {}),
        "half_days": {"am": [format_hhmm(hd.am_start), format_hhmm(hd.am_end)],
                      "pm": [format_hhmm(hd.pm_start), format_hhmm(hd.pm_end)],
                      "min_session_minutes": hd.min_session_min},
        "durations_minutes": dict(problem.durations_min),
        "weights": {k: getattr(problem.weights, k) for k in Weights.__dataclass_fields__},
        "units": [{
            "id": u.id, "name": u.name, "vehicle": u.vehicle,
            "base": {"id": u.base_id, "name": u.base_name, **_loc(u.base_location)},
            "start": u.start.isoformat(), "days": u.days,
            "day_start": format_hhmm(u.day_start_min), "day_end": format_hhmm(u.day_end_min),
            "rest_weekdays": [WEEKDAYS_FR[d] for d in u.rest_weekdays],
            "rest_dates": [d.isoformat() for d in u.rest_dates],
            "nights": u.nights, "lodging": [{"id": lg.id, "name": lg.name, **_loc(lg.location)} for lg in u.lodging],
            "max_nights_away": u.max_nights_away, "max_driving_minutes": u.max_driving_min, "regular": u.regular,
            "worked_holidays": [d.isoformat() for d in u.worked_holidays],
            "members": [{"id": m.id, "name": m.name, "role": m.role,
                         "unavailable": [d.isoformat() for d in m.unavailable],
                         "work_profile": profile_to_record(m.work_profile)} for m in u.members],
        } for u in problem.units],
        "premises": [{
            "id": p.id, "name": p.name, "insee": p.insee, **_loc(p.location), "address": p.address,
            "rooms": p.rooms, "accessible": p.accessible, "equipment": list(p.equipment),
            **({"hours": _hours_json(p.hours)} if p.hours is not None else {}),
            "dates": [{"date": d.day.isoformat(), "hours": [[format_hhmm(r.start_min), format_hhmm(r.end_min)]
                                                             for r in d.ranges]} for d in p.dates],
            "status": p.status,
        } for p in problem.premises],
        "communes": [{
            "insee": c.insee, "name": c.name, "population": c.population, **_loc(c.location),
            "townhall_id": c.place_id,
            **({"townhall_hours": _hours_json(c.townhall_hours)} if c.townhall_hours is not None else {}),
            "priority_population": c.priority_population, "demand": dict(c.demand),
        } for c in problem.communes],
    }
    if problem.pins:
        out["pins"] = [{"unit_id": x.unit_id, "day": x.day.isoformat(), "half": x.half,
                        "premises_id": x.premises_id} for x in problem.pins]
    if problem.matrix_ref:
        out["matrix"] = problem.matrix_ref
    return out


def write_problem(problem: RotationProblem, path: str | Path) -> None:
    write_json_file(path, problem_to_dict(problem))


# --- solution JSON ---------------------------------------------------------------------------------------

def solution_to_dict(sol: RotationSolution) -> dict:
    """JSON form of a solution (times "HH:MM", seconds, metres, ISO dates)."""
    return {
        "kind": "rotation", "status": sol.status, "solver": sol.solver, "objective": sol.objective,
        "bound": sol.bound, "gap": sol.gap, "solve_seconds": sol.solve_s, "warnings": list(sol.warnings),
        "changes": list(sol.changes), "indicators": dict(sol.indicators), "travel": dict(sol.travel),
        "sessions": [{"unit": s.unit_id, "date": s.day.isoformat(), "half": s.half, "premises": s.premises_id,
                      "start": format_hhmm(s.start_min), "end": format_hhmm(s.end_min), "members": list(s.members),
                      "capacity": dict(s.capacity)} for s in sol.sessions],
        "days": [{"unit": d.unit_id, "date": d.day.isoformat(), "start_place": d.start_place,
                  "night": d.night_place, "rest": d.rest, "driving_seconds": d.driving_s, "metres": d.metres,
                  "legs": [{"from": lg.origin, "to": lg.destination, "depart": format_hhmm(lg.depart_min),
                            "arrive": format_hhmm(lg.arrive_min), "seconds": lg.seconds, "metres": lg.metres}
                           for lg in d.legs]} for d in sol.days],
        "allocations": [{"premises": a.premises_id, "insee": a.insee, "discipline": a.discipline,
                         "consultations": a.consultations} for a in sol.allocations],
        "service": [{"insee": s.insee, "name": s.name, "population": s.population,
                     "priority_population": s.priority_population, "need": s.need, "served": s.served,
                     "capacity_offered": s.capacity_offered, "sessions": s.sessions, "premises": list(s.premises)}
                    for s in sol.service],
        "unserved": [{"insee": u.insee, "name": u.name, "period": u.period, "reason": u.reason}
                     for u in sol.unserved],
    }


def solution_from_dict(data: dict, *, source: str = "solution") -> RotationSolution:
    r = _Reader(data, source, "solution")
    if data.get("kind", "rotation") != "rotation":
        raise r.error("kind", f"not a rotation solution (kind {data.get('kind')!r})")
    try:
        sessions = tuple(Session(s["unit"], date.fromisoformat(s["date"]), s["half"], s["premises"],
                                 parse_hhmm(s["start"]), parse_hhmm(s["end"]), tuple(s.get("members", ())),
                                 {k: int(v) for k, v in s.get("capacity", {}).items()})
                         for s in data.get("sessions", []))
        days = tuple(DayPlan(d["unit"], date.fromisoformat(d["date"]), d["start_place"], d["night"],
                             tuple(Leg(lg["from"], lg["to"], parse_hhmm(lg["depart"]), parse_hhmm(lg["arrive"]),
                                       int(lg["seconds"]), int(lg["metres"])) for lg in d.get("legs", [])),
                             bool(d.get("rest", False)))
                     for d in data.get("days", []))
        allocations = tuple(Allocation(a["premises"], a["insee"], a["discipline"], int(a["consultations"]))
                            for a in data.get("allocations", []))
        service = tuple(CommuneService(s["insee"], s["name"], int(s["population"]), int(s["priority_population"]),
                                       dict(s["need"]), dict(s["served"]), dict(s["capacity_offered"]),
                                       int(s["sessions"]), tuple(s["premises"])) for s in data.get("service", []))
        unserved = tuple(UnservedCommune(u["insee"], u["name"], u.get("period", "mission"), u["reason"])
                         for u in data.get("unserved", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise r.error(str(exc.args[0]) if exc.args else "?", f"malformed solution ({exc!r})") from None
    return RotationSolution(sessions, days, allocations, service, unserved, dict(data.get("indicators", {})),
                            status=data.get("status", ""), objective=data.get("objective"),
                            bound=data.get("bound"), gap=data.get("gap"), solve_s=data.get("solve_seconds", 0.0),
                            solver=data.get("solver", ""), warnings=tuple(data.get("warnings", ())),
                            changes=tuple(data.get("changes", ())), travel=dict(data.get("travel") or {}))


def write_solution(sol: RotationSolution, path: str | Path) -> None:
    write_json_file(path, solution_to_dict(sol))


def read_solution(path: str | Path) -> RotationSolution:
    return solution_from_dict(read_json_file(path), source=str(path))


# --- solution CSVs ---------------------------------------------------------------------------------------

def write_solution_csvs(problem: RotationProblem, sol: RotationSolution, folder: str | Path) -> None:
    """calendar.csv (unit x day x half-day), itineraries.csv (legs), coverage.csv (per commune)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prem = problem.premises_by_id()
    with (folder / "calendar.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "date", "half", "activity", "premises", "premises_name", "insee", "start", "end",
                    "members", "night"])
        for u in problem.units:
            for d in u.dates:
                plan = sol.day_plan(u.id, d)
                for h in ("am", "pm"):
                    s = sol.session_at(u.id, d, h)
                    if s is not None:
                        p = prem.get(s.premises_id)
                        w.writerow([u.id, d.isoformat(), HALF_FR[h], "consultation", s.premises_id,
                                    p.name if p else "", p.insee if p else "", format_hhmm(s.start_min),
                                    format_hhmm(s.end_min), " ".join(s.members), plan.night_place if plan else ""])
                    else:
                        act = "repos" if u.is_rest(d) else ("trajet" if plan and plan.legs else "libre")
                        w.writerow([u.id, d.isoformat(), HALF_FR[h], act, "", "", "", "", "", "",
                                    plan.night_place if plan else ""])
    with (folder / "itineraries.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "date", "leg", "from", "to", "depart", "arrive", "minutes", "km", "night"])
        for d in sol.days:
            for k, lg in enumerate(d.legs, start=1):
                w.writerow([d.unit_id, d.day.isoformat(), k, lg.origin, lg.destination, format_hhmm(lg.depart_min),
                            format_hhmm(lg.arrive_min), round(lg.seconds / 60, 1), round(lg.metres / 1000, 2),
                            d.night_place])
    with (folder / "coverage.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["insee", "name", "population", "priority_population", "sessions_within_reach", "premises",
                    "need", "served", "capacity_offered", "share_served", "unserved_reason"])
        reasons = {}
        for un in sol.unserved:
            reasons.setdefault(un.insee, []).append(f"{un.period}: {un.reason}")
        for s in sol.service:
            w.writerow([s.insee, s.name, s.population, s.priority_population, s.sessions, " ".join(s.premises),
                        sum(s.need.values()), sum(s.served.values()), sum(s.capacity_offered.values()),
                        round(s.share, 3), " | ".join(reasons.get(s.insee, []))])
