"""The encoder rebuilt natively with tf-models-official, weights restored from its TF-Hub SavedModel.

``hub.KerasLayer`` runs a SavedModel whose dtypes were fixed at export, so it ignores Keras mixed
precision (tensorflow/hub#466, #790). Rebuilding the same architecture as Keras layers and copying the
SavedModel's variables into them, matched by name and checked by shape, lets mixed precision and XLA apply.
It also lets the last layer compute the ``[CLS]`` position alone, the only one the classifier head reads,
and its dropout draw its masks from fewer random bits (:mod:`benchmark.dropout`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import tensorflow as tf
import tf_keras

from benchmark.encoders.native import rebuild_encoder, saved_encoder
from benchmark.core.errors import UsageError
from benchmark.model import DEFAULT_DROPOUT, build_classifier, classifier_head
from benchmark.encoders.spec import ENCODER_INPUTS
from benchmark.encoders.spec import EncoderSpec

log = logging.getLogger(__name__)

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@contextlib.contextmanager
def precision_policy(precision: str) -> Iterator[None]:
    """Keras's global dtype policy set to ``precision`` while layers are built, then restored."""
    if precision not in PRECISIONS:
        raise UsageError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    previous = tf_keras.mixed_precision.global_policy()
    tf_keras.mixed_precision.set_global_policy(precision)
    try:
        yield
    finally:
        tf_keras.mixed_precision.set_global_policy(previous)


def build_native_classifier(spec: EncoderSpec, encoder_handle: str, seq_length: int | None,
                            precision: str = "float32", dropout: float = DEFAULT_DROPOUT) -> tf_keras.Model:
    """The shared classifier on a native encoder holding the SavedModel's weights; the logit stays float32."""
    saved, vocab_size = saved_encoder(encoder_handle)
    with precision_policy(precision):
        inputs = {name: tf_keras.layers.Input(shape=(seq_length,), dtype=tf.int32, name=name)
                  for name in ENCODER_INPUTS}
        encoder = rebuild_encoder(spec, saved, vocab_size, inputs)
        logits = classifier_head(encoder(inputs)["pooled_output"], dropout)
        return tf_keras.Model(inputs, logits, name="classifier")


def build_for_config(spec: EncoderSpec, encoder_handle: str, seq_length: int | None, precision: str,
                     jit_compile: bool = False, dropout: float = DEFAULT_DROPOUT,
                     native: bool = False) -> tf_keras.Model:
    """The hub.KerasLayer classifier for plain float32; the native one for mixed precision, XLA, or ``native``
    (what TensorFlow Lite inference converts).

    XLA never wraps a hub.KerasLayer: on CPU that measured about 20x slower.
    """
    if precision == "float32" and not jit_compile and not native:
        return build_classifier(encoder_handle, seq_length, dropout)
    return build_native_classifier(spec, encoder_handle, seq_length, precision, dropout)


def build_with_fallback(spec: EncoderSpec, encoder_handle: str, seq_length: int | None, precision: str,
                        jit_compile: bool = False, dropout: float = DEFAULT_DROPOUT,
                        native: bool = False) -> tuple[tf_keras.Model, str]:
    """:func:`build_for_config`, except that an encoder that cannot be rebuilt natively (its SavedModel's
    variables do not match tf-models-official's) runs on the hub layer in float32, with a warning, unless
    ``native`` demands the rebuilt one; returns the model and the precision it computes in. What
    ``--precision auto`` uses."""
    try:
        return build_for_config(spec, encoder_handle, seq_length, precision, jit_compile, dropout, native), precision
    except UsageError as error:
        if native:
            raise UsageError(f"{spec.key}: {error}; TensorFlow Lite inference converts the natively rebuilt encoder, "
                             "so use --inference keras for this model") from error
        if precision == "float32" and not jit_compile:
            raise  # the hub layer itself failed: nothing to fall back to
        log.warning("%s: %s; training in float32 on the hub layer instead", spec.key, error)
        return build_classifier(encoder_handle, seq_length, dropout), "float32"


# Default --precision per device type, from `python -m benchmark bench` measurements (README, Speed): on a CPU
# with bf16 dot-product instructions (AVX512_BF16 or AMX), mixed_bfloat16 trained 1.6x faster than float32
# (results/bench-cpu-bf16/bench.md); without them bf16 is emulated, so float32 stays the default there.
DEFAULT_PRECISION = {"GPU": "mixed_float16", "TPU": "mixed_bfloat16", "CPU_BF16": "mixed_bfloat16", "CPU": "float32"}
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


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
    return default_precision() if requested == "auto" else requested


def default_precision() -> str:
    """The measured default precision for the device TensorFlow sees (the CPU when there is no accelerator)."""
    for device_type in ("TPU", "GPU"):
        if tf.config.list_logical_devices(device_type):
            return DEFAULT_PRECISION[device_type]
    return DEFAULT_PRECISION["CPU_BF16" if cpu_has_bf16() else "CPU"]
