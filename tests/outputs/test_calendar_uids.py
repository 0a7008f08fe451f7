"""Calendar feeds: Europe/Paris with its VTIMEZONE, and UIDs that survive a re-plan (imports update, not duplicate)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import icalendar

from api.outputs import calendar, public


def _events(path_or_bytes) -> dict[str, icalendar.Event]:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    cal = icalendar.Calendar.from_ical(data)
    tz = cal.walk("VTIMEZONE")
    assert tz and str(tz[0]["tzid"]) == "Europe/Paris"
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert len(events) == len(cal.walk("VEVENT")), "duplicate UIDs in one feed"
    for e in events.values():
        assert e["dtstart"].params["TZID"] == "Europe/Paris"
    return events


def _replanned(view, minutes: int):
    """The same visits and sessions in another plan: other title, every stop later, each day's stops reversed."""
    days = []
    for d in view.itineraries:
        inner = [s for s in d.stops if s.kind not in ("depart", "return")]
        moved = [replace(s, sequence=k + 1, arrival=s.arrival + timedelta(minutes=minutes),
                         start=s.start + timedelta(minutes=minutes), end=s.end + timedelta(minutes=minutes),
                         travel_s=s.travel_s + 60)
                 for k, s in enumerate(reversed(inner))]
        ends = [s for s in d.stops if s.kind in ("depart", "return")]
        days.append(replace(d, stops=(ends[0], *moved, *ends[1:])))
    return replace(view, title=view.title + " (re-planifié)", itineraries=tuple(reversed(days)))


def _by_identity(events):
    return {(str(e["summary"]), e.decoded("dtstart").date()): uid for uid, e in events.items()}


def test_staff_calendar_uids_stay_the_same_across_a_replan(home_view, tmp_path):
    first = sorted(calendar.write_staff_calendars(home_view, tmp_path / "a"))
    second = sorted(calendar.write_staff_calendars(_replanned(home_view, 25), tmp_path / "b"))
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        ea, eb = _events(a), _events(b)
        assert set(ea) == set(eb) and ea
        assert _by_identity(ea) == _by_identity(eb)  # same visit, same UID
        moved = [uid for uid in ea if ea[uid].decoded("dtstart") != eb[uid].decoded("dtstart")]
        assert moved == list(ea)  # the times changed, so an import updates those events


def test_visit_moved_to_another_day_is_another_event(home_view, tmp_path):
    d = home_view.itineraries[0]
    shifted = replace(d, day=d.day + timedelta(days=1),
                      stops=tuple(replace(s, arrival=s.arrival + timedelta(days=1), start=s.start + timedelta(days=1),
                                          end=s.end + timedelta(days=1)) for s in d.stops))
    a = calendar.day_uids(d)
    b = calendar.day_uids(shifted)
    assert set(a) == set(b) and not set(a.values()) & set(b.values())


def test_public_commune_feeds_keep_session_uids_across_a_replan(rotation_view, tmp_path):
    first = sorted(p for p in public.write_public(rotation_view, tmp_path / "a") if p.suffix == ".ics")
    second = sorted(p for p in public.write_public(_replanned(rotation_view, 30), tmp_path / "b")
                    if p.suffix == ".ics")
    assert [p.name for p in first] == [p.name for p in second] and first
    for a, b in zip(first, second):
        assert set(_events(a)) == set(_events(b))


def test_service_public_feed_uids_ignore_plan_ids_and_hours():
    base = {"unit_id": "U1", "place_id": "PREM-7", "unit": "Unité 1", "place": "Salle des fêtes",
            "address": "1 place de la Mairie", "what": "Consultations", "lat": 48.56, "lon": 3.29}
    old = [{**base, "plan_id": 3, "start": "2026-03-03T09:00:00", "end": "2026-03-03T12:00:00"},
           {**base, "plan_id": 3, "start": "2026-03-03T14:00:00", "end": "2026-03-03T17:00:00"}]
    new = [{**base, "plan_id": 9, "start": "2026-03-03T09:30:00", "end": "2026-03-03T12:30:00"},
           {**base, "plan_id": 9, "start": "2026-03-03T13:30:00", "end": "2026-03-03T16:30:00"}]
    ea = _events(calendar.public_feed("Unité mobile", old))
    eb = _events(calendar.public_feed("Unité mobile", new))
    assert len(ea) == 2 and set(ea) == set(eb)
    uid_am = calendar.session_uid("U1", "PREM-7", datetime(2026, 3, 3, 9), public=True)
    assert eb[uid_am].decoded("dtstart").hour == 9 and eb[uid_am].decoded("dtstart").minute == 30
    assert len(_events(calendar.public_feed("Unité mobile", old + new))) == 2  # two plans, one announcement
