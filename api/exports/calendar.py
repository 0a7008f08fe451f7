"""iCalendar files: one per staff member or unit, one event per visit or session (Europe/Paris times)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from api.exports import fmt
from planner.itinerary import ItineraryStop, PlanView

PARIS = ZoneInfo("Europe/Paris")
EVENT_KINDS = {"visit", "joint_visit", "session"}
PRODID = "-//medical-desert-planner//exports//FR"


def local(t: datetime) -> datetime:
    """Stops hold naive local wall-clock times; attach Europe/Paris (convert if already aware)."""
    return t.replace(tzinfo=PARIS) if t.tzinfo is None else t.astimezone(PARIS)


def new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    return cal


def stop_event(stop: ItineraryStop, uid: str, summary: str, description: str, stamp: datetime) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", local(stop.start))
    ev.add("dtend", local(stop.end))
    ev.add("summary", summary)
    if stop.kind != "break":  # a break may be at a patient's home: it names no place and has no position
        location = ", ".join(x for x in (stop.place_name, stop.address) if x)
        if location:
            ev.add("location", location)
        ev.add("geo", (stop.location.lat, stop.location.lon))
    if description:
        ev.add("description", description)
    return ev


def finish(cal: Calendar) -> bytes:
    try:
        cal.add_missing_timezones()
    except AttributeError:  # icalendar < 6
        pass
    return cal.to_ical()


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
            for s in d.stops:
                if s.kind not in EVENT_KINDS:
                    continue
                ts = stamp or local(d.stops[0].start).astimezone(ZoneInfo("UTC"))
                desc = "\n".join(x for x in (s.what, f"Tél. : {s.phone}" if s.phone else "",
                                             f"Trajet depuis l'arrêt précédent : {fmt.duration_fr(s.travel_s)}, "
                                             f"{fmt.km(s.travel_m)} km" if s.travel_s else "",
                                             view.travel_fr) if x)
                uid = f"{view.kind}-{rid}-{d.day.isoformat()}-{s.sequence}-{s.place_id}@medical-desert-planner"
                cal.add_component(stop_event(s, uid, s.what if s.kind == "break" else f"{fmt.kind_fr(s.kind)} : {s.place_name}", desc, ts))
        p = out_dir / f"{fmt.slug(rid)}-{fmt.slug(days[0].resource_name)}.ics"
        p.write_bytes(finish(cal))
        written.append(p)
    return written
