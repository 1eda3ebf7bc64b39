"""The Ray executor (``run --executor ray``): each pending job a Ray task that runs today's child process on some node
(:mod:`benchmark.suite.ray_task`), at most ``--max-parallel`` at once, each with its share of GPUs and CPUs.

The driver (this process) plans, submits and alone writes the results folder: a task returns its run file's content,
or its error. A task whose worker or node died is retried elsewhere by Ray (``max_retries``); a job's own error is a
failed row, never retried. Interrupted, the driver cancels its tasks (each stops its child's process group) and
leaves nothing partial: the same command resumes.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
from typing import Any, Iterator, Sequence

from benchmark.core.errors import UsageError
from benchmark.core.paths import CACHE_ENV
from benchmark.suite.executor import ExecutorSettings, Finished, PendingJob
from benchmark.suite.options import KEEP_CHECKPOINTS_ENV
from benchmark.suite.processes import CHILD_STOP_SECONDS
from benchmark.suite.ray_task import run_job
from benchmark.training.interrupts import FAULT_ENV

log = logging.getLogger(__name__)

LOCAL_OBJECT_STORE_BYTES = 100 * 1024**2  # a local Ray's object store: tasks return small records only
CONNECT_SECONDS = 5.0
# The driver's caches, where set (shared paths), and the test-only fault injection.
PASSED_ENV = (CACHE_ENV, "TFHUB_CACHE_DIR", "TFDS_DATA_DIR", FAULT_ENV)


def _ray():
    # One start line per job: by default Ray's driver merges lines that differ only in numbers ("[repeated 2x]").
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    try:
        import ray
    except ImportError:
        raise UsageError("--executor ray needs Ray, an optional extra: pip install -e \".[ray]\"") from None
    return ray


def _host_port(address: str) -> tuple[str, int] | None:
    """``host:port`` of ``ray://host:port`` or ``host:port``; None for ``auto`` (or no port)."""
    where = address.removeprefix("ray://")
    host, _, port = where.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else None


def check_available(settings: ExecutorSettings) -> None:
    """Ray importable, and its address accepting connections."""
    _ray()
    address = settings.ray_address
    if address is None or address == "auto":
        return
    target = _host_port(address)
    if target is None:
        raise UsageError(f"--ray-address: {address!r} is not auto, HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection(target, timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise UsageError(f"--ray-address: cannot reach the Ray cluster at {address} ({error.strerror or error})") \
            from None


class _Starting(threading.Thread):
    """Ray started (or joined) on a thread of its own while the driver loads its datasets and plans its jobs.

    The thread lives until Ray is shut down: the daemons a local Ray starts die with the thread that started them
    (``PR_SET_PDEATHSIG``).
    """

    def __init__(self, settings: ExecutorSettings) -> None:
        super().__init__(name="ray-start", daemon=True)
        self.settings, self.error = settings, None
        self.ready, self.done = threading.Event(), threading.Event()

    def run(self) -> None:
        try:
            _init(_ray(), self.settings)
        except BaseException as error:  # noqa: BLE001 - raised in the main thread by :meth:`connected`
            self.error = error
        finally:
            self.ready.set()
        self.done.wait()

    def connected(self) -> None:
        """Wait until Ray is up; raise what stopped it. Called on the main thread: this program's SIGTERM handler
        is installed again (Ray's core worker replaced it with its own, which aborts the process)."""
        self.ready.wait()
        if self.error is not None:
            raise self.error
        handler = signal.getsignal(signal.SIGTERM)
        if handler is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, handler)


_starting: _Starting | None = None


@contextlib.contextmanager
def started(settings: ExecutorSettings) -> Iterator[None]:
    """Start or join Ray now, in the background, for the suite that follows; shut it down after."""
    global _starting
    _ray()
    logging.getLogger("ray._private.worker").addFilter(_NotMainThreadNotice())
    _starting = starting = _Starting(settings)
    starting.start()
    try:
        yield
    finally:
        _starting = None
        starting.ready.wait()
        if starting.error is None:
            _ray().shutdown()
        starting.done.set()


class _NotMainThreadNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "not the main thread" not in record.getMessage()


