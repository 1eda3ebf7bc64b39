"""What every leaderboard plot shares: matplotlib on Agg, saving atomically, smoothing, the frontier, colours."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402

from benchmark.core.atomic import atomic_write_bytes  # noqa: E402
from benchmark.leaderboard.rows import model_group  # noqa: E402
from benchmark.records.run import RunResult  # noqa: E402

DPI = 110


def models(count: int) -> str:
    """``1 model``, ``34 models``."""
    return f"{count} model{'' if count == 1 else 's'}"


def save(figure, path: Path) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (shorter at the start) so noisy per-step losses read as a trend."""
    if window <= 1 or len(values) < 2:
        return values
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, len(values) + 1) - counts]) / counts


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both cost (lower) and quality (higher), cheapest first."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def group_colors(runs: Sequence[RunResult]) -> dict[str, tuple]:
    """A colour per model group, the same in every plot of the page (groups in alphabetical order)."""
    groups = sorted({model_group(run) for run in runs})
    cmap = plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")
    return {group: cmap(index % cmap.N) for index, group in enumerate(groups)}
