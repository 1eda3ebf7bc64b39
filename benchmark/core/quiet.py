"""A quiet start: the lines TensorFlow and its dependencies print at start-up on a machine without a GPU, which read
like errors but are none, hidden unless the user asks for them (``--verbose``, or TensorFlow's own
``TF_CPP_MIN_LOG_LEVEL`` set by the user); everything else printed still shows.

- CUDA's start-up: ``E ... cuda_platform.cc ...] failed call to cuInit: ... UNKNOWN ERROR (303)`` where CUDA's
  driver library is installed but there is no GPU, and absl's ``WARNING: All log messages before
  absl::InitializeLog() is called are written to STDERR`` before it. They are written by C++ straight to file
  descriptor 2, so :func:`startup_noise_hidden` captures that descriptor while TensorFlow starts and replays every
  other line.
- setuptools' ``pkg_resources is deprecated as an API`` warning on importing tensorflow_hub 0.16.1 (which still
  imports it), hidden by a warnings filter.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Iterator

QUIET_ENV = "TFHUB_BENCH_QUIET_START"  # "1": the package chose TensorFlow's log level, so start-up noise may go
TF_LOG_ENV = "TF_CPP_MIN_LOG_LEVEL"
STARTUP_NOISE = re.compile(r"failed call to cuInit|All log messages before absl::InitializeLog\(\) is called")
PKG_RESOURCES_WARNING = r"pkg_resources is deprecated"


def choose_default_log_level() -> None:
    """TensorFlow's C++ logs at warnings and above unless the user set ``TF_CPP_MIN_LOG_LEVEL``; when this package
    chose, say so (for this process and the model processes it starts), so that start-up noise may be hidden."""
    if TF_LOG_ENV not in os.environ:
        os.environ[TF_LOG_ENV] = "2"
        os.environ.setdefault(QUIET_ENV, "1")


def set_verbose() -> None:
    """``--verbose``: every log line TensorFlow writes, start-up noise included, here and in child processes."""
    os.environ[TF_LOG_ENV] = "0"
    os.environ[QUIET_ENV] = "0"


def cpu_only() -> bool:
    """No GPU this process could use: CUDA_VISIBLE_DEVICES hides them all, or there is no NVIDIA device node."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return True
    return not any(Path("/dev").glob("nvidia[0-9]*"))


def start_quietly() -> bool:
    """Whether start-up noise is hidden: the package chose the log level (not the user, not ``--verbose``), and
    the machine has no GPU (where a failing cuInit is a real error: the GPU would go unused)."""
    return os.environ.get(QUIET_ENV) == "1" and cpu_only()


def hide_python_noise() -> None:
    """Filter the ``pkg_resources`` deprecation warning (call before tensorflow_hub is imported)."""
    if os.environ.get(QUIET_ENV) == "1":
        warnings.filterwarnings("ignore", message=PKG_RESOURCES_WARNING, category=UserWarning)


@contextlib.contextmanager
def startup_noise_hidden() -> Iterator[None]:
    """Inside, what is written to file descriptor 2 goes to a temporary file; on leaving, every line of it but
    :data:`STARTUP_NOISE` is written to the real standard error, in order. A no-op unless :func:`start_quietly`."""
    if not start_quietly():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().splitlines(keepends=True)
                    if not STARTUP_NOISE.search(line.decode("utf-8", "replace"))]
            if kept:
                os.write(2, b"".join(kept))
