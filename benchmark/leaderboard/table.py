"""The leaderboard's table, as ``leaderboard.csv`` and as the page's Markdown table, from the same columns."""

from __future__ import annotations

import csv
import io
from typing import Sequence

from benchmark.leaderboard.columns import CSV_FIELDS, TABLE, Column, Ranked, csv_row
from benchmark.leaderboard.paired import PairedRow
from benchmark.leaderboard.published import PublishedFigure
from benchmark.leaderboard.rows import by_dataset
from benchmark.records.failures import Failure
from benchmark.records.repeats import SeedSummary
from benchmark.records.run import RunResult
from benchmark.records.selection import Selection

Selections = dict[str, Selection]  # by run id: the learning-rate selection that chose a row's run
Comparisons = dict[str, PairedRow]  # by run id: a row's paired comparisons (benchmark.leaderboard.paired)


def ranked(rows: Sequence[RunResult], spreads: dict[str, SeedSummary | None] | None = None,
           selections: Selections | None = None, comparisons: Comparisons | None = None) -> list[Ranked]:
    """The rows with their rank, the leader (the first), their spread over seeds, their rate's selection and their
    paired comparisons."""
    return [Ranked(rank, run, rows[0], (spreads or {}).get(run.run_id), (selections or {}).get(run.run_id),
                   (comparisons or {}).get(run.run_id))
            for rank, run in enumerate(rows, 1)]


def render_csv(rows: list[RunResult], spreads: dict[str, SeedSummary | None] | None = None,
               selections: Selections | None = None, comparisons: Comparisons | None = None) -> str:
    """``leaderboard.csv``: a line per row, dataset by dataset, each ranked within its dataset."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for section in by_dataset(rows).values():
        for row in ranked(section, spreads, selections, comparisons):
            writer.writerow(csv_row(row))
    return buffer.getvalue()


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(rows: Sequence[RunResult], published: Sequence[PublishedFigure], failures: Sequence[Failure],
          spreads: dict[str, SeedSummary | None] | None = None, columns: Sequence[Column] = TABLE,
          selections: Selections | None = None, comparisons: Comparisons | None = None) -> list[str]:
    """The page's table: a line per row, then the published figures and the failed runs."""
    lines = [_line([column.header for column in columns]), "|" + "|".join(column.align for column in columns) + "|"]
    lines += [_line([column.cell(row) for column in columns])
              for row in ranked(rows, spreads, selections, comparisons)]
    lines += [_line([column.reference(figure) for column in columns]) for figure in published]
    lines += [_line([column.failed(failure) for column in columns]) for failure in failures]
    return lines
