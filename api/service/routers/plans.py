"""Plans: a planning request becomes a job whose result is a draft plan; publishing supersedes the
previous published plan of the same kind. Field staff see published plans only (their own days)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner import kinds

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Job, Plan, Premises, Staff, Unit, User, utcnow
from api.service.routers.common import Id, IsoDate, Strict, get_db, scoped, territory_of
from api.service.routers.jobs import job_out

router = APIRouter(prefix="/plans", tags=["plans"])


def _date_in_range(d: date, field: str) -> date:
    today = date.today()
    if not (today - timedelta(days=366) <= d <= today + timedelta(days=2 * 366)):
        raise ValueError(f"{field}: date hors de la plage acceptée (un an avant à deux ans après aujourd'hui)")
    return d


class PlanRequest(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "rotation", "start": "2026-12-07", "days": 10, "time_limit_s": 20, "title": "Décembre"}]})
    kind: Literal["home_visits", "rotation"] = Field(examples=["rotation"])
    start: IsoDate = Field(examples=["2026-12-07"])
    days: int = Field(ge=1, le=56, description="1 to 56 days (8 weeks)", examples=[5])
    time_limit_s: float = Field(default=10, ge=1, le=600)
    seed: int = Field(default=1, ge=0, le=2**31 - 1)
    deterministic: bool = Field(default=True, description="reproducible search: same seed, same plan (work limits end it, not the clock)")
    title: str = Field(default="", max_length=160)

    @model_validator(mode="after")
    def _dates(self):
        _date_in_range(self.start, "start")
        return self


class Change(Strict):
    """What happened since the plan was published."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"absent_staff": "D1", "from_date": "2026-12-09"}, {"withdrawn_premises": "M77379"}]})

    absent_staff: Optional[str] = Field(default=None, max_length=64, description="staff code absent from `from_date`")
    unavailable_unit: Optional[str] = Field(default=None, max_length=64)
    withdrawn_premises: Optional[str] = Field(default=None, max_length=64, description="premises code")
    from_date: Optional[IsoDate] = None
    time_limit_s: float = Field(default=10, ge=1, le=600)

    @model_validator(mode="after")
    def _one(self):
        if not (self.absent_staff or self.unavailable_unit or self.withdrawn_premises):
            raise ValueError("indiquez absent_staff, unavailable_unit ou withdrawn_premises")
        if self.from_date:
            _date_in_range(self.from_date, "from_date")
        return self


def plan_out(p: Plan, *, full: bool = False) -> dict:
    out = {"id": p.id, "kind": p.kind, "status": p.status, "title": p.title, "params": p.params,
           "created_at": p.created_at.isoformat(),
           "published_at": p.published_at.isoformat() if p.published_at else None,
           "indicators": (p.view or {}).get("indicators", []), "parent_id": p.parent_id, "diff": p.diff}
    if full:
        out["view"] = p.view
        out["solution"] = p.solution
    return out


def _new_job(db: Session, request: Request, who: Principal, kind: str, params: dict) -> dict:
    job = Job(territory_id=territory_of(who), kind=kind, params=params, created_by=who.user_id)
    db.add(job)
    db.commit()
    request.app.state.jobs.submit(job.id)
    return job_out(job)


@router.post("", status_code=202, summary="Start a planning job; poll /jobs/{id}, the result is a draft plan")
def create_plan(body: PlanRequest, request: Request, db: Session = Depends(get_db),
                who: Principal = Depends(allow("planner"))) -> dict:
    params = body.model_dump(mode="json")
    from api.service import records

    # the records the planner refuses are a 422 now (field and record named), not a failed job later
    (records.home_visit_problem if body.kind == "home_visits" else records.rotation_problem)(
        records.snapshot(db, territory_of(who)), params)
    return _new_job(db, request, who, "plan", params)


@router.get("", summary="Plans of the territory (field staff: published only)")
def list_plans(db: Session = Depends(get_db), who: Principal = Depends(allow("planner", "field"))) -> list[dict]:
    q = select(Plan).where(Plan.territory_id == territory_of(who)).order_by(Plan.id.desc())
    if who.role == "field":  # published plans, without the team's indicators: their own days are elsewhere
        q = q.where(Plan.status == "published")
        return [{k: v for k, v in plan_out(p).items() if k in ("id", "kind", "status", "title", "published_at")}
                for p in db.scalars(q)]
    return [plan_out(p) for p in db.scalars(q)]


