"""Imports of patients, staff and premises from CSV or XLSX: the CLI's columns (patients.csv, staff.csv of
docs/home_visits_format.md, premises.csv of docs/rotation_format.md, read by planner/core/tables.py), every row
validated by the service and by the planner, every bad row reported with its column and reason, and nothing
written unless the whole file is valid (one transaction)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.core.errors import InputError
from planner.core.tables import Columns, parse_decimal, read_csv_bytes

from api.service.db.models import Commune, Patient, Premises, Staff
from api.service.opening_hours import derive_columns
from api.service.validation_fr import french_message
from api.service.records import COLUMNS, RecordsRefused, check_row, normalise_options
from api.service.routers.common import commune_problem
from api.service.routers.schemas import PatientIn, PremisesIn, StaffIn


class PremisesRow(PremisesIn):
    code: str


def _columns() -> dict[str, Columns]:
    """The CLI's columns (planner.home_visits.io, planner.rotations.io), plus the commune of a patient
    (`insee`, optional: else the commune whose town hall is nearest)."""
    from planner.home_visits.io import PATIENT_COLUMNS, STAFF_COLUMNS
    from planner.rotations.io import PREMISES_COLUMNS

    return {"patients": Columns(PATIENT_COLUMNS.known + ("insee",), required=PATIENT_COLUMNS.required),
            "staff": STAFF_COLUMNS, "premises": PREMISES_COLUMNS}


KINDS: dict[str, tuple[type[BaseModel], type]] = {"patients": (PatientIn, Patient), "staff": (StaffIn, Staff),
                                                  "premises": (PremisesRow, Premises)}
SERVICE_ONLY = {"patients": {"insee": "insee"}, "staff": {}, "premises": {"equipment": "equipment"}}
PREMISES_STATUS = ("proposed", "approved", "withdrawn")
TRUE, FALSE = {"1", "true", "vrai", "oui", "yes", "o", "x"}, {"0", "false", "faux", "non", "no", "n", ""}


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row: the header is row 1
    field: str
    reason: str


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """A table of strings from CSV (`;`, `,` or tab; UTF-8, Windows-1252 or Latin-1) or XLSX content."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            return pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl").fillna("")
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file to fix
            raise ValueError(f"classeur XLSX illisible ({type(exc).__name__})") from None
    if name.endswith(".csv") or name.endswith(".txt"):
        try:  # the planner's one CSV reader: encodings, separators, blank rows (planner/core/tables.py)
            table = read_csv_bytes(content)
        except InputError as exc:
            raise ValueError(exc.message) from None
        width = len(table.header)
        for row, cells in table.rows:
            if any(c.strip() for c in cells[width:]):
                raise ValueError(f"ligne {row} : {len(cells)} valeurs pour {width} colonnes "
                                 "(un séparateur dans une valeur ? mettez-la entre guillemets)")
        cols = [h if h else f"colonne {i}" for i, h in enumerate(table.header, start=1)]
        df = pd.DataFrame([list(c[:width]) + [""] * (width - len(c)) for _, c in table.rows], columns=cols,
                          dtype=str)
        df.attrs["rows"] = [row for row, _ in table.rows]  # spreadsheet row numbers (blank rows skipped)
        return df
    raise ValueError("format non reconnu : envoyez un fichier .csv ou .xlsx")


def _cell(field: str, value: str, schema: type[BaseModel]):
    v = value.strip()
    annotation = str(schema.model_fields[field].annotation)
    if "float" in annotation and v:
        try:
            return parse_decimal(v)  # French decimal comma: 48,56
        except ValueError:
            return v  # pydantic names the field and the reason
    if "bool" in annotation:
        if v.lower() in TRUE:
            return True
        if v.lower() in FALSE:
            return False
        return v  # pydantic names the field and the reason
    if field in ("role", "last_role") and v:
        from planner.home_visits.model import ROLE_ALIASES
        return v.lower() if v.lower() == "ipa" else ROLE_ALIASES.get(v.lower(), v)
    return v


def _nearest_commune(communes: list[Commune], lat, lon) -> str | None:
    from planner.core.geo import haversine_m

    try:
        la, lo = parse_decimal(lat), parse_decimal(lon)
    except (TypeError, ValueError):
        return None
    placed = [c for c in communes if c.lat is not None and c.lon is not None]
    return min(placed, key=lambda c: haversine_m(c.lat, c.lon, la, lo)).insee if placed else None


def to_row(kind: str, record: dict[str, str], communes: list[Commune]) -> tuple[dict, dict]:
    """A CLI record (columns as planner.core.tables names them) -> (service columns, planner options)."""
    columns = {**COLUMNS[kind], **SERVICE_ONLY[kind]}
    by_key = {rk: col for col, rk in columns.items()}
    row, options = {}, {}
    for key, value in record.items():
        if str(value).strip() == "":
            continue
        if key in by_key:
            row[by_key[key]] = value
        elif kind == "premises" and key == "status":
            continue  # read by validate_rows
        else:
            options[key] = value
    if "name" not in row and "code" in row:
        row["name"] = row["code"]  # as the CLI: the name defaults to the id
    if kind == "patients" and "insee" not in row:
        insee = _nearest_commune(communes, record.get("lat"), record.get("lon"))
        if insee:
            row["insee"] = insee
    if kind == "premises" and "equipment" in row:
        row["equipment"] = ", ".join(x.strip() for x in str(row["equipment"]).replace(";", ",").split(",")
                                     if x.strip())
    return row, options


