"""Exports of a plan (planner): the PlanView JSON, and the files of api.outputs (maps, sheets, CSV...)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Plan
from api.outputs.viewjson import view_from_dict
from api.service.routers.common import Id, get_db, scoped
from api.service.security import document_response

router = APIRouter(prefix="/plans", tags=["exports"])


@router.get("/{plan_id}/exports/view.json", summary="The plan's itinerary view as JSON")
def export_view(plan_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    plan = scoped(db, Plan, plan_id, who, "plan")
    record_read(db, who, "export", "/plans/{id}/exports/view.json", 1)
    return JSONResponse(plan.view, headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.json"'})


def _formats(text: Optional[str]) -> list[str] | None:
    from api.outputs import FORMATS

    if not text:
        return None
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise HTTPException(422, [{"loc": ["query", "formats"], "field": "formats",
                                   "msg": f"format(s) inconnu(s) {', '.join(bad)} ; attendus : {', '.join(FORMATS)}"}])
    return wanted


ZIP = {200: {"description": "the exports as one ZIP archive",
             "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("/{plan_id}/exports.zip", response_class=Response, responses=ZIP,
            summary="Exports of the plan (maps, day sheets, CSV, XLSX, ICS, GPX, public pages)")
def export_all(plan_id: Id, request: Request, formats: Optional[str] = None, db: Session = Depends(get_db),
               who: Principal = Depends(allow("planner"))):
    """`formats`: comma-separated subset of map, sheet, csv, xlsx, ics, gpx, public, summary, json."""
    from api.outputs import write_all

    plan = scoped(db, Plan, plan_id, who, "plan")
    wanted = _formats(formats)
    view = view_from_dict(plan.view)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        write_all(view, Path(tmp), outlines=_outlines(request), formats=wanted, network=_road_network(request))
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(tmp))
    record_read(db, who, "export", "/plans/{id}/exports.zip", 1)
    return Response(buf.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.zip"'})


def _road_network(request: Request):
    """The service's road network (routes drawn along the roads), or None: straight dashed legs."""
    from api.service.planning import road_network

    path = request.app.state.settings.network_path
    return road_network(str(path)) if path else None


def _outlines(request: Request):
    path = request.app.state.settings.outlines_path
    return path if Path(path).exists() else None


@router.get("/{plan_id}/exports/carte.html", response_class=HTMLResponse,
            summary="The plan's shared road map (folium, patients pseudonymised)")
def export_map(plan_id: Id, request: Request, db: Session = Depends(get_db),
               who: Principal = Depends(allow("planner"))) -> HTMLResponse:
    from api.outputs import write_all

    plan = scoped(db, Plan, plan_id, who, "plan")
    with tempfile.TemporaryDirectory() as tmp:
        write_all(view_from_dict(plan.view), Path(tmp), outlines=_outlines(request), formats=["map"],
                  network=_road_network(request))
        return document_response((Path(tmp) / "carte.html").read_text(encoding="utf-8"))
