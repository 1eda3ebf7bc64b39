"""Training guards: stop on a non-finite loss, and tell a chance-level result from a real one."""

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


def is_at_chance(accuracy: float, examples: int, z: float = 1.96) -> bool:
    """Whether ``accuracy`` on ``examples`` balanced reviews is within the 95% range of coin-flipping.

    A balanced binary test set answered at random scores 0.5 with standard deviation sqrt(0.25 / n);
    a model that always answers one class scores exactly 0.5.
    """
    if examples <= 0:
        return True
    return abs(accuracy - 0.5) <= z * math.sqrt(0.25 / examples)
