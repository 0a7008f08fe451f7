"""Imports of patients, staff and premises from CSV or XLSX: every row validated, every bad row reported
with its field and reason, and nothing written unless the whole file is valid (one transaction)."""

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
from api.service.routers.common import commune_problem
from api.service.routers.schemas import PatientIn, PremisesIn, StaffIn


class PremisesRow(PremisesIn):
    code: str


KINDS: dict[str, tuple[type[BaseModel], type]] = {"patients": (PatientIn, Patient), "staff": (StaffIn, Staff),
                                                  "premises": (PremisesRow, Premises)}
LIST_FIELDS = {"days", "roles", "work_days"}
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
    if field in LIST_FIELDS:
        return [x.strip() for x in v.replace(",", ";").split(";") if x.strip()]
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
    return v


def validate_rows(df: pd.DataFrame, kind: str, existing_codes: set[str], communes: set[str]) -> tuple[list[dict], list[RowError]]:
    """Typed rows and the list of every problem (unknown column, bad value, duplicate code, foreign commune)."""
    schema = KINDS[kind][0]
    numbers = df.attrs.get("rows") or list(range(2, len(df) + 2))
    required = [n for n, f in schema.model_fields.items() if f.is_required()]
    columns = Columns(tuple(schema.model_fields), required=tuple(required))
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
    df = df.loc[:, [n is not None for n in names]]
    df.columns = [n for n in names if n is not None]
    rows, seen = [], {}
    for i, rec in zip(numbers, df.to_dict("records")):
        data = {k: _cell(k, str(v), schema) for k, v in rec.items() if str(v).strip() != "" or k in required}
        try:
            item = schema.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"]) or "?"
                errors.append(RowError(i, field, e["msg"]))
            continue
        code = getattr(item, "code", None)
        if code in existing_codes:
            errors.append(RowError(i, "code", f"le code {code!r} existe déjà"))
        elif code in seen:
            errors.append(RowError(i, "code", f"le code {code!r} est déjà à la ligne {seen[code]}"))
        else:
            seen[code] = i
        insee = getattr(item, "insee", None)
        if insee is not None and insee not in communes:
            errors.append(RowError(i, "insee", f"commune {insee} hors du territoire"))
        rows.append(item.model_dump())
    return rows, errors


def import_rows(db: Session, territory_id: int, kind: str, df: pd.DataFrame, *, user_id: int | None) -> tuple[int, list[RowError]]:
    """Validate and insert all rows in one transaction; on any error nothing is written."""
    model = KINDS[kind][1]
    existing = set(db.scalars(select(model.code).where(model.territory_id == territory_id)))
    communes = set(db.scalars(select(Commune.insee).where(Commune.territory_id == territory_id)))
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
            extra = {"status": "approved", "proposed_by": user_id} if kind == "premises" else {}
            db.add(model(territory_id=territory_id, **r, **extra))
        db.commit()
    except Exception:
        db.rollback()
        raise
    return len(rows), []
