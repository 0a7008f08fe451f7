"""Login: an email and password give an expiring token (JSON for API clients, a cookie for pages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import Field
from sqlalchemy.orm import Session

from api.service.auth import COOKIE, Principal, allow, authenticate, issue_token
from api.service.db.models import User
from api.service.routers.common import Strict, get_db
from api.service.throttle import wait_message

router = APIRouter(prefix="/auth", tags=["auth"])
HOME = {"planner": "/pages/planificateur", "field": "/pages/ma-journee", "municipality": "/pages/commune",
        "coordinator": "/docs"}


class Credentials(Strict):
    email: str = Field(min_length=3, max_length=254, examples=["infirmiere@example.org"])
    password: str = Field(min_length=1, max_length=200, examples=["un mot de passe"])


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def checked_login(request: Request, db: Session, email: str, password: str) -> User | None:
    """The account for these credentials, or None; refused with a 429 while too many attempts failed."""
    throttle = request.app.state.login_throttle
    wait = throttle.retry_after(email, _client(request))
    if wait:
        raise HTTPException(429, wait_message(wait), headers={"Retry-After": str(wait)})
    user = authenticate(db, email, password)
    if user is None:
        throttle.failed(email, _client(request))
    else:
        throttle.succeeded(email)
    return user


@router.post("/token", summary="Exchange email and password for a bearer token",
             responses={401: {"description": "email ou mot de passe incorrect"},
                        429: {"description": "trop de tentatives : réessayer après Retry-After secondes"}})
def token(body: Credentials, request: Request, db: Session = Depends(get_db), _=Depends(allow("public"))) -> dict:
    user = checked_login(request, db, body.email, body.password)
    if user is None:
        raise HTTPException(401, "email ou mot de passe incorrect")
    s = request.app.state.settings
    return {"access_token": issue_token(user, s.secret_key, s.token_minutes), "token_type": "bearer",
            "role": user.role, "expires_in": s.token_minutes * 60}


@router.post("/login", summary="Page login form: sets the session cookie and goes to the role's page",
             include_in_schema=False)
def login(request: Request, email: str = Form(max_length=254), password: str = Form(max_length=200),
          db: Session = Depends(get_db), _=Depends(allow("public"))):
    try:
        user = checked_login(request, db, email, password)
    except HTTPException as exc:
        if exc.status_code != 429:
            raise
        return RedirectResponse("/pages/connexion?erreur=2", status_code=303)
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