def validate_rows(df: pd.DataFrame, kind: str, existing_codes: set[str],
                  communes: list[Commune]) -> tuple[list[dict], list[RowError]]:
    """Typed rows and the list of every problem (unknown column, bad value, duplicate code, foreign commune,
    and whatever the planner refuses in the record), each named by its row and its column as written."""
    schema = KINDS[kind][0]
    numbers = df.attrs.get("rows") or list(range(2, len(df) + 2))
    columns = _columns()[kind]

    def untitled(c) -> bool:
        return str(c).startswith(("colonne ", "Unnamed:"))

    blank = {i for i, c in enumerate(df.columns, start=1) if untitled(c)
             and df.iloc[:, i - 1].astype(str).str.strip().ne("").any()}
    header = ["" if untitled(c) else str(c) for c in df.columns]
    names, issues = columns.resolve(header, blank)
    errors = [RowError(1, i.column or f"colonne {i.position}", i.french()) for i in issues]
    if errors:
        return [], errors
    if df.empty:
        return [], [RowError(2, "", "aucune ligne de données : le fichier n'a que son en-tête")]
    written = {n: h for n, h in zip(names, header) if n is not None}  # record key -> header as written
    service = {**COLUMNS[kind], **SERVICE_ONLY[kind]}

    def column_of(field: str) -> str:
        key = field.split(".", 1)[1] if field.startswith("options.") else service.get(field, field)
        return written.get(key, field)

    df = df.loc[:, [n is not None for n in names]]
    df.columns = [n for n in names if n is not None]
    commune_codes = {c.insee for c in communes}
    rows, seen = [], {}
    for i, rec in zip(numbers, df.to_dict("records")):
        row, options = to_row(kind, {k: str(v) for k, v in rec.items()}, communes)
        data = {k: _cell(k, str(v), schema) if k in schema.model_fields and isinstance(v, str) else v
                for k, v in row.items()}
        if kind == "premises" and "code" not in data:
            data["code"] = ""
        try:
            # A spreadsheet cell is text ("14", "48.5"): converted to the field types (lax), unlike JSON bodies.
            item = schema.model_validate({**data, "options": options or None}, strict=False)
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"]) or "?"
                errors.append(RowError(i, column_of(field), french_message(e)))
            continue
        code = getattr(item, "code", None)
        if code in existing_codes:
            errors.append(RowError(i, column_of("code"), f"le code {code!r} existe déjà"))
        elif code in seen:
            errors.append(RowError(i, column_of("code"), f"le code {code!r} est déjà à la ligne {seen[code]}"))
        else:
            seen[code] = i
        insee = getattr(item, "insee", None)
        if insee is not None and insee not in commune_codes:
            errors.append(RowError(i, column_of("insee"), f"commune {insee} hors du territoire"))
        values = item.model_dump(exclude={"options"})
        if kind == "premises":
            status = str(rec.get("status") or "approved").strip()
            if status not in PREMISES_STATUS:
                errors.append(RowError(i, column_of("status"), f"statut {status!r} inconnu "
                                                               f"({', '.join(PREMISES_STATUS)})"))
            values["status"] = status
        try:
            probe = KINDS[kind][1](**values, options=normalise_options(kind, options))
        except RecordsRefused as exc:
            errors += [RowError(i, column_of(e.field), e.reason) for e in exc.errors]
            continue
        if kind == "premises":  # stated hours: the one source of the days (api.service.opening_hours)
            refused = derive_columns(probe, {k: values[k] for k in ("days", "hours") if k in row})
            if refused:
                errors += [RowError(i, column_of(e["field"]), e["msg"]) for e in refused]
                continue
            values.update(days=probe.days, hours=probe.hours)
        errors += [RowError(i, column_of(e.field), e.reason) for e in check_row(kind, probe, at=i)]
        rows.append({**values, "options": probe.options})
    return rows, errors


def import_rows(db: Session, territory_id: int, kind: str, df: pd.DataFrame, *, user_id: int | None) -> tuple[int, list[RowError]]:
    """Validate and insert all rows in one transaction; on any error nothing is written."""
    model = KINDS[kind][1]
    existing = set(db.scalars(select(model.code).where(model.territory_id == territory_id)))
    communes = list(db.scalars(select(Commune).where(Commune.territory_id == territory_id)))
    rows, errors = validate_rows(df, kind, existing, communes)
    if kind == "premises":
        for i, r in zip(df.attrs.get("rows") or range(2, len(rows) + 2), rows):
            if r.get("insee") is None:
                errors.append(RowError(i, "insee", "champ requis"))
    if not errors and kind in ("patients", "premises"):
        by_insee = {c.insee: c for c in db.scalars(select(Commune).where(Commune.territory_id == territory_id))}
        for i, r in zip(df.attrs.get("rows") or range(2, len(rows) + 2), rows):
            problem = commune_problem(by_insee.get(r.get("insee")), r.get("insee"), r["lat"], r["lon"])
            if problem:
                errors.append(RowError(i, *problem))
    if errors:
        return 0, errors
    try:
        for r in rows:
            extra = {"proposed_by": user_id} if kind == "premises" else {}
            db.add(model(territory_id=territory_id, **r, **extra))
        db.commit()
    except Exception:
        db.rollback()
        raise
    return len(rows), []
