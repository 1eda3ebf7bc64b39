"""A suite: each (model, dataset, seed) in its own process, finished configurations skipped, crashes recorded, the
rest go on.

timm's benchmark runs each model in its own process too: TensorFlow does not reliably free GPU memory between models.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

from benchmark.core.paths import SOURCE_ROOT
from benchmark.data.catalog import DatasetChoice
from benchmark.data.dataset import Loaded
from benchmark.data.prepared import prepare_data
from benchmark.deploy.save_policy import SavePolicy
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.failures import clear_failure, record_failure
from benchmark.records.run import RunResult, write_run
from benchmark.suite.executor import ExecutorSettings, Finished, PendingJob, run_jobs
from benchmark.suite.options import RunOptions, child_arguments
from benchmark.suite.plan import completed_run, model_name, planned_hash
from benchmark.training.baseline import BASELINES
from benchmark.training.checkpoint_store import checkpoint_dir, remove_checkpoints
from benchmark.training.config import RunConfig

log = logging.getLogger(__name__)

COMMAND_ENV = "TFHUB_BENCH_COMMAND"  # the suite's command, recorded in the run files its child processes write
ERROR_TAIL_LINES = 40
CHILD_STOP_SECONDS = 600  # how long an interrupted suite waits for the model in progress to save its checkpoint
# A child that stopped on an interrupt (exit 130, or killed by SIGINT/SIGTERM before it could catch it) stops the suite.
INTERRUPTED_STATUSES = (130, -signal.SIGINT, -signal.SIGTERM)


@dataclasses.dataclass(frozen=True)
class SuiteOutcome:
    """What a suite did: models run, skipped (already done) and failed (their labels), and the leaderboard page."""

    ran: int
    skipped: int
    failed: list[str]
    page: Path


def _failure_message(returncode: int, tail: Sequence[str]) -> str:
    errors = [line.strip() for line in tail if line.startswith("error:")]
    if returncode < 0:
        name = signal.Signals(-returncode).name
        hint = " (out of memory, or killed)" if -returncode == signal.SIGKILL else ""
        last = f"; last output: {tail[-1].strip()[:200]}" if tail else ""
        return f"process killed by {name}{hint}{last}"
    if errors:
        return errors[-1].removeprefix("error:").strip()
    lines = [line.strip() for line in tail if line.strip()]
    return f"exit status {returncode}" + (f": {lines[-1][:300]}" if lines else "")


def _relay(child: subprocess.Popen, tail: collections.deque[str]) -> int:
    """Copy the child's stderr to ours (keeping the last lines) until it exits; return its status."""
    for line in child.stderr:
        sys.stderr.write(line)
        tail.append(line)
    return child.wait()


def child_environment(command: str, **extra: str) -> dict[str, str]:
    """A suite child's environment: this process's, the suite's command, and this package importable."""
    env = dict(os.environ, **{COMMAND_ENV: command}, **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), os.environ.get("PYTHONPATH")]))
    return env


def child_error(key: str, returncode: int, tail: Sequence[str]) -> str:
    """What a failed child's row says: its "error: KEY failed: CAUSE" line without the model (the row names it)."""
    return _failure_message(returncode, tail).removeprefix(f"{key} failed: ")


def run_child(key: str, arguments: Sequence[str], command: str) -> tuple[int, str]:
    """Run ``key`` in a child ``python -m benchmark`` process with ``arguments``
    (:func:`~benchmark.suite.options.child_arguments`); stream its stderr; return its status and error.

    Interrupted (Ctrl-C, SIGTERM), the suite passes the interrupt on and gives the child up to
    :data:`CHILD_STOP_SECONDS` to save its checkpoint, then raises ``KeyboardInterrupt``; a second Ctrl-C kills it.
    """
    env = child_environment(command)
    argv = [sys.executable, "-m", "benchmark", *arguments]
    tail: collections.deque[str] = collections.deque(maxlen=ERROR_TAIL_LINES)
    with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True, errors="replace") as child:
        try:
            returncode = _relay(child, tail)
        except KeyboardInterrupt:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)  # a terminal's Ctrl-C reached it too: it ignores the repeat
            deadline = threading.Timer(CHILD_STOP_SECONDS, child.kill)
            deadline.start()
            try:
                _relay(child, tail)
            finally:
                deadline.cancel()
                child.kill()
                child.wait()
            raise
        except BaseException:
            child.kill()
            child.wait()
            raise
    if returncode in INTERRUPTED_STATUSES:
        raise KeyboardInterrupt(f"{key} was interrupted")
    return returncode, "" if returncode == 0 else child_error(key, returncode, tail)


