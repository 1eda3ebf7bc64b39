"""The local executor (the default): each job in a child process on this machine, one after another; each child
writes its own run file, as ``run`` always did."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator, Sequence

from benchmark.suite.executor import ExecutorSettings, Finished, PendingJob
from benchmark.suite.processes import run_child

log = logging.getLogger(__name__)


def check_available(settings: ExecutorSettings) -> None:
    """Always available."""


@contextlib.contextmanager
def started(settings: ExecutorSettings) -> Iterator[None]:
    """Nothing to start."""
    yield


def run_jobs(jobs: Sequence[PendingJob], command: str, settings: ExecutorSettings) -> Iterator[Finished]:
    """Each job in its own process, in order; yield each as it ends."""
    for job in jobs:
        log.info("[%d/%d] %s: starting in its own process", job.position, job.total, job.label)
        returncode, error = run_child(job.key, job.arguments, command)
        yield Finished(job, None if returncode == 0 else error)