@router.get("/{plan_id}", summary="A plan with its itineraries (planner)")
def get_plan(plan_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    plan = scoped(db, Plan, plan_id, who, "plan")
    if plan.kind == "home_visits":
        record_read(db, who, "read", "/plans/{id}", len({s.get("patient_id") for it in plan.view.get("itineraries", [])
                                                          for s in it.get("stops", []) if s.get("patient_id")}))
    return plan_out(plan, full=True)


def _published(db: Session, plan: Plan) -> Plan | None:
    return db.scalars(select(Plan).where(Plan.territory_id == plan.territory_id, Plan.kind == plan.kind,
                                         Plan.status == "published", Plan.id != plan.id)
                      .order_by(Plan.id.desc())).first()


def _recipients(db: Session, plan: Plan, people: list) -> dict[str, list[str]]:
    """resource id -> e-mails of the active field accounts of that staff member."""
    codes = {p.resource_id for p in people}
    rows = db.execute(select(Staff.code, User.email).join(User, User.staff_id == Staff.id)
                      .where(Staff.territory_id == plan.territory_id, Staff.code.in_(codes), User.active.is_(True)))
    out: dict[str, list[str]] = {}
    for code, email in rows:
        out.setdefault(code, []).append(email)
    return out


def _preview(db: Session, plan: Plan) -> tuple[dict, list, dict[str, list[str]]]:
    from api.service.notify import changes

    old = _published(db, plan)
    people = changes(old.view if old else None, plan.view or {})
    emails = _recipients(db, plan, people)
    return {"plan_id": plan.id, "replaces": old.id if old else None, "replaces_title": old.title if old else None,
            "people": [{"resource_id": p.resource_id, "name": p.name, "changes": list(p.lines),
                        "notified": bool(emails.get(p.resource_id))} for p in people]}, people, emails


@router.get("/{plan_id}/publish-preview", summary="What publishing this draft changes, and for whom (planner)")
def publish_preview(plan_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    plan = scoped(db, Plan, plan_id, who, "plan")
    if plan.status != "draft":
        raise HTTPException(409, f"seul un brouillon se publie (ce plan est {plan.status})")
    return _preview(db, plan)[0]


@router.post("/{plan_id}/publish", summary="Publish a draft; the previous published plan of its kind is superseded "
                                           "and each person whose days change is told by e-mail")
def publish_plan(plan_id: Id, request: Request, db: Session = Depends(get_db),
                 who: Principal = Depends(allow("planner"))) -> dict:
    from api.service.notify import message

    plan = scoped(db, Plan, plan_id, who, "plan")
    if plan.status != "draft":
        raise HTTPException(409, f"seul un brouillon se publie (ce plan est {plan.status})")
    preview, people, emails = _preview(db, plan)
    for old in db.scalars(select(Plan).where(Plan.territory_id == plan.territory_id, Plan.kind == plan.kind,
                                             Plan.status == "published")):
        old.status = "superseded"
    plan.status, plan.published_at = "published", utcnow()
    db.commit()
    mailer = request.app.state.settings.mailer()
    messages = [message(mailer, to, p, plan.title or "Planning") for p in people for to in emails.get(p.resource_id, [])]
    sent, errors = mailer.send(messages)
    return {**plan_out(plan), "notified": sorted(set(sent)),
            "notification_errors": errors, "changes": preview["people"]}


@router.post("/{plan_id}/replan", status_code=202, summary="Re-plan after a change; the result lists the difference")
def replan(plan_id: Id, body: Change, request: Request, db: Session = Depends(get_db),
           who: Principal = Depends(allow("planner"))) -> dict:
    plan = scoped(db, Plan, plan_id, who, "plan")
    tid = territory_of(who)
    checks = ((body.absent_staff, Staff, "absent_staff"), (body.unavailable_unit, Unit, "unavailable_unit"),
              (body.withdrawn_premises, Premises, "withdrawn_premises"))
    for code, model, field in checks:
        if code and db.scalar(select(model.id).where(model.territory_id == tid, model.code == code)) is None:
            raise HTTPException(422, [{"loc": ["body", field], "field": field, "msg": f"{code!r} inconnu"}])
    params = {k: v for k, v in plan.params.items() if k != "around_pins"}
    params.update({"parent_plan_id": plan.id, "change": body.model_dump(mode="json", exclude_none=True),
                   "time_limit_s": body.time_limit_s,
                   "title": f"{plan.params.get('title') or kinds.get(plan.kind).label_fr} (re-planifié)"[:150]})
    return _new_job(db, request, who, "replan", params)


@router.get("/{plan_id}/proposals", summary="What each pending premises proposal would add to a rotation plan")
def proposals_value(plan_id: Id, request: Request, db: Session = Depends(get_db),
                    who: Principal = Depends(allow("planner"))) -> list[dict]:
    from api.service.planning import rank_pending_premises

    plan = scoped(db, Plan, plan_id, who, "plan")
    if plan.kind != "rotation" or "problem" not in (plan.solution or {}):
        raise HTTPException(409, "seul un plan de rotation calculé permet d'évaluer les propositions")
    pending = db.scalars(select(Premises).where(Premises.territory_id == plan.territory_id,
                                                Premises.status == "proposed"))
    from api.service.records import premises_record

    rows = [premises_record(p) for p in pending]
    net = request.app.state.settings.network_path
    return rank_pending_premises(plan.solution, rows, str(net) if net else None)