Job = tuple[str, DatasetChoice, int]  # (model key, dataset, seed)


def job_label(job: Job, jobs: Sequence[Job]) -> str:
    """How progress lines name a job: the model, and its dataset and seed where the suite has several."""
    key, dataset, seed = job
    on = f" on {dataset.key}" if len({d.key for _, d, _ in jobs}) > 1 else ""
    return key + on + (f" (seed {seed})" if len({s for _, _, s in jobs}) > 1 else "")


def configured_jobs(jobs: Sequence[Job], config: RunConfig,
                    grid: Sequence[float] = ()) -> list[tuple[Job, RunConfig, str]]:
    """Each job with its configuration and what its label adds: every job at ``config``'s rate, or at every rate of
    a learning-rate ``grid`` (the baselines, which have no rate, once)."""
    if not grid:
        return [(job, config, "") for job in jobs]
    return [(job, dataclasses.replace(config, learning_rate=rate), f" at {rate:g}")
            for position, rate in enumerate(grid) for job in jobs if position == 0 or job[0] not in BASELINES]


def plan_jobs(jobs: Sequence[Job], config: RunConfig, loaded: dict[str, Loaded], options: RunOptions,
              suite_id: str | None, grid: Sequence[float] = ()) -> tuple[list[PendingJob], int]:
    """The jobs still to run (finished configurations skipped, unless ``--force``) and how many were skipped."""
    pending: list[PendingJob] = []
    skipped = 0
    planned = configured_jobs(jobs, config, grid)
    for position, (job, job_config, at) in enumerate(planned, 1):
        key, dataset, seed = job
        label = job_label(job, jobs) + at
        seeded = dataclasses.replace(job_config, seed=seed)
        identity = planned_hash(key, seeded, prepare_data(loaded[dataset.key], seeded), options)
        if not options.force and (done := completed_run(options.output, identity)):
            skipped += 1
            log.info("[%d/%d] %s: skipped, run file %s.json has this configuration (%s); --force reruns",
                     position, len(planned), label, done.run_id, identity)
            continue
        arguments = child_arguments(key, seed, job_config, options, suite_id, dataset)
        pending.append(PendingJob(position, len(planned), label, key, model_name(key, options.models_dir),
                                  dataset.key, seed, identity, arguments))
    return pending, skipped


def record_finished(finished: Finished, options: RunOptions, command: str) -> None:
    """Write what an executor returned: the run file it carries (a job on Ray writes none of its own), else the
    failed row."""
    job = finished.job
    if finished.error is None:
        if finished.record is not None:
            result = RunResult.from_dict(finished.record)
            write_run(dataclasses.replace(result, placement=finished.placement), options.output)
            clear_failure(options.output, job.key, job.seed, job.dataset)
            if options.checkpoint_dir and result.config_hash:  # the job left them for the driver to delete
                remove_checkpoints(checkpoint_dir(options.output, result.config_hash, options.checkpoint_dir))
        return
    record_failure(options.output, job.key, job.name, job.identity or "", finished.error, command, job.seed,
                   job.dataset)
    log.error("%s failed: %s", job.label, finished.error)


def run_suite(jobs: Sequence[Job], config: RunConfig, loaded: dict[str, Loaded], command: str,
              options: RunOptions, policy: SavePolicy | None = None,
              executor: ExecutorSettings = ExecutorSettings(), grid: Sequence[float] = ()) -> SuiteOutcome:
    """Each (model, dataset, seed) in its own process, at each rate of a learning-rate ``grid`` if one is given, run by
    ``executor``: finished configurations skipped, crashes recorded, the rest go on. ``loaded`` holds each dataset by
    key (to plan the configuration hashes; the children load their own).

    With a save ``policy``, the children export under its suite id (best of the suite, or every model).
    """
    pending, skipped = plan_jobs(jobs, config, loaded, options, policy.suite_id if policy else None, grid)
    ran = 0
    failed: list[str] = []
    with contextlib.closing(run_jobs(pending, command, executor)) as finishing:  # closed: running jobs cancelled
        for finished in finishing:
            record_finished(finished, options, command)
            if finished.error is None:
                ran += 1
            else:
                failed.append(finished.job.label)
            if executor.kind != "local":  # the driver alone writes: the leaderboard follows the results as they come
                write_leaderboard(options.output)
    page, _ = write_leaderboard(options.output)
    return SuiteOutcome(ran, skipped, failed, page)
