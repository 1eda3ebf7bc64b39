"""One suite job on a Ray worker: today's child process, in its own process group, writing into a scratch folder;
the task returns the run file's content (or the error) and the driver alone writes the results folder.

Ray does not reap a dead worker's children: the child dies with its worker (``PR_SET_PDEATHSIG`` on Linux), and a
cancelled task (``KeyboardInterrupt`` in the worker) interrupts the child's whole process group, waits for it to save
its checkpoint, then kills the group. The scratch folder goes when the job ends or is cancelled; one whose worker was
killed (a node lost) is removed by the next job that starts on that machine.
"""

from __future__ import annotations

import collections
import ctypes
import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from benchmark.core.paths import RUNS_FOLDER
from benchmark.core.processes import process_alive
from benchmark.suite.processes import CHILD_STOP_SECONDS, ERROR_TAIL_LINES, child_environment, child_error

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
SCRATCH_PREFIX = "tfhub-bench-job-"  # then the worker's pid: a folder whose worker is dead is left over


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGKILL when the Ray worker that started it dies (a node lost, a forced cancel)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


def _relay(child: subprocess.Popen, tail: collections.deque[str]) -> int:
    for line in child.stderr:
        sys.stderr.write(line)
        tail.append(line)
    return child.wait()


def run_grouped(argv: Sequence[str], env: dict[str, str], cwd: str | None) -> tuple[int, list[str]]:
    """Run ``argv`` in a new process group, relaying its stderr; return its status and its last lines.

    Interrupted (the task cancelled), it interrupts the group, gives it :data:`CHILD_STOP_SECONDS` to save its
    checkpoint, kills the group and raises ``KeyboardInterrupt``."""
    tail: collections.deque[str] = collections.deque(maxlen=ERROR_TAIL_LINES)
    child = subprocess.Popen(list(argv), env=env, cwd=cwd, stderr=subprocess.PIPE, text=True, errors="replace",
                             start_new_session=True, preexec_fn=_die_with_parent)
    try:
        return _relay(child, tail), list(tail)
    except BaseException:
        _signal_group(child, signal.SIGINT)
        deadline = threading.Timer(CHILD_STOP_SECONDS, _signal_group, (child, signal.SIGKILL))
        deadline.start()
        try:
            child.wait()
        finally:
            deadline.cancel()
            _signal_group(child, signal.SIGKILL)
            child.wait()
        raise


def sweep_scratch() -> None:
    """Remove the scratch folders of jobs whose worker died on this machine: nothing else could."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def run_job(key: str, arguments: Sequence[str], command: str, extra_env: dict[str, str],
            cwd: str | None) -> dict[str, Any]:
    """Run one job here into a scratch results folder; return ``record`` (its run file, or None), ``error`` (None on
    success), ``devices`` (``CUDA_VISIBLE_DEVICES`` as Ray set it), ``started`` and ``seconds``."""
    started, clock = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"), time.monotonic()
    devices = os.environ.get("CUDA_VISIBLE_DEVICES") or None
    env = child_environment(command, **extra_env)
    sweep_scratch()
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as scratch:
        # The last --output wins: the child writes its run file here, never into the driver's results folder.
        argv = [sys.executable, "-m", "benchmark", *arguments, "--output", scratch]
        returncode, tail = run_grouped(argv, env, cwd if cwd and Path(cwd).is_dir() else None)
        files = sorted((Path(scratch) / RUNS_FOLDER).glob("*.json"))
        record = json.loads(files[-1].read_text()) if returncode == 0 and files else None
    sweep_scratch()  # again: a worker killed just before this job started may have died only since
    error = None
    if returncode != 0:
        error = child_error(key, returncode, tail)
    elif record is None:
        error = "the job ended without a run file"
    return {"record": record, "error": error, "devices": devices, "started": started,
            "seconds": round(time.monotonic() - clock, 3)}
