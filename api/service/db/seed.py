"""Territory setup: communes from a communes CSV, and optionally the synthetic demo people."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.db.models import Commune, Patient, Premises, Staff, Territory, Unit
from planner.core.territory import read_communes


def ensure_territory(db: Session, code: str, communes_csv: Path | None, name: str | None = None) -> Territory:
    """The territory `code`, created with the communes of `communes_csv` when it does not exist yet."""
    t = db.scalars(select(Territory).where(Territory.code == code)).first()
    if t is not None:
        return t
    t = Territory(code=code, name=name or code)
    db.add(t)
    db.flush()
    if communes_csv is not None:
        for c in read_communes(communes_csv):
            db.add(Commune(territory_id=t.id, insee=c.insee, name=c.name, population=c.population,
                           lat=c.townhall.lat if c.townhall else None, lon=c.townhall.lon if c.townhall else None,
                           townhall_address=c.townhall_address, townhall_hours=c.townhall_hours.to_fr_json()))
    db.commit()
    return t


def seed_demo_people(db: Session, territory: Territory, communes_csv: Path, *, n_patients: int = 60,
                     n_doctors: int = 2, n_nurses: int = 3, n_units: int = 2, seed: int = 7) -> bool:
    """Fill an empty territory with SYNTHETIC patients, staff, units and premises; False if it had some."""
    if db.scalars(select(Staff.id).where(Staff.territory_id == territory.id)).first() is not None:
        return False
    from planner.synthetic import generate

    sc = generate(read_communes(communes_csv), n_patients=n_patients, n_doctors=n_doctors, n_nurses=n_nurses,
                  n_units=n_units, seed=seed)
    tid = territory.id
    today = date.today()
    for k, p in enumerate(sc.patients):  # last visits spread over the past fortnight, roles alternating
        db.add(Patient(territory_id=tid, code=p.id, name=p.name, address=p.address, insee=p.insee,
                       lat=p.location.lat, lon=p.location.lon, ald=p.ald, no_regular_doctor=p.no_regular_doctor,
                       palliative=p.palliative, frequency_days=7 if p.palliative else 14,
                       tolerance_days=1 if p.palliative else 2, last_visit=today - timedelta(days=1 + k % 13),
                       last_role="doctor" if k % 2 else "nurse"))
    for s in sc.staff:
        db.add(Staff(territory_id=tid, code=s.id, name=s.name, role=s.role, base_name=s.base_name,
                     base_lat=s.base.lat, base_lon=s.base.lon))
    for u in sc.units:
        db.add(Unit(territory_id=tid, code=u.id, name=u.name, roles=list(u.roles), vehicle=u.vehicle,
                    base_name=u.base_name, base_lat=u.base.lat, base_lon=u.base.lon))
    for p in sc.premises:
        db.add(Premises(territory_id=tid, code=p.id, insee=p.insee, name=p.name, address=p.address,
                        lat=p.location.lat, lon=p.location.lon, rooms=p.rooms, accessible=p.accessible,
                        days=["lundi", "mardi", "mercredi", "jeudi", "vendredi"], hours="09:00-17:00",
                        status="approved"))
    db.commit()
    return True
