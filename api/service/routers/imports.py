"""Upload patients, staff or premises as CSV/XLSX (planner). All rows or none; errors listed by row."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.service.imports import import_rows, read_table
from api.service.routers.common import get_db, territory_of

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("/{kind}", summary="Import a CSV or XLSX file; 422 lists every bad row (row, field, reason)")
async def import_file(kind: Literal["patients", "staff", "premises"], request: Request, file: UploadFile = File(...),
                      db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    limit = request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise HTTPException(413, [{"field": "file", "msg": f"fichier trop volumineux (max {limit} octets)"}])
    try:
        df = read_table(content, file.filename or "")
    except ValueError as exc:
        raise HTTPException(422, [{"field": "file", "msg": str(exc)}]) from None
    count, errors = import_rows(db, territory_of(who), kind, df, user_id=who.user_id)
    if errors:
        return JSONResponse(status_code=422, content={
            "message": f"{len(errors)} erreur(s) : rien n'a été importé",
            "detail": [{"row": e.row, "field": e.field, "msg": e.reason} for e in errors]})
    return {"imported": count, "kind": kind}
