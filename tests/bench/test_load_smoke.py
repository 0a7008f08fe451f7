"""Smoke test of bench/load.py: the real service in a subprocess, 2 clients for 3 s, no error, reads and writes."""

from __future__ import annotations

from bench.load import run_load, start_service, stop_service


def test_load_smoke(tmp_path):
    svc = start_service(str(tmp_path), publish=False, log=lambda *_: None)
    try:
        stats, jobs = run_load(svc, clients=2, seconds=3, log=lambda *_: None)
    finally:
        stop_service(svc.process)
    assert dict(stats.errors) == {}
    assert stats.requests["read"] > 0
    assert stats.requests["write"] > 0
    assert jobs == []
