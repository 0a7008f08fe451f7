"""Benchmark: road network loading and travel matrices, ours (csgraph) against the naive way (networkx).

Run: .venv/bin/python bench/matrix.py [--network FILE] [--sizes 100,500,1000] [--naive-origins 100]

On the département-scale network ../shared/osm/fr04_departement_drive.osm it prints: first load (empty
cache) and cached reload; for N random road points (seeded), our N x N matrix time, the naive way
(networkx single-source Dijkstra per origin, timed on `--naive-origins` origins and extrapolated to N
when fewer, as printed), whether both give the same values (seconds exactly, metres to 1 m), the
speed-up, and peak memory. Targets: reload < 3 s; 1,000 x 1,000 < 3 s and >= 30x the naive way.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from maps.matrix import travel_matrix  # noqa: E402
from maps.network import load_network, road_points  # noqa: E402
from maps.snap import snap_points  # noqa: E402

DEFAULT_NETWORK = REPO.parent / "shared" / "osm" / "fr04_departement_drive.osm"
SEED = 2024


def naive_graph(net):
    """networkx DiGraph with integer weights ordering by time then length (sums stay exact)."""
    import networkx as nx

    g = nx.DiGraph()
    for a, b, ms, m in zip(net.u.tolist(), net.v.tolist(), net.time_ms.tolist(), net.length_m.tolist()):
        w = int(ms) * 2 ** 24 + int(round(m * 10))
        if not g.has_edge(a, b) or g[a][b]["w"] > w:
            g.add_edge(a, b, w=w)
    return g


def naive_rows(g, nodes: np.ndarray, origins: list[int]):
    """(seconds, metres) rows for the given origin positions, one networkx Dijkstra per origin."""
    import networkx as nx

    secs, mets = [], []
    for i in origins:
        dist = nx.single_source_dijkstra_path_length(g, int(nodes[i]), weight="w")
        w = np.array([dist[int(k)] for k in nodes], dtype=object)
        secs.append(np.floor((w // 2 ** 24).astype(float) / 1000 + 0.5).astype(np.int64))
        mets.append(((w % 2 ** 24).astype(float)) / 10)
    return np.array(secs), np.array(mets)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", type=Path, default=DEFAULT_NETWORK)
    ap.add_argument("--sizes", default="100,500,1000")
    ap.add_argument("--naive-origins", type=int, default=100,
                    help="origins timed the naive way per size (extrapolated to N when fewer)")
    args = ap.parse_args(argv)
    if not args.network.exists():
        print(f"network file not found: {args.network}")
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        net = load_network(args.network, cache_dir=tmp)
        first = time.perf_counter() - t
        t = time.perf_counter()
        net = load_network(args.network, cache_dir=tmp)
        reload = time.perf_counter() - t
        assert net.stats.get("from_cache")
        print(f"network {args.network.name}: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges, "
              f"{net.stats['share_nodes_in_largest_component']:.1%} of nodes in the largest component")
        print(f"first load (empty cache): {first:6.2f} s    cached reload: {reload:6.3f} s")
        t = time.perf_counter()
        snap_points(net, ["warm-up"], [road_points(net)[0]])
        print(f"snapping index (built once per loaded network): {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        g = naive_graph(net)
        print(f"networkx graph built for the naive way in {time.perf_counter() - t:.2f} s (not counted)")
        rng = np.random.default_rng(SEED)
        pts = road_points(net)
        header = (f"{'N':>5} | {'ours (s)':>8} | {'ours CPU':>8} | {'naive (s)':>9} | {'naive CPU':>9} | "
                  f"{'naive timed on':>17} | {'speed-up':>8} | {'same values':>11} | {'matrix peak MB':>14}")
        naive_timed_all: list[float] = []
        print()
        print(header)
        print("-" * len(header))
        for n in sizes:
            nodes = rng.choice(net.n_nodes, n, replace=False)
            ids = [f"n{k}" for k in nodes]
            locs = [pts[k] for k in nodes]
            t, c = time.perf_counter(), time.process_time()
            m = travel_matrix(net, ids, locs, use_cache=False, door_seconds=0)
            ours, ours_cpu = time.perf_counter() - t, time.process_time() - c
            tracemalloc.start()  # a second, traced run for memory (tracing slows Python code down)
            travel_matrix(net, ids, locs, use_cache=False, door_seconds=0)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            k = min(n, args.naive_origins)
            origins = sorted(rng.choice(n, k, replace=False).tolist()) if k < n else list(range(n))
            t, c = time.perf_counter(), time.process_time()
            secs, mets = naive_rows(g, nodes, origins)
            naive_timed, naive_cpu = time.perf_counter() - t, (time.process_time() - c) * n / k
            naive = naive_timed * n / k
            same = (np.array_equal(m.seconds[origins], secs)
                    and float(np.abs(m.metres[origins] - mets).max()) <= 1.0)
            timed = f"{k} origins" + (" (x%.0f)" % (n / k) if k < n else "")
            naive_timed_all.append(naive_timed / k)
            print(f"{n:>5} | {ours:8.2f} | {ours_cpu:8.2f} | {naive:9.1f} | {naive_cpu:9.1f} | {timed:>17} | "
                  f"{naive / ours:7.0f}x | {str(same):>11} | {peak / 2 ** 20:14.0f}")
        print(f"\nnaive way: {np.mean(naive_timed_all):.3f} s per origin (wall); CPU = process time, a fair "
              "figure when the machine is shared; matrix peak MB = traced Python/numpy allocations")
        print(f"process peak RSS: {peak_rss_mb():.0f} MB; CPU cores: 2 (figures depend on the machine's load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
