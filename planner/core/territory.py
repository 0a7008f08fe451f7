"""Communes of a territory: INSEE code, population, town hall and its opening hours."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from planner.core.errors import InputError, InputErrors
from planner.core.geo import Location
from planner.core.hours import WeeklyHours

COMMUNE_COLUMNS = ("insee", "name", "departement", "population", "townhall_lat", "townhall_lon",
                   "townhall_address", "townhall_hours")


@dataclass(frozen=True, slots=True)
class Commune:
    """A French commune as the planner sees it (facts from INSEE and the public administration directory)."""

    insee: str
    name: str
    departement: str
    population: int
    townhall: Location | None
    townhall_address: str
    townhall_hours: WeeklyHours


def read_communes(path: str | Path) -> list[Commune]:
    """Read a communes CSV (columns COMMUNE_COLUMNS, as in communes_fr.csv); all bad rows are reported."""
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot open ({exc.strerror})", source=str(path)) from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COMMUNE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"missing column(s): {', '.join(missing)}", source=str(path), field=missing[0])
        communes, errors = [], []
        for rowno, row in enumerate(reader, start=2):
            try:
                communes.append(_commune_from_row(row, str(path), rowno))
            except InputError as exc:
                errors.append(exc)
    if errors:
        raise InputErrors(errors)
    return communes


def _commune_from_row(row: dict[str, str], source: str, rowno: int) -> Commune:
    def bad(field: str, message: str) -> InputError:
        return InputError(message, source=source, row=rowno, field=field)

    insee = (row["insee"] or "").strip()
    if len(insee) != 5:
        raise bad("insee", f"INSEE code must have 5 characters, got {insee!r}")
    try:
        population = int(row["population"] or 0)
    except ValueError:
        raise bad("population", f"not a whole number: {row['population']!r}") from None
    townhall = None
    lat_text, lon_text = (row["townhall_lat"] or "").strip(), (row["townhall_lon"] or "").strip()
    if lat_text or lon_text:
        try:
            townhall = Location(float(lat_text), float(lon_text))
        except ValueError as exc:
            raise bad("townhall_lat", f"invalid town-hall position ({exc})") from None
    try:
        hours = WeeklyHours.from_fr_json(row["townhall_hours"] or "")
    except ValueError as exc:
        raise bad("townhall_hours", str(exc)) from None
    return Commune(insee, row["name"].strip(), (row["departement"] or "").strip(), population, townhall,
                   (row["townhall_address"] or "").strip(), hours)
