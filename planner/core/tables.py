"""The one reader of tabular input (CSV as a planner's spreadsheet writes it), shared by the CLI readers
(`planner.home_visits.io`, `planner.rotations.io`) and the service's import (`api.service.imports`).

- Text: UTF-8 with or without BOM, UTF-16 with BOM ("Texte Unicode" from Excel), else Windows-1252 (the
  "CSV (séparateur : point-virgule)" of French Excel) or Latin-1; anything that is not text (a workbook
  renamed .csv, a binary file) is refused with the fix in French.
- Separator: `;`, `,` or tab, whichever the header line uses (outside quotes).
- Columns: every header is matched to a known column, directly or through an alias (French words:
  `lundi` = `mon`, `nom` = `name`, ...; accents, case, spaces and hyphens do not matter). An unknown column
  is reported with the closest known name, a missing required column and a column given twice too.
- Rows: numbered as a spreadsheet shows them (header = row 1); blank rows are skipped; an input with no
  data row is an error, not an empty plan.

Decimal commas (`48,56`) are read by the field parsers of each reader (`parse_decimal` here).
"""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from planner.core.errors import InputError, InputErrors

SEPARATORS = (";", ",", "\t")
EXCEL_FIX_FR = ("dans Excel ou LibreOffice, « Enregistrer sous » puis « CSV UTF-8 (délimité par des virgules) » "
                "ou « CSV (séparateur : point-virgule) »")

# French (and long English) words a planner writes in a header -> the column(s) they stand for. A reader
# uses the first candidate it knows, so one word can serve the CLI's `id` and the service's `code`.
ALIASES: dict[str, tuple[str, ...]] = {
    # weekdays
    "lundi": ("mon",), "mardi": ("tue",), "mercredi": ("wed",), "jeudi": ("thu",), "vendredi": ("fri",),
    "samedi": ("sat",), "dimanche": ("sun",),
    "monday": ("mon",), "tuesday": ("tue",), "wednesday": ("wed",), "thursday": ("thu",), "friday": ("fri",),
    "saturday": ("sat",), "sunday": ("sun",),
    # people and places
    "identifiant": ("id", "code"), "code": ("id", "code"), "nom": ("name",), "libelle": ("name",),
    "latitude": ("lat",), "longitude": ("lon",), "lng": ("lon",), "adresse": ("address",),
    "telephone": ("phone",), "tel": ("phone",), "fonction": ("role",), "metier": ("role",),
    "profession": ("role",), "ipa": ("advanced_practice",), "pratique_avancee": ("advanced_practice",),
    "depart_lat": ("start_lat", "base_lat"), "depart_lon": ("start_lon", "base_lon"),
    "depart_adresse": ("start_address",), "arrivee_lat": ("end_lat",), "arrivee_lon": ("end_lon",),
    "arrivee_adresse": ("end_address",), "jours_travailles": ("work_days",), "horaires_travail": ("work_hours",),
    "base": ("base_name",), "base_nom": ("base_name",),
    # patients
    "frequence": ("frequency_days",), "frequence_jours": ("frequency_days",),
    "tolerance": ("tolerance_days",), "tolerance_jours": ("tolerance_days",),
    "derniere_visite": ("last_visit",), "dernier_role": ("last_role",), "dernier_intervenant": ("last_role",),
    "duree_medecin": ("duration_doctor_min",), "duree_medecin_min": ("duration_doctor_min",),
    "duree_infirmier": ("duration_nurse_min",), "duree_infirmier_min": ("duration_nurse_min",),
    "duree_infirmiere": ("duration_nurse_min",), "duree_infirmiere_min": ("duration_nurse_min",),
    "plage_horaire": ("window",), "creneau": ("window",), "indisponible": ("unavailable",),
    "indisponibilites": ("unavailable",), "binome": ("joint",), "visites_depuis_binome": ("visits_since_joint",),
    "medecin_prefere": ("preferred_doctor",), "medecin_traitant": ("preferred_doctor",),
    "infirmier_prefere": ("preferred_nurse",), "infirmiere_preferee": ("preferred_nurse",),
    "sans_medecin_traitant": ("no_regular_doctor",), "palliatif": ("palliative",),
    "inscrit_depuis": ("enrolled_from",),
    # staff days
    "pause_dejeuner": ("lunch_window",), "plage_dejeuner": ("lunch_window",), "duree_pause": ("lunch_minutes",),
    "duree_pause_min": ("lunch_minutes",), "visites_max_par_jour": ("max_visits_per_day",),
    "conduite_max_min": ("max_driving_minutes",), "conduite_max_minutes": ("max_driving_minutes",),
    # rotations
    "unite": ("unit_id",), "unite_id": ("unit_id",), "vehicule": ("vehicle",), "debut": ("start",),
    "jours": ("days",), "duree_jours": ("days",), "code_insee": ("insee",), "horaires": ("hours",),
    "salles": ("rooms",), "equipements": ("equipment",), "equipement": ("equipment",), "statut": ("status",),
    "jours_repos": ("rest_weekdays",), "dates_repos": ("rest_dates",), "nuits": ("nights",),
    "hebergement": ("lodging",), "population_prioritaire": ("priority_population",),
    "horaires_mairie": ("townhall_hours",), "jours_ouverture": ("days",),
}


