"""Leaderboard plots (matplotlib, Agg), readable from one model to about a hundred and across datasets.

Per dataset: training curves (the best few in colour, the rest grey), test accuracy against training time (named:
the frontier and the best few; numbered: the rest, by their rank in the table, with a key), and one grid of
confusion matrices (the best few). Across datasets: a heatmap of every model on every dataset. Colours follow the
model group (:func:`~benchmark.leaderboard.rows.model_group`) wherever a plot colours by model family.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from benchmark.core.paths import PLOTS_FOLDER
from benchmark.leaderboard.curves import plot_training_curves
from benchmark.leaderboard.figures import group_colors, pareto_front, smooth
from benchmark.leaderboard.frontier import plot_frontier
from benchmark.leaderboard.grids import plot_confusion_grid, plot_heatmap
from benchmark.leaderboard.published import PublishedFigure
from benchmark.leaderboard.rows import by_dataset, file_part
from benchmark.records.run import RunResult

__all__ = ["pareto_front", "smooth", "write_plots"]
_smooth = smooth  # the name earlier callers use

TRAINING_CURVES = "training_curves.png"
FRONTIER = "accuracy_vs_training_time.png"
CONFUSION = "confusion_matrices.png"
HEATMAP = "accuracy_by_dataset.png"
# What write_plots may have written earlier: files of these shapes that it does not write now are removed.
OWN_FILES = ("training_curves*.png", "accuracy_vs_training_time*.png", "confusion_*.png", HEATMAP)
IMDB = "imdb"  # the dataset the published reference figures were measured on


def plot_file(name: str, dataset: str, several: bool) -> str:
    """``name`` for the only dataset, ``<stem>_<dataset>.png`` with several."""
    return name if not several else f"{name[:-4]}_{file_part(dataset)}.png"


def _remove_stale(folder: Path, written: dict[str, str]) -> None:
    kept = {Path(path).name for path in written.values()}
    for pattern in OWN_FILES:
        for path in folder.glob(pattern):
            if path.name not in kept:
                path.unlink(missing_ok=True)


def write_plots(runs: Sequence[RunResult], published: Sequence[PublishedFigure], output_dir: Path) -> dict[str, str]:
    """Draw every plot under ``<output_dir>/plots/``; return each plot's path relative to ``output_dir`` by name
    (``training:<dataset>``, ``frontier:<dataset>``, ``confusion:<dataset>``, and ``heatmap`` with several)."""
    folder = Path(output_dir) / PLOTS_FOLDER
    written: dict[str, str] = {}
    sections = by_dataset(list(runs))
    several = len(sections) > 1
    colors = group_colors(runs)
    for dataset, rows in sections.items():
        for name, file, draw in (
                ("training", TRAINING_CURVES, lambda path: plot_training_curves(rows, path)),
                ("frontier", FRONTIER, lambda path: plot_frontier(
                    rows, published if dataset == IMDB else (), path, colors)),
                ("confusion", CONFUSION, lambda path: plot_confusion_grid(rows, path))):
            target = plot_file(file, dataset, several)
            if draw(folder / target):
                written[f"{name}:{dataset}"] = f"{PLOTS_FOLDER}/{target}"
    if several:
        plot_heatmap(sections, folder / HEATMAP)
        written["heatmap"] = f"{PLOTS_FOLDER}/{HEATMAP}"
    if folder.is_dir():
        _remove_stale(folder, written)
    return written
