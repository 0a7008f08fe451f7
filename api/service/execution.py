"""Where planning jobs run: Ray tasks, each in a worker process of its own, never in the API process.

By default the service starts an embedded local Ray (`address="local"`: never someone else's cluster found
on the machine) limited to a few CPUs and without its dashboard. With `PLANNER_RAY_ADDRESS` (or
`planner serve --ray-address`) it joins an existing cluster instead; the code path is the same. A cluster
that cannot be reached is refused at start-up with one French message (`RayUnreachable`), after a plain TCP
probe of a few seconds, rather than left to Ray's own minute-long retries.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from planner.core.errors import PlannerError

log = logging.getLogger("planner.execution")
PROBE_S = 3.0  # how long the address of a cluster may take to answer at start-up
_lock = threading.Lock()
_task = None  # the Ray remote function running one job, made once per process


class RayUnreachable(PlannerError):
    """The Ray cluster named by the settings does not answer."""


def _probe(address: str) -> None:
    """Refuse at once an address no Ray head listens on (host:port of its GCS, or ray://host:port)."""
    target = address.split("://", 1)[-1]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise RayUnreachable(f"adresse du cluster Ray illisible : {address!r} (attendu : hôte:port, "
                             "par exemple 10.0.0.5:6379)")
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_S):
            pass
    except OSError as exc:
        raise RayUnreachable(f"cluster Ray injoignable à {address} ({exc.strerror or type(exc).__name__}) : "
                             "démarrez la tête avec « ray start --head » ou corrigez PLANNER_RAY_ADDRESS / "
                             "--ray-address") from None


def start_ray(address: str | None = None, *, num_cpus: int = 2) -> dict:
    """Start the embedded Ray (address None) or join the cluster at `address`; once per process.
    Returns what the service runs on: {"address", "nodes", "cpus"}."""
    import ray

    with _lock:
        if not ray.is_initialized():
            quiet = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            if address:
                _probe(address)
                try:
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
                except Exception as exc:  # noqa: BLE001 - any way Ray refuses becomes the one message
                    raise RayUnreachable(f"impossible de rejoindre le cluster Ray à {address} : "
                                         f"{type(exc).__name__}") from None
            else:
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no call home
                ray.init(address="local", num_cpus=max(1, num_cpus), **quiet)
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return {"address": address or "local", "nodes": len(nodes),
                "cpus": int(sum(n.get("Resources", {}).get("CPU", 0) for n in nodes))}


def job_task():
    """The Ray remote function that runs one job (jobs.run_job) in a worker process. A worker that dies
    (killed, out of memory) is replaced and the job retried once by Ray; an exception is not retried."""
    global _task
    import ray

    with _lock:
        if _task is None:
            from api.service.jobs import run_job

            _task = ray.remote(num_cpus=1, max_retries=1, retry_exceptions=False)(run_job)
        return _task


def worker_name() -> str:
    """host:pid@node of the process running this code (a Ray worker, or this process outside Ray)."""
    node = ""
    try:
        import ray

        if ray.is_initialized():
            node = "@" + ray.get_runtime_context().get_node_id()[:12]
    except Exception:  # noqa: BLE001 - the name is for people, never needed to run
        pass
    return f"{socket.gethostname()[:40]}:{os.getpid()}{node}"
