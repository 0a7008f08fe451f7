"""Login: an email and password give an expiring token (JSON for API clients, a cookie for pages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import Field
from sqlalchemy.orm import Session

from api.auth import COOKIE, Principal, allow, authenticate, issue_token
from api.routers.common import Strict, get_db

router = APIRouter(prefix="/auth", tags=["auth"])
HOME = {"planner": "/pages/planificateur", "field": "/pages/ma-journee", "municipality": "/pages/commune"}


class Credentials(Strict):
    email: str = Field(min_length=3, max_length=254, examples=["infirmiere@example.org"])
    password: str = Field(min_length=1, max_length=200, examples=["un mot de passe"])


@router.post("/token", summary="Exchange email and password for a bearer token")
def token(body: Credentials, request: Request, db: Session = Depends(get_db), _=Depends(allow("public"))) -> dict:
    user = authenticate(db, body.email, body.password)
    if user is None:
        raise HTTPException(401, "email ou mot de passe incorrect")
    s = request.app.state.settings
    return {"access_token": issue_token(user, s.secret_key, s.token_minutes), "token_type": "bearer",
            "role": user.role, "expires_in": s.token_minutes * 60}


@router.post("/login", summary="Page login form: sets the session cookie and goes to the role's page",
             include_in_schema=False)
def login(request: Request, email: str = Form(max_length=254), password: str = Form(max_length=200),
          db: Session = Depends(get_db), _=Depends(allow("public"))):
    user = authenticate(db, email, password)
    if user is None:
        return RedirectResponse("/pages/connexion?erreur=1", status_code=303)
    s = request.app.state.settings
    resp = RedirectResponse(HOME[user.role], status_code=303)
    resp.set_cookie(COOKIE, issue_token(user, s.secret_key, s.token_minutes), httponly=True,
                    samesite="strict", max_age=s.token_minutes * 60)
    return resp


@router.post("/logout", include_in_schema=False)
def logout(_=Depends(allow("public"))):
    resp = RedirectResponse("/pages/connexion", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/me", summary="The calling account")
def me(who: Principal = Depends(allow("planner", "field", "municipality"))) -> dict:
    return {"role": who.role, "user_id": who.user_id, "territory_id": who.territory_id,
            "commune_insee": who.commune_insee, "staff_code": who.staff_code}
