"""Training callbacks and metrics: exact per-step losses, epoch totals and timing, and a stop on a non-finite loss."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import tensorflow as tf
import tf_keras

class ExamplesSeen(tf_keras.metrics.Metric):
    """Examples seen so far in the epoch (summed over replicas): turns Keras' running means into totals."""

    def __init__(self, name: str = "examples", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_weight(name="total", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(tf.cast(tf.shape(y_true)[0], self.dtype))

    def result(self):
        return tf.identity(self.total)

    def reset_state(self):
        self.total.assign(0.0)


@dataclasses.dataclass(frozen=True)
class EpochTally:
    """Running totals of the training part of an epoch (what Keras' running means hide)."""

    batches: int = 0
    examples: int = 0
    loss_sum: float = 0.0
    correct: float = 0.0
    seconds: float = 0.0

    def plus(self, batches: int, logs: dict[str, Any], seconds: float) -> "EpochTally":
        """These totals followed by ``batches`` more steps whose Keras running means are ``logs``."""
        examples = int(round(float(logs.get("examples", 0))))
        return EpochTally(self.batches + batches, self.examples + examples,
                          self.loss_sum + float(logs.get("loss", math.nan)) * examples,
                          self.correct + float(logs.get("accuracy", math.nan)) * examples, self.seconds + seconds)

    def means(self) -> dict[str, float]:
        if not self.examples:
            return {}
        return {"train_loss": self.loss_sum / self.examples, "train_accuracy": self.correct / self.examples}


class StepLoss(tf_keras.callbacks.Callback):
    """Records each training step's loss, accuracy and learning rate, numbered across epochs (one row per call with
    steps_per_execution > 1).

    Keras reports running means weighted by batch size; with the ``examples`` metric they become exact totals,
    so batches of any size (bucketing, a last partial batch) are recorded correctly. The learning rate is the one
    the optimizer's schedule gave the step (none without a model or an optimizer).
    """

    def __init__(self, first_step: int = 0):
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.step = first_step

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._batches, self._examples, self._total, self._correct = epoch, 0, 0.0, 0.0, 0.0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        examples = float(logs.get("examples", 0.0))
        total = float(logs.get("loss", math.nan)) * examples
        correct = float(logs.get("accuracy", math.nan)) * examples
        seen = examples - self._examples
        self.step += batch + 1 - self._batches
        row = {"step": self.step, "epoch": self._epoch + 1, "loss": (total - self._total) / seen if seen else math.nan}
        if "accuracy" in logs:
            row["accuracy"] = (correct - self._correct) / seen if seen else math.nan
        if (rate := self._learning_rate()) is not None:
            row["learning_rate"] = rate
        self.rows.append(row)
        self._batches, self._examples, self._total, self._correct = batch + 1, examples, total, correct

    def _learning_rate(self) -> float | None:
        """The rate the optimizer's schedule gave the step just taken."""
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # under a loss-scale optimizer
        if optimizer is None:
            return None
        rate = optimizer.learning_rate
        if callable(rate):
            rate = rate(optimizer.iterations - 1)
        return float(tf_keras.backend.get_value(rate))


class EpochTimer(tf_keras.callbacks.Callback):
    """Wall seconds of each epoch, validation included, and of the epoch in flight."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(self.elapsed())


KERAS_NAMES = (("loss", "train_loss"), ("accuracy", "train_accuracy"),
               ("val_loss", "validation_loss"), ("val_accuracy", "validation_accuracy"))


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
