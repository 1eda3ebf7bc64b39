"""Numeric precision: the choices, the measured default per device type, and Keras's policy while building."""

from __future__ import annotations

import contextlib
from typing import Iterator

from benchmark.core.errors import UsageError

AUTO = "auto"
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
PRECISION_CHOICES = (AUTO, *PRECISIONS)  # what --precision takes

# Default --precision per device type, from `python -m benchmark bench` measurements (docs/speed.md): on a CPU
# with bf16 dot-product instructions (AVX512_BF16 or AMX), mixed_bfloat16 trained 1.6x faster than float32
# (experiments/2026-11-24-cpu-bf16-default/); without them bf16 is emulated, so float32 stays the default there.
DEFAULT_PRECISION = {"GPU": "mixed_float16", "TPU": "mixed_bfloat16", "CPU_BF16": "mixed_bfloat16", "CPU": "float32"}
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@contextlib.contextmanager
def precision_policy(precision: str) -> Iterator[None]:
    """Keras's global dtype policy set to ``precision`` while layers are built, then restored."""
    import tf_keras  # deferred: imports TensorFlow; `run --help` lists the choices without it

    if precision not in PRECISIONS:
        raise UsageError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    previous = tf_keras.mixed_precision.global_policy()
    tf_keras.mixed_precision.set_global_policy(precision)
    try:
        yield
    finally:
        tf_keras.mixed_precision.set_global_policy(previous)


def cpu_has_bf16() -> bool:
    """Whether /proc/cpuinfo lists bf16 dot-product instructions."""
    try:
        text = open("/proc/cpuinfo", encoding="utf-8").read()
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return any(flag in flags for flag in BF16_CPU_FLAGS)


def resolve_precision(requested: str) -> str:
    """``requested``, with ``auto`` replaced by the measured default for this device."""
    return default_precision() if requested == AUTO else requested


def default_precision() -> str:
    """The measured default precision for the device TensorFlow sees (the CPU when there is no accelerator)."""
    import tensorflow as tf  # deferred: imports TensorFlow

    for device_type in ("TPU", "GPU"):
        if tf.config.list_logical_devices(device_type):
            return DEFAULT_PRECISION[device_type]
    return DEFAULT_PRECISION["CPU_BF16" if cpu_has_bf16() else "CPU"]
