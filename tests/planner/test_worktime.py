"""The French working-time rules on hand-checkable days, profiles read and refused, holidays by region."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from planner.core.errors import InputError
from planner.core.worktime import (
    SALARIED, SELF_EMPLOYED, WorkDay, holiday_subdivision, legal_spans, profile_from_record, profile_to_record,
    public_holidays, strictest, violations,
)

MON = date(2026, 3, 2)


def _day(k: int, start: str, end: str, *breaks: tuple[str, str]) -> WorkDay:
    def m(t: str) -> int:
        h, mm = t.split(":")
        return int(h) * 60 + int(mm)
    return WorkDay(MON + timedelta(days=k), m(start), m(end), tuple((m(a), m(b)) for a, b in breaks))


def test_each_rule_is_caught_and_named_in_french():
    assert violations("Inès", SALARIED, [_day(0, "08:30", "17:30", ("12:00", "12:45"))]) == []
    long = violations("Inès", SALARIED, [_day(0, "07:00", "18:30", ("12:00", "12:45"))])
    assert len(long) == 1 and "Inès, lundi 2 mars 2026" in long[0] and "10 h" in long[0] and "L3121-18" in long[0]
    no_pause = violations("Inès", SALARIED, [_day(0, "07:00", "13:30")])
    assert len(no_pause) == 1 and "20 minutes" in no_pause[0] and "L3121-16" in no_pause[0]
    late_pause = violations("Inès", SALARIED, [_day(0, "06:00", "14:00", ("12:40", "13:00"))])
    assert "L3121-16" in late_pause[0]  # the pause came after 6 h 40 of work
    short_night = violations("Inès", SALARIED, [_day(0, "08:00", "15:00", ("12:00", "12:30")),
                                                _day(1, "08:00", "15:00", ("12:00", "12:30")),
                                                _day(2, "10:00", "22:00", ("12:00", "14:30")),
                                                _day(3, "06:00", "12:00")])
    assert [("L3131-1" in v) for v in short_night] == [True] and "nuit du mercredi 4 mars" in short_night[0]
    week = [_day(k, "08:00", "17:45", ("12:00", "12:45")) for k in range(6)]  # 6 x 9 h = 54 h
    heavy = violations("Inès", SALARIED, week)
    assert len(heavy) == 1 and "semaine du lundi 2 mars 2026" in heavy[0] and "54 h" in heavy[0]
    assert violations("Dr Libéral", SELF_EMPLOYED, week + [_day(7, "05:00", "23:00")]) == []


def test_average_over_twelve_weeks_only_on_twelve_weeks():
    def weeks(n, end):  # n weeks of 5 days, 45 h (end 17:45) or 44 h (end 17:33) a week
        return [_day(7 * w + k, "08:00", end, ("12:00", "12:45")) for w in range(n) for k in range(5)]
    twelve = violations("A", SALARIED, weeks(12, "17:45"))
    assert len(twelve) == 1 and "L3121-22" in twelve[0] and "45 h" in twelve[0]  # each week is under 48 h
    assert violations("A", SALARIED, weeks(11, "17:45")) == []  # a shorter plan cannot know the weeks around it
    assert violations("A", SALARIED, weeks(12, "17:33")) == []


def test_profiles_read_written_and_impossible_values_refused():
    assert profile_from_record(None) == SALARIED and profile_from_record("libéral") == SELF_EMPLOYED
    custom = profile_from_record({"kind": "salarié", "max_day_minutes": 540, "break_minutes": 30})
    assert custom.max_day_min == 540 and custom.break_min == 30
    assert profile_from_record(profile_to_record(custom)) == custom
    assert profile_to_record(SALARIED) == "salaried"
    for bad, field in (({"max_day_minutes": 1500}, "work_profile.max_day_minutes"),
                       ({"break_minutes": -5}, "work_profile.break_minutes"),
                       ({"max_week_minutes": "beaucoup"}, "work_profile.max_week_minutes"),
                       ({"sleep": 3}, "work_profile.sleep"), ("fonctionnaire", "work_profile")):
        with pytest.raises(InputError) as e:
            profile_from_record(bad, source="staff.csv", row=4)
        assert e.value.field == field and e.value.row == 4 and e.value.source == "staff.csv"


def test_legal_spans_keep_any_day_inside_the_rules():
    spans = {MON + timedelta(days=k): (6 * 60, 21 * 60) for k in range(6)}
    out = legal_spans(SALARIED, spans, {d: 45 for d in spans})
    assert all(b - a - 45 <= 600 for a, b in out.values())
    assert sum(b - a - 45 for a, b in out.values()) <= 48 * 60
    rest = profile_from_record({"kind": "salaried", "max_day_minutes": 900, "max_week_minutes": 7 * 24 * 60})
    out = legal_spans(rest, {MON: (7 * 60, 22 * 60), MON + timedelta(days=1): (6 * 60, 20 * 60)})
    assert out[MON + timedelta(days=1)][0] == 22 * 60 + 11 * 60 - 24 * 60  # starts 11 h after the evening
    assert legal_spans(SELF_EMPLOYED, spans) == spans
    crew = strictest([SELF_EMPLOYED, profile_from_record({"kind": "salaried", "max_day_minutes": 480})])
    assert crew.kind == "salaried" and crew.max_day_min == 480 and crew.min_rest_min == 660


def test_public_holidays_in_french_with_alsace_moselle_days():
    days = public_holidays(date(2026, 11, 1), date(2026, 12, 31))
    assert days[date(2026, 11, 11)] == "Armistice" and date(2026, 12, 26) not in days
    assert holiday_subdivision(["77379", "57463"]) == "57" and holiday_subdivision(["67482"]) == "6AE"
    assert holiday_subdivision(["04070"]) is None
    east = public_holidays(date(2026, 4, 1), date(2026, 12, 31), "57")
    assert east[date(2026, 4, 3)] == "Vendredi saint" and date(2026, 12, 26) in east
