"""Hand adjustments of a plan (planner): in a home-visit plan, move a visit to another day or caregiver, pin or
release it, lock a day; in a rotation plan, move a unit's session to another half-day, unit or premises, pin a
half-day or release it; then re-plan around the pins. Each edit is checked at once by the planner
(planner.home_visits.edits, planner.rotations.edits): a refused edit is a 422 with the rule in French and
changes nothing. A draft is edited in place; editing a
published plan makes a new draft (its child), published after its preview like any other."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from api.outputs.viewjson import view_to_dict
from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Plan
from api.service.routers.common import Id, IsoDate, Strict, get_db, scoped
from api.service.routers.plans import _new_job, plan_out
from planner.core.hours import parse_hhmm

router = APIRouter(prefix="/plans", tags=["plan edits"])

PatientCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]{1,64}$", description="patient code in the plan")]
VisitIndex = Annotated[int, Path(ge=1, le=366, description="n-th visit of the patient in the plan")]
StaffCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]


class MoveVisit(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"day": "2026-12-09", "staff_ids": ["N1"], "start_time": "10:30", "pin": True}]})
    day: IsoDate
    staff_ids: list[StaffCode] = Field(default_factory=list, max_length=2,
                                       description="caregivers (one per role); empty: the same ones, or the best")
    start_time: Optional[str] = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                      description="HH:MM start of the visit; empty: any time of the day")
    pin: bool = Field(default=True, description="keep it there when re-planning")


UnitCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]{1,64}$", description="unit code in the plan")]
Half = Literal["am", "pm"]


class MoveSession(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"to_day": "2026-12-09", "to_half": "pm", "premises_code": "SALLE-77379", "pin": True}]})
    to_unit: Optional[StaffCode] = Field(default=None, description="unit that holds it; empty: the same")
    to_day: Optional[IsoDate] = Field(default=None, description="day; empty: the same")
    to_half: Optional[Half] = Field(default=None, description="am (morning) or pm (afternoon); empty: the same")
    premises_code: Optional[StaffCode] = Field(default=None, description="premises; empty: the same")
    pin: bool = Field(default=True, description="keep it there when re-planning")


class PinVisit(Strict):
    pinned: bool


class LockDay(Strict):
    locked: bool


class AroundPins(Strict):
    time_limit_s: float = Field(default=10, ge=1, le=600)


def _editable(db: Session, plan_id: int, who: Principal, kind: str | None = "home_visits") -> Plan:
    plan = scoped(db, Plan, plan_id, who, "plan")
    if kind == "home_visits" and plan.kind != kind:
        raise HTTPException(409, "ce plan est une rotation : déplacez ou épinglez ses séances (/sessions/…)")
    if kind == "rotation" and plan.kind != kind:
        raise HTTPException(409, "ce plan est une tournée de visites : déplacez ou épinglez ses visites (/visits/…)")
    if plan.status == "superseded":
        raise HTTPException(409, "ce plan a été remplacé : ajustez le plan publié ou un brouillon")
    if "problem" not in (plan.solution or {}):
        raise HTTPException(409, "ce plan n'a pas de problème enregistré : relancez un calcul")
    return plan


def _apply(db: Session, request: Request, who: Principal, plan: Plan, edit, resource: str, *,
           routed: bool = True) -> dict:
    """Run the edit on the stored plan; write it (in place for a draft, as a new draft for a published plan)
    only once it has passed every check. A pin or a lock (`routed` False) keeps the plan's view and diff."""
    from api.service.planning import edit_stored, view_diff

    title = (plan.view or {}).get("title") or plan.title or None
    net = request.app.state.settings.network_path
    stored, view, message = edit_stored(plan.kind, plan.solution, edit, title, str(net) if net else None,
                                        routed=routed)
    new_view = view_to_dict(view) if view is not None else plan.view
    target = plan
    if plan.status == "published":
        target = Plan(territory_id=plan.territory_id, kind=plan.kind, status="draft",
                      title=f"{plan.title} (ajusté)"[:200], params={**plan.params, "parent_plan_id": plan.id},
                      parent_id=plan.id)
        db.add(target)
    if view is not None or target is not plan:  # what moved since the plan it comes from
        target.diff = view_diff(plan.view or {}, new_view)
    target.view, target.solution = new_view, stored
    db.commit()
    record_read(db, who, "edit", resource, 1)
    return {**plan_out(target), "message": message, "edited_from": plan.id}


@router.post("/{plan_id}/visits/{patient_code}/{visit_index}/move",
             summary="Move a visit to another day, caregiver or time (checked at once; pinned by default)")
