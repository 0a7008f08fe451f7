"""iCalendar: the one writer of every feed (staff calendars, public commune feeds, the service's public feed).

Every feed carries its times in Europe/Paris with the VTIMEZONE component embedded, and every event a UID
derived from what it is, never from list positions, plan ids or times, so a calendar that imports the
feed again after a re-plan updates its events instead of duplicating them:
- a visit: the staff member, the patient (or the place when there is no patient), the date and the
  occurrence of that patient in that person's day (1 for the usual single visit);
- a consultation session: the unit, the premises, the date and the half-day (morning / afternoon).
A visit moved to another time of the same day keeps its UID (the event moves); moved to another day or
another person, it is another event (the old one disappears from the feed).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from api.outputs import fmt
from planner.core.geo import Location
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
EVENT_KINDS = {"visit", "joint_visit", "session"}
PRODID = "-//medical-desert-planner//exports//FR"
UID_DOMAIN = "medical-desert-planner"
AFTERNOON_FROM_HOUR = 13  # a session starting at or after 13:00 is the afternoon one
PUBLIC_STAMP = datetime(2000, 1, 1, tzinfo=UTC)  # public feeds: reproducible bytes for the same sessions


def local(t: datetime) -> datetime:
    """Stops hold naive local wall-clock times; attach Europe/Paris (convert if already aware)."""
    return t.replace(tzinfo=PARIS) if t.tzinfo is None else t.astimezone(PARIS)


def _uid(*parts: object) -> str:
    """A readable, stable UID from identity parts (hashed when long or holding unsafe characters)."""
    text = "-".join(str(p) for p in parts)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    if len(safe) > 120:
        safe = safe[:80] + "-" + hashlib.sha1(text.encode()).hexdigest()[:16]
    return f"{safe}@{UID_DOMAIN}"


def half_day(start: datetime) -> str:
    return "pm" if start.hour >= AFTERNOON_FROM_HOUR else "am"


def session_uid(unit_id: str, premises_id: str, start: datetime, *, public: bool = False) -> str:
    """Same unit, premises, date and half-day: same event, whatever the plan, the hours or the order."""
    day = local(start).date() if start.tzinfo else start.date()
    return _uid("public" if public else "session", unit_id, premises_id, day.isoformat(), half_day(start))


def visit_uid(resource_id: str, who: str, day: date, occurrence: int = 1) -> str:
    """Same person visiting the same patient on the same day (n-th time that day): same event."""
    return _uid("visit", resource_id, who, day.isoformat(), occurrence)


def day_uids(d: DayItinerary) -> dict[int, str]:
    """UID of every calendar stop of a day, by stop sequence number."""
    out: dict[int, str] = {}
    seen: dict[str, int] = {}
    for s in sorted(d.stops, key=lambda s: (s.start, s.sequence)):
        if s.kind == "session":
            out[s.sequence] = session_uid(d.resource_id, s.place_id, s.start)
        elif s.kind in ("visit", "joint_visit"):
            who = s.patient_id or s.place_id
            seen[who] = seen.get(who, 0) + 1
            out[s.sequence] = visit_uid(d.resource_id, who, d.day, seen[who])
    return out


def new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    return cal


def event(uid: str, start: datetime, end: datetime, summary: str, *, stamp: datetime, location: str = "",
          geo: Location | None = None, description: str = "") -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC))
    ev.add("dtstart", local(start))
    ev.add("dtend", local(end))
    ev.add("summary", summary)
    if location:
        ev.add("location", location)
    if geo is not None:
        ev.add("geo", (geo.lat, geo.lon))
    if description:
        ev.add("description", description)
    return ev


def stop_event(stop: ItineraryStop, uid: str, summary: str, description: str, stamp: datetime) -> Event:
    """A stop as an event; a break may be at a patient's home: it names no place and has no position."""
    if stop.kind == "break":
        return event(uid, stop.start, stop.end, summary, stamp=stamp, description=description)
    location = ", ".join(x for x in (stop.place_name, stop.address) if x)
    return event(uid, stop.start, stop.end, summary, stamp=stamp, location=location, geo=stop.location,
                 description=description)


def finish(cal: Calendar) -> bytes:
    """The feed's bytes, with the VTIMEZONE of every TZID used (Europe/Paris) embedded."""
    cal.add_missing_timezones()
    return cal.to_ical()


def public_feed(name: str, sessions: list[dict]) -> bytes:
    """A commune's public feed from session records ("unit_id", "place_id", "start", "end", "unit",
    "place", "address", "what"; times ISO local wall-clock), as the service stores published plans."""
    cal = new_calendar(name)
    seen: set[str] = set()
    for s in sessions:
        start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        uid = session_uid(str(s.get("unit_id") or s.get("unit", "")), str(s.get("place_id") or s.get("place", "")),
                          start, public=True)
        if uid in seen:  # the same session in two published plans: announced once
            continue
        seen.add(uid)
        location = ", ".join(x for x in (s.get("place", ""), s.get("address", "")) if x)
        geo = Location(float(s["lat"]), float(s["lon"])) if s.get("lat") is not None else None
        cal.add_component(event(uid, start, end, f"Consultations : {s.get('unit', '')}", stamp=PUBLIC_STAMP,
                                location=location, geo=geo, description=s.get("what", "")))
    return finish(cal)


def write_staff_calendars(view: PlanView, out_dir: Path, *, stamp: datetime | None = None) -> list[Path]:
    """ics/<resource>.ics; the stamp defaults to the plan's first start, so files are reproducible."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_res: dict[str, list] = {}
    for d in view.itineraries:
        by_res.setdefault(d.resource_id, []).append(d)
    written = []
    for rid, days in by_res.items():
        cal = new_calendar(f"{days[0].resource_name} — {view.title}")
        for d in sorted(days, key=lambda d: d.day):
            uids = day_uids(d)
            for s in d.stops:
                if s.kind not in EVENT_KINDS:
                    continue
                ts = stamp or local(d.stops[0].start).astimezone(UTC)
                desc = "\n".join(x for x in (s.what, f"Tél. : {s.phone}" if s.phone else "",
                                             f"Trajet depuis l'arrêt précédent : {fmt.duration_fr(s.travel_s)}, "
                                             f"{fmt.km(s.travel_m)} km" if s.travel_s else "",
                                             view.travel_fr) if x)
                summary = s.what if s.kind == "break" else f"{fmt.kind_fr(s.kind)} : {s.place_name}"
                cal.add_component(stop_event(s, uids[s.sequence], summary, desc, ts))
        p = out_dir / f"{fmt.slug(rid)}-{fmt.slug(days[0].resource_name)}.ics"
        p.write_bytes(finish(cal))
        written.append(p)
    return written
