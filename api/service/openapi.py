"""The service's OpenAPI document, made to say what the service really answers (issue 15 §1).

FastAPI documents each route's success and a 422 shaped as its own `HTTPValidationError`; the service also
answers, on every route or on some:

- 400 and 413 from the security middleware (unreadable body, bad Content-Length, body over the limit);
- 401 from the role guard (`api.service.auth.Guard`) on every route (a bad token, even on a public route), 403
  on every route that is not public (those also declare the bearer security scheme);
- 404 for an unknown or foreign id (every route with a path parameter, and the few listed in `NOT_FOUND`);
- 409 for a state conflict (the routes listed in `CONFLICTS`), 429 on the login.

Every error body has one shape, `ErrorBody`: `detail` is a sentence or a list of items naming the field (and
the row of a file), as the exception handlers of `api.service.app` write them. The contract test
(tests/api/test_contract.py) runs schemathesis on this document: a code missing here fails it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.service.auth import route_roles

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
ERROR_SCHEMAS: dict[str, Any] = {
    "ErrorItem": {
        "title": "ErrorItem",
        "type": "object",
        "description": "One refused value: the field it belongs to (dotted), the row of an imported file, why.",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "row": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}],
                    "description": "spreadsheet row of an imported file, or the record's code"},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
        "required": ["msg"],
    },
    "ErrorBody": {
        "title": "ErrorBody",
        "type": "object",
        "description": "An error: `detail` is a French sentence, or the list of the refused fields.",
        "properties": {
            "detail": {"anyOf": [{"type": "string"},
                                 {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}}]},
            "message": {"type": "string", "description": "the refusals as one sentence"},
            "field": {"type": "string"},
        },
        "required": ["detail"],
    },
}

DESCRIPTIONS = {
    "400": "requête illisible (corps non décodable, en-tête Content-Length invalide)",
    "401": "connexion requise, ou jeton invalide ou expiré",
    "403": "accès refusé pour ce rôle (ou compte rattaché à aucun territoire)",
    "404": "introuvable (ou appartenant à un autre territoire)",
    "409": "conflit avec l'état de la ressource",
    "413": "requête trop volumineuse",
    "422": "valeur refusée : chaque élément de `detail` nomme le champ",
    "429": "trop de tentatives : réessayer après Retry-After secondes",
}

# Routes without a path parameter that still answer 404 (an id in the query or the body, or nothing to show).
NOT_FOUND = {
    ("GET", "/itineraries/mine/sheet"),
    ("GET", "/itineraries/mine/ticks"),
    ("POST", "/itineraries/mine/ticks"),
}

# Routes that answer 409: a duplicate code, a row still in use, or an action the object's state forbids.
CONFLICTS = {
    ("POST", "/patients"), ("PATCH", "/patients/{patient_id}"),
    ("POST", "/staff"), ("PATCH", "/staff/{obj_id}"), ("DELETE", "/staff/{obj_id}"),
    ("POST", "/units"), ("PATCH", "/units/{obj_id}"), ("DELETE", "/units/{obj_id}"),
    ("POST", "/premises"), ("PATCH", "/premises/{premises_id}"),
    ("POST", "/jobs/{job_id}/cancel"), ("POST", "/jobs/{job_id}/rerun"),
    ("GET", "/plans/{plan_id}/publish-preview"), ("POST", "/plans/{plan_id}/publish"),
    ("GET", "/plans/{plan_id}/proposals"),
    ("POST", "/plans/{plan_id}/visits/{patient_code}/{visit_index}/move"),
    ("PUT", "/plans/{plan_id}/visits/{patient_code}/{visit_index}/pin"),
    ("PUT", "/plans/{plan_id}/days/{day}/lock"),
    ("POST", "/plans/{plan_id}/sessions/{unit_code}/{day}/{half}/move"),
    ("PUT", "/plans/{plan_id}/sessions/{unit_code}/{day}/{half}/pin"),
    ("POST", "/plans/{plan_id}/replan-around-pins"),
    ("POST", "/itineraries/mine/ticks"),
}

THROTTLED = {("POST", "/auth/token")}

# The resources the routes answer with (`*_out` of the routers): the fields always present, named and typed, so
# a client (and schemathesis's stateful links) knows that a plan's id is `id` and a job's plan is `plan_id`.
_INT, _STR, _NUM = {"type": "integer"}, {"type": "string"}, {"type": "number"}
_NULLABLE_INT = {"anyOf": [_INT, {"type": "null"}]}
_NULLABLE_STR = {"anyOf": [_STR, {"type": "null"}]}


def _resource(title: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"title": title, "type": "object", "description": description, "properties": properties,
            "required": required}


RESOURCE_SCHEMAS: dict[str, Any] = {
    "Plan": _resource("Plan", "A plan (draft, published or superseded).",
                      {"id": _INT, "kind": _STR, "status": _STR, "title": _NULLABLE_STR}, ["id", "kind", "status"]),
    "Job": _resource("Job", "A planning job; `plan_id` is its plan once done.",
                     {"id": _INT, "kind": _STR, "status": _STR, "progress": _NUM, "plan_id": _NULLABLE_INT},
                     ["id", "kind", "status", "plan_id"]),
    "Patient": _resource("Patient", "A patient (a field staff member sees code, name and address only).",
                         {"id": _INT, "code": _STR, "name": _STR}, ["id", "code", "name"]),
    "Premises": _resource("Premises", "Premises proposed by a town hall or recorded by the planner.",
                          {"id": _INT, "code": _STR, "name": _STR, "insee": _NULLABLE_STR, "status": _STR},
                          ["id", "code", "name", "status"]),
    "Staff": _resource("Staff", "A caregiver.", {"id": _INT, "code": _STR, "name": _STR, "role": _STR},
                       ["id", "code", "name", "role"]),
    "Unit": _resource("Unit", "A mobile unit.", {"id": _INT, "code": _STR, "name": _STR}, ["id", "code", "name"]),
    "Territory": _resource("Territory", "A territory.", {"id": _INT, "code": _STR, "name": _STR},
                           ["id", "code", "name"]),
}


def _crud(prefix: str, param: str, name: str) -> dict[tuple[str, str], tuple[str, bool]]:
    one = f"{prefix}/{{{param}}}"
    return {("GET", prefix): (name, True), ("POST", prefix): (name, False), ("GET", one): (name, False),
            ("PATCH", one): (name, False)}


# (method, path) -> (resource, answered as a list)
RESPONSES: dict[tuple[str, str], tuple[str, bool]] = {
    **_crud("/patients", "patient_id", "Patient"), **_crud("/premises", "premises_id", "Premises"),
    **_crud("/staff", "obj_id", "Staff"), **_crud("/units", "obj_id", "Unit"),
    ("POST", "/premises/{premises_id}/status"): ("Premises", False),
    ("GET", "/territories"): ("Territory", True), ("GET", "/territories/{territory_id}"): ("Territory", False),
    ("PATCH", "/territories/{territory_id}"): ("Territory", False),
    ("GET", "/plans"): ("Plan", True), ("GET", "/plans/{plan_id}"): ("Plan", False),
    ("POST", "/plans/{plan_id}/publish"): ("Plan", False),
    ("POST", "/plans/{plan_id}/visits/{patient_code}/{visit_index}/move"): ("Plan", False),
    ("PUT", "/plans/{plan_id}/visits/{patient_code}/{visit_index}/pin"): ("Plan", False),
    ("PUT", "/plans/{plan_id}/days/{day}/lock"): ("Plan", False),
    ("POST", "/plans/{plan_id}/sessions/{unit_code}/{day}/{half}/move"): ("Plan", False),
    ("PUT", "/plans/{plan_id}/sessions/{unit_code}/{day}/{half}/pin"): ("Plan", False),
    ("POST", "/plans"): ("Job", False), ("POST", "/plans/{plan_id}/replan"): ("Job", False),
    ("POST", "/plans/{plan_id}/replan-around-pins"): ("Job", False),
    ("GET", "/jobs"): ("Job", True), ("GET", "/jobs/{job_id}"): ("Job", False),
    ("POST", "/jobs/{job_id}/cancel"): ("Job", False), ("POST", "/jobs/{job_id}/rerun"): ("Job", False),
}


def _document_success(op: dict[str, Any], key: tuple[str, str]) -> None:
    if key not in RESPONSES:
        return
    name, many = RESPONSES[key]
    ref = {"$ref": f"#/components/schemas/{name}"}
    for code, entry in op.get("responses", {}).items():
        if code.startswith("2") and "application/json" in entry.get("content", {}):
            entry["content"]["application/json"]["schema"] = {"type": "array", "items": ref} if many else ref


def _error_codes(route: APIRoute, method: str) -> list[str]:
    key = (method, route.path_format)
    codes = ["400", "413"]
    roles = route_roles(route)
    if roles is not None:  # a token sent and invalid or expired is a 401 even on a public route
        codes.append("401")
        if "public" not in roles:
            codes.append("403")
    if route.param_convertors or key in NOT_FOUND:
        codes.append("404")
    if key in CONFLICTS:
        codes.append("409")
    if key in THROTTLED:
        codes += ["401", "429"]  # wrong email or password; too many attempts
    return codes


def contract_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with every error answer documented (cached on the app as FastAPI does)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {}).update({**ERROR_SCHEMAS, **RESOURCE_SCHEMAS})
    schema["components"]["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer", "description": "le jeton de `POST /auth/token` (les pages : un cookie)"}}
    for name in ("HTTPValidationError", "ValidationError"):  # replaced by ErrorBody: not what the service writes
        schema["components"]["schemas"].pop(name, None)
    for route in app.state.route_table:  # app.routes nests the included routers (FastAPI >= 0.16x)
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            op = schema["paths"].get(route.path_format, {}).get(method.lower())
            if op is None:
                continue
            _document_success(op, (method, route.path_format))
            roles = route_roles(route)
            if roles is not None and "public" not in roles:
                op["security"] = [{"bearer": []}]
            responses = op.setdefault("responses", {})
            codes = _error_codes(route, method)
            if "422" in responses:
                codes.append("422")
            for code in dict.fromkeys(codes):
                entry = responses.setdefault(code, {})
                entry["description"] = DESCRIPTIONS[code]
                entry["content"] = {"application/json": {"schema": ERROR_REF}}
            op["responses"] = dict(sorted(responses.items()))
    app.openapi_schema = schema
    return schema


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves on `path` (the Allow header of a 405)."""
    methods: set[str] = set()
    for route in [*app.router.routes, *app.state.route_table]:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path) and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)