def move_visit(plan_id: Id, patient_code: PatientCode, visit_index: VisitIndex, body: MoveVisit, request: Request,
               db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    from planner.home_visits.edits import move_visit as move

    plan = _editable(db, plan_id, who)
    _known_patient(plan, patient_code)
    return _apply(db, request, who, plan, lambda p, s, m: move(
        p, s, m, patient_code, visit_index, body.day, tuple(body.staff_ids),
        60 * parse_hhmm(body.start_time) if body.start_time else None,
        pin=body.pin), "/plans/{id}/visits/{code}/{n}/move")


@router.put("/{plan_id}/visits/{patient_code}/{visit_index}/pin",
            summary="Pin a visit where it is (day, caregivers, time) or release it")
def pin_visit(plan_id: Id, patient_code: PatientCode, visit_index: VisitIndex, body: PinVisit, request: Request,
              db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    from planner.home_visits.edits import set_pin

    plan = _editable(db, plan_id, who)
    _known_patient(plan, patient_code)
    return _apply(db, request, who, plan, lambda p, s, m: set_pin(p, s, patient_code, visit_index, body.pinned),
                  "/plans/{id}/visits/{code}/{n}/pin", routed=False)


@router.put("/{plan_id}/days/{day}/lock", summary="Lock a day (its rounds kept as they are) or unlock it")
def lock_day(plan_id: Id, day: IsoDate, body: LockDay, request: Request, db: Session = Depends(get_db),
             who: Principal = Depends(allow("planner"))) -> dict:
    from planner.home_visits.edits import lock_day as lock

    plan = _editable(db, plan_id, who)
    return _apply(db, request, who, plan, lambda p, s, m: lock(p, s, day, body.locked), "/plans/{id}/days/{day}/lock",
                  routed=False)


@router.post("/{plan_id}/replan-around-pins", status_code=202,
             summary="Re-plan keeping every pin and locked day; poll /jobs/{id}, the result is a draft")
def replan_around_pins(plan_id: Id, body: AroundPins, request: Request, db: Session = Depends(get_db),
                       who: Principal = Depends(allow("planner"))) -> dict:
    from planner import kinds

    plan = _editable(db, plan_id, who, kind=None)
    params = {k: v for k, v in plan.params.items() if k != "change"}
    params.update({"parent_plan_id": plan.id, "around_pins": True, "time_limit_s": body.time_limit_s,
                   "title": f"{plan.params.get('title') or kinds.get(plan.kind).label_fr} (autour des épingles)"[:150]})
    return _new_job(db, request, who, "replan", params)


@router.post("/{plan_id}/sessions/{unit_code}/{day}/{half}/move",
             summary="Move a rotation session to another half-day, unit or premises (checked at once; pinned by "
                     "default)")
def move_session(plan_id: Id, unit_code: UnitCode, day: IsoDate, half: Half, body: MoveSession, request: Request,
                 db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    from planner.rotations.edits import move_session as move

    plan = _editable(db, plan_id, who, "rotation")
    _known_unit(plan, unit_code)
    return _apply(db, request, who, plan, lambda p, s, m: move(
        p, s, m, unit_code, day, half, to_unit_id=body.to_unit, to_day=body.to_day, to_half=body.to_half,
        premises_id=body.premises_code, pin=body.pin), "/plans/{id}/sessions/{unit}/{day}/{half}/move")


@router.put("/{plan_id}/sessions/{unit_code}/{day}/{half}/pin",
            summary="Pin a rotation half-day as it is (its session, or no session) or release it")
def pin_session(plan_id: Id, unit_code: UnitCode, day: IsoDate, half: Half, body: PinVisit, request: Request,
                db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    from planner.rotations.edits import set_session_pin

    plan = _editable(db, plan_id, who, "rotation")
    _known_unit(plan, unit_code)
    return _apply(db, request, who, plan, lambda p, s, m: set_session_pin(p, s, unit_code, day, half, body.pinned),
                  "/plans/{id}/sessions/{unit}/{day}/{half}/pin", routed=False)


def _known_unit(plan: Plan, code: str) -> None:
    if not any(u.get("id") == code for u in plan.solution["problem"].get("units", [])):
        raise HTTPException(404, f"unité {code} absente de ce plan")


def _known_patient(plan: Plan, code: str) -> None:
    if not any(p.get("id") == code for p in plan.solution["problem"].get("patients", [])):
        raise HTTPException(404, f"patient {code} absent de ce plan")
