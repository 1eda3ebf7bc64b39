"""Published reference figures (not measured here), read from the package file ``data/published.csv``."""

from __future__ import annotations

import csv
import dataclasses
import io
from importlib import resources

PUBLISHED_FILE = "published.csv"
FIELDS = ("model", "dataset", "metric", "value", "source")


@dataclasses.dataclass(frozen=True)
class PublishedFigure:
    """One figure from the literature, with where it was published.

    Args:
      model: Model name as the source gives it.
      dataset: What it was measured on.
      metric: ``accuracy`` (a fraction in [0, 1]).
      value: The published figure.
      source: Paper (authors, year, title, arXiv id) and table.
    """

    model: str
    dataset: str
    metric: str
    value: float
    source: str


def parse_published(text: str) -> list[PublishedFigure]:
    """Figures from CSV text with the columns in ``FIELDS``; a malformed row is a ValueError naming it."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != FIELDS:
        raise ValueError(f"published figures need the columns {', '.join(FIELDS)}, got {reader.fieldnames}")
    figures = []
    for line, row in enumerate(reader, 2):
        value = float(row["value"])
        if not 0.0 <= value <= 1.0 or not row["source"].strip():
            raise ValueError(f"published figures line {line}: value must be a fraction in [0, 1] with a source")
        figures.append(PublishedFigure(row["model"], row["dataset"], row["metric"], value, row["source"]))
    return figures


def published_figures() -> list[PublishedFigure]:
    """The shipped reference figures, best first."""
    text = resources.files("benchmark.leaderboard").joinpath("data", PUBLISHED_FILE).read_text(encoding="utf-8")
    return sorted(parse_published(text), key=lambda figure: -figure.value)
