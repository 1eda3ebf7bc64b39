"""The epoch with the best validation accuracy: its weights kept during training, restored before testing.

Fine-tuning recipes (BERT's, Turc et al.'s) test the checkpoint that scored best on validation data, not simply the
last one. :class:`BestEpoch` keeps a copy of the weights whenever an epoch beats every earlier one (a tie keeps
the earlier epoch); with a checkpoint folder it also saves that copy there, so a run resumed after an interrupt can
still restore an epoch of an earlier session.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Sequence

import tf_keras

log = logging.getLogger(__name__)

BEST_FOLDER = "best_epoch"  # inside a run's checkpoint folder


def best_of(history: Sequence[dict[str, Any]]) -> tuple[int, float] | None:
    """The 1-based epoch with the highest validation accuracy and that accuracy (the earliest on a tie), or None
    when no epoch was validated."""
    scored = [(row["epoch"], float(row["validation_accuracy"])) for row in history if "validation_accuracy" in row]
    if not scored:
        return None
    return max(scored, key=lambda item: (item[1], -item[0]))


class BestEpoch(tf_keras.callbacks.Callback):
    """Keeps the weights of the best epoch so far by validation accuracy.

    Args:
      history: Epoch rows of earlier sessions of this run (a resumed run), as the run file records them.
      directory: The run's checkpoint folder, where the best weights are also saved; None keeps them in memory only.
    """

    def __init__(self, history: Sequence[dict[str, Any]] = (), directory: Path | None = None):
        super().__init__()
        self.folder = Path(directory) / BEST_FOLDER if directory is not None else None
        self.best = best_of(history)
        self.epochs = max((row["epoch"] for row in history), default=0)
        self.weights: list[Any] | None = None
        self.saved_epoch = self._saved_epoch()

    def _saved_epoch(self) -> int | None:
        marker = self.folder / "epoch.json" if self.folder is not None else None
        if marker is None or not marker.is_file():
            return None
        return json.loads(marker.read_text(encoding="utf-8"))["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1
        accuracy = (logs or {}).get("val_accuracy")
        if accuracy is None or (self.best is not None and float(accuracy) <= self.best[1]):
            return
        self.best = (epoch + 1, float(accuracy))
        self.weights = self.model.get_weights()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.model.save_weights(str(self.folder / "weights"))
            (self.folder / "epoch.json").write_text(json.dumps({"epoch": epoch + 1}), encoding="utf-8")
            self.saved_epoch = epoch + 1

    def restore(self, model: tf_keras.Model, enabled: bool = True) -> dict[str, Any] | None:
        """Load the best epoch's weights into ``model`` unless it is the last epoch (or ``enabled`` is False).

        Returns what the run file records as ``best_epoch``: ``epoch``, ``validation_accuracy`` and ``restored``
        (whether the tested weights are that epoch's rather than the last's); None without validation.
        """
        if self.best is None:
            return None
        epoch, accuracy = self.best
        restored = False
        if enabled and epoch != self.epochs:
            if self.weights is not None:
                model.set_weights(self.weights)
                restored = True
            elif self.folder is not None and self.saved_epoch == epoch:
                model.load_weights(str(self.folder / "weights")).expect_partial()
                restored = True
            else:
                log.warning("the weights of epoch %d (best validation accuracy) were not kept; testing the last "
                            "epoch's", epoch)
        if restored:
            log.info("restored epoch %d of %d (validation accuracy %.4f) before testing", epoch, self.epochs, accuracy)
        return {"epoch": epoch, "validation_accuracy": accuracy, "restored": restored,
                "tested_epoch": epoch if restored or epoch == self.epochs else self.epochs}
