"""Where a suite's pending jobs run: one after another on this machine (``local``, the default), or as Ray tasks on a
Ray cluster (``ray``: :mod:`benchmark.suite.on_ray`). The suite plans and records; an executor only runs jobs.

Each kind is a module with ``check_available(settings)``, ``started(settings)`` (a context in which the suite runs)
and ``run_jobs(jobs, command, settings)``, an iterator of :class:`Finished` in the order the jobs finish.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, ContextManager, Iterator, Sequence

from benchmark.core.errors import UsageError

EXECUTORS = ("local", "ray")
DEFAULT_EXECUTOR = "local"


@dataclasses.dataclass(frozen=True)
class ExecutorSettings:
    """How a suite runs its jobs (none of it enters the configuration hash).

    Args:
      kind: ``local`` (one child process after another) or ``ray`` (Ray tasks).
      ray_address: The Ray cluster (``auto``, ``host:6379``, ``ray://host:10001``); None starts Ray on this machine.
      gpus_per_job: GPUs each job asks Ray for (fractions pack several jobs onto one GPU); None: 1 where the
        cluster has GPUs, else 0.
      cpus_per_job: CPUs each job asks Ray for; on a CPU-only node its TensorFlow thread pools get as many threads.
      max_parallel: At most this many jobs at once (None: as many as the cluster's resources allow).
      max_retries: Ray reruns a job whose worker or node died this many times.
    """

    kind: str = DEFAULT_EXECUTOR
    ray_address: str | None = None
    gpus_per_job: float | None = None
    cpus_per_job: float = 1.0
    max_parallel: int | None = None
    max_retries: int = 3

    def validate(self) -> None:
        """A UsageError for settings that cannot work, before anything runs."""
        if self.kind not in EXECUTORS:
            raise UsageError(f"--executor must be one of {', '.join(EXECUTORS)}, got {self.kind!r}")
        ray_only = {"--ray-address": self.ray_address is not None, "--gpus-per-job": self.gpus_per_job is not None,
                    "--cpus-per-job": self.cpus_per_job != 1.0, "--max-parallel": self.max_parallel is not None}
        given = [option for option, set_ in ray_only.items() if set_]
        if self.kind == "local" and given:
            raise UsageError(f"{', '.join(given)} need(s) --executor ray (the local executor runs one job at a time)")
        if self.gpus_per_job is not None and self.gpus_per_job < 0:
            raise UsageError(f"--gpus-per-job must be 0 or more, got {self.gpus_per_job:g}")
        if self.gpus_per_job is not None and self.gpus_per_job > 1 and self.gpus_per_job != int(self.gpus_per_job):
            raise UsageError(f"--gpus-per-job above 1 must be a whole number, got {self.gpus_per_job:g}")
        if self.cpus_per_job <= 0:
            raise UsageError(f"--cpus-per-job must be above 0, got {self.cpus_per_job:g}")
        if self.max_parallel is not None and self.max_parallel < 1:
            raise UsageError(f"--max-parallel must be 1 or more, got {self.max_parallel}")


@dataclasses.dataclass(frozen=True)
class PendingJob:
    """A job the suite planned to run: what its progress lines call it and its child's ``run`` arguments."""

    position: int
    total: int
    label: str
    key: str
    name: str
    dataset: str
    seed: int
    identity: str | None
    arguments: list[str]


@dataclasses.dataclass(frozen=True)
class Finished:
    """A job that ended: ``error`` is None when it succeeded; ``record`` is its run file's content where the
    executor, not the job, writes it; ``placement`` where it ran (node, devices, times)."""

    job: PendingJob
    error: str | None
    record: dict[str, Any] | None = None
    placement: dict[str, Any] | None = None


def executor_module(kind: str):
    """The module that runs jobs of this kind (imported when used: Ray is an optional extra)."""
    return importlib.import_module({"local": "benchmark.suite.local", "ray": "benchmark.suite.on_ray"}[kind])


def check_available(settings: ExecutorSettings) -> None:
    """A UsageError now, before datasets load, where the executor cannot be used here (Ray not installed, its
    address unreachable)."""
    settings.validate()
    executor_module(settings.kind).check_available(settings)


def started(settings: ExecutorSettings) -> ContextManager[None]:
    """The executor started for the suite to come (a local Ray starts while the datasets load and the jobs are
    planned), stopped when the context ends."""
    return executor_module(settings.kind).started(settings)


def run_jobs(jobs: Sequence[PendingJob], command: str, settings: ExecutorSettings) -> Iterator[Finished]:
    """Run ``jobs`` with ``settings.kind``'s executor; yield each as it finishes."""
    yield from executor_module(settings.kind).run_jobs(jobs, command, settings)
