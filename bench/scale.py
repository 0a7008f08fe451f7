"""Planning at scale on Ray: a batch of synthetic territories, API latency under solves, cancel and kill.

    .venv/bin/python bench/scale.py                      # everything (several minutes)
    .venv/bin/python bench/scale.py --only batch --territories 10

1. `--territories` (50) synthetic demo-sized territories (the demo communes, 60 patients, 5 staff, 2 units,
   a different seed each) planned as one batch: sequentially in this process (jobs.run_job), on the embedded
   Ray with 1, 2 and 4 worker CPUs, and on a two-node Ray cluster started here with `ray start` (a head and
   a second node, one CPU each); the nodes the tasks ran on are counted.
2. API latency: p50/p99 of 500 bounded read requests (GET /jobs, at most 100 rows) from 10 concurrent
   clients on 127.0.0.1 against `planner serve`, idle and while two solves run.
3. Cancel latency (POST cancel -> worker process gone and job "cancelled") and kill recovery (SIGKILL of the
   worker mid-solve -> retried by a new worker -> done), 10 trials each.
Prints its tables; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from api.service.db.session import make_engine, migrate, session_factory  # noqa: E402

COMMUNES = REPO / "data" / "provinois" / "communes.csv"
BIN = Path(sys.executable).parent


def make_territories(url: str, n: int) -> list[str]:
    from api.service.db.seed import ensure_territory, seed_demo_people

    engine = make_engine(url)
    migrate(engine)
    codes = []
    with session_factory(engine)() as db:
        for k in range(1, n + 1):
            code = f"synth{k:02d}"
            t = ensure_territory(db, code, COMMUNES, f"Territoire synthétique {k}")
            seed_demo_people(db, t, COMMUNES, seed=100 + k)
            codes.append(code)
    engine.dispose()
    return codes


def params(time_limit: float) -> dict:
    start = (date.today() + timedelta(days=7)).isoformat()
    return {"kind": "rotation", "start": start, "days": 3, "time_limit_s": time_limit, "seed": 1, "title": ""}


def sequential(url: str, codes: list[str], p: dict) -> tuple[float, list[dict]]:
    from api.service.batch import batch_jobs, create_batch
    from api.service.jobs import run_job

    sessions = session_factory(make_engine(url))
    with sessions() as db:
        batch, jobs = create_batch(db, p, codes)
        ids = [j.id for j in jobs]
    t0 = time.perf_counter()
    for jid in ids:
        run_job(jid, url)
    wall = time.perf_counter() - t0
    with sessions() as db:
        rows = [{"status": j.status, "worker": j.worker} for j, _ in batch_jobs(db, batch)]
    return wall, rows


def on_ray(url: str, codes: list[str], p: dict, *, workers: int = 2, address: str | None = None):
    import ray

    from api.cli.batch import run_batch

    from api.service.execution import start_ray

    if ray.is_initialized():
        ray.shutdown()
    start_ray(address, num_cpus=workers)  # start-up not timed: the service does it once
    t0 = time.perf_counter()
    rows = run_batch(url, p, codes, workers=workers, ray_address=address)
    wall = time.perf_counter() - t0
    ray.shutdown()
    return wall, rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pids_of(marker: str) -> list[int]:
    """Processes whose command line names `marker` (the temp dir of the cluster this script started)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker in (d / "cmdline").read_bytes().decode(errors="replace"):
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def two_node_cluster(url: str, codes: list[str], p: dict):
    tmp = tempfile.mkdtemp(prefix="rayb")
    port = free_port()
    auth = {"RAY_AUTH_MODE": "disabled"}  # a throw-away cluster on 127.0.0.1 only
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", **auth)
    ray_cmd = str(BIN / "ray")
    common = ["--num-cpus=1", f"--temp-dir={tmp}", "--disable-usage-stats"]
    subprocess.run([ray_cmd, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1",
                    "--include-dashboard=false", *common], check=True, env=env, capture_output=True)
    subprocess.run([ray_cmd, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", *common],
                   check=True, env=env, capture_output=True)
    saved = {k: os.environ.get(k) for k in auth}
    os.environ.update(auth)  # the service side (this process) presents the same token
    try:
        return on_ray(url, codes, p, address=f"127.0.0.1:{port}")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for pid in pids_of(tmp):  # only the processes of this cluster, by id
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        time.sleep(2)
        for pid in pids_of(tmp):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def batch_section(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="scale"))
    p = params(args.time_limit)
    print(f"\n## Batch: {args.territories} synthetic territories, rotation over 3 days, "
          f"time limit {args.time_limit:g} s each")
    configs = [("sequential, one process", lambda u, c: sequential(u, c, p))]
    for n in args.cpus:
        configs.append((f"embedded Ray, {n} worker CPU(s)", lambda u, c, n=n: on_ray(u, c, p, workers=n)))
    if not args.no_cluster:
        configs.append(("Ray cluster: head + 1 node (ray start), 1 CPU each", lambda u, c: two_node_cluster(u, c, p)))
    print("| configuration | wall (s) | speed-up | done | worker processes | Ray nodes |\n|---|---:|---:|---:|---:|---:|",
          flush=True)
    base = None
    for k, (name, fn) in enumerate(configs):
        url = f"sqlite:///{tmp / f'batch{k}.db'}"
        codes = make_territories(url, args.territories)
        try:
            wall, rows = fn(url, codes)
        except Exception as exc:  # noqa: BLE001 - a configuration that cannot run is reported, not hidden
            print(f"| {name} | failed: {type(exc).__name__}: {str(exc)[:200]} |", flush=True)
            continue
        nodes = {r["worker"].split("@")[-1] for r in rows if r.get("worker") and "@" in r["worker"]}
        procs = {r["worker"].split("@")[0] for r in rows if r.get("worker")}
        done = sum(r["status"] == "done" for r in rows)
        base = base or wall
        print(f"| {name} | {wall:.1f} | {base / wall:.2f}x | {done}/{len(rows)} | {len(procs)} | "
              f"{len(nodes) or '—'} |", flush=True)


