"""Rebuild data/provinois/ from ../shared/data (run once by a maintainer; the result is committed).

Keeps the communes whose town hall lies in the bbox lon 3.00-3.40, lat 48.38-48.65 (Provinois-Montois,
east Seine-et-Marne), and their outlines. A town hall that lies outside its own commune's outline is a
wrong coordinate in the source (77405 Saint-Cyr-sur-Morin is placed here but lies near 48.91 N): such
communes are left out and listed in data/provinois/EXCLUDED.csv with the reason.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from shapely.geometry import Point, shape

BBOX = {"lon_min": 3.00, "lon_max": 3.40, "lat_min": 48.38, "lat_max": 48.65}
HERE = Path(__file__).resolve().parent
OUT = HERE / "provinois"


def main(shared: Path) -> None:
    rows = list(csv.DictReader((shared / "data/communes_fr.csv").open(encoding="utf-8")))
    outlines = {f["properties"]["insee"]: f
                for f in json.loads((shared / "data/communes_outlines.geojson").read_text())["features"]}
    kept, excluded, features = [], [], []
    for r in rows:
        if not r["townhall_lat"]:
            continue
        lat, lon = float(r["townhall_lat"]), float(r["townhall_lon"])
        if not (BBOX["lat_min"] <= lat <= BBOX["lat_max"] and BBOX["lon_min"] <= lon <= BBOX["lon_max"]):
            continue
        outline = outlines.get(r["insee"])
        if outline is not None and not shape(outline["geometry"]).buffer(0.005).contains(Point(lon, lat)):
            excluded.append({"insee": r["insee"], "name": r["name"],
                             "reason": "town-hall position lies outside the commune's own outline "
                                       "(wrong coordinate in the source)"})
            continue
        kept.append(r)
        if outline is not None:
            features.append(outline)
    OUT.mkdir(exist_ok=True)
    with (OUT / "communes.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(kept)
    with (OUT / "EXCLUDED.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["insee", "name", "reason"])
        w.writeheader()
        w.writerows(excluded)
    (OUT / "outlines.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    print(f"kept {len(kept)} communes ({sum(int(r['population'] or 0) for r in kept)} inhabitants), "
          f"{len(features)} outlines, excluded {len(excluded)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared")
