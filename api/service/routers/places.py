"""Offline place search for the people who position places: a town hall proposing a room, a planner
placing a patient or a base. Streets of the service's road network and the territory's town halls."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.service.db.models import Commune
from api.service.routers.common import get_db, territory_of

router = APIRouter(prefix="/places", tags=["places"])
_lock = threading.Lock()


def _index(request: Request, db: Session, territory_id: int):
    """The search index of a territory, built once per process (its communes and the road network)."""
    from maps.geocode import Commune as Townhall, build_index

    from api.service.planning import road_network

    net_path = request.app.state.settings.network_path
    key = (territory_id, str(net_path or ""))  # a service started on another network searches that one
    cache = request.app.state.__dict__.setdefault("place_indexes", {})
    with _lock:
        if key not in cache:
            rows = db.scalars(select(Commune).where(Commune.territory_id == territory_id, Commune.lat.is_not(None)))
            towns = [Townhall(c.insee, c.name, c.lat, c.lon, c.townhall_address or "") for c in rows]
            cache[key] = build_index(road_network(str(net_path)) if net_path else None, towns)
        return cache[key]


@router.get("/search", summary="Find a place by address or name, offline (streets of the road network, town halls)")
def search_places(request: Request, q: str = Query(min_length=2, max_length=200, description="adresse ou nom"),
                  db: Session = Depends(get_db),
                  who: Principal = Depends(allow("planner", "municipality"))) -> list[dict]:
    from maps.geocode import search

    found = search(_index(request, db, territory_of(who)), q)
    if who.role == "municipality":  # a town hall places rooms in its own commune
        found = [p for p in found if p.insee == who.commune_insee]
    return [{"label": p.label, "kind": p.kind, "lat": round(p.lat, 6), "lon": round(p.lon, 6), "insee": p.insee,
             "commune": p.commune} for p in found]