def normalise_name(name: str) -> str:
    """'Durée médecin (min)' -> 'duree_medecin_min': no accents, lower case, words joined by '_'."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    out, word = [], []
    for ch in text:
        if ch.isalnum():
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return "_".join(out)


def parse_decimal(value) -> float:
    """A number as a French spreadsheet writes it ('48,56', '1 200,5') or as JSON gives it."""
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    return float(value)


# --- text --------------------------------------------------------------------------------------------------

def decode_text(content: bytes, *, source: str | None = None) -> tuple[str, str]:
    """(text, encoding name) of a file's bytes; InputError with the fix in French when it is not text."""
    if content.startswith(b"PK\x03\x04"):
        raise InputError("ce fichier est un classeur (XLSX/ODS), pas un CSV : " + EXCEL_FIX_FR, source=source)
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif content[:4096].count(b"\x00") > len(content[:4096]) // 10:  # UTF-16 without BOM, or binary
        raise InputError("ce fichier n'est pas un texte CSV lisible (octets nuls) : " + EXCEL_FIX_FR, source=source)
    else:
        try:
            return content.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
        for enc in ("cp1252", "latin-1"):
            try:
                return content.decode(enc), enc
            except UnicodeDecodeError:
                continue
    raise InputError("encodage du fichier non reconnu (ni UTF-8, ni Windows-1252) : " + EXCEL_FIX_FR,
                     source=source)


def sniff_separator(text: str) -> str:
    """The separator the header line uses: ';', ',' or tab (outside quotes); ',' when there is none."""
    counts = {s: 0 for s in SEPARATORS}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            break
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


