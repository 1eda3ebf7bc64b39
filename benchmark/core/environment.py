"""Describes the software and hardware a run used, for its run file."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmark.core.paths import SOURCE_ROOT

PACKAGES = ("tensorflow", "tf-keras", "tensorflow-hub", "tensorflow-text", "tf-models-official")


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo where there is one, else what ``platform`` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str:
    """The project's git commit, with ``-dirty`` when the work tree has changes; ``unknown`` outside git."""
    root = SOURCE_ROOT
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def cpu_threads() -> int:
    """The CPU cores this process may run on (its affinity mask), which is what its thread pools should use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def describe_environment(seed: int, accelerators: bool = True) -> dict[str, Any]:
    """Library versions, devices, seed and git commit (``accelerators=False``: CPU only, without importing TF)."""
    devices: list[str] = []
    if accelerators:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        devices = [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: package_version(name) for name in PACKAGES},
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        # Other work on the machine slows throughput; the 1-minute load average at the start says how busy it was.
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "accelerators": devices,
        "device": devices[0] if devices else f"CPU ({cpu_name()})",
        "seed": seed,
        "git_commit": git_commit(),
    }
