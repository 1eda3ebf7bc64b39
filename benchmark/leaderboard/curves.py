"""Training curves of one dataset's models: per-step training loss and validation accuracy per epoch.

The best few models (by test accuracy) get a colour each and a line in the legend; the others are drawn thin and
grey behind them, with one legend entry, so the plot stays readable from one model to a hundred.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from benchmark.leaderboard.figures import models, save, smooth
from benchmark.leaderboard.rows import chance, run_label
from benchmark.records.run import RunResult

HIGHLIGHTED = 8  # the best this many get a colour and a legend entry
MARKERS = "osD^v<>ph"
GREY = "#9a9a9a"


def _curve(loss_axis, accuracy_axis, run: RunResult, color, index: int | None, label: str | None) -> None:
    """One model's lines; ``index`` None draws it as one of the grey rest."""
    steps = np.array([row["step"] for row in run.step_history], dtype=float)
    losses = np.array([row["loss"] for row in run.step_history], dtype=float)
    rest = index is None
    if len(steps):
        if not rest:
            loss_axis.plot(steps, losses, color=color, alpha=0.2, linewidth=0.8)
        loss_axis.plot(steps, smooth(losses, max(1, len(steps) // 20)), color=color,
                       linewidth=0.8 if rest else 2, alpha=0.5 if rest else 1.0, label=label, zorder=1 if rest else 3)
    epochs = [row["epoch"] for row in run.history if "validation_accuracy" in row]
    accuracy = [100 * row["validation_accuracy"] for row in run.history if "validation_accuracy" in row]
    if epochs:
        # Hollow markers of different shapes and sizes keep highlighted models with equal accuracy visible.
        style = ({"marker": ".", "markersize": 3, "linewidth": 0.8, "alpha": 0.5, "zorder": 1} if rest else
                 {"marker": MARKERS[index % len(MARKERS)], "markersize": max(5, 12 - index), "linewidth": 2,
                  "markerfacecolor": "none", "markeredgewidth": 2, "zorder": 3})
        accuracy_axis.plot(epochs, accuracy, color=color, label=label, **style)


def plot_training_curves(rows: Sequence[RunResult], path: Path) -> bool:
    """Draw :func:`curves_figure` to ``path``; False (nothing drawn) without rows."""
    if not rows:
        return False
    save(curves_figure(rows), path)
    return True


def curves_figure(rows: Sequence[RunResult]):
    """The curves of one dataset's rows (best first): the best :data:`HIGHLIGHTED` in colour, the rest grey."""
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(13, 4.8))
    colors = plt.get_cmap("tab10")
    rest = rows[HIGHLIGHTED:]
    for position, run in enumerate(rest):
        _curve(loss_axis, accuracy_axis, run, GREY, None,
               f"the other {len(rest)} models (by test accuracy)" if position == 0 else None)
    for index, run in enumerate(rows[:HIGHLIGHTED]):
        _curve(loss_axis, accuracy_axis, run, colors(index % 10), index, f"#{index + 1} {run_label(run)}")
    several_classes = len(rows[0].label_names) > 2
    loss_axis.set(title="Training loss per step (faint: each batch; bold: moving average)", xlabel="training step",
                  ylabel="categorical cross-entropy" if several_classes else "binary cross-entropy")
    accuracy_axis.set(title="Validation accuracy after each epoch", xlabel="epoch", ylabel="accuracy (%)")
    accuracy_axis.axhline(100 * chance(rows[0]), color="grey", linestyle=":", linewidth=1)
    last_epoch = max((row["epoch"] for run in rows for row in run.history), default=1)
    accuracy_axis.set_xticks(range(1, last_epoch + 1))
    accuracy_axis.set_xlim(0.7, last_epoch + 0.3)
    for axis in (loss_axis, accuracy_axis):
        axis.grid(alpha=0.3)
    handles, labels = accuracy_axis.get_legend_handles_labels()
    if len(handles) < min(len(rows), HIGHLIGHTED + 1):
        handles, labels = loss_axis.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("the other"))
    if handles:
        figure.legend([handles[i] for i in order], [labels[i] for i in order], loc="center left",
                      bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=9)
    dataset = rows[0].dataset_info.get("short_name") or rows[0].dataset_key
    figure.suptitle(f"{dataset}: {models(len(rows))} (dotted: chance, always the largest class)", fontsize=11)
    figure.tight_layout()
    return figure
