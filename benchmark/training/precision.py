"""Numeric precision: the choices, the measured default per device type, and Keras's policy while building."""

from __future__ import annotations

import contextlib
from typing import Iterator

from benchmark.core.cpu import instruction_sets
from benchmark.core.errors import UsageError

AUTO = "auto"
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
PRECISION_CHOICES = (AUTO, *PRECISIONS)  # what --precision takes

# Default --precision per device type, from `python -m benchmark bench` measurements (docs/speed.md): on a CPU
# with bf16 dot-product instructions (AVX512_BF16 or AMX), mixed_bfloat16 trained 1.6x faster than float32
# (experiments/2026-11-24-cpu-bf16-default/); without them bf16 is emulated, so float32 stays the default there.
DEFAULT_PRECISION = {"GPU": "mixed_float16", "TPU": "mixed_bfloat16", "CPU_BF16": "mixed_bfloat16", "CPU": "float32"}


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
    """Whether this CPU runs bf16 kernels: /proc/cpuinfo lists bf16 dot-product instructions and
    ``ONEDNN_MAX_CPU_ISA`` does not cap them away (:mod:`benchmark.core.cpu`). Tests patch this to set the kind."""
    return bool(instruction_sets()["bf16_usable"])


def rebuilds_encoder(requested: str, jit_compile: bool = False, native: bool = False) -> bool:
    """Whether a run asking for ``requested`` (``auto`` unresolved) trains the natively rebuilt encoder rather than
    hub.KerasLayer: always under ``auto``, in float32 too (its ``[CLS]``-only last layer and 16-bit dropout masks
    trained faster than the hub layer on a CPU without bf16, experiments/2026-12-06-avx2-defaults/), and for mixed
    precision, XLA or TensorFlow Lite inference (``native``). Only an explicit float32 keeps the hub layer."""
    return requested != "float32" or jit_compile or native


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
