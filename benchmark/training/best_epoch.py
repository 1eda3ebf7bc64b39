"""The best epoch by validation (``benchmark.records.validation``'s rule): its weights kept during training,
restored before testing.

Fine-tuning recipes (BERT's, Turc et al.'s) test the checkpoint that scored best on validation data, not simply the
last one. :class:`BestEpoch` keeps a copy of the weights whenever an epoch ranks above every earlier one (highest
validation accuracy, a tie going to the lower validation loss; a full tie keeps the earlier epoch); with a checkpoint
folder it also saves that copy there, so a run resumed after an interrupt can still restore an epoch of an earlier
session.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Mapping, Sequence

import tf_keras

from benchmark.records.validation import RULE_ID, best_row, lowest_loss_row, rank_of
from benchmark.training.checkpoint_store import join, make_folder, read_text, write_text

log = logging.getLogger(__name__)

BEST_FOLDER = "best_epoch"  # inside a run's checkpoint folder
SCORES = ("validation_accuracy", "validation_loss")


def validated(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each validated epoch of ``history`` as ``epoch``, ``validation_accuracy`` and ``validation_loss``."""
    return [{"epoch": row["epoch"], **{name: float(row[name]) for name in SCORES if row.get(name) is not None}}
            for row in history if "validation_accuracy" in row]


def best_of(history: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The epoch the rule ranks first (``epoch``, ``validation_accuracy``, ``validation_loss``), or None when no
    epoch was validated."""
    best = best_row(validated(history))
    return dict(best) if best is not None else None


def candidates(history: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The epoch each score alone would pick: the highest validation accuracy (the earliest on a tie) and the
    lowest validation loss, each with both scores, so a run file shows what the rule weighed."""
    rows = validated(history)
    by_accuracy = max(rows, key=lambda row: (row["validation_accuracy"], -row["epoch"]), default=None)
    return {"validation_accuracy": by_accuracy, "validation_loss": lowest_loss_row(rows)}


class BestEpoch(tf_keras.callbacks.Callback):
    """Keeps the weights of the best epoch so far by validation accuracy, then validation loss.

    Args:
      history: Epoch rows of earlier sessions of this run (a resumed run), as the run file records them.
      directory: The run's checkpoint folder, where the best weights are also saved; None keeps them in memory only.
    """

    def __init__(self, history: Sequence[Mapping[str, Any]] = (), directory: str | Path | None = None):
        super().__init__()
        self.folder = join(str(directory), BEST_FOLDER) if directory is not None else None
        self.rows = validated(history)
        self.best = best_of(history)
        self.epochs = max((row["epoch"] for row in history), default=0)
        self.weights: list[Any] | None = None
        self.saved_epoch = self._saved_epoch()

    def _saved_epoch(self) -> int | None:
        text = read_text(join(self.folder, "epoch.json")) if self.folder is not None else None
        return json.loads(text)["epoch"] if text is not None else None

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1
        logs = logs or {}
        if logs.get("val_accuracy") is None:
            return
        row = {"epoch": epoch + 1, "validation_accuracy": float(logs["val_accuracy"])}
        if logs.get("val_loss") is not None:
            row["validation_loss"] = float(logs["val_loss"])
        self.rows.append(row)
        if self.best is not None and rank_of(row) <= rank_of(self.best):
            return
        self.best = row
        self.weights = self.model.get_weights()
        if self.folder is not None:
            make_folder(self.folder)
            self.model.save_weights(join(self.folder, "weights"))
            write_text(join(self.folder, "epoch.json"), json.dumps({"epoch": epoch + 1}))
            self.saved_epoch = epoch + 1

    def restore(self, model: tf_keras.Model, enabled: bool = True) -> dict[str, Any] | None:
        """Load the best epoch's weights into ``model`` unless it is the last epoch (or ``enabled`` is False).

        Returns what the run file records as ``best_epoch``: ``epoch``, ``validation_accuracy``,
        ``validation_loss``, ``rule``, ``restored`` (whether the tested weights are that epoch's rather than the
        last's), ``tested_epoch`` and ``candidates`` (:func:`candidates`); None without validation.
        """
        if self.best is None:
            return None
        epoch = self.best["epoch"]
        restored = False
        if enabled and epoch != self.epochs:
            if self.weights is not None:
                model.set_weights(self.weights)
                restored = True
            elif self.folder is not None and self.saved_epoch == epoch:
                model.load_weights(join(self.folder, "weights")).expect_partial()
                restored = True
            else:
                log.warning("the weights of epoch %d (best on validation) were not kept; testing the last epoch's",
                            epoch)
        if restored:
            log.info("restored epoch %d of %d (validation accuracy %.4f, loss %s) before testing", epoch, self.epochs,
                     self.best["validation_accuracy"], self.best.get("validation_loss"))
        return {"epoch": epoch, "validation_accuracy": self.best["validation_accuracy"],
                "validation_loss": self.best.get("validation_loss"), "rule": RULE_ID, "restored": restored,
                "tested_epoch": epoch if restored or epoch == self.epochs else self.epochs,
                "candidates": candidates(self.rows)}
