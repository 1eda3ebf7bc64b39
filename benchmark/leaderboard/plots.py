"""Leaderboard plots (matplotlib, Agg): training curves, the cost/quality frontier, confusion matrices."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
from matplotlib import ticker  # noqa: E402
import numpy as np  # noqa: E402

from benchmark.core.atomic import atomic_write_bytes  # noqa: E402
from benchmark.core.paths import PLOTS_FOLDER  # noqa: E402
from benchmark.leaderboard.published import PublishedFigure  # noqa: E402
from benchmark.leaderboard.rows import confusion_file, confusion_key, run_label  # noqa: E402
from benchmark.records.run import RunResult  # noqa: E402

TRAINING_CURVES = "training_curves.png"
FRONTIER = "accuracy_vs_training_time.png"
DPI = 110
MARKERS = "osD^v<>ph*"


def _colors(count: int) -> list:
    cmap = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(count)]


def _save(figure, path: Path) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (shorter at the start) so noisy per-step losses read as a trend."""
    if window <= 1 or len(values) < 2:
        return values
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, len(values) + 1) - counts]) / counts


def plot_training_curves(runs: Sequence[RunResult], path: Path) -> None:
    """Per-step training loss (raw, faint, and smoothed) and validation accuracy per epoch, all models shared axes."""
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(13, 4.8))
    for index, (run, color) in enumerate(zip(runs, _colors(len(runs)))):
        steps = np.array([row["step"] for row in run.step_history], dtype=float)
        losses = np.array([row["loss"] for row in run.step_history], dtype=float)
        if len(steps):
            loss_axis.plot(steps, losses, color=color, alpha=0.2, linewidth=0.8)
            loss_axis.plot(steps, _smooth(losses, max(1, len(steps) // 20)), color=color, linewidth=2,
                           label=run_label(run))
        epochs = [row["epoch"] for row in run.history if "validation_accuracy" in row]
        accuracy = [100 * row["validation_accuracy"] for row in run.history if "validation_accuracy" in row]
        if epochs:
            # Hollow markers of different shapes and sizes keep models with equal accuracy visible.
            accuracy_axis.plot(epochs, accuracy, marker=MARKERS[index % len(MARKERS)],
                               markersize=max(5, 12 - 2 * index), markerfacecolor="none", markeredgewidth=2,
                               color=color, linewidth=2, label=run_label(run))
    loss_axis.set(title="Training loss per step (faint: each batch; bold: moving average)",
                  xlabel="training step", ylabel="binary cross-entropy")
    accuracy_axis.set(title="Validation accuracy after each epoch", xlabel="epoch", ylabel="accuracy (%)")
    accuracy_axis.axhline(50, color="grey", linestyle=":", linewidth=1)
    last_epoch = max((row["epoch"] for run in runs for row in run.history), default=1)
    accuracy_axis.set_xticks(range(1, last_epoch + 1))
    accuracy_axis.set_xlim(0.7, last_epoch + 0.3)
    for axis in (loss_axis, accuracy_axis):
        axis.grid(alpha=0.3)
    handles, labels = accuracy_axis.get_legend_handles_labels()
    if not handles:
        handles, labels = loss_axis.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    figure.tight_layout()
    _save(figure, path)


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both cost (lower) and quality (higher), cheapest first."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def plot_frontier(runs: Sequence[RunResult], published: Sequence[PublishedFigure], path: Path) -> None:
    """Test accuracy (with 95% interval) against training time, the cost/quality frontier, published figures."""
    figure, axis = plt.subplots(figsize=(9, 5.5))
    points = [(max(run.timing["train_seconds"], 1e-3), 100 * run.test["accuracy"]) for run in runs]
    for run, (seconds, accuracy), color in zip(runs, points, _colors(len(runs))):
        low, high = (100 * v for v in run.test.get("accuracy_ci95", (accuracy / 100, accuracy / 100)))
        axis.errorbar(seconds, accuracy, yerr=[[accuracy - low], [high - accuracy]], fmt="o", color=color,
                      capsize=4, markersize=7)
        axis.annotate(run_label(run), (seconds, accuracy), textcoords="offset points", xytext=(7, 5), fontsize=9)
    front = pareto_front(points)
    if len(front) > 1:
        axis.plot([points[i][0] for i in front], [points[i][1] for i in front], color="black", linestyle="--",
                  linewidth=1, label="frontier: nothing both faster and more accurate")
    for index, figure_ in enumerate(sorted(published, key=lambda f: -f.value)):
        axis.axhline(100 * figure_.value, color="tab:purple", linestyle=":", linewidth=1.2,
                     label="published figure, not measured here" if index == 0 else None)
        axis.annotate(f"{figure_.model} {100 * figure_.value:.2f}% (published)", (0.01, 100 * figure_.value),
                      xycoords=("axes fraction", "data"), textcoords="offset points",
                      xytext=(0, 3) if index % 2 == 0 else (0, -11), fontsize=8, color="tab:purple")
    axis.axhline(50, color="grey", linestyle=":", linewidth=1)
    axis.set_xscale("log")
    axis.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axis.xaxis.set_minor_formatter(ticker.NullFormatter())
    axis.set(title="Test accuracy against training time (bars: 95% Wilson interval)",
             xlabel="training time, seconds (log scale)", ylabel="test accuracy (%)")
    axis.grid(alpha=0.3, which="both")
    if len(front) > 1 or published:
        axis.legend(loc="best", fontsize=8)
    figure.tight_layout()
    _save(figure, path)


def plot_confusion(run: RunResult, path: Path) -> None:
    """The 2x2 confusion matrix of ``run`` on its test set, counts and row shares."""
    matrix = np.array(run.test["confusion_matrix"], dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axis = plt.subplots(figsize=(4.2, 3.8))
    axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, column), count in np.ndenumerate(matrix):
        axis.text(column, row, f"{int(count):,}\n{100 * shares[row, column]:.1f}%", ha="center", va="center",
                  color="white" if shares[row, column] > 0.6 else "black", fontsize=11)
    axis.set_xticks([0, 1], ["negative", "positive"])
    axis.set_yticks([0, 1], ["negative", "positive"])
    axis.set(xlabel="predicted", ylabel="true",
             title=f"{run_label(run)}\naccuracy {100 * run.test['accuracy']:.2f}% on {int(matrix.sum()):,} reviews")
    axis.title.set_fontsize(10)
    figure.tight_layout()
    _save(figure, path)


def write_plots(runs: Sequence[RunResult], published: Sequence[PublishedFigure], output_dir: Path) -> dict[str, str]:
    """Draw every plot under ``<output_dir>/plots/``; return each plot's path relative to ``output_dir`` by name."""
    folder = Path(output_dir) / PLOTS_FOLDER
    written: dict[str, str] = {}
    if not runs:
        return written
    plot_training_curves(runs, folder / TRAINING_CURVES)
    written["training"] = f"{PLOTS_FOLDER}/{TRAINING_CURVES}"
    plot_frontier(runs, published, folder / FRONTIER)
    written["frontier"] = f"{PLOTS_FOLDER}/{FRONTIER}"
    for run in runs:
        if "confusion_matrix" in run.test:
            plot_confusion(run, folder / confusion_file(run))
            written[confusion_key(run)] = f"{PLOTS_FOLDER}/{confusion_file(run)}"
    return written
