"""TensorBoard event files for a finished run, from its record: ``<output>/tensorboard/<run id>/``.

Written once the run file is, so a resumed run's steps and epochs of every session land in one place, and the
classical baseline gets its epoch and test scalars too. ``tensorboard --logdir results/tensorboard`` shows:

- per training step (``train/``): ``loss``, ``accuracy`` (that batch's) and ``learning_rate``;
- per epoch (``epoch/``): train and validation loss and accuracy, the epoch's seconds and training examples per
  second;
- at the last step (``test/``): test loss and accuracy; and ``speed/`` training and evaluation examples per second;
- the HParams plugin's summary of the run (model, weights, dataset, learning rate, seed, sequence length, epochs,
  batch size), so the HParams tab compares a suite's runs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import tensorflow as tf

from benchmark.records.run import RunResult

log = logging.getLogger(__name__)

TENSORBOARD_FOLDER = "tensorboard"
HPARAMS = ("learning_rate", "seed", "seq_length", "epochs", "batch_size")
EPOCH_SCALARS = ("train_loss", "train_accuracy", "validation_loss", "validation_accuracy", "seconds")


def event_folder(output_dir: Path, run_id: str) -> Path:
    return Path(output_dir) / TENSORBOARD_FOLDER / run_id


def hparams_of(run: RunResult) -> dict[str, object]:
    """The run's settings as the HParams plugin shows them (missing or unset ones left out)."""
    values: dict[str, object] = {"model": run.key, "weights": run.weights, "dataset": run.dataset_key}
    for name in HPARAMS:
        value = run.hyperparameters.get(name)
        if isinstance(value, (bool, int, float, str)):
            values[name] = value
    return values


def _epochs(run: RunResult) -> None:
    train_examples = run.data.get("train_examples") or 0
    for row in run.history:
        for name in EPOCH_SCALARS:
            if row.get(name) is not None:
                tf.summary.scalar(f"epoch/{name}", row[name], step=row["epoch"])
        if row.get("seconds"):
            tf.summary.scalar("epoch/train_examples_per_second", train_examples / row["seconds"], step=row["epoch"])


def write_events(run: RunResult, output_dir: Path) -> Path | None:
    """Write ``run``'s scalars and hyperparameters under ``<output_dir>/tensorboard/<run id>/``; return the folder.
    A failure to write (a full disk) is logged, never fatal: the run file is the record."""
    from tensorboard.plugins.hparams import api as hp  # deferred: loaded only when a run has finished

    folder = event_folder(output_dir, run.run_id)
    try:
        writer = tf.summary.create_file_writer(str(folder))
        with writer.as_default():
            hp.hparams(hparams_of(run), trial_id=run.run_id)
            for row in run.step_history:
                for name in ("loss", "accuracy", "learning_rate"):
                    if row.get(name) is not None:
                        tf.summary.scalar(f"train/{name}", row[name], step=row["step"])
            _epochs(run)
            last = max([row["step"] for row in run.step_history] + [len(run.history), 1])
            for name in ("loss", "accuracy"):
                tf.summary.scalar(f"test/{name}", run.test[name], step=last)
            for name in ("train_examples_per_second", "eval_examples_per_second"):
                if run.timing.get(name) is not None:
                    tf.summary.scalar(f"speed/{name}", run.timing[name], step=last)
        writer.close()
    except (OSError, tf.errors.OpError) as error:
        log.warning("%s: no TensorBoard events written (%s)", run.run_id, error)
        return None
    return folder
