"""The planner's summary page of a plan: indicators, charts (visits per staff member per day, driving per
day, coverage by commune), and what was left out with the reasons."""

from __future__ import annotations

from pathlib import Path

import jinja2

from api.outputs import fmt
from api.outputs.sheets import TEMPLATES
from api.outputs.svgchart import hbar_chart, heatmap, stacked_bar_chart
from maps.render import access_colour, colours
from planner.core.itinerary import PlanView

WORK_KINDS = {"visit", "joint_visit", "session"}


def charts(view: PlanView) -> list[str]:
    days = sorted({d.day for d in view.itineraries})
    labels = [f"{fmt.day_fr(x)[:3]}. {x.day}/{x.month}" for x in days]
    names = {d.resource_id: d.resource_name for d in view.itineraries}
    cols = {names[r]: c for r, c in colours(view).items()}
    work = {name: [0.0] * len(days) for name in names.values()}
    drive = {name: [0.0] * len(days) for name in names.values()}
    for d in view.itineraries:
        i = days.index(d.day)
        work[names[d.resource_id]][i] += sum(1 for s in d.stops if s.kind in WORK_KINDS)
        drive[names[d.resource_id]][i] += round(d.travel_s / 60)
    what = "Séances" if view.kind == "rotation" else "Visites"
    out = [heatmap(list(work), labels, list(work.values()), title=f"{what} par intervenant et par jour",
                   unit=what.lower()),
           stacked_bar_chart(labels, drive, title="Conduite par jour (minutes, par intervenant)", unit="min",
                             colours=cols)]
    cov = view.extras.get("coverage") or {}
    if cov:
        items = sorted(cov.values(), key=lambda c: c.get("share_within_reach", 0))
        shares = [float(c.get("share_within_reach", 0)) for c in items]
        out.append(hbar_chart([str(c.get("name")) for c in items], [100 * s for s in shares], vmax=100,
                              title=f"Population à moins de {view.extras.get('reach_minutes')} min d'une séance, "
                                    "par commune", fmt=lambda v: f"{v:.0f} %",
                              colours=[access_colour(s) for s in shares]))
    return out


def unserved(view: PlanView) -> list[dict]:
    """Communes without a session and with less than half their people within reach, worst first."""
    cov = view.extras.get("coverage") or {}
    reasons = {u.item_id: u.reason for u in view.unscheduled}
    rows = []
    for insee, c in cov.items():
        sessions = c.get("sessions")
        n = len(sessions) if isinstance(sessions, (list, tuple)) else int(sessions or 0)
        share = float(c.get("share_within_reach", 0))
        if n == 0 and share < 0.5:
            rows.append({"insee": insee, "name": c.get("name", insee), "population": c.get("population", ""),
                         "share": f"{round(100 * share)} %", "share_value": share,
                         "reason": reasons.get(insee, "aucune séance à portée pour la majorité des habitants")})
    return sorted(rows, key=lambda r: r["share_value"])


def render_summary(view: PlanView, files: dict[str, list[str]] | None = None) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    totals = {"itineraries": len(view.itineraries),
              "stops": sum(1 for d in view.itineraries for s in d.stops if s.kind in WORK_KINDS),
              "driving": fmt.duration_fr(sum(d.travel_s for d in view.itineraries)),
              "km": fmt.km(sum(d.travel_m for d in view.itineraries))}
    return env.get_template("summary.html.j2").render(
        view=view, kind_fr="Rotation d'unités mobiles" if view.kind == "rotation" else "Visites à domicile",
        totals=totals, charts=charts(view), unscheduled=view.unscheduled, unserved=unserved(view),
        files=files or {})


def write_summary(view: PlanView, path: Path, files: dict[str, list[str]] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_summary(view, files), encoding="utf-8")
    return path
