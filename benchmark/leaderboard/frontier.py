"""Test accuracy against training time, readable at any number of models.

Every model is a point (coloured and shaped by its group: the encoder family its key names) with its 95% interval. Only what can be read is written
on the plot: the frontier (nothing both faster and more accurate) and the best few by name, the rest by their rank
in the page's table (``#``) where the number fits without covering another label, with a key beside the plot. A
point in a cluster too dense to number is counted in the title; the table has it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
from matplotlib import ticker

from benchmark.leaderboard.figures import models, pareto_front, save
from benchmark.leaderboard.published import PublishedFigure
from benchmark.leaderboard.rows import chance, model_group, run_label
from benchmark.records.run import RunResult

BEST_NAMED = 5  # the best few are named, besides the frontier
MOST_NAMED = 12  # at most this many names on the plot; further frontier points are numbered
KEY_LINES = 38  # lines per column of the numbered key
MARKERS = "osD^v<>ph*P"
# Where a label may go, tried in order: (dx, dy) in points from the point, horizontal and vertical alignment.
OFFSETS = ((6, 4, "left", "bottom"), (6, -4, "left", "top"), (-6, 4, "right", "bottom"), (-6, -4, "right", "top"),
           (0, 8, "center", "bottom"), (0, -8, "center", "top"), (12, 12, "left", "bottom"),
           (-12, -12, "right", "top"), (12, -12, "left", "top"), (-12, 12, "right", "bottom"))
MAIN_WIDTH, KEY_WIDTH, HEIGHT = 7.6, 2.5, 5.6  # inches


class LabelPlacer:
    """Puts text next to points only where it covers no other text and stays inside the axes."""

    def __init__(self, figure, axis):
        self.axis = axis
        self.renderer = figure.canvas.get_renderer()
        self.area = axis.get_window_extent(self.renderer)
        self.taken: list = []

    def block(self, artist) -> None:
        self.taken.append(artist.get_window_extent(self.renderer))

    def place(self, text: str, point: tuple[float, float], fontsize: float, **style) -> bool:
        for dx, dy, ha, va in OFFSETS:
            label = self.axis.annotate(text, point, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                       fontsize=fontsize, **style)
            box = label.get_window_extent(self.renderer)
            inside = (box.x0 >= self.area.x0 and box.x1 <= self.area.x1 and box.y0 >= self.area.y0
                      and box.y1 <= self.area.y1)
            if inside and not any(box.overlaps(other) for other in self.taken):
                self.taken.append(box)
                return True
            label.remove()
        return False


def _layout(models: int):
    """The figure and its axes: the plot, and beside it room for a key of the models that are not named."""
    keyed = max(models - BEST_NAMED, 0)
    columns = math.ceil(keyed / KEY_LINES)
    height = max(HEIGHT, 1.6 + 0.13 * min(keyed, KEY_LINES))
    width = 1.0 + MAIN_WIDTH + 0.3 + columns * KEY_WIDTH
    figure = plt.figure(figsize=(width, height))
    axis = figure.add_axes([0.9 / width, 1.3 / height, MAIN_WIDTH / width, (height - 2.0) / height])
    key = figure.add_axes([(1.2 + MAIN_WIDTH) / width, 1.3 / height, columns * KEY_WIDTH / width,
                           (height - 2.0) / height]) if columns else None
    return figure, axis, key


def _draw_points(axis, rows: Sequence[RunResult], points, colors: dict[str, tuple]) -> None:
    groups = sorted(colors)
    many = len(rows) > 20
    for run, (seconds, accuracy) in zip(rows, points):
        low, high = (100 * v for v in run.test.get("accuracy_ci95", (accuracy / 100, accuracy / 100)))
        group = model_group(run)
        axis.errorbar(seconds, accuracy, yerr=[[accuracy - low], [high - accuracy]],
                      fmt=MARKERS[groups.index(group) % len(MARKERS)], color=colors[group], capsize=2 if many else 4,
                      markersize=5 if many else 7, alpha=0.75 if many else 1.0, elinewidth=0.8 if many else 1.2)


def _axes_style(axis, rows: Sequence[RunResult], points) -> None:
    level = 100 * chance(rows[0])
    axis.axhline(level, color="grey", linestyle=":", linewidth=1)  # drawn only where the limits below show it
    axis.set_xscale("log")
    axis.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axis.xaxis.set_minor_formatter(ticker.NullFormatter())
    axis.grid(alpha=0.3, which="both")
    low = min(100 * run.test.get("accuracy_ci95", (run.test["accuracy"],))[0] for run in rows)
    high = max(100 * run.test.get("accuracy_ci95", (0, run.test["accuracy"]))[1] for run in rows)
    if level >= low - 0.5 * max(high - low, 2.0):  # chance in view when near the data, else it only squashes it
        low = min(low, level)
    span = max(high - low, 2.0)
    axis.set_ylim(low - 0.12 * span, high + 0.15 * span)  # room for labels above the best and below the worst
    seconds = [p[0] for p in points]
    axis.set_xlim(min(seconds) / 1.8, max(seconds) * 1.8)
    axis.set(xlabel="training time, seconds (log scale)", ylabel="test accuracy (%)")


def _published(axis, published: Sequence[PublishedFigure], placer: LabelPlacer) -> None:
    for index, figure_ in enumerate(sorted(published, key=lambda f: -f.value)):
        axis.axhline(100 * figure_.value, color="tab:purple", linestyle=":", linewidth=1.2)
        text = axis.annotate(f"{figure_.model} {100 * figure_.value:.2f}% (published, not measured here)",
                             (0.01, 100 * figure_.value), xycoords=("axes fraction", "data"),
                             textcoords="offset points", xytext=(0, 3) if index % 2 == 0 else (0, -11), fontsize=8,
                             color="tab:purple")
        placer.block(text)


def _labels(placer: LabelPlacer, rows: Sequence[RunResult], points, front: list[int]) -> tuple[list[int], int]:
    """Name the best few and the frontier, then number the rest (a name that did not fit first) where a number fits;
    the numbered rows, and how many fit nowhere."""
    named = list(dict.fromkeys([*range(min(BEST_NAMED, len(rows))), *front]))[:MOST_NAMED]
    unplaced = [index for index in named if not placer.place(f"#{index + 1} {run_label(rows[index])}",
                                                             points[index], 8.5)]
    numbered, crowded = [], 0
    for index in unplaced + [i for i in range(len(rows)) if i not in named]:
        if placer.place(str(index + 1), points[index], 7, color="#333333"):
            numbered.append(index)
        else:
            crowded += 1
    return sorted(numbered), crowded


def _key(key_axis, rows: Sequence[RunResult], numbered: list[int]) -> None:
    key_axis.axis("off")
    columns = math.ceil(len(numbered) / KEY_LINES)
    for column in range(columns):
        lines = [f"{index + 1:>3}  {run_label(rows[index])}" for index in numbered[column * KEY_LINES:
                                                                                    (column + 1) * KEY_LINES]]
        key_axis.text(column / columns, 1.0, "\n".join(lines), va="top", ha="left", fontsize=7, family="monospace",
                      transform=key_axis.transAxes)


def _legend(axis, rows: Sequence[RunResult], colors: dict[str, tuple], front: list[int], published) -> None:
    groups = sorted(colors)
    present = [group for group in groups if any(model_group(run) == group for run in rows)]
    handles = [plt.Line2D([], [], linestyle="", marker=MARKERS[groups.index(g) % len(MARKERS)], color=colors[g],
                          label=g) for g in present]
    if len(front) > 1:
        handles.append(plt.Line2D([], [], color="black", linestyle="--", linewidth=1,
                                  label="frontier: nothing both faster and more accurate"))
    if axis.get_ylim()[0] <= 100 * chance(rows[0]):
        handles.append(plt.Line2D([], [], color="grey", linestyle=":", label="chance: always the largest class"))
    if published:
        handles.append(plt.Line2D([], [], color="tab:purple", linestyle=":", label="published, not measured here"))
    axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=min(4, len(handles)),
                fontsize=8, frameon=False)


def plot_frontier(rows: Sequence[RunResult], published: Sequence[PublishedFigure], path: Path,
                  colors: dict[str, tuple]) -> bool:
    """Draw :func:`frontier_figure` to ``path``; False (nothing drawn) without rows."""
    if not rows:
        return False
    save(frontier_figure(rows, published, colors), path)
    return True


def frontier_figure(rows: Sequence[RunResult], published: Sequence[PublishedFigure], colors: dict[str, tuple]):
    """Test accuracy (with its 95% interval) against training time for one dataset's rows (best first)."""
    points = [(max(run.timing["train_seconds"], 1e-3), 100 * run.test["accuracy"]) for run in rows]
    front = pareto_front(points)
    figure, axis, key_axis = _layout(len(rows))
    _draw_points(axis, rows, points, colors)
    _axes_style(axis, rows, points)
    if len(front) > 1:
        axis.plot([points[i][0] for i in front], [points[i][1] for i in front], color="black", linestyle="--",
                  linewidth=1)
    placer = LabelPlacer(figure, axis)
    _published(axis, published, placer)
    numbered, crowded = _labels(placer, rows, points, front)
    if key_axis is not None:
        _key(key_axis, rows, numbered)
    _legend(axis, rows, colors, front, published)
    dataset = rows[0].dataset_info.get("short_name") or rows[0].dataset_key
    note = f"; {crowded} point{'s' if crowded > 1 else ''} too crowded to label (see the table)" if crowded else ""
    how = (f"\nnamed: the frontier and the best {BEST_NAMED}; numbers: rank in the table{note}"
           if len(rows) > BEST_NAMED else "")
    axis.set_title(f"{dataset}: test accuracy against training time, {models(len(rows))} (bars: 95% interval){how}",
                   fontsize=10)
    return figure