@dataclass(frozen=True)
class RawTable:
    """A CSV's header and its non-blank data rows, each with its spreadsheet row number (header = 1)."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    encoding: str
    separator: str


def parse_csv_text(text: str, *, source: str | None = None, encoding: str = "utf-8") -> RawTable:
    sep = sniff_separator(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        raise InputError(f"cannot read CSV ({exc})", source=source) from None
    numbered = [(k, r) for k, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise InputError("empty file: expected a header row and at least one data row", source=source)
    (_, header), rows = numbered[0], numbered[1:]
    return RawTable(tuple(h.strip() for h in header), tuple((k, tuple(r)) for k, r in rows), encoding, sep)


def read_csv_bytes(content: bytes, *, source: str | None = None) -> RawTable:
    text, enc = decode_text(content, source=source)
    return parse_csv_text(text, source=source, encoding=enc)


def read_csv_path(path: str | Path) -> RawTable:
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("expected a CSV file, got a folder", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", source=str(path)) from None
    return read_csv_bytes(content, source=str(path))


# --- columns -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnIssue:
    """A header problem. `kind`: 'unknown' (with the closest known name), 'missing', 'duplicate', 'blank'."""

    kind: str
    column: str  # the header as written (for 'missing': the required column)
    position: int | None = None  # 1-based column number in the header
    suggestion: str | None = None  # closest known column (as the reader names it)
    other: str | None = None  # for 'duplicate': the other header that means the same column

    def english(self) -> str:
        if self.kind == "unknown":
            hint = f"; did you mean '{self.suggestion}'?" if self.suggestion else ""
            return f"unknown column '{self.column}'{hint}"
        if self.kind == "missing":
            return f"required column '{self.column}' is missing"
        if self.kind == "duplicate":
            return f"column '{self.column}' means the same as '{self.other}': keep only one"
        return f"column {self.position} has no header but holds values"

    def french(self) -> str:
        if self.kind == "unknown":
            sugg = (self.suggestion or "").replace("' (= '", " » (= « ")
            hint = f" (vouliez-vous dire « {sugg} » ?)" if self.suggestion else ""
            return f"colonne inconnue « {self.column} »{hint}"
        if self.kind == "missing":
            return "colonne obligatoire absente"
        if self.kind == "duplicate":
            return f"la colonne « {self.column} » dit la même chose que « {self.other} » : n'en gardez qu'une"
        return f"la colonne {self.position} n'a pas de titre mais contient des valeurs"


@dataclass(frozen=True)
class Columns:
    """The columns a reader knows, those it requires, and the aliases it accepts."""

    known: tuple[str, ...]
    required: tuple[str, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: ALIASES)

    def lookup(self) -> dict[str, str]:
        """normalised header -> column name, for every known name and every alias it accepts."""
        out = {normalise_name(k): k for k in self.known}
        for word, targets in self.aliases.items():
            target = next((t for t in targets if t in self.known), None)
            if target is not None:
                out.setdefault(normalise_name(word), target)
        return out

    def closest(self, header: str) -> str | None:
        table = self.lookup()
        match = difflib.get_close_matches(normalise_name(header), list(table), n=1, cutoff=0.6)
        if not match:
            return None
        target = table[match[0]]
        return target if normalise_name(target) == match[0] else f"{match[0]}' (= '{target}"

    def resolve(self, header: Iterable[str], blank_columns_used: Iterable[int] = ()) -> tuple[list[str | None],
                                                                                            list[ColumnIssue]]:
        """The column each header stands for (None: a blank header to ignore), and every issue found."""
        table, issues, names, seen = self.lookup(), [], [], {}
        used_blank = set(blank_columns_used)
        for pos, h in enumerate(header, start=1):
            if not str(h).strip():
                names.append(None)
                if pos in used_blank:
                    issues.append(ColumnIssue("blank", "", pos))
                continue
            target = table.get(normalise_name(h))
            if target is None:
                issues.append(ColumnIssue("unknown", str(h), pos, self.closest(str(h))))
                names.append(None)
                continue
            if target in seen:
                issues.append(ColumnIssue("duplicate", str(h), pos, other=seen[target]))
            seen[target] = str(h)
            names.append(target)
        for r in self.required:
            if r not in seen:
                issues.append(ColumnIssue("missing", r))
        return names, issues


def read_records(path: str | Path, columns: Columns, *, allow_empty: bool = False,
                 what: str = "row") -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row, {column: text}) for each data row of a CSV file, columns named as `columns` knows
    them; InputErrors listing every header problem, InputError when there is no data row."""
    source = str(path)
    table = read_csv_path(path)
    blank_used = {i + 1 for _, r in table.rows for i, c in enumerate(r[:len(table.header)])
                  if c.strip() and not table.header[i]}
    names, issues = columns.resolve(table.header, blank_used)
    if issues:
        raise InputErrors([InputError(i.english(), source=source, row=1, field=i.column or f"column {i.position}")
                           for i in issues])
    if not table.rows and not allow_empty:
        raise InputError(f"no {what} (the file has a header but no data row)", source=source)
    out = []
    for k, cells in table.rows:
        if any(c.strip() for c in cells[len(table.header):]):
            raise InputError(f"{len(cells)} values for {len(table.header)} columns (a separator inside a value? "
                             "put the value in quotes)", source=source, row=k)
        rec = {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names) if n is not None}
        out.append((k, rec))
    return out


def check_unique(ids: Iterable[tuple[int, str]], *, source: str, what: str, field: str = "id") -> None:
    """(row, id) pairs of one file: a repeated id is an error naming its row and the row it repeats."""
    seen: dict[str, int] = {}
    for row, ident in ids:
        if ident in seen:
            raise InputError(f"duplicate {what} {ident!r} (already on row {seen[ident]})", source=source, row=row,
                             field=field)
        seen[ident] = row
