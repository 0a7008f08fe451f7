"""Seeded generator of the people a demo plans for. Everything it makes is SYNTHETIC (no real person).

Patients are dependent elderly people living at home, spread over communes in proportion to population
and placed on the road network when candidate road points are given. Rates are plausible French orders
of magnitude for dependent people over 65 (ALD long-term condition about 70 %, about 15 % without a
regular doctor in a medical desert, about 3 % in palliative care at home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from planner.core.geo import Location, haversine_m
from planner.core.territory import Commune

SYNTHETIC_NOTICE = "Données synthétiques : personnes fictives générées pour la démonstration."

RATES = {"ald": 0.70, "no_regular_doctor": 0.15, "palliative": 0.03}
_SURNAMES = ("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
             "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
             "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent")
_GIVEN = ("Jeanne", "Marie", "Germaine", "Yvette", "Paulette", "Simone", "Lucienne", "Odette", "Jean",
          "André", "René", "Marcel", "Roger", "Robert", "Georges", "Pierre", "Henri", "Raymond")


@dataclass(frozen=True, slots=True)
class SyntheticPatient:
    id: str
    name: str
    insee: str
    commune: str
    location: Location
    address: str
    age: int
    ald: bool
    no_regular_doctor: bool
    palliative: bool


@dataclass(frozen=True, slots=True)
class SyntheticStaff:
    id: str
    name: str
    role: str  # "doctor" | "nurse" | "ipa" (advanced-practice nurse)
    base_name: str
    base: Location


@dataclass(frozen=True, slots=True)
class SyntheticUnit:
    id: str
    name: str
    roles: tuple[str, ...]  # e.g. ("doctor", "nurse"), ("doctor", "psychologist")
    vehicle: str  # "car" | "van" | "medical_bus"
    base_name: str
    base: Location


@dataclass(frozen=True, slots=True)
class SyntheticPremises:
    id: str
    name: str
    insee: str
    location: Location
    address: str
    rooms: int
    kind: str  # "mairie" | "salle" | "ancien_cabinet"
    accessible: bool


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named, seeded demo population over a set of communes."""

    name: str
    seed: int
    communes: tuple[Commune, ...]
    patients: tuple[SyntheticPatient, ...]
    staff: tuple[SyntheticStaff, ...]
    units: tuple[SyntheticUnit, ...]
    premises: tuple[SyntheticPremises, ...]


def generate(communes: Sequence[Commune], *, n_patients: int = 300, n_doctors: int = 4, n_nurses: int = 6,
             n_units: int = 3, seed: int = 7, road_points: Sequence[Location] | None = None,
             name: str = "provinois") -> Scenario:
    """Build a deterministic scenario; `road_points` (e.g. network nodes) pins people onto roads."""
    rng = np.random.default_rng(seed)
    placed = [c for c in communes if c.townhall is not None]
    if not placed:
        raise ValueError("no commune with a town-hall position to build a scenario on")
    pts = None
    if road_points:
        pts = np.array([[p.lat, p.lon] for p in road_points], dtype=float)
    by_size = sorted(placed, key=lambda c: (-c.population, c.insee))

    weights = np.array([max(c.population, 1) for c in placed], dtype=float)
    counts = rng.multinomial(n_patients, weights / weights.sum())
    patients = []
    for commune, count in zip(placed, counts):
        for _ in range(int(count)):
            k = len(patients) + 1
            loc = _place(rng, commune.townhall, pts, spread_m=400 + 4 * np.sqrt(commune.population))
            age = int(min(102, 65 + rng.gamma(4.0, 4.5)))
            patients.append(SyntheticPatient(
                id=f"P{k:04d}",
                name=f"{rng.choice(_GIVEN)} {rng.choice(_SURNAMES)} (fictif)",
                insee=commune.insee, commune=commune.name, location=loc,
                address=f"{int(rng.integers(1, 60))} rue fictive, {commune.name}",
                age=age, ald=bool(rng.random() < RATES["ald"]),
                no_regular_doctor=bool(rng.random() < RATES["no_regular_doctor"]),
                palliative=bool(rng.random() < RATES["palliative"])))

    centres = by_size[:3]
    staff = []
    for k in range(n_doctors):
        c = centres[k % len(centres)]
        staff.append(SyntheticStaff(f"D{k + 1}", f"Dr {_SURNAMES[(3 * k) % len(_SURNAMES)]} (fictif)",
                                    "doctor", f"Maison de santé de {c.name}", c.townhall))
    for k in range(n_nurses):
        c = centres[k % len(centres)]
        role = "ipa" if k == 0 else "nurse"
        staff.append(SyntheticStaff(f"N{k + 1}", f"{_GIVEN[k % 8]} {_SURNAMES[(5 * k + 1) % 26]} (fictif)",
                                    role, f"Maison de santé de {c.name}", c.townhall))

    unit_roles = (("doctor", "nurse"), ("doctor", "ipa", "psychologist"), ("nurse", "prevention"))
    vehicles = ("medical_bus", "van", "car")
    units = [SyntheticUnit(f"U{k + 1}", f"Unité mobile {k + 1}", unit_roles[k % 3], vehicles[k % 3],
                           f"Base de {centres[0].name}", centres[0].townhall) for k in range(n_units)]

    premises = [SyntheticPremises(f"M{c.insee}", f"Mairie de {c.name}", c.insee, c.townhall,
                                  c.townhall_address, 1, "mairie", True)
                for c in placed if not c.townhall_hours.is_empty]
    for k, c in enumerate(by_size[3:9]):
        loc = _place(rng, c.townhall, pts, spread_m=300)
        kind = "ancien_cabinet" if k % 2 == 0 else "salle"
        label = "Ancien cabinet médical" if kind == "ancien_cabinet" else "Salle polyvalente"
        premises.append(SyntheticPremises(f"S{c.insee}", f"{label} de {c.name}", c.insee, loc,
                                          f"{label}, {c.name} (fictif)", 2, kind, k % 3 != 2))
    return Scenario(name, seed, tuple(communes), tuple(patients), tuple(staff), tuple(units), tuple(premises))


def _place(rng: np.random.Generator, centre: Location, pts: np.ndarray | None, spread_m: float) -> Location:
    """A point around `centre`; on the nearest road point when road points are known."""
    dlat = rng.normal(0, spread_m) / 111_320
    dlon = rng.normal(0, spread_m) / (111_320 * np.cos(np.radians(centre.lat)))
    lat, lon = centre.lat + dlat, centre.lon + dlon
    if pts is not None:
        d = haversine_m(lat, lon, pts[:, 0], pts[:, 1])
        k = int(np.argmin(d))
        lat, lon = float(pts[k, 0]), float(pts[k, 1])
    return Location(round(float(lat), 6), round(float(lon), 6))
