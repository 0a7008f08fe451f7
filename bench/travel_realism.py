"""Benchmark: are the travel times those a car really drives? Door-to-door speeds by leg length, and the
1,000 x 1,000 matrix time on the département.

Run: .venv/bin/python bench/travel_realism.py [--legs 300] [--skip-matrix]

For the demo territory (../shared/osm/fr77_provins_montois_drive.osm) and the Forcalquier extract
(../shared/osm/fr04_forcalquier_lure_drive.osm): 600 home-like points (seeded; road junctions on
residential, unclassified and tertiary roads, where people live), all legs between them binned by road
length (< 3 km, 3-15 km, > 15 km), `--legs` legs drawn per band; for each model, the median door-to-door
speed per band (road metres / matrix seconds, door times included), the same driving only (door time 0),
and the share of legs faster than 90 km/h door to door. Models: "v2" the documented model (maps.speeds,
door times of maps.matrix), "legal limits" the model before it (every road at its limit, no town, no
delay, no door time). Then the 1,000 x 1,000 matrix on ../shared/osm/fr04_departement_drive.osm, best of 3.
Typical French figures: 25-35 km/h in town, 50-65 km/h between villages, 80+ only on trunk roads.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from maps.matrix import travel_matrix  # noqa: E402
from maps.network import load_network, road_points  # noqa: E402
from maps.speeds import SpeedModel  # noqa: E402

OSM = REPO.parent / "shared" / "osm"
TERRITORIES = {"demo (Provins)": OSM / "fr77_provins_montois_drive.osm",
               "Forcalquier": OSM / "fr04_forcalquier_lure_drive.osm"}
DEPARTEMENT = OSM / "fr04_departement_drive.osm"
BANDS = ((0, 3_000, "< 3 km"), (3_000, 15_000, "3-15 km"), (15_000, 1e9, "> 15 km"))
HOME_CLASSES = {"residential", "unclassified", "tertiary", "living_street"}
SEED = 2026
N_POINTS = 600


def home_points(net, rng):
    homes = np.isin(net.highway, list(HOME_CLASSES))
    nodes = np.unique(np.concatenate([net.u[homes], net.v[homes]]))
    pick = rng.choice(nodes, min(N_POINTS, len(nodes)), replace=False)
    pts = road_points(net)
    return [f"h{k}" for k in pick], [pts[k] for k in pick]


def legs(metres: np.ndarray, per_band: int, rng) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    i, j = np.nonzero(~np.eye(len(metres), dtype=bool))
    out = {}
    for lo, hi, name in BANDS:
        m = (metres[i, j] >= lo) & (metres[i, j] < hi)
        k = np.flatnonzero(m)
        k = rng.choice(k, min(per_band, len(k)), replace=False) if len(k) else k
        out[name] = (i[k], j[k])
    return out


def engine_status(path: Path) -> str:
    """Whether an established engine could be measured beside ours on this file, said in one line."""
    import shutil

    try:
        import valhalla  # noqa: F401  (pyvalhalla)
        from importlib.metadata import version

        name = f"Valhalla (pyvalhalla {version('pyvalhalla')})"
    except ImportError:
        return "Valhalla: pyvalhalla not installed (pip install pyvalhalla); OSRM: no binding installs for this Python"
    if shutil.which("valhalla_build_tiles") is None:
        return (f"{name} cannot build its tiles from {path.name}: the wheel ships the query engine only, "
                "not valhalla_build_tiles; not measured")
    return f"{name}: valhalla_build_tiles found, but this benchmark does not drive it yet; not measured"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--legs", type=int, default=300, help="legs drawn per length band and territory")
    ap.add_argument("--skip-matrix", action="store_true")
    args = ap.parse_args(argv)
    missing = [p for p in [*TERRITORIES.values(), DEPARTEMENT] if not p.exists()]
    if missing:
        print(f"network file not found: {missing[0]} (the shared data is next to the repository)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in TERRITORIES.items():
            rng = np.random.default_rng(SEED)
            nets = {"v2": load_network(path, cache_dir=tmp),
                    "legal limits": load_network(path, cache_dir=tmp, model=SpeedModel.legal_limits())}
            ids, locs = home_points(nets["v2"], rng)
            mats = {"v2": travel_matrix(nets["v2"], ids, locs, cache_dir=tmp),
                    "v2 driving only": travel_matrix(nets["v2"], ids, locs, cache_dir=tmp, door_seconds=0),
                    "legal limits": travel_matrix(nets["legal limits"], ids, locs, cache_dir=tmp, door_seconds=0)}
            chosen = legs(mats["v2"].metres, args.legs, rng)
            n = sum(len(x[0]) for x in chosen.values())
            print(f"\n{label}: {path.name}, {len(ids)} home-like points, {n} legs "
                  f"({', '.join(f'{b} {len(x[0])}' for b, x in chosen.items())}); built-up from "
                  f"{nets['v2'].stats.get('built_up_source')}, {nets['v2'].stats.get('built_up_share_of_road', 0):.0%} "
                  "of road built-up")
            head = f"{'model':<18} | " + " | ".join(f"{b:>9}" for b in chosen) + " | > 90 km/h | mean door s"
            print(head)
            print("-" * len(head))
            for name, m in mats.items():
                meds, fast, total = [], 0, 0
                for i, j in chosen.values():
                    kph = m.metres[i, j] / np.maximum(m.seconds[i, j], 1) * 3.6
                    meds.append(float(np.median(kph)) if len(kph) else float("nan"))
                    fast += int((kph > 90).sum())
                    total += len(kph)
                door = (mats["v2"].seconds - mats["v2 driving only"].seconds)
                door_s = float(np.mean(door[~np.eye(len(door), dtype=bool)])) if name == "v2" else 0.0
                print(f"{name:<18} | " + " | ".join(f"{x:5.1f} kph" for x in meds)
                      + f" | {fast / max(total, 1):8.1%} | {door_s:11.0f}")
        print("\n" + engine_status(TERRITORIES["demo (Provins)"]))
        if args.skip_matrix:
            return 0
        t = time.perf_counter()
        net = load_network(DEPARTEMENT, cache_dir=tmp)
        first = time.perf_counter() - t
        rng = np.random.default_rng(2024)
        pts = road_points(net)
        nodes = rng.choice(net.n_nodes, 1000, replace=False)
        ids, locs = [f"n{k}" for k in nodes], [pts[k] for k in nodes]
        travel_matrix(net, ids[:10], locs[:10], use_cache=False)  # builds the snapping index
        runs = []
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            travel_matrix(net, ids, locs, use_cache=False)
            runs.append((time.perf_counter() - t, time.process_time() - c))
        wall, cpu = min(runs)
        print(f"\n{DEPARTEMENT.name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges, first load {first:.2f} s; "
              f"1,000 x 1,000 matrix: best of 3 {wall:.2f} s wall ({cpu:.2f} s CPU), runs "
              + ", ".join(f"{w:.2f}" for w, _ in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
