"""Training bookkeeping: per-step losses, epoch timing, and epoch checkpoints that let a run resume."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import tensorflow as tf
import tf_keras

from benchmark.atomic import atomic_write_text

log = logging.getLogger(__name__)

CHECKPOINTS_FOLDER = "checkpoints"
PROGRESS_FILE = "progress.json"
# Test-only fault injection: "kill-after-epoch:<model key>:<epoch>" makes that model's process SIGKILL
# itself right after saving that epoch's checkpoint, as an out-of-memory kill or a pulled plug would.
FAULT_ENV = "TFHUB_BENCH_FAULT"


def checkpoint_dir(output_dir: Path, config_hash: str) -> Path:
    """Where the epoch checkpoints of the run with ``config_hash`` live until its run file is written."""
    return Path(output_dir) / CHECKPOINTS_FOLDER / config_hash


def batch_sizes(examples: int, batch_size: int) -> list[int]:
    """The size of each batch of one epoch (the last one may be smaller)."""
    steps = math.ceil(examples / batch_size)
    return [min(batch_size, examples - step * batch_size) for step in range(steps)]


def batch_losses(running_means: list[float], sizes: list[int]) -> list[float]:
    """Per-batch losses from Keras' running epoch means, which weight each batch by its size."""
    losses, previous_total, seen = [], 0.0, 0
    for mean, size in zip(running_means, sizes):
        seen += size
        total = mean * seen
        losses.append((total - previous_total) / size)
        previous_total = total
    return losses


class StepLoss(tf_keras.callbacks.Callback):
    """Records each training batch's loss, numbered across epochs."""

    def __init__(self, examples: int, batch_size: int, first_step: int = 0):
        super().__init__()
        self.sizes = batch_sizes(examples, batch_size)
        self.rows: list[dict[str, Any]] = []
        self._step = first_step
        self._means: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._means = []

    def on_train_batch_end(self, batch, logs=None):
        self._means.append(float((logs or {}).get("loss", math.nan)))

    def on_epoch_end(self, epoch, logs=None):
        for loss in batch_losses(self._means, self.sizes[:len(self._means)]):
            self._step += 1
            self.rows.append({"step": self._step, "epoch": epoch + 1, "loss": loss})


class EpochTimer(tf_keras.callbacks.Callback):
    """Wall seconds of each epoch, validation included."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


class TrainingState:
    """A model's weights, optimizer state and epoch count, checkpointed each epoch with the progress so far.

    The progress file (per-epoch and per-step history, before-fine-tuning metrics) is written before the
    checkpoint; on restore it is cut back to the checkpoint's epoch, so the two always agree.
    """

    def __init__(self, directory: Path, model: tf_keras.Model, optimizer):
        self.directory = Path(directory)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")
        self.checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epochs_done=self.epoch)
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(self.directory), max_to_keep=1)

    def restore(self) -> dict[str, Any] | None:
        """Load the latest checkpoint; return its progress (``epochs_done`` included), or None to start fresh."""
        latest = self.manager.latest_checkpoint
        progress_path = self.directory / PROGRESS_FILE
        if latest is None or not progress_path.is_file():
            return None
        try:
            progress = json.loads(progress_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable checkpoint progress %s: %s", progress_path, error)
            return None
        self.checkpoint.restore(latest)
        done = int(self.epoch.numpy())
        progress["epochs_done"] = done
        progress["history"] = [row for row in progress.get("history", []) if row["epoch"] <= done]
        progress["step_history"] = [row for row in progress.get("step_history", []) if row["epoch"] <= done]
        return progress

    def save(self, epochs_done: int, progress: dict[str, Any]) -> None:
        atomic_write_text(self.directory / PROGRESS_FILE, json.dumps(progress | {"epochs_done": epochs_done}))
        self.epoch.assign(epochs_done)
        self.manager.save(checkpoint_number=epochs_done)

    def delete(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def inject_fault(model_key: str, epochs_done: int) -> None:
    """Kill this process when the test-only fault hook asks for it at this point."""
    fault = os.environ.get(FAULT_ENV, "")
    if fault == f"kill-after-epoch:{model_key}:{epochs_done}":
        log.error("fault injection: killing %s after epoch %d", model_key, epochs_done)
        os.kill(os.getpid(), signal.SIGKILL)


KERAS_NAMES = (("loss", "train_loss"), ("accuracy", "train_accuracy"),
               ("val_loss", "validation_loss"), ("val_accuracy", "validation_accuracy"))


class EpochCheckpoint(tf_keras.callbacks.Callback):
    """Appends each epoch's history row and saves a checkpoint (list it after EpochTimer and StepLoss)."""

    def __init__(self, state: TrainingState | None, timer: EpochTimer, steps: StepLoss, model_key: str,
                 progress: dict[str, Any]):
        super().__init__()
        self.state, self.timer, self.steps, self.model_key = state, timer, steps, model_key
        self.history: list[dict[str, Any]] = list(progress.get("history", []))
        self.earlier_steps: list[dict[str, Any]] = list(progress.get("step_history", []))
        self.before_fine_tuning = progress.get("before_fine_tuning")

    @property
    def step_history(self) -> list[dict[str, Any]]:
        return self.earlier_steps + self.steps.rows

    def on_epoch_end(self, epoch, logs=None):
        row: dict[str, Any] = {"epoch": epoch + 1, "seconds": self.timer.seconds[-1]}
        for keras_name, name in KERAS_NAMES:
            if keras_name in (logs or {}):
                row[name] = float(logs[keras_name])
        self.history.append(row)
        if self.state is not None:
            self.state.save(epoch + 1, {"history": self.history, "step_history": self.step_history,
                                        "before_fine_tuning": self.before_fine_tuning})
            inject_fault(self.model_key, epoch + 1)
