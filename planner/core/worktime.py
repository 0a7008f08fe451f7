"""French working-time rules and public holidays, shared by both kinds of plan.

A salaried person (the default) works at most 10 hours a day (Code du travail L3121-18), has 11 consecutive
hours of daily rest (L3131-1), works at most 48 hours in a week (L3121-20) and 44 on average over 12
consecutive weeks (L3121-22), and takes a break of 20 consecutive minutes once 6 hours are worked
(L3121-16). A self-employed person (médecin libéral, infirmière libérale) keeps only their own hours.

Work is counted from the first departure to the last arrival of a day, minus the breaks (driving, visits,
sessions and set-up are work). Times are minutes after midnight of the day; durations in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Iterable, Mapping

from planner.core.errors import InputError
from planner.core.french import day_fr

PROFILE_KINDS = ("salaried", "self_employed")
PROFILE_ALIASES = {"salaried": "salaried", "salarié": "salaried", "salarie": "salaried", "salariée": "salaried",
                   "self_employed": "self_employed", "libéral": "self_employed", "liberal": "self_employed",
                   "libérale": "self_employed", "independant": "self_employed", "indépendant": "self_employed"}
# Subdivisions of the `holidays` package with extra days (Good Friday, 26 December): Moselle and Alsace.
ALSACE_MOSELLE = {"57": "57", "67": "6AE", "68": "6AE"}


@dataclass(frozen=True, slots=True)
class WorkProfile:
    """Limits on a person's working time; None means no limit of that kind."""

    kind: str = "salaried"
    max_day_min: int | None = 10 * 60
    min_rest_min: int | None = 11 * 60
    max_week_min: int | None = 48 * 60
    max_avg_week_min: int | None = 44 * 60
    avg_weeks: int = 12
    break_after_min: int | None = 6 * 60
    break_min: int = 20

    @property
    def label(self) -> str:
        return "salarié" if self.kind == "salaried" else "libéral (ses propres horaires)"


SALARIED = WorkProfile()
SELF_EMPLOYED = WorkProfile("self_employed", None, None, None, None, 12, None, 0)
# record key -> (field, lowest value, highest value)
PROFILE_KEYS = {"max_day_minutes": ("max_day_min", 1, 24 * 60), "min_rest_minutes": ("min_rest_min", 0, 24 * 60),
                "max_week_minutes": ("max_week_min", 1, 7 * 24 * 60),
                "max_avg_week_minutes": ("max_avg_week_min", 1, 7 * 24 * 60), "avg_weeks": ("avg_weeks", 1, 52),
                "break_after_minutes": ("break_after_min", 1, 24 * 60), "break_minutes": ("break_min", 0, 24 * 60)}


def profile_from_record(value, *, source: str | None = None, row: int | None = None,
                        field: str = "work_profile") -> WorkProfile:
    """A profile from its record form: "salaried" / "self_employed" (French words accepted), or an object
    {"kind": …, "max_day_minutes": …, …} overriding the kind's defaults. Impossible values are refused."""
    if value is None or value == "":
        return SALARIED
    overrides: dict = {}
    if isinstance(value, Mapping):
        overrides = {k: v for k, v in value.items() if k != "kind"}
        value = value.get("kind", "salaried")
    kind = PROFILE_ALIASES.get(str(value).strip().lower())
    if kind is None:
        raise InputError(f"profil de temps de travail inconnu {value!r} ; attendu : salaried (salarié) ou "
                         "self_employed (libéral)", source=source, row=row, field=field)
    profile = SALARIED if kind == "salaried" else SELF_EMPLOYED
    changes = {}
    for key, v in overrides.items():
        if key not in PROFILE_KEYS:
            raise InputError(f"clé inconnue {key!r} du profil ; attendues : kind, {', '.join(PROFILE_KEYS)}",
                             source=source, row=row, field=f"{field}.{key}")
        attr, lo, hi = PROFILE_KEYS[key]
        if v is None or v == "":
            changes[attr] = None if attr not in ("avg_weeks", "break_min") else getattr(profile, attr)
            continue
        try:
            number = int(v)
        except (TypeError, ValueError):
            raise InputError(f"{key} doit être un nombre entier de minutes, pas {v!r}", source=source, row=row,
                             field=f"{field}.{key}") from None
        if not lo <= number <= hi:
            raise InputError(f"{key} = {number} impossible (entre {lo} et {hi})", source=source, row=row,
                             field=f"{field}.{key}")
        changes[attr] = number
    profile = replace(profile, **changes)
    if profile.break_after_min is not None and profile.break_min <= 0:
        raise InputError("une pause due après break_after_minutes doit durer au moins 1 minute (break_minutes)",
                         source=source, row=row, field=f"{field}.break_minutes")
    return profile


