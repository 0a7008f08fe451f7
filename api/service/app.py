"""The web service: `create_app(settings)` builds the FastAPI app, migrates the database, starts (or joins) Ray.

Bad input never becomes a 500: validation errors are 422 naming the field, oversized bodies 413, unknown
or foreign ids 404; an unexpected error is logged without request data and answered with a plain 500.
"""

from __future__ import annotations

import dataclasses
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.service.db.session import make_engine, migrate, session_factory
from api.service.openapi import allowed_methods, contract_openapi
from api.service.security import SecurityMiddleware
from api.service.throttle import LoginThrottle
from api.service.settings import Settings
from planner.core.errors import InputError, InputErrors

log = logging.getLogger("planner.api")
DESCRIPTION = """Planification des unités mobiles et des visites à domicile.

Rôles : **planner** (tout son territoire), **field** (ses propres tournées publiées et ses patients),
**municipality** (ses propositions de locaux, le planning publié), **public** (plannings publiés par commune).
Authentification : `POST /auth/token` puis `Authorization: Bearer <jeton>`."""


def _field_of(loc: tuple | list) -> str:
    # an empty key (an unknown property named "") is shown as "", so the field is still named
    parts = [str(p) if p != "" else '""' for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[-1] if loc else "")


UNAVAILABLE = {
    "full": "espace disque plein sur le serveur de la base de données : rien n'a été enregistré, les données "
            "d'avant sont intactes ; libérez de la place puis réessayez",
    "read_only": "la base de données n'accepte plus d'écriture (fichier ou volume en lecture seule) : rien n'a "
                 "été enregistré, les données d'avant sont intactes ; réessayez quand elle est rétablie",
    "locked": "la base de données est occupée par un autre processus : rien n'a été enregistré ; réessayez "
              "dans un instant",
    "gone": "base de données injoignable : rien n'a été enregistré, les données d'avant sont intactes ; "
            "réessayez dans un instant",
}


def database_fault(exc: DBAPIError) -> str:
    """What a database error says about the database: full, read_only, locked, gone, or other (a bug, not an
    outage: a constraint, a bad statement)."""
    orig = exc.orig
    text_ = str(orig or exc).lower()
    code = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None) or ""
    if code == "53100" or "disk is full" in text_ or "no space left" in text_ or "could not extend" in text_:
        return "full"
    if code == "25006" or "readonly database" in text_ or "read-only" in text_:
        return "read_only"
    if "database is locked" in text_ or code in ("55P03", "40P01"):
        return "locked"
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)) or code.startswith("08") \
            or code.startswith("57P"):
        return "gone"
    return "other"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    if not settings.secret_key:
        from api.service.auth import signing_key

        settings = dataclasses.replace(settings, secret_key=signing_key(sessions))

    from api.service.jobs import JobRunner
    from api.service.planning import run_planning

    runner = JobRunner(sessions, workers=settings.workers, ray_address=settings.ray_address,
                       network_path=str(settings.network_path) if settings.network_path else None)
    if settings.start_workers:
        runner.start()  # Ray embedded or joined now: an unreachable cluster stops the start-up here

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.start_workers:
            runner.recover()
        yield
        runner.shutdown()

    app = FastAPI(title="Planificateur des déserts médicaux", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.jobs = runner
    app.state.login_throttle = LoginThrottle()
    app.state.plan_function = run_planning  # tests may replace it with a fast fake
    runner.app_state = app.state

    app.add_middleware(SecurityMiddleware, max_body_bytes=settings.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        from api.service.validation_fr import french_message

        errors = []
        for e in exc.errors():
            loc = list(e.get("loc", ()))
            field = _field_of(loc)
            if e.get("type") == "json_invalid":
                field = "body"
            errors.append({"loc": loc, "field": field, "msg": french_message(e), "type": e.get("type", "")})
        message = "; ".join(f"{x['field']}: {x['msg']}" for x in errors)
        return JSONResponse({"detail": errors, "message": message}, status_code=422)

    @app.exception_handler(InputError)
    async def on_input_error(request: Request, exc: InputError):
        return JSONResponse({"detail": [{"field": exc.field, "row": exc.row, "msg": exc.message}],
                             "message": str(exc)}, status_code=422)

    @app.exception_handler(InputErrors)
    async def on_input_errors(request: Request, exc: InputErrors):
        return JSONResponse({"detail": [{"field": e.field, "row": e.row, "msg": e.message} for e in exc.errors],
                             "message": str(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 401 and request.url.path.startswith("/pages/") and request.method == "GET":
            return RedirectResponse("/pages/connexion", status_code=303)
        if exc.status_code == 405:  # Allow: every method served on the path, not only the first route's
            allow = ", ".join(allowed_methods(request.app, request.url.path))
            return JSONResponse({"detail": "méthode non autorisée sur cette adresse"}, status_code=405,
                                headers={"Allow": allow})
        body: dict = {"detail": exc.detail}
        if isinstance(exc.detail, list):  # the refused fields, also as one French sentence a page can show
            body["message"] = " ; ".join(str(d.get("msg", "")) for d in exc.detail if isinstance(d, dict))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DBAPIError)
    async def on_database_down(request: Request, exc: DBAPIError):
        # the transaction was rolled back (the session closes without a commit): the previous state stands
        reason = database_fault(exc)
        log.error("database unavailable on %s %s: %s (%s)", request.method, request.url.path, reason,
                  type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
        if reason == "other":
            return JSONResponse({"detail": "erreur interne"}, status_code=500)
        return JSONResponse({"detail": UNAVAILABLE[reason]}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception):
        log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse({"detail": "erreur interne"}, status_code=500)

    from api.service.pages import routes as pages
    from api.service.routers import (audit, auth, batches, edits, exports, health, imports, itineraries, jobs,
                                     maps, patients, places, plans, premises, public, staff, territories, ticks,
                                     units)

    routers = [m.router for m in (health, auth, territories, premises, units, staff, patients, imports, jobs, plans,
                                  edits, batches, itineraries, ticks, maps, places, exports, public, audit, pages)]
    for r in routers:
        app.include_router(r)
    app.openapi = lambda: contract_openapi(app)  # type: ignore[method-assign]
    app.state.route_table = [route for r in routers for route in r.routes if isinstance(route, APIRoute)]
    return app


def route_table(app: FastAPI) -> list[APIRoute]:
    """Every API route of the app (the access-matrix test walks it: each one must declare its roles)."""
    return list(app.state.route_table)
