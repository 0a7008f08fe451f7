"""Health check: the service answers and its database is reachable."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy import text

from api.service.auth import allow

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service and database status")
def health(request: Request, _=Depends(allow("public"))) -> dict:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("select 1"))
    return {"status": "ok", "database": request.app.state.engine.dialect.name}
