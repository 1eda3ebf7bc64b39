"""The summary across datasets: a row per model (and weights), a column per dataset, the mean and the mean rank.

As MTEB summarises its tasks: each dataset ranks its own rows (1 = best test accuracy; equal accuracies share the
better rank); a model's mean rank is the
mean of its ranks over the datasets it has, and its mean accuracy the mean of its accuracies there. A model missing a
dataset shows "–" in that column, and its means are over what it has, with the count beside them; rows with every
dataset come first (by mean rank, then mean accuracy), the rest after them, as their means do not compare.
"""

from __future__ import annotations

import dataclasses
import statistics

from benchmark.leaderboard.cells import DASH
from benchmark.leaderboard.rows import row_identity, separable_from_leader, weights_label
from benchmark.records.run import RunResult

SEPARABLE_MARK = "≈"


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    """A model (with its weights and runtime) across datasets.

    Args:
      runs: Its row's run on each dataset it has, by dataset key.
      ranks: Its rank on each of those datasets.
      leaders: Each dataset's leading run.
    """

    runs: dict[str, RunResult]
    ranks: dict[str, int]
    leaders: dict[str, RunResult]

    @property
    def first(self) -> RunResult:
        return next(iter(self.runs.values()))

    @property
    def mean_accuracy(self) -> float:
        return statistics.fmean(run.test["accuracy"] for run in self.runs.values())

    @property
    def mean_rank(self) -> float:
        return statistics.fmean(self.ranks.values())

    def cell(self, dataset: str) -> str:
        """Its accuracy on ``dataset``: bold for the leader, ≈ when not separable from it, – when missing."""
        run = self.runs.get(dataset)
        if run is None:
            return DASH
        accuracy = f"{100 * run.test['accuracy']:.2f}%"
        separable = separable_from_leader(run, self.leaders[dataset])
        if separable is None:
            return f"**{accuracy}**"
        return f"{SEPARABLE_MARK} {accuracy}" if not separable else accuracy


def summarise(sections: dict[str, list[RunResult]]) -> list[SummaryRow]:
    """The summary's rows from each dataset's rows (best first), complete rows first, then by mean rank."""
    runs: dict[tuple[str, str], dict[str, RunResult]] = {}
    ranks: dict[tuple[str, str], dict[str, int]] = {}
    for dataset, rows in sections.items():
        for run in rows:
            runs.setdefault(row_identity(run), {})[dataset] = run
            ranks.setdefault(row_identity(run), {})[dataset] = 1 + sum(
                other.test["accuracy"] > run.test["accuracy"] for other in rows)
    leaders = {dataset: rows[0] for dataset, rows in sections.items() if rows}
    summary = [SummaryRow(runs[identity], ranks[identity], leaders) for identity in runs]
    return sorted(summary, key=lambda row: (len(sections) - len(row.runs), row.mean_rank, -row.mean_accuracy,
                                            row.first.key))


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def summary_table(summary: list[SummaryRow], sections: dict[str, list[RunResult]]) -> list[str]:
    """The summary as a Markdown table and the notes that explain it."""
    datasets = [dataset for dataset, rows in sections.items() if rows]
    names = [sections[dataset][0].dataset_info.get("short_name") or dataset for dataset in datasets]
    lines = [_line(["#", "Model", "Weights", *names, "Mean accuracy", "Mean rank"]),
             "|---:|---|---|" + "---:|" * (len(datasets) + 2)]
    for position, row in enumerate(summary, 1):
        partial = f" ({len(row.runs)} of {len(datasets)})" if len(row.runs) < len(datasets) else ""
        lines.append(_line([str(position), f"{row.first.model['name']} (`{row.first.key}`)", weights_label(row.first),
                            *(row.cell(dataset) for dataset in datasets),
                            f"{100 * row.mean_accuracy:.2f}%{partial}", f"{row.mean_rank:.1f}{partial}"]))
    return lines + ["", summary_notes(len(datasets))]


def summary_notes(count: int) -> str:
    return (f"Each of the {count} dataset columns is the test accuracy on that dataset (its section below has the "
            f"intervals): **bold** is that dataset's leader, *{SEPARABLE_MARK}* marks an accuracy whose 95% interval "
            f"overlaps the leader's (not separable from it on that test set), and {DASH} a dataset the model has not "
            "run on. **Mean rank**: the model's rank on each dataset (1 = best among that dataset's rows; equal "
            "accuracies share a rank), averaged over the datasets it has; **mean accuracy**: the mean of its "
            "accuracies there. Where a model lacks datasets, both say over how many, and the row comes after the "
            "models that have them all: means over different datasets do not compare. Datasets differ in "
            "difficulty and chance level, so the mean rank is the fairer summary; rows are in its order.")
