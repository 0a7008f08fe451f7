"""Exports of a plan (planner): the PlanView JSON, and the files of api.exports (maps, sheets, CSV...)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from api.audit import record_read
from api.auth import Principal, allow
from api.db.models import Plan
from api.exports.viewjson import view_from_dict
from api.routers.common import get_db, scoped

router = APIRouter(prefix="/plans", tags=["exports"])


@router.get("/{plan_id}/exports/view.json", summary="The plan's itinerary view as JSON")
def export_view(plan_id: int, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    plan = scoped(db, Plan, plan_id, who, "plan")
    record_read(db, who, "export", "/plans/{id}/exports/view.json", 1)
    return JSONResponse(plan.view, headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.json"'})


@router.get("/{plan_id}/exports.zip", summary="Every export of the plan (maps, day sheets, CSV, XLSX, ICS, GPX)")
def export_all(plan_id: int, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    plan = scoped(db, Plan, plan_id, who, "plan")
    try:
        from api.exports import write_all  # provided by the exports package
    except ImportError:
        raise HTTPException(501, "les exports de fichiers ne sont pas disponibles dans cette version") from None
    view = view_from_dict(plan.view)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        write_all(view, Path(tmp))
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(tmp))
    record_read(db, who, "export", "/plans/{id}/exports.zip", 1)
    return Response(buf.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.zip"'})