def profile_of(rec: Mapping, *, source: str | None = None, row: int | None = None,
               field: str = "work_profile") -> WorkProfile:
    """The profile of a staff or member record: its "work_profile" (a kind, or an object in JSON), with any
    limit also given in its own column (CSV: `work_profile,max_day_minutes,...`)."""
    raw = rec.get("work_profile")
    columns = {k: rec[k] for k in PROFILE_KEYS if k in rec and str(rec[k]).strip() != ""}
    if columns:
        raw = {**(raw if isinstance(raw, Mapping) else {"kind": raw or "salaried"}), **columns}
    return profile_from_record(raw, source=source, row=row, field=field)


def profile_to_record(p: WorkProfile) -> str | dict:
    """The shortest record form: the kind's name when nothing is overridden."""
    base = SALARIED if p.kind == "salaried" else SELF_EMPLOYED
    if p == base:
        return p.kind
    out: dict = {"kind": p.kind}
    for key, (attr, _, _) in PROFILE_KEYS.items():
        if getattr(p, attr) != getattr(base, attr):
            out[key] = getattr(p, attr)
    return out


def strictest(profiles: Iterable[WorkProfile]) -> WorkProfile:
    """The limits that hold for people who work together (a unit's crew): the tightest of each."""
    profiles = list(profiles)
    if not profiles:
        return SELF_EMPLOYED
    def low(attr):
        vals = [getattr(p, attr) for p in profiles if getattr(p, attr) is not None]
        return min(vals) if vals else None
    def high(attr):
        vals = [getattr(p, attr) for p in profiles if getattr(p, attr) is not None]
        return max(vals) if vals else None
    kind = "salaried" if any(p.kind == "salaried" for p in profiles) else "self_employed"
    return WorkProfile(kind, low("max_day_min"), high("min_rest_min"), low("max_week_min"), low("max_avg_week_min"),
                       min(p.avg_weeks for p in profiles), low("break_after_min"),
                       max(p.break_min for p in profiles))


# --- public holidays ---------------------------------------------------------------------------------------

def holiday_subdivision(insee_codes: Iterable[str]) -> str | None:
    """The `holidays` subdivision with extra days for a territory in Alsace-Moselle, else None."""
    for code in insee_codes:
        sub = ALSACE_MOSELLE.get(str(code)[:2])
        if sub:
            return sub
    return None


def public_holidays(start: date, end: date, subdivision: str | None = None) -> dict[date, str]:
    """French public holidays from start to end (inclusive), with their French names."""
    import holidays as _holidays

    cal = _holidays.France(years=range(start.year, end.year + 1), subdiv=subdivision, language="fr")
    return {d: str(name) for d, name in sorted(cal.items()) if start <= d <= end}


# --- checking worked days ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WorkDay:
    """What a person did on a day: from the first departure to the last arrival, and the pauses taken."""

    day: date
    start_min: int
    end_min: int
    breaks: tuple[tuple[int, int], ...] = ()  # (start, end) of each pause (no driving, no work)

    @property
    def work_min(self) -> int:
        return self.end_min - self.start_min - sum(b - a for a, b in self.breaks)