def _connect(ray, settings: ExecutorSettings) -> None:
    """Start or join Ray, keeping this program's SIGTERM handler (``ray.init`` installs one that exits at once,
    before the running jobs are cancelled)."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main_thread else None
    try:
        _init(ray, settings)
    finally:
        if main_thread and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _init(ray, settings: ExecutorSettings) -> None:
    try:
        if settings.ray_address is None:  # a Ray of its own on this machine, ended with the suite
            ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                     logging_level=logging.WARNING)
        else:
            ray.init(address=settings.ray_address, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = settings.ray_address or "this machine"
        raise UsageError(f"cannot start or reach Ray on {where}: {str(error).splitlines()[0]}") from None


def _resources(ray, settings: ExecutorSettings) -> tuple[float, float]:
    """The GPUs and CPUs each job asks for; a UsageError where no node has that many."""
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    most_gpus = max((node.get("GPU", 0.0) for node in nodes), default=0.0)
    most_cpus = max((node.get("CPU", 0.0) for node in nodes), default=0.0)
    gpus = settings.gpus_per_job if settings.gpus_per_job is not None else (1.0 if most_gpus else 0.0)
    if gpus > most_gpus:
        raise UsageError(f"--gpus-per-job {gpus:g}: no node of the Ray cluster has that many GPUs "
                         f"(the most any has: {most_gpus:g})")
    if settings.cpus_per_job > most_cpus:
        raise UsageError(f"--cpus-per-job {settings.cpus_per_job:g}: no node of the Ray cluster has that many CPUs "
                         f"(the most any has: {most_cpus:g})")
    return gpus, settings.cpus_per_job


def job_environment(gpus: float, cpus: float) -> dict[str, str]:
    """What a job's process adds to its worker's environment: its thread pools sized to its CPUs on a CPU-only job,
    memory growth where it shares a GPU, the driver's cache folders where set, and its checkpoints left for the
    driver to delete."""
    env = {name: os.environ[name] for name in PASSED_ENV if os.environ.get(name)}
    env[KEEP_CHECKPOINTS_ENV] = "1"  # a --checkpoint-dir folder outlives the task: the driver deletes it
    if gpus == 0:
        env["TF_NUM_INTRAOP_THREADS"] = str(max(1, math.floor(cpus)))
    elif gpus < 1:
        env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
    return env


def _task(job: PendingJob, command: str, env: dict[str, str], cwd: str) -> dict[str, Any]:
    """The Ray task: one job on this worker's node, reported in its start line and the returned placement."""
    import ray

    context = ray.get_runtime_context()
    node = {"node": socket.gethostname(), "node_id": context.get_node_id(),
            "node_ip": ray.util.get_node_ip_address()}
    devices = os.environ.get("CUDA_VISIBLE_DEVICES") or "none"
    print(f"[{job.position}/{job.total}] {job.label}: started on {node['node']} ({node['node_ip']}, node "
          f"{node['node_id'][:12]}), GPUs {devices}", file=sys.stderr, flush=True)
    return {**run_job(job.key, job.arguments, command, env, cwd), **node}


def _outcome(ray, job: PendingJob, ref, gpus: float, cpus: float) -> Finished:
    """What a finished task returned, or the failure Ray reports (a worker or node dead after its retries, Ray's
    out-of-memory killer)."""
    try:
        result = ray.get(ref)
    except ray.exceptions.OutOfMemoryError as error:
        return Finished(job, f"out of memory: Ray's memory monitor killed the job ({str(error).splitlines()[0]})")
    except ray.exceptions.RayError as error:
        return Finished(job, f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300]}")
    placement = {"executor": "ray", **{k: result[k] for k in ("node", "node_id", "node_ip", "devices", "started",
                                                                "seconds")}, "gpus": gpus, "cpus": cpus}
    return Finished(job, result["error"], result["record"], placement)


def _suite_line(done: int, running: int, pending: int, failed: int, seconds: list[float], parallel: int) -> str:
    eta = ""
    if seconds and (running or pending):
        left = sum(seconds) / len(seconds) * (pending + running) / max(1, min(parallel, pending + running))
        eta = f"; ETA {time.strftime('%H:%M:%S', time.gmtime(left))}"
    return f"suite: {done} done, {running} running, {pending} pending, {failed} failed{eta}"


def run_jobs(jobs: Sequence[PendingJob], command: str, settings: ExecutorSettings) -> Iterator[Finished]:
    """Submit ``jobs`` as Ray tasks, at most ``max_parallel`` at once; yield each as it finishes."""
    if not jobs:
        return
    ray, early = _ray(), _starting
    if early is not None:
        early.connected()
    else:
        _connect(ray, settings)
    running: dict[Any, tuple[PendingJob, float]] = {}
    try:
        gpus, cpus = _resources(ray, settings)
        task = ray.remote(_task).options(num_gpus=gpus, num_cpus=cpus, max_retries=settings.max_retries,
                                         retry_exceptions=False)
        env, cwd = job_environment(gpus, cpus), os.getcwd()
        queue, limit = list(jobs), settings.max_parallel or len(jobs)
        done = failed = 0
        seconds: list[float] = []
        while queue or running:
            while queue and len(running) < limit:
                job = queue.pop(0)
                running[task.remote(job, command, env, cwd)] = (job, time.monotonic())
                log.info("[%d/%d] %s: submitted to Ray (%g GPU, %g CPU)", job.position, job.total, job.label, gpus,
                         cpus)
            (ref,), _ = ray.wait(list(running), num_returns=1)
            job, submitted = running.pop(ref)
            finished = _outcome(ray, job, ref, gpus, cpus)
            elapsed = (finished.placement or {}).get("seconds", time.monotonic() - submitted)
            where = finished.placement or {"node": "?", "devices": None}
            done, failed = done + (finished.error is None), failed + (finished.error is not None)
            seconds.append(elapsed)
            log.info("[%d/%d] %s: %s on %s, GPUs %s, in %.0fs", job.position, job.total, job.label,
                     "done" if finished.error is None else "failed", where["node"], where["devices"] or "none",
                     elapsed)
            yield finished
            log.info("%s", _suite_line(done, len(running), len(queue), failed, seconds, limit))
    except BaseException:
        _cancel(ray, list(running))
        raise
    finally:
        if early is None:
            ray.shutdown()


def _cancel(ray, refs: list) -> None:
    """Cancel the running tasks: each interrupts its child's process group, which saves its checkpoint and stops."""
    if not refs:
        return
    log.warning("interrupted: cancelling %d running job(s)", len(refs))
    for ref in refs:
        with contextlib.suppress(Exception):
            ray.cancel(ref)
    with contextlib.suppress(Exception):
        ray.wait(refs, num_returns=len(refs), timeout=CHILD_STOP_SECONDS)
