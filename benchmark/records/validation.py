"""The one rule that ranks validation scores: which epoch a run tests, which learning rate a grid keeps, which export
a suite keeps.

Highest validation accuracy first; on a tie (common: a few hundred validation reviews move accuracy in steps of a
quarter of a point) the lower validation loss. Validation loss is continuous, so it separates epochs or rates whose
accuracies tie, without letting a calibration change outvote an accuracy difference. The measurement behind the
choice: experiments/2026-12-06-best-epoch-rule/.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

RULE_ID = "accuracy_then_loss"  # enters the configuration hash of runs that restore their best epoch
RULE = "highest validation accuracy; a tie goes to the lower validation loss"


def validation_rank(accuracy: float, loss: float | None) -> tuple[float, float]:
    """A sort key, higher is better: accuracy, then lower loss (a missing loss loses every tie). Accuracy is
    rounded to 9 decimals, so that means over seeds that tie (0.9 and 0.8 against 0.85 and 0.85) are not told
    apart by floating-point rounding; distinct accuracies of any real validation set differ far more."""
    return round(float(accuracy), 9), -float(loss) if loss is not None and math.isfinite(loss) else -math.inf


def best_row(rows: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The validated row (an epoch of a run's ``history``) that the rule ranks first, the earliest on a full tie;
    None when no row has a validation accuracy."""
    best: Mapping[str, Any] | None = None
    for row in rows:
        if "validation_accuracy" not in row:
            continue
        if best is None or rank_of(row) > rank_of(best):  # strictly better: a full tie keeps the earlier row
            best = row
    return best


def lowest_loss_row(rows: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The validated row with the lowest validation loss (the earliest on a tie), or None."""
    scored = [row for row in rows if row.get("validation_loss") is not None]
    return min(scored, key=lambda row: float(row["validation_loss"])) if scored else None


def rank_of(row: Mapping[str, Any]) -> tuple[float, float]:
    return validation_rank(row["validation_accuracy"], row.get("validation_loss"))
