"""Tables of the service. Everything a territory owns carries territory_id so every query is scoped."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timezone

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Territory(Base):
    __tablename__ = "territories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Commune(Base):
    __tablename__ = "communes"
    __table_args__ = (UniqueConstraint("territory_id", "insee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    insee: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    population: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    townhall_address: Mapped[str] = mapped_column(String(300), default="")
    townhall_hours: Mapped[str] = mapped_column(Text, default="")


class Premises(Base):
    __tablename__ = "premises"
    __table_args__ = (UniqueConstraint("territory_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    insee: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    rooms: Mapped[int] = mapped_column(Integer, default=1)
    accessible: Mapped[bool] = mapped_column(Boolean, default=True)
    equipment: Mapped[str] = mapped_column(String(300), default="")
    days: Mapped[list] = mapped_column(JSON, default=list)  # French weekday names
    hours: Mapped[str] = mapped_column(String(100), default="")  # e.g. "09:00-17:00"
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed|approved|withdrawn
    # Keys of the planner's documented record beyond the columns (api.service.records), as the format names them
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("territory_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    vehicle: Mapped[str] = mapped_column(String(32), default="car")
    base_name: Mapped[str] = mapped_column(String(200), default="")
    base_lat: Mapped[float] = mapped_column(Float)
    base_lon: Mapped[float] = mapped_column(Float)
    work_profile: Mapped[str] = mapped_column(String(16), default="salaried")  # of the crew: salaried|self_employed
    # Keys of the planner's documented record beyond the columns (api.service.records), as the format names them
    options: Mapped[dict] = mapped_column(JSON, default=dict)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("territory_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # doctor|nurse|ipa
    base_name: Mapped[str] = mapped_column(String(200), default="")
    base_lat: Mapped[float] = mapped_column(Float)
    base_lon: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40), default="")
    work_profile: Mapped[str] = mapped_column(String(16), default="salaried")  # salaried|self_employed
    # weekday hours (mon..sun), absences, lunch, limits...: Monday to Friday 08:30-17:30 unless given
    options: Mapped[dict] = mapped_column(JSON, default=lambda: {k: "08:30-17:30"
                                                                 for k in ("mon", "tue", "wed", "thu", "fri")})


class Patient(Base):
    """Health data: read only through routes that audit the read."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("territory_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    insee: Mapped[str] = mapped_column(String(5), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    frequency_days: Mapped[int] = mapped_column(Integer, default=14)
    tolerance_days: Mapped[int] = mapped_column(Integer, default=2)
    ald: Mapped[bool] = mapped_column(Boolean, default=False)
    no_regular_doctor: Mapped[bool] = mapped_column(Boolean, default=False)
    palliative: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_doctor: Mapped[str] = mapped_column(String(64), default="")
    preferred_nurse: Mapped[str] = mapped_column(String(64), default="")
    last_visit: Mapped[date | None] = mapped_column(Date, nullable=True)  # so the alternation continues
    last_role: Mapped[str | None] = mapped_column(String(16), nullable=True)  # doctor|nurse
    # Keys of the planner's documented record beyond the columns (api.service.records), as the format names them
    options: Mapped[dict] = mapped_column(JSON, default=dict)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # planner|field|municipality
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), nullable=True)
    commune_insee: Mapped[str | None] = mapped_column(String(5), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Named by every token of the account: ids can be reused (SQLite), this key never is. A new key (role
    # changed, account reset) ends every token issued before.
    token_key: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_hex(16))


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # home_visits|rotation
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|published|superseded
    title: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    view: Mapped[dict] = mapped_column(JSON, default=dict)  # api.outputs.viewjson form of the PlanView
    solution: Mapped[dict] = mapped_column(JSON, default=dict)
    diff: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # plan|replan
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # queued|running|done|failed|cancelled|interrupted
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)  # service process running it
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # its owner last alive
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)  # host:pid@node of its Ray worker
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # worker processes that started it
    batch: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)  # one request, many territories


class ServiceKey(Base):
    """The service's own secrets kept with the data (the token signing key), generated once."""

    __tablename__ = "service_keys"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditLog(Base):
    """Who read patient data, when, through which route: never the patients' identities."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=0)


# --- field day (issue 13, section 2; migration 0007): visit ticks, crews on board, patient access -------

class VisitTick(Base):
    """A visit of a published plan ticked by the staff member who made it: done, or not done with a reason.

    One tick per visit (plan, day, patient): a joint visit is ticked once, by either partner."""

    __tablename__ = "visit_ticks"
    __table_args__ = (UniqueConstraint("plan_id", "day", "patient_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    patient_code: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))  # staff code of the itinerary ticked
    role: Mapped[str] = mapped_column(String(16))  # doctor|nurse: the role of the visit
    status: Mapped[str] = mapped_column(String(16))  # done|not_done
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)  # absent|hospitalised|refused
    note: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UnitCrew(Base):
    """Who is on board a mobile unit: their field accounts see the unit's days as their own."""

    __tablename__ = "unit_crew"
    __table_args__ = (UniqueConstraint("unit_id", "staff_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)


class PatientAccess(Base):
    """How to reach a patient's door: phone, door code, access note. Shown only to the staff visiting them."""

    __tablename__ = "patient_access"
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    door_code: Mapped[str] = mapped_column(String(40), default="")
    access_note: Mapped[str] = mapped_column(String(300), default="")

# --- end of the field-day block ------------------------------------------------------------------------