# --- the service ---------------------------------------------------------------------------------------

class Service:
    """`planner serve` on a fresh SQLite database with one synthetic territory and a planner account."""

    def __init__(self, tmp: Path, workers: int = 2) -> None:
        import httpx

        from api.cli.users import add_user

        self.url = f"sqlite:///{tmp / 'service.db'}"
        make_territories(self.url, 1)
        add_user(self.url, email="planif@example.org", role="planner", password="motdepasse-bench",
                 territory="synth01")
        self.port = free_port()
        self.proc = subprocess.Popen([str(BIN / "planner"), "serve", "--db", self.url, "--port", str(self.port),
                                      "--workers", str(workers)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=dict(os.environ, RAY_USAGE_STATS_ENABLED="0"))
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        r = httpx.post(self.base + "/auth/token", json={"email": "planif@example.org", "password": "motdepasse-bench"})
        self.h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        self.sessions = session_factory(make_engine(self.url))

    def plan(self, time_limit: float) -> int:
        import httpx

        body = {**params(time_limit), "days": 10}
        body.pop("title")
        r = httpx.post(self.base + "/plans", json=body, headers=self.h, timeout=10)
        r.raise_for_status()
        return r.json()["id"]

    def job(self, jid: int):
        from api.service.db.models import Job

        with self.sessions() as db:
            return db.get(Job, jid)

    def wait(self, jid: int, pred, timeout: float = 120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            j = self.job(jid)
            if pred(j):
                return j
            time.sleep(0.01)
        raise RuntimeError(f"job {jid} stuck: {j.status} {j.message}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def latency(svc: Service, n: int = 500, clients: int = 10) -> tuple[float, float]:
    import httpx

    times: list[float] = []
    lock = threading.Lock()
    per = n // clients

    def client() -> None:
        with httpx.Client(base_url=svc.base, headers=svc.h, timeout=30) as c:
            for _ in range(per):
                t0 = time.perf_counter()
                c.get("/jobs").raise_for_status()
                with lock:
                    times.append(time.perf_counter() - t0)

    ths = [threading.Thread(target=client) for _ in range(clients)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    q = statistics.quantiles(times, n=100)
    return q[49] * 1000, q[98] * 1000


def pid_of(worker: str | None) -> int | None:
    return int(worker.split("@")[0].rsplit(":", 1)[1]) if worker else None


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


def service_section(args) -> None:
    import httpx

    tmp = Path(tempfile.mkdtemp(prefix="scalesvc"))
    svc = Service(tmp)
    try:
        print(flush=True)
        print("## API latency: 500 GET /jobs from 10 concurrent clients on 127.0.0.1 (planner serve, 2 workers)")
        svc.plan(1)  # warm the workers once
        time.sleep(3)
        idle = latency(svc)
        jobs = [svc.plan(60), svc.plan(60)]
        for j in jobs:
            svc.wait(j, lambda x: x.status == "running" and x.progress > 0.05)
        busy = latency(svc)
        running = sum(svc.job(j).status == "running" for j in jobs)
        for j in jobs:
            httpx.post(f"{svc.base}/jobs/{j}/cancel", headers=svc.h)
        print("| state | p50 (ms) | p99 (ms) |\n|---|---:|---:|")
        print(f"| idle | {idle[0]:.1f} | {idle[1]:.1f} |")
        print(f"| two solves running ({running} still running at the end) | {busy[0]:.1f} | {busy[1]:.1f} |")

        print(f"\n## Cancel latency and kill recovery, {args.trials} trials each")
        cancel, gone = [], []
        for _ in range(args.trials):
            j = svc.plan(60)
            job = svc.wait(j, lambda x: x.status == "running" and x.worker)
            pid = pid_of(job.worker)
            t0 = time.perf_counter()
            httpx.post(f"{svc.base}/jobs/{j}/cancel", headers=svc.h).raise_for_status()
            svc.wait(j, lambda x: x.status == "cancelled", 10)
            cancel.append(time.perf_counter() - t0)
            while alive(pid) and time.perf_counter() - t0 < 10:
                time.sleep(0.005)
            gone.append(time.perf_counter() - t0)
        retried, finished, ok = [], [], 0
        for _ in range(args.trials):
            j = svc.plan(8)
            job = svc.wait(j, lambda x: x.status != "queued" and x.worker)
            first = job.worker
            t0 = time.perf_counter()
            try:
                os.kill(pid_of(first), signal.SIGKILL)
            except ProcessLookupError:
                continue
            if svc.job(j).status == "done":
                continue  # it ended before the kill: not a trial
            svc.wait(j, lambda x: x.worker != first or x.status != "running", 60)
            retried.append(time.perf_counter() - t0)
            job = svc.wait(j, lambda x: x.status in ("done", "failed", "cancelled", "interrupted"), 120)
            finished.append(time.perf_counter() - t0)
            ok += job.status == "done" and job.attempts == 2
        print("| measure | median (s) | max (s) |\n|---|---:|---:|")
        for name, xs in (("cancel: POST -> job cancelled", cancel), ("cancel: POST -> worker process gone", gone),
                         ("kill: SIGKILL -> a new worker runs the job", retried),
                         ("kill: SIGKILL -> plan stored (time limit 8 s)", finished)):
            print(f"| {name} | {statistics.median(xs):.2f} | {max(xs):.2f} |")
        print(f"killed jobs done on their second attempt: {ok}/{len(finished)} trials")
    finally:
        svc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--territories", type=int, default=50)
    ap.add_argument("--time-limit", type=float, default=1.0)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--only", choices=("batch", "service"))
    ap.add_argument("--no-cluster", action="store_true")
    ap.add_argument("--cpus", type=int, nargs="*", default=[1, 2, 4], help="embedded Ray sizes to time")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    if args.only in (None, "service"):
        service_section(args)
    if args.only in (None, "batch"):
        batch_section(args)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
