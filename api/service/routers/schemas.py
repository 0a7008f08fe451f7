"""Request bodies with bounds, so bad values are refused with the field named (422), never stored."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Optional

from pydantic import Field, field_validator

from pydantic import ConfigDict

from api.service.routers.common import IsoDate, Strict


def _example(**example) -> ConfigDict:
    """Strict bodies with an example shown in the OpenAPI document."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
Lat = Field(ge=-90, le=90, examples=[48.56])
Lon = Field(ge=-180, le=180, examples=[3.29])
Insee = Field(pattern=r"^[0-9][0-9AB][0-9]{3}$", examples=["77379"])
Weekday = Literal["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
HOURS_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
HoursText = Field(default="09:00-17:00", pattern=HOURS_RE)
# The keys of the planner's record beyond the fields (api.service.records: OPTIONS), as the documented format
# names them (French aliases accepted); the planner validates them. In a PATCH, null removes a key.
Options = Field(default=None, max_length=60, description="keys of the planner's record beyond the fields "
                "(docs/home_visits_format.md, docs/rotation_format.md), e.g. window, joint, mon, absences")


def _ordered_hours(v: Optional[str]) -> Optional[str]:
    """"HH:MM-HH:MM" with the start before the end."""
    if v is not None and v[:5] >= v[6:]:
        raise ValueError("l'heure de début doit précéder l'heure de fin")
    return v


def _past_date(v: Optional[date]) -> Optional[date]:
    """A last visit is in the past, and not more than two years ago."""
    if v is not None and not (date.today().replace(year=date.today().year - 2) <= v <= date.today()):
        raise ValueError("date hors de la plage acceptée (dans les deux dernières années)")
    return v


class StaffIn(Strict):
    model_config = _example(code="N1", name="Inès Martin", role="nurse", base_name="Maison de santé de Provins",
                            base_lat=48.5597, base_lon=3.2995, phone="06 00 00 00 00",
                            options={"mon": "08:30-17:30", "tue": "08:30-12:30", "thu": "13:30-18:00",
                                     "absences": "2026-12-24..2026-12-31"})
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    role: Literal["doctor", "nurse", "ipa"]
    base_name: str = Field(default="", max_length=200)
    base_lat: float = Lat
    base_lon: float = Lon
    phone: str = Field(default="", max_length=40)
    work_profile: WorkProfileKind = "salaried"
    options: Optional[dict[str, Any]] = Options  # no weekday hours given: Monday to Friday 08:30-17:30


class StaffPatch(Strict):
    name: Optional[str] = Field(default=None, min_length=1, max_length=200)
    role: Optional[Literal["doctor", "nurse", "ipa"]] = None
    base_name: Optional[str] = Field(default=None, max_length=200)
    base_lat: Optional[float] = Field(default=None, ge=-90, le=90)
    base_lon: Optional[float] = Field(default=None, ge=-180, le=180)
    phone: Optional[str] = Field(default=None, max_length=40)
    work_profile: Optional[WorkProfileKind] = None
    options: Optional[dict[str, Any]] = Options


# French working-time rules (planner.core.worktime): salaried staff keep the Code du travail's limits.
WorkProfileKind = Literal["salaried", "self_employed"]
UnitRole = Literal["doctor", "nurse", "ipa", "psychologist", "prevention"]


class UnitIn(Strict):
    model_config = _example(code="U1", name="Unité mobile 1", roles=["doctor", "nurse"], vehicle="medical_bus",
                            base_name="Hôpital de Provins", base_lat=48.5597, base_lon=3.2995)
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    roles: list[UnitRole] = Field(min_length=1, max_length=10)
    vehicle: Literal["car", "van", "medical_bus"] = "car"
    base_name: str = Field(default="", max_length=200)
    base_lat: float = Lat
    base_lon: float = Lon
    work_profile: WorkProfileKind = "salaried"
    options: Optional[dict[str, Any]] = Options  # nights, lodging, rest days, members with their absences...


class UnitPatch(Strict):
    name: Optional[str] = Field(default=None, min_length=1, max_length=200)
    roles: Optional[list[UnitRole]] = Field(default=None, min_length=1, max_length=10)
    vehicle: Optional[Literal["car", "van", "medical_bus"]] = None
    base_name: Optional[str] = Field(default=None, max_length=200)
    base_lat: Optional[float] = Field(default=None, ge=-90, le=90)
    base_lon: Optional[float] = Field(default=None, ge=-180, le=180)
    work_profile: Optional[WorkProfileKind] = None
    options: Optional[dict[str, Any]] = Options


class PatientIn(Strict):
    model_config = _example(code="P0001", name="Jeanne Dupont", address="3 rue de la Mairie, 77480 Baby",
                            insee="77015", lat=48.3957, lon=3.3425, frequency_days=14, tolerance_days=2, ald=True,
                            preferred_doctor="D1", last_visit="2026-11-20", last_role="doctor")
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    insee: str = Insee
    lat: float = Lat
    lon: float = Lon
    frequency_days: int = Field(default=14, ge=1, le=56)
    tolerance_days: int = Field(default=2, ge=0, le=14)
    ald: bool = False
    no_regular_doctor: bool = False
    palliative: bool = False
    preferred_doctor: str = Field(default="", max_length=64)
    preferred_nurse: str = Field(default="", max_length=64)
    last_visit: Optional[IsoDate] = Field(default=None, description="date of the last visit before this plan")
    last_role: Optional[Literal["doctor", "nurse"]] = None
    options: Optional[dict[str, Any]] = Options  # window, joint, durations, unavailable dates...

    @field_validator("last_visit")
    @classmethod
    def _past(cls, v: Optional[date]) -> Optional[date]:
        return _past_date(v)


class PatientPatch(Strict):
    name: Optional[str] = Field(default=None, min_length=1, max_length=200)
    address: Optional[str] = Field(default=None, max_length=300)
    lat: Optional[float] = Field(default=None, ge=-90, le=90)
    lon: Optional[float] = Field(default=None, ge=-180, le=180)
    frequency_days: Optional[int] = Field(default=None, ge=1, le=56)
    tolerance_days: Optional[int] = Field(default=None, ge=0, le=14)
    ald: Optional[bool] = None
    no_regular_doctor: Optional[bool] = None
    palliative: Optional[bool] = None
    preferred_doctor: Optional[str] = Field(default=None, max_length=64)
    preferred_nurse: Optional[str] = Field(default=None, max_length=64)
    last_visit: Optional[IsoDate] = None
    last_role: Optional[Literal["doctor", "nurse"]] = None
    options: Optional[dict[str, Any]] = Options

    @field_validator("last_visit")
    @classmethod
    def _past(cls, v: Optional[date]) -> Optional[date]:
        return _past_date(v)


class PremisesIn(Strict):
    """A municipality's proposal (its commune is taken from its account) or a planner's entry."""

    model_config = _example(name="Salle du conseil", address="1 place de la Mairie", lat=48.4149, lon=3.2396,
                            rooms=2, accessible=True, equipment="table d'examen, point d'eau",
                            options={"hours": [["mardi", "mardi", [["09:00", "12:00"], ["14:00", "17:00"]]],
                                               ["jeudi", "jeudi", [["14:00", "18:00"]]]]})

    name: str = Field(min_length=1, max_length=200, examples=["Salle du conseil"])
    address: str = Field(default="", max_length=300)
    insee: Optional[str] = Field(default=None, pattern=r"^[0-9][0-9AB][0-9]{3}$")
    lat: float = Lat
    lon: float = Lon
    rooms: int = Field(default=1, ge=1, le=20)
    accessible: bool = True
    equipment: str = Field(default="", max_length=300)
    days: list[Weekday] = Field(default_factory=lambda: ["mardi", "jeudi"], min_length=1, max_length=7)
    hours: str = HoursText
    # `hours`: opening hours per weekday (api.service.opening_hours; `days` and `hours` then follow), `dates`
    options: Optional[dict[str, Any]] = Options

    @field_validator("hours")
    @classmethod
    def _hours_order(cls, v: Optional[str]) -> Optional[str]:
        return _ordered_hours(v)


class PremisesPatch(Strict):
    name: Optional[str] = Field(default=None, min_length=1, max_length=200)
    address: Optional[str] = Field(default=None, max_length=300)
    lat: Optional[float] = Field(default=None, ge=-90, le=90)
    lon: Optional[float] = Field(default=None, ge=-180, le=180)
    rooms: Optional[int] = Field(default=None, ge=1, le=20)
    accessible: Optional[bool] = None
    equipment: Optional[str] = Field(default=None, max_length=300)
    days: Optional[list[Weekday]] = Field(default=None, min_length=1, max_length=7)
    hours: Optional[str] = Field(default=None, pattern=HOURS_RE)
    options: Optional[dict[str, Any]] = Options

    @field_validator("hours")
    @classmethod
    def _hours_order(cls, v: Optional[str]) -> Optional[str]:
        return _ordered_hours(v)


class PremisesStatus(Strict):
    status: Literal["proposed", "approved", "withdrawn"]
