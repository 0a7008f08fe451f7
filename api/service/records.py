"""A territory's rows as the planner's documented records, validated by the planner itself.

Rows -> record dicts (docs/home_visits_format.md, docs/rotation_format.md) -> the planner's own
`problem_from_dict`. Each row keeps in columns what the service queries or shows (code, name, role,
position, commune, the usual visit rhythm) and in one JSON column, `options`, every other key of its
documented record (windows, joint visits, durations, weekday hours, absences, nights away...), named as
the format names them. The same mapping serves the API, the pages, the imports and the planning jobs, so
the service cannot drift from what `planner plan` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.core.errors import InputError, InputErrors
from planner.core.tables import Columns
from planner.core.worktime import PROFILE_KEYS, holiday_subdivision

from api.service.db.models import Commune, Patient, Premises, Staff, Territory, Unit

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = "08:30-17:30"  # a staff member created without weekday hours works Monday to Friday
DEFAULT_STAFF_OPTIONS = {k: DEFAULT_HOURS for k in WEEKDAY_KEYS[:5]}

# service column -> key of the planner's record (the rest of a record lives in `options`)
PATIENT_COLUMNS = {"code": "id", "name": "name", "address": "address", "lat": "lat", "lon": "lon",
                   "frequency_days": "frequency_days", "tolerance_days": "tolerance_days",
                   "last_visit": "last_visit", "last_role": "last_role", "preferred_doctor": "preferred_doctor",
                   "preferred_nurse": "preferred_nurse", "ald": "ald", "no_regular_doctor": "no_regular_doctor",
                   "palliative": "palliative"}
STAFF_COLUMNS = {"code": "id", "name": "name", "role": "role", "base_name": "start_address", "base_lat": "start_lat",
                 "base_lon": "start_lon", "phone": "phone", "work_profile": "work_profile"}
UNIT_COLUMNS = {"code": "id", "name": "name", "vehicle": "vehicle"}  # roles, base, work_profile: built below
PREMISES_COLUMNS = {"code": "id", "insee": "insee", "name": "name", "address": "address", "lat": "lat",
                    "lon": "lon", "rooms": "rooms", "accessible": "accessible"}  # equipment, days+hours: below


def _home_visit_fields() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from planner.home_visits.io import PATIENT_FIELDS, STAFF_FIELDS

    return PATIENT_FIELDS, STAFF_FIELDS


def _options_of(fields: Iterable[str], columns: dict[str, str]) -> tuple[str, ...]:
    return tuple(k for k in fields if k not in columns.values())


PATIENT_OPTIONS = _options_of(_home_visit_fields()[0], PATIENT_COLUMNS)
STAFF_OPTIONS = _options_of(_home_visit_fields()[1], STAFF_COLUMNS)
UNIT_OPTIONS = ("day_start", "day_end", "rest_weekdays", "rest_dates", "nights", "lodging", "max_nights_away",
                "max_driving_minutes", "regular", "worked_holidays", "members")
PREMISES_OPTIONS = ("hours", "dates")  # `hours` (data-france JSON) replaces the simple days + hours columns
OPTIONS = {"patients": PATIENT_OPTIONS, "staff": STAFF_OPTIONS, "units": UNIT_OPTIONS, "premises": PREMISES_OPTIONS}
COLUMNS = {"patients": PATIENT_COLUMNS, "staff": STAFF_COLUMNS, "units": UNIT_COLUMNS, "premises": PREMISES_COLUMNS}


@dataclass(frozen=True)
class RecordError:
    """A value the planner refuses: the field as the service names it, the row (spreadsheet row in an
    import, else the record's code) and the planner's reason."""

    field: str
    row: int | str | None
    reason: str

    def detail(self) -> dict:
        return {"loc": ["body", *self.field.split(".")], "field": self.field, "row": self.row, "msg": self.reason}


class RecordsRefused(Exception):
    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.row} {e.field}: {e.reason}" for e in errors))


def _field_name(kind: str, record_key: str | None) -> str:
    """The service's name of a record key: its column, or `options.<key>`."""
    if not record_key:
        return "options"
    key = record_key.split(".")[-1].split("[")[0]
    for col, rk in COLUMNS[kind].items():
        if rk == key:
            return col
    return f"options.{key}"  # an option, or a key inside one (a dated opening's `date`, a member's `role`)


# --- options: the record keys beyond the columns -----------------------------------------------------------

def normalise_options(kind: str, options: dict | None) -> dict:
    """Options keyed as the format names them (French aliases accepted: `lundi` = `mon`, `binome` = `joint`);
    RecordsRefused naming an unknown key or a key a column holds."""
    if not options:
        return {}
    if not isinstance(options, dict):
        raise RecordsRefused([RecordError("options", None, "un objet {clé: valeur} est attendu")])
    allowed = OPTIONS[kind] + (tuple(PROFILE_KEYS) if kind == "units" else ())
    names, issues = Columns(allowed).resolve(list(options))
    errors = []
    for issue, key in ((i, i.column) for i in issues if i.kind in ("unknown", "duplicate")):
        held = next((c for c, rk in COLUMNS[kind].items() if rk == key or c == key), None)
        reason = (f"« {key} » est un champ de la fiche : modifiez-le directement ({held})" if held else
                  issue.french().replace("colonne", "clé"))
        errors.append(RecordError(f"options.{key}", None, reason))
    if errors:
        raise RecordsRefused(errors)
    return {n: v for n, v in zip(names, options.values()) if n is not None}


def merge_options(old: dict | None, changes: dict) -> dict:
    """PATCH semantics: keys given replace the old ones; a null or empty value removes the key."""
    out = dict(old or {})
    for k, v in changes.items():
        if v is None or v == "":
            out.pop(k, None)
        else:
            out[k] = v
    return out


# --- rows -> records ---------------------------------------------------------------------------------------

def _value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def patient_record(p: Patient) -> dict:
    rec = {rk: _value(getattr(p, col)) for col, rk in PATIENT_COLUMNS.items()}
    rec = {k: v for k, v in rec.items() if v not in (None, "")}
    if rec.get("last_role") and not rec.get("last_visit"):
        rec.pop("last_role")  # a role without its date says nothing about the next visit
    return {**rec, **(p.options or {})}


def staff_record(s: Staff) -> dict:
    rec = {rk: getattr(s, col) for col, rk in STAFF_COLUMNS.items()}
    return {**{k: v for k, v in rec.items() if v not in (None, "")}, **(s.options or {})}


def unit_record(u: Unit) -> dict:
    """A unit without its mission dates (`start`, `days`: they come with the planning request)."""
    opts = dict(u.options or {})
    members = opts.pop("members", None) or [{"id": f"{u.code}-{r}-{k}", "name": f"{r} ({u.name})", "role": r}
                                            for k, r in enumerate(u.roles or [])]
    profile = {k: opts.pop(k) for k in list(opts) if k in PROFILE_KEYS}
    members = [{"work_profile": u.work_profile, **profile, **m} for m in members]
    return {"id": u.code, "name": u.name, "vehicle": u.vehicle,
            "base": {"id": f"base:{u.code}", "name": u.base_name, "lat": u.base_lat, "lon": u.base_lon},
            "members": members, **opts}


def premises_record(p: Premises) -> dict:
    opts = dict(p.options or {})
    rec = {rk: getattr(p, col) for col, rk in PREMISES_COLUMNS.items()}
    rec["equipment"] = [x.strip() for x in (p.equipment or "").split(",") if x.strip()]
    if "hours" not in opts and p.days and p.hours:
        a, b = p.hours.split("-")
        rec["hours"] = [[d, d, [[a, b]]] for d in p.days]
    rec["status"] = "approved" if p.status == "approved" else p.status
    return {**rec, **opts}


def commune_record(c: Commune) -> dict:
    rec = {"insee": c.insee, "name": c.name, "population": c.population, "townhall_id": f"mairie:{c.insee}"}
    if c.lat is not None and c.lon is not None:
        rec.update(lat=c.lat, lon=c.lon)
    if c.townhall_hours:
        rec["townhall_hours"] = c.townhall_hours
    return rec


def snapshot(db: Session, territory_id: int) -> dict:
    """A territory's records for a planning job (the job never touches the database while solving)."""
    def rows(model, *where):
        return list(db.scalars(select(model).where(model.territory_id == territory_id, *where).order_by(model.id)))

    t = db.get(Territory, territory_id)
    communes = rows(Commune)
    return {
        "territory": {"id": t.id, "code": t.code, "name": t.name},
        "holiday_subdivision": holiday_subdivision(c.insee for c in communes),
        "communes": [commune_record(c) for c in communes],
        "patients": [patient_record(p) for p in rows(Patient)],
        "staff": [staff_record(s) for s in rows(Staff)],
        "units": [unit_record(u) for u in rows(Unit)],
        "premises": [premises_record(p) for p in rows(Premises, Premises.status == "approved")],
    }


# --- records -> the planner's problem JSON -----------------------------------------------------------------

def _last_visit_before(record: dict, start: date) -> dict:
    """The patient's last visit (set by the visits ticked done on the phone, api.service.routers.ticks) as the
    planner needs it: before the horizon. A visit ticked on the start day itself counts as the day before."""
    last = record.get("last_visit")
    if not last or date.fromisoformat(str(last)) < start:
        return record
    return {**record, "last_visit": (start - timedelta(days=1)).isoformat()}


def home_visit_problem_dict(snapshot: dict, params: dict) -> dict:
    """The documented home-visit problem JSON of the territory for a request {start, days, title}."""
    start = date.fromisoformat(params["start"])
    return {"kind": "home_visits",
            "name": params.get("title") or f"Visites à domicile — {snapshot['territory']['name']}",
            "horizon": {"start": params["start"], "days": int(params["days"]),
                        "holiday_subdivision": snapshot.get("holiday_subdivision")},
            "patients": [_last_visit_before(p, start) for p in snapshot["patients"]], "staff": snapshot["staff"]}


def rotation_problem_dict(snapshot: dict, params: dict) -> dict:
    """The documented rotation problem JSON: units on a mission from `start` for `days`, the approved
    premises, the communes with a town-hall position."""
    units = [{**u, "start": params["start"], "days": int(params["days"])} for u in snapshot["units"]]
    return {"kind": "rotation", "name": params.get("title") or f"Rotation — {snapshot['territory']['name']}",
            "holiday_subdivision": snapshot.get("holiday_subdivision"), "units": units,
            "premises": snapshot["premises"], "communes": [c for c in snapshot["communes"] if "lat" in c]}


def _code_of(exc: InputError) -> str | None:
    """The code of the record an error of the planner names ("patient P1: ..." or record "patient:P1")."""
    if exc.record and ":" in exc.record:
        return exc.record.split(":", 1)[1]
    head = exc.message.split(":", 1)[0].split()
    return head[1] if len(head) == 2 and head[0] in ("patient", "staff", "unit", "premises", "commune") else None


def _kind_of(exc: InputError, default: str) -> str:
    word = exc.message.split(" ", 1)[0]
    return {"patient": "patients", "staff": "staff", "unit": "units", "premises": "premises"}.get(word, default)


def home_visit_problem(snapshot: dict, params: dict):
    """The typed problem, validated by the planner; an InputError naming the service's field and, as its row,
    the code of the record it refuses."""
    from planner.home_visits.io import problem_from_dict

    if not snapshot["staff"]:
        raise InputError("aucun soignant dans le territoire : ajoutez ou importez le personnel", field="staff")
    if not snapshot["patients"]:
        raise InputError("aucun patient dans le territoire : ajoutez ou importez les patients", field="patients")
    try:
        return problem_from_dict(home_visit_problem_dict(snapshot, params))
    except InputError as exc:
        raise InputError(exc.message, field=_field_name(_kind_of(exc, "patients"), exc.field), row=_code_of(exc),
                         record=exc.record) from None


def rotation_problem(snapshot: dict, params: dict):
    from planner.rotations.io import problem_from_dict

    if not snapshot["units"]:
        raise InputError("aucune unité mobile dans le territoire", field="units")
    if not snapshot["premises"]:
        raise InputError("aucun local retenu : approuvez au moins une proposition", field="premises")
    try:
        return problem_from_dict(rotation_problem_dict(snapshot, params), source="territoire")
    except InputError as exc:
        raise InputError(exc.message, field=_field_name(_kind_of(exc, "units"), exc.field), row=_code_of(exc)) from None


# --- one record at a time (API writes, imports) -------------------------------------------------------------

def _collect(parse: Callable[[dict], Any], record: dict, required: Iterable[str]) -> list[InputError]:
    """Every error of one record: parse, drop the refused key, parse again (at most once per key)."""
    rec, errors, required = dict(record), [], set(required)
    for _ in range(len(record) + 1):
        try:
            parse(rec)
            return errors
        except InputErrors as many:
            errors += many.errors
            return errors
        except InputError as exc:
            errors.append(exc)
            key = (exc.field or "").split(".")[-1]
            if key not in rec or key in required:
                return errors
            rec.pop(key)
    return errors


def check_patient(record: dict, *, row: int | str | None = None) -> list[RecordError]:
    from planner.home_visits.io import patient_from_record

    errs = _collect(lambda r: patient_from_record(r), record, ("id", "lat", "lon"))
    return [RecordError(_field_name("patients", e.field), row if row is not None else record.get("id"), e.message)
            for e in errs]


def check_staff(record: dict, *, row: int | str | None = None) -> list[RecordError]:
    from planner.home_visits.io import staff_from_record

    errs = _collect(lambda r: staff_from_record(r), record, ("id", "role", "start_lat", "start_lon"))
    return [RecordError(_field_name("staff", e.field), row if row is not None else record.get("id"), e.message)
            for e in errs]


_MISSION = {"start": "2026-01-05", "days": 5}  # any mission: a unit record is checked without its dates


def check_unit(record: dict, *, row: int | str | None = None) -> list[RecordError]:
    from planner.rotations.io import _unit, validate
    from planner.rotations.model import RotationProblem

    try:  # the unit's own rules of the whole-problem validation too (nights away need a lodging...)
        validate(RotationProblem(units=(_unit({**record, **_MISSION}, "unité", 0),), premises=(), communes=()))
    except InputError as exc:
        return [RecordError(_field_name("units", exc.field), row if row is not None else record.get("id"),
                            exc.message)]
    return []


def check_premises(record: dict, *, row: int | str | None = None) -> list[RecordError]:
    from planner.rotations.io import _premises

    try:
        _premises(record, "local", 0)
    except InputError as exc:
        return [RecordError(_field_name("premises", exc.field), row if row is not None else record.get("id"),
                            exc.message)]
    return []


CHECKS = {"patients": (patient_record, check_patient), "staff": (staff_record, check_staff),
          "units": (unit_record, check_unit), "premises": (premises_record, check_premises)}


def check_row(kind: str, row: Any, *, at: int | str | None = None) -> list[RecordError]:
    """What the planner refuses in a row as it would be stored (call before committing)."""
    to_record, check = CHECKS[kind]
    return check(to_record(row), row=at if at is not None else row.code)