def hours_fr(minutes: int) -> str:
    """605 -> '10 h 05'."""
    minutes = int(round(minutes))
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes % 60 else f"{minutes // 60} h"


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def violations(person: str, profile: WorkProfile, days: Iterable[WorkDay]) -> list[str]:
    """Each broken rule, in French, naming the person, the day (or week) and the rule."""
    out: list[str] = []
    days = sorted(days, key=lambda w: w.day)
    for w in days:
        if profile.max_day_min is not None and w.work_min > profile.max_day_min:
            out.append(f"{person}, {day_fr(w.day)} : {hours_fr(w.work_min)} de travail, au-delà de la durée "
                       f"quotidienne maximale de {hours_fr(profile.max_day_min)} (Code du travail L3121-18)")
        if profile.break_after_min is not None and w.work_min > profile.break_after_min:
            if not _break_in_time(w, profile):
                out.append(f"{person}, {day_fr(w.day)} : {hours_fr(w.work_min)} de travail sans pause de "
                           f"{profile.break_min} minutes consécutives avant {hours_fr(profile.break_after_min)} "
                           "de travail (Code du travail L3121-16)")
    if profile.min_rest_min is not None:
        for a, b in zip(days, days[1:]):
            if (b.day - a.day).days != 1:
                continue
            rest = 24 * 60 - a.end_min + b.start_min
            if rest < profile.min_rest_min:
                out.append(f"{person}, nuit du {day_fr(a.day)} au {day_fr(b.day)} : {hours_fr(rest)} de repos, "
                           f"moins que le repos quotidien de {hours_fr(profile.min_rest_min)} consécutives "
                           "(Code du travail L3131-1)")
    weeks: dict[date, int] = {}
    for w in days:
        weeks[_week_start(w.day)] = weeks.get(_week_start(w.day), 0) + w.work_min
    if profile.max_week_min is not None:
        for monday, total in sorted(weeks.items()):
            if total > profile.max_week_min:
                out.append(f"{person}, semaine du {day_fr(monday)} : {hours_fr(total)} de travail, au-delà de la "
                           f"durée hebdomadaire maximale de {hours_fr(profile.max_week_min)} (Code du travail L3121-20)")
    if profile.max_avg_week_min is not None and weeks:
        mondays = sorted(weeks)
        first, last = mondays[0], mondays[-1]
        n = (last - first).days // 7 + 1
        for k in range(n - profile.avg_weeks + 1):  # only windows of avg_weeks weeks inside the plan
            window = [first + timedelta(weeks=k + j) for j in range(profile.avg_weeks)]
            mean = sum(weeks.get(m, 0) for m in window) / profile.avg_weeks
            if mean > profile.max_avg_week_min:
                out.append(f"{person}, {profile.avg_weeks} semaines à partir du {day_fr(window[0])} : "
                           f"{hours_fr(mean)} de travail par semaine en moyenne, au-delà de "
                           f"{hours_fr(profile.max_avg_week_min)} (Code du travail L3121-22)")
    return out


def _break_in_time(w: WorkDay, profile: WorkProfile) -> bool:
    """A pause of break_min or more that starts before break_after_min of work have been done."""
    for a, b in sorted(w.breaks):
        if b - a < profile.break_min:
            continue
        worked_before = a - w.start_min - sum(e - s for s, e in w.breaks if e <= a)
        if worked_before <= profile.break_after_min:
            return True
    return False


# --- keeping possible working time within the rules --------------------------------------------------------

def legal_spans(profile: WorkProfile, spans: Mapping[date, tuple[int, int]],
                break_min: Mapping[date, int] | None = None) -> dict[date, tuple[int, int]]:
    """Working spans (start, end) per day cut so that any day worked inside them keeps the rules: at most
    max_day_min of work (plus that day's break), max_rest between days, max_week_min per week (the longest
    days of a week are shortened first). A solver that keeps each day inside its span is legal."""
    breaks = break_min or {}
    out: dict[date, tuple[int, int]] = {}
    for d, (a, b) in sorted(spans.items()):
        if profile.max_day_min is not None:
            b = min(b, a + profile.max_day_min + breaks.get(d, 0))
        prev = out.get(d - timedelta(days=1))
        if profile.min_rest_min is not None and prev is not None:
            a = max(a, prev[1] + profile.min_rest_min - 24 * 60)
        if b > a:
            out[d] = (a, b)
    if profile.max_week_min is not None:
        weeks: dict[date, list[date]] = {}
        for d in out:
            weeks.setdefault(_week_start(d), []).append(d)
        for days in weeks.values():
            work = {d: out[d][1] - out[d][0] - breaks.get(d, 0) for d in days}
            excess = sum(work.values()) - profile.max_week_min
            while excess > 0:
                longest = max(days, key=lambda d: (work[d], d))
                cut = min(excess, max(1, work[longest] - sorted(work.values())[-2] if len(days) > 1 else excess))
                work[longest] -= cut
                excess -= cut
            for d in days:
                a, b = out[d]
                out[d] = (a, a + work[d] + breaks.get(d, 0))
        out = {d: s for d, s in out.items() if s[1] > s[0]}
    return out


def work_summary(days: Iterable[WorkDay]) -> dict:
    """Minutes of work per day and per week (Monday's date), for indicators and outputs."""
    by_day = {w.day.isoformat(): round(w.work_min) for w in sorted(days, key=lambda w: w.day)}
    weeks: dict[str, int] = {}
    for d, m in by_day.items():
        monday = _week_start(date.fromisoformat(d)).isoformat()
        weeks[monday] = weeks.get(monday, 0) + m
    return {"days": by_day, "weeks": weeks}


def work_indicator(name: str, summary: dict) -> tuple[str, str]:
    """("Temps de travail — Inès", "8 h 15 par jour au plus, 41 h 15 par semaine au plus")."""
    days, weeks = summary["days"], summary["weeks"]
    if not days:
        return f"Temps de travail — {name}", "aucune journée planifiée"
    return (f"Temps de travail — {name}",
            f"{hours_fr(max(days.values()))} par jour au plus, {hours_fr(max(weeks.values()))} par semaine au plus")
