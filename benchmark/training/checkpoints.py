"""Checkpoints of a run in progress, and the callback that saves them and stops cleanly on Ctrl-C or SIGTERM.

A run saves a checkpoint after every epoch. When interrupted (Ctrl-C, or SIGTERM from a scheduler) during
training it also saves one at the end of the step in flight, with the epoch's running totals, so that the
same command resumes from that very step; interrupted during validation, it finishes the (short) validation,
saves the epoch, then stops.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import signal
import time
from pathlib import Path
from typing import Any

import tensorflow as tf
import tf_keras

from benchmark.core.errors import TrainingInterrupted
from benchmark.training.callbacks import KERAS_NAMES, EpochTally, EpochTimer, StepLoss
from benchmark.training.interrupts import WAIT_FOR_SIGNAL_SECONDS, InterruptRequests, fault, raise_in_nested_layer

log = logging.getLogger(__name__)


class TrainingState:
    """A model's weights, optimizer state and progress (history so far, position in the epoch), checkpointed.

    The progress travels inside the checkpoint as a string variable, so weights and bookkeeping can never
    disagree: a checkpoint either exists whole or the previous one is still the latest.
    """

    def __init__(self, directory: str | Path, model: tf_keras.Model, optimizer):
        self.directory = str(directory)  # a folder, or a URL (benchmark.training.checkpoint_store)
        with tf.device("CPU:0"):
            self.progress = tf.Variable("", dtype=tf.string, trainable=False, name="progress")
        self.checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, progress=self.progress)
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(self.directory), max_to_keep=1)

    def restore(self) -> dict[str, Any] | None:
        """Load the latest checkpoint and return its progress, or None to start fresh."""
        latest = self.manager.latest_checkpoint
        if latest is None:
            return None
        try:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
            return json.loads(self.progress.numpy().decode("utf-8"))
        except Exception as error:  # noqa: BLE001 - shape mismatch, truncated or corrupt files, bad JSON alike
            raise CheckpointUnreadable(
                f"cannot resume from {self.directory}: {str(error).splitlines()[0][:200]}; "
                "delete that folder to start this model over") from error

    def save(self, progress: dict[str, Any], global_step: int) -> None:
        self.progress.assign(json.dumps(progress))
        self.manager.save(checkpoint_number=global_step)


class CheckpointUnreadable(RuntimeError):
    """A checkpoint exists but cannot be restored into this model."""


def read_progress(directory: str | Path) -> dict[str, Any] | None:
    """The progress stored in the latest checkpoint under ``directory``, without building a model."""
    latest = tf.train.latest_checkpoint(str(directory))
    if latest is None:
        return None
    value = tf.train.load_variable(latest, "progress/.ATTRIBUTES/VARIABLE_VALUE")
    return json.loads(value.decode("utf-8") if isinstance(value, bytes) else value)


class EpochCheckpoint(tf_keras.callbacks.Callback):
    """Appends each epoch's history row, saves checkpoints, and stops cleanly when interrupted.

    List it after EpochTimer and StepLoss. ``progress`` is what :meth:`TrainingState.restore` returned (or the
    fresh run's starting progress); an epoch it left half done is completed from its saved running totals.
    """

    def __init__(self, state: TrainingState | None, timer: EpochTimer, steps: StepLoss, model_key: str,
                 progress: dict[str, Any], steps_per_epoch: int, requests: InterruptRequests | None = None):
        super().__init__()
        self.state, self.timer, self.steps, self.model_key = state, timer, steps, model_key
        self.steps_per_epoch, self.requests = steps_per_epoch, requests
        self.history: list[dict[str, Any]] = list(progress.get("history", []))
        self.earlier_steps: list[dict[str, Any]] = list(progress.get("step_history", []))
        self.before_fine_tuning = progress.get("before_fine_tuning")
        partial = progress.get("partial_epoch")
        self.carry = EpochTally(**partial["tally"]) if partial else EpochTally()
        self.carry_epoch = partial["epoch"] if partial else None
        self._logs: dict[str, Any] = {}
        self.fault = fault(model_key)  # read once: the environment does not change during a run

    @property
    def step_history(self) -> list[dict[str, Any]]:
        return self.earlier_steps + self.steps.rows

    def _carried(self, epoch: int) -> EpochTally:
        return self.carry if epoch == self.carry_epoch else EpochTally()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._logs = epoch, {}
        if self.requests is not None:
            self.requests.armed = True

    def on_train_batch_end(self, batch, logs=None):
        self._logs = dict(logs or {})
        tally = self._carried(self._epoch).plus(batch + 1, self._logs, self.timer.elapsed())
        global_step = self._epoch * self.steps_per_epoch + tally.batches
        injected = self.fault
        if injected == ("kill-at-step", global_step):
            log.error("fault injection: killing %s at step %d", self.model_key, global_step)
            os.kill(os.getpid(), signal.SIGKILL)
        if injected == ("layer-error-at-step", global_step):
            raise_in_nested_layer()
        if injected == ("nan-weights-at-step", global_step):
            for weight in self.model.trainable_weights:
                weight.assign(tf.fill(tf.shape(weight), tf.constant(math.nan, weight.dtype)))
        if injected == ("wait-for-signal-at-step", global_step) and self.requests is not None:
            print(f"fault injection: waiting for a signal at step {global_step}", flush=True)
            deadline = time.monotonic() + WAIT_FOR_SIGNAL_SECONDS
            while self.requests.signum is None and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.requests is None or self.requests.signum is None or self.state is None:
            return
        if tally.batches >= self.steps_per_epoch:
            return  # the epoch's training is done: stop after its validation, at on_epoch_end
        self.state.save(self._progress(self._epoch, tally), global_step)
        raise TrainingInterrupted(
            f"interrupted: {self.model_key} saved a checkpoint at epoch {self._epoch + 1}, step {tally.batches} of "
            f"{self.steps_per_epoch}; rerun the same command to resume from there")

    def _progress(self, epochs_done: int, tally: EpochTally | None = None) -> dict[str, Any]:
        progress: dict[str, Any] = {
            "epochs_done": epochs_done, "batches_done": tally.batches if tally else 0,
            "history": self.history, "step_history": self.step_history,
            "before_fine_tuning": self.before_fine_tuning}
        if tally is not None:
            progress["partial_epoch"] = {"epoch": epochs_done, "tally": dataclasses.asdict(tally)}
        return progress

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        carried = self._carried(epoch)
        row: dict[str, Any] = {"epoch": epoch + 1, "seconds": carried.seconds + self.timer.seconds[-1]}
        if carried.batches:  # resumed mid-epoch: this session's running means plus the saved totals
            row |= carried.plus(0, self._logs, 0.0).means()
        else:
            row |= {name: float(logs[keras]) for keras, name in KERAS_NAMES[:2] if keras in logs}
        row |= {name: float(logs[keras]) for keras, name in KERAS_NAMES[2:] if keras in logs}
        self.history.append(row)
        if self.requests is not None:
            self.requests.armed = False
        if self.state is None:
            return
        self.state.save(self._progress(epoch + 1), (epoch + 1) * self.steps_per_epoch)
        if self.requests is not None and self.requests.signum is not None:
            raise TrainingInterrupted(
                f"interrupted: {self.model_key} saved a checkpoint after epoch {epoch + 1}; "
                "rerun the same command to resume from there")
