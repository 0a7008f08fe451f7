"""Benchmark: oversized uploads against the service's body limit (the security finding of issue 18).

Run: .venv/bin/python bench/upload_limit.py [--requests 4] [--mb 200]

Starts `planner serve` on 127.0.0.1 (a fresh SQLite file) in its own process, then sends anonymous
`--requests` chunked bodies (no Content-Length) of `--mb` MB each, and the same with a declared length, to
the login and import routes. Prints each request's status and time, and the server's resident memory
before and after. Target: every request 413, memory growth well under the body sizes (the limit is 8 MB).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4)
    ap.add_argument("--mb", type=int, default=200)
    args = ap.parse_args()
    port = _port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PLANNER_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "PLANNER_SECRET_KEY": "bench-secret-assez-long-pour-hs256-0123456789"}
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.service.app:create_app", "--factory",
                                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                                  cwd=REPO, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            before = _rss_mb(server.pid)
            print(f"server RSS before: {before:.0f} MB")
            print(f"{'route':<20} {'transfer':<10} {'MB':>5} {'status':>6} {'seconds':>8}")

            def chunks(multipart: bool):
                if multipart:  # a well-formed start, so the parser streams the file part
                    yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\n'
                block = b"a" * (1 << 20)
                for _ in range(args.mb):
                    yield block

            results = []
            for k in range(args.requests):
                for route, ctype in (("/auth/token", "application/json"),
                                     ("/imports/patients", "multipart/form-data; boundary=x")):
                    for transfer in ("chunked", "length"):
                        t0 = time.perf_counter()
                        headers = {"Content-Type": ctype}
                        if transfer == "length":
                            headers["Content-Length"] = str(args.mb << 20)
                        try:
                            r = httpx.post(base + route, content=chunks("multipart" in ctype), headers=headers, timeout=60)
                            status = r.status_code
                        except httpx.HTTPError as exc:  # the server may close the connection after its 413
                            status = type(exc).__name__
                        results.append(status)
                        print(f"{route:<20} {transfer:<10} {args.mb:>5} {status!s:>6} "
                              f"{time.perf_counter() - t0:>8.2f}")
            after = _rss_mb(server.pid)
            print(f"server RSS after: {after:.0f} MB (growth {after - before:+.0f} MB for "
                  f"{len(results) * args.mb} MB sent)")
            print(f"refused with 413: {sum(s == 413 for s in results)}/{len(results)}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
