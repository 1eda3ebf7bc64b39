"""Training guard: stop a run whose loss is no longer a finite number."""

from __future__ import annotations

import math

import tf_keras


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite; the run's numbers would be meaningless."""


class StopOnNonFiniteLoss(tf_keras.callbacks.Callback):
    """Raise :class:`TrainingDiverged` at the first batch whose loss is not finite."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise TrainingDiverged(
                f"training loss became {float(loss)} at epoch {self.epoch + 1}, step {batch + 1}: "
                "lower --learning-rate or check the data; no result was recorded")
