"""The planner's timelines: a home-visit plan has one row per caregiver and one column per day, each visit a card
the planner drags to another day or caregiver; a rotation plan has one row per unit and a morning and an
afternoon column per day, each session a card dragged to another half-day or unit, or sent to other premises.
The page calls the hand-adjustment API (api.service.routers.edits)."""

from __future__ import annotations

from datetime import date, timedelta

from planner.home_visits.calendar import fr_day
from planner.rotations.model import HALF_FR


def visit_timeline(plan) -> dict | None:
    """Days, caregiver rows with their visit cards, locked days and moved visits; None for other plans."""
    stored = plan.solution or {}
    if plan.kind != "home_visits" or "problem" not in stored:
        return None
    problem, solution = stored["problem"], stored["solution"]
    h = problem["horizon"]
    start = date.fromisoformat(h["start"])
    days = [(start + timedelta(days=k)).isoformat() for k in range(int(h["days"]))]
    names = {p["id"]: p.get("name") or p["id"] for p in problem["patients"]}
    pins = {(p["patient_id"], p["visit_index"]) for p in problem.get("pins", [])}
    rows = {s["id"]: {"id": s["id"], "name": s.get("name") or s["id"], "cells": {d: [] for d in days}}
            for s in problem["staff"]}
    for v in solution.get("calendar", []):
        key = (v["patient_id"], v["visit_index"])
        card = {"patient_id": v["patient_id"], "visit_index": v["visit_index"], "name": names.get(v["patient_id"], ""),
                "time": f"{v['start_s'] // 3600:02d}h{v['start_s'] % 3600 // 60:02d}", "joint": v["joint"],
                "pinned": key in pins}
        for sid in v["staff_ids"]:
            if sid in rows and v["date"] in rows[sid]["cells"]:
                rows[sid]["cells"][v["date"]].append(card)
    for row in rows.values():
        for cards in row["cells"].values():
            cards.sort(key=lambda c: c["time"])
    moved = []
    for entry in (plan.diff or {}).get("moved", []) + (plan.diff or {}).get("reassigned", []):
        if entry.get("kind") != "visit":
            continue
        moved.append({"name": names.get(entry["item"], entry["item"]),
                      "before": _where(entry["before"], rows), "after": _where(entry["after"], rows)})
    return {"days": [(d, fr_day(date.fromisoformat(d))) for d in days], "rows": list(rows.values()),
            "locked": set(problem.get("locked_days", [])), "moved": moved,
            "patients": sum(1 for r in rows.values() for c in r["cells"].values() for _ in c)}


def _where(places: list, rows: dict) -> str:
    """[(day, staff id), ...] -> 'mar. 08/12 (Inès Infirmière), ...'."""
    return ", ".join(f"{fr_day(date.fromisoformat(d))} ({rows[r]['name'] if r in rows else r})" for d, r in places)


def session_timeline(plan) -> dict | None:
    """Days, unit rows with their session cards per half-day, pinned half-days, premises to choose from and
    sessions moved; None for other plans."""
    stored = plan.solution or {}
    if plan.kind != "rotation" or "problem" not in stored:
        return None
    problem, solution = stored["problem"], stored["solution"]
    days = sorted({(date.fromisoformat(u["start"]) + timedelta(days=k)).isoformat()
                   for u in problem["units"] for k in range(int(u["days"]))})
    premises = {p["id"]: p.get("name") or p["id"] for p in problem["premises"] if p.get("status") != "withdrawn"}
    pins = {(x["unit_id"], x["day"], x["half"]): x.get("premises_id", "") for x in problem.get("pins", [])}
    rows = {}
    for u in problem["units"]:
        start = date.fromisoformat(u["start"])
        mission = {(start + timedelta(days=k)).isoformat() for k in range(int(u["days"]))}
        rows[u["id"]] = {"id": u["id"], "name": u.get("name") or u["id"], "mission": mission,
                         "cells": {(d, h): None for d in days for h in HALF_FR}}
    for s in solution.get("sessions", []):
        row = rows.get(s["unit"])
        if row is not None and (s["date"], s["half"]) in row["cells"]:
            row["cells"][(s["date"], s["half"])] = {
                "premises": s["premises"], "name": premises.get(s["premises"], s["premises"]),
                "time": f"{s['start'].replace(':', 'h')}–{s['end'].replace(':', 'h')}",
                "pinned": (s["unit"], s["date"], s["half"]) in pins}
    moved = []
    for entry in (plan.diff or {}).get("moved", []) + (plan.diff or {}).get("reassigned", []):
        if entry.get("kind") == "session":
            moved.append({"name": premises.get(entry["item"], entry["item"]),
                          "before": _where(entry["before"], rows), "after": _where(entry["after"], rows)})
    return {"days": [(d, fr_day(date.fromisoformat(d))) for d in days], "halves": list(HALF_FR.items()),
            "rows": list(rows.values()), "premises": sorted(premises.items(), key=lambda x: x[1]),
            "empty_pins": {k for k, v in pins.items() if not v}, "moved": moved}
