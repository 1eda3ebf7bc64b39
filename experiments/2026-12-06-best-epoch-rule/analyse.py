"""Apply each best-epoch rule to the per-epoch records of ``per_epoch_test.py`` and write ``results.md``.

Rules: ``accuracy, earliest`` (the rule before this experiment: highest validation accuracy, the earliest epoch on a
tie), ``accuracy, then loss`` (a tie goes to the lower validation loss), ``loss`` (lowest validation loss), ``last``
(no selection: the last epoch, the tutorial's recipe). Each is scored by the test accuracy of the epoch it picks.

Two views: the runs as they are (one validation set per seed), and, for seeds whose records hold per-example
probabilities, many validation sets resampled from the seed's validation reviews (bootstrap, same size), each rule
applied to each resample: how often validation accuracy ties, and the mean test accuracy each rule reaches.
  python experiments/2026-12-06-best-epoch-rule/analyse.py [FOLDER]   # FOLDER: raw (default) or pilot-3-epochs
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESAMPLES = 2000


def pick(accuracy: np.ndarray, loss: np.ndarray) -> dict[str, int]:
    """The 0-based epoch each rule picks, given per-epoch validation accuracy and loss."""
    epochs = np.arange(len(accuracy))
    top = accuracy == accuracy.max()
    return {
        "accuracy, earliest": int(epochs[top][0]),
        "accuracy, then loss": int(epochs[top][np.argmin(loss[top])]),
        "loss": int(np.argmin(loss)),
        "last": len(accuracy) - 1,
    }


def bce(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return -(labels * np.log(p) + (1 - labels) * np.log(1 - p))


def resampled(record: dict, rng: np.random.Generator) -> dict[str, object]:
    labels = np.asarray(record["validation_labels"], dtype=float)
    probabilities = np.asarray([e["validation_probabilities"] for e in record["epochs"]])  # epochs x examples
    correct = ((probabilities >= 0.5) == labels).astype(float)
    losses = bce(probabilities, labels)
    test = np.asarray([e["test_accuracy"] for e in record["epochs"]])
    scores: dict[str, list[float]] = {}
    ties = 0
    for _ in range(RESAMPLES):
        draw = rng.integers(0, len(labels), len(labels))
        accuracy, loss = correct[:, draw].mean(axis=1), losses[:, draw].mean(axis=1)
        ties += int((accuracy == accuracy.max()).sum() > 1)
        for rule, epoch in pick(accuracy, loss).items():
            scores.setdefault(rule, []).append(float(test[epoch]))
    return {"ties": ties / RESAMPLES, "mean_test": {rule: statistics.fmean(v) for rule, v in scores.items()},
            "oracle": float(test.max())}


def main() -> None:
    folder = HERE / (sys.argv[1] if len(sys.argv) > 1 else "raw")
    records = [json.loads(path.read_text()) for path in sorted(folder.glob("seed*.json"))]
    lines = ["# Best-epoch rules scored on held-out test reviews", "",
             f"{len(records)} seeds; `analyse.py` made this page from `{folder.name}/`.", "",
             "## The runs as they are", "",
             "| seed | val. accuracy per epoch | val. loss per epoch | test accuracy per epoch | "
             "accuracy, earliest | accuracy, then loss | loss | last |", "|---|---|---|---|---:|---:|---:|---:|"]
    totals: dict[str, list[float]] = {}
    for record in records:
        epochs = record["epochs"]
        accuracy = np.asarray([e["validation_accuracy"] for e in epochs])
        loss = np.asarray([e["validation_loss"] for e in epochs])
        test = [e["test_accuracy"] for e in epochs]
        chosen = pick(accuracy, loss)
        for rule, epoch in chosen.items():
            totals.setdefault(rule, []).append(test[epoch])
        cells = [f"{test[chosen[rule]]:.2%} (ep. {chosen[rule] + 1})" for rule in chosen]
        lines.append(f"| {record['seed']} | {' / '.join(f'{a:.1%}' for a in accuracy)} | "
                     f"{' / '.join(f'{v:.4f}' for v in loss)} | {' / '.join(f'{t:.2%}' for t in test)} | "
                     + " | ".join(cells) + " |")
    lines += ["", "Mean test accuracy of the picked epoch: " + ", ".join(
        f"{rule} {statistics.fmean(v):.2%}" for rule, v in totals.items()), ""]
    with_examples = [r for r in records if "validation_labels" in r]
    if with_examples:
        rng = np.random.default_rng(0)
        lines += ["## Resampled validation sets", "",
                  f"{RESAMPLES} bootstrap resamples of each seed's validation reviews (same size); each rule picks "
                  "an epoch on each resample; the test accuracy of that epoch, averaged.", "",
                  "| seed | val. reviews | resamples with a val. accuracy tie | accuracy, earliest | "
                  "accuracy, then loss | loss | last | best epoch (oracle) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        means: dict[str, list[float]] = {}
        for record in with_examples:
            result = resampled(record, rng)
            for rule, value in result["mean_test"].items():
                means.setdefault(rule, []).append(value)
            lines.append(f"| {record['seed']} | {len(record['validation_labels'])} | {result['ties']:.1%} | "
                         + " | ".join(f"{v:.3%}" for v in result["mean_test"].values())
                         + f" | {result['oracle']:.2%} |")
        lines += ["", "Mean over seeds: " + ", ".join(f"{rule} {statistics.fmean(v):.3%}" for rule, v in means.items()),
                  ""]
    (folder.parent / f"results-{folder.name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
