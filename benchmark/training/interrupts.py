"""How a run takes an interrupt (Ctrl-C, SIGTERM) during training, and the test-only fault injection."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

# Test-only fault injection, "<fault>:<model key>:<n>":
#   kill-at-step:KEY:S         SIGKILL after global training step S, mid-epoch, with no chance to save
#   wait-for-signal-at-step:KEY:S   after step S, print a line and wait (up to a minute) for a signal to arrive
#   nan-weights-at-step:KEY:S  set every trainable weight to NaN after step S, so the next loss is NaN
#   layer-error-at-step:KEY:S  after step S, call a Keras layer that multiplies bfloat16 by float32: the TypeError
#                              comes wrapped in Keras's "Exception encountered when calling layer" message
FAULT_ENV = "TFHUB_BENCH_FAULT"
WAIT_FOR_SIGNAL_SECONDS = 60
# A second interrupt this soon after the first is the same keypress reaching parent and child (or forwarded).
REPEAT_GRACE_SECONDS = 2.0


class InterruptRequests:
    """While entered, SIGINT and SIGTERM ask training to stop after saving instead of killing it.

    Armed (during an epoch), the first signal only sets :attr:`signum`; the training callbacks save and stop.
    Unarmed (tokenizing, evaluating), or a second signal after :data:`REPEAT_GRACE_SECONDS`, raises
    ``KeyboardInterrupt`` at once, as Python would.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.armed = False
        self._first = 0.0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "InterruptRequests":
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, frame) -> None:
        now = time.monotonic()
        if self.signum is not None:
            if now - self._first < REPEAT_GRACE_SECONDS:
                return
            raise KeyboardInterrupt
        self.signum, self._first = signum, now
        if not self.armed:
            raise KeyboardInterrupt
        log.warning("%s: stopping after the current step once a checkpoint is saved "
                    "(press Ctrl-C again to stop at once, without saving)", signal.Signals(signum).name)


def fault(model_key: str) -> tuple[str, int] | None:
    """The test-only fault asked for ``model_key`` in the environment, as (kind, number)."""
    kind, _, rest = os.environ.get(FAULT_ENV, "").partition(":")
    key, _, number = rest.rpartition(":")
    return (kind, int(number)) if key == model_key and number.isdigit() else None


def raise_in_nested_layer() -> None:
    """Fault injection: fail inside a Keras layer inside another, as a failing encoder layer does (Keras reports
    "Exception encountered when calling layer" first, and the cause further down)."""
    import tensorflow as tf
    import tf_keras

    class MixedDtypes(tf_keras.layers.Layer):
        def call(self, inputs):
            return tf.cast(inputs, tf.bfloat16) * inputs

    class Outer(tf_keras.layers.Layer):
        def build(self, input_shape):
            self.inner = MixedDtypes(name="fault_injection_inner")

        def call(self, inputs):
            return self.inner(inputs)

    Outer(name="fault_injection")(tf_keras.Input(shape=(1,)))
