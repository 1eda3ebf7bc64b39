"""Grids: one dataset's confusion matrices (the best few models, small multiples) and every model's accuracy on
every dataset (a heatmap)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from benchmark.leaderboard.figures import models, save
from benchmark.leaderboard.rows import chance, run_label
from benchmark.leaderboard.summary import summarise
from benchmark.records.run import RunResult

CONFUSION_SHOWN = 12  # the best this many models; every run file holds its own matrix
COLUMNS = 4
ANNOTATED_CLASSES = 6  # larger matrices are shaded without numbers
NAMED_CLASSES = 20  # larger ones without class names either


def _short(name: str, width: int = 12) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _matrix(axis, run: RunResult, rank: int) -> None:
    matrix = np.array(run.test["confusion_matrix"], dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    classes = len(matrix)
    if classes <= ANNOTATED_CLASSES:
        size = 10 if classes <= 2 else 8 if classes <= 4 else 6.5
        for (row, column), count in np.ndenumerate(matrix):
            axis.text(column, row, f"{int(count):,}\n{100 * shares[row, column]:.0f}%", ha="center", va="center",
                      color="white" if shares[row, column] > 0.6 else "black", fontsize=size)
    names = [_short(name) for name in run.label_names] if classes <= NAMED_CLASSES else []
    axis.set_xticks(range(classes) if names else [], names, rotation=45 if classes > 2 else 0,
                    ha="right" if classes > 2 else "center", fontsize=7)
    axis.set_yticks(range(classes) if names else [], names, fontsize=7)
    axis.set_title(f"#{rank} {run_label(run)}\n{100 * run.test['accuracy']:.2f}% on {int(matrix.sum()):,}",
                   fontsize=8.5)


def plot_confusion_grid(rows: list[RunResult], path: Path) -> bool:
    """The confusion matrices of one dataset's best :data:`CONFUSION_SHOWN` rows in one figure (counts and shares
    of each true class)."""
    shown = [(rank, run) for rank, run in enumerate(rows, 1) if "confusion_matrix" in run.test][:CONFUSION_SHOWN]
    if not shown:
        return False
    classes = len(shown[0][1].test["confusion_matrix"])
    columns = min(COLUMNS, len(shown))
    lines = math.ceil(len(shown) / columns)
    cell = 2.9 if classes <= 4 else 3.6
    figure, axes = plt.subplots(lines, columns, figsize=(cell * columns, (cell + 0.5) * lines + 0.6), squeeze=False)
    for axis, (rank, run) in zip(axes.flat, shown):
        _matrix(axis, run, rank)
    for axis in list(axes.flat)[len(shown):]:
        axis.axis("off")
    for axis in axes[:, 0]:
        axis.set_ylabel("true", fontsize=8)
    for axis in axes[-1, :]:
        axis.set_xlabel("predicted", fontsize=8)
    dataset = shown[0][1].dataset_info.get("short_name") or shown[0][1].dataset_key
    which = f"the best {len(shown)} of {len(rows)} models" if len(rows) > len(shown) else models(len(rows))
    figure.suptitle(f"{dataset}: confusion matrices of {which} (rows: true class; shade: share of the row; every "
                    "run file holds its own)", fontsize=10)
    figure.tight_layout()
    save(figure, path)
    return True


def _scaled(runs: list[RunResult | None]) -> list[float]:
    """Each accuracy as a share of the way from the dataset's worst row (or its chance level, when the worst is
    below it) to its best (NaN where missing): the shade says where a model stands among the others there."""
    present = [run for run in runs if run is not None]
    best = max(run.test["accuracy"] for run in present)
    floor = max(min(run.test["accuracy"] for run in present), chance(present[0])) if len(present) > 1 else 0.0
    span = max(best - floor, 1e-9)
    return [math.nan if run is None else min(max((run.test["accuracy"] - floor) / span, 0.0), 1.0) for run in runs]


def plot_heatmap(sections: dict[str, list[RunResult]], path: Path) -> bool:
    """Every model's test accuracy on every dataset, models in the summary's order; shade: from the dataset's
    worst row (white; its chance level when the worst is below it) to its best (dark)."""
    datasets = [dataset for dataset, rows in sections.items() if rows]
    summary = summarise({dataset: sections[dataset] for dataset in datasets})
    if not summary or len(datasets) < 2:
        return False
    cells = [[row.runs.get(dataset) for dataset in datasets] for row in summary]
    shades = np.array([_scaled([cells[r][c] for r in range(len(cells))]) for c in range(len(datasets))]).T
    height = 1.6 + 0.26 * len(summary)
    figure, axis = plt.subplots(figsize=(3.2 + 1.25 * len(datasets), height))
    axis.imshow(np.ma.masked_invalid(shades), cmap="Greens", vmin=0, vmax=1.25, aspect="auto")
    size = 8 if len(summary) <= 40 else 7
    for (row, column), run in np.ndenumerate(np.array(cells, dtype=object)):
        text = "–" if run is None else f"{100 * run.test['accuracy']:.1f}"
        dark = run is not None and shades[row, column] > 0.75
        axis.text(column, row, text, ha="center", va="center", fontsize=size, color="white" if dark else "black")
    names = [sections[dataset][0].dataset_info.get("short_name") or dataset for dataset in datasets]
    axis.set_xticks(range(len(datasets)), names, fontsize=9)
    axis.xaxis.tick_top()
    axis.set_yticks(range(len(summary)), [f"{i}. {run_label(row.first)}" for i, row in enumerate(summary, 1)],
                    fontsize=size)
    axis.set_title("Test accuracy (%) on each dataset, rows by mean rank\n(shade: from the dataset's worst row, "
                   "or its chance level, to its best)", fontsize=10, pad=24)
    figure.tight_layout()
    save(figure, path)
    return True
