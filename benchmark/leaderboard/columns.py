"""Leaderboard columns, each defined once: the CSV fields it fills and the cell it shows in the page's table.

Adding a column means one :class:`Column` here, and its place in :data:`CSV_FIELDS` and :data:`TABLE`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from benchmark.leaderboard import cells
from benchmark.leaderboard.cells import DASH, PUBLISHED_LABEL
from benchmark.leaderboard.paired import PairedRow
from benchmark.leaderboard.published import PublishedFigure
from benchmark.leaderboard.rows import accuracy_interval, separable_from_leader, weights_label
from benchmark.records.failures import Failure
from benchmark.records.paired import PairedComparison
from benchmark.records.repeats import SeedSummary
from benchmark.records.run import RunResult
from benchmark.records.selection import Selection


@dataclasses.dataclass(frozen=True)
class Ranked:
    """A leaderboard row: its rank, its run, the leader's run, the spread over seeds of its configuration, the
    learning-rate selection that chose it and its paired comparisons."""

    rank: int
    run: RunResult
    leader: RunResult
    spread: SeedSummary | None = None
    selection: Selection | None = None
    paired: PairedRow | None = None


def _dash(_: Any) -> str:
    return DASH


def _optional(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def _comparison(comparison: PairedComparison | None) -> tuple[Any, ...]:
    if comparison is None:
        return "", "", "", ""
    return (round(comparison.difference, 4), round(comparison.low, 4), round(comparison.high, 4),
            float(f"{comparison.p_value:.4g}"))


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the leaderboard.

    Args:
      fields: The ``leaderboard.csv`` fields it fills (none: the page only).
      values: Their values for a row, in the order of ``fields``.
      header: Its header in the page's table (None: the CSV only).
      cell: Its cell for a row in the page's table.
      align: Its Markdown alignment (``---:`` right, ``---`` left).
      reference: Its cell in a published figure's row.
      failed: Its cell in a failed run's row.
    """

    fields: tuple[str, ...]
    values: Callable[[Ranked], tuple[Any, ...]]
    header: str | None = None
    cell: Callable[[Ranked], str] | None = None
    align: str = "---:"
    reference: Callable[[PublishedFigure], str] = _dash
    failed: Callable[[Failure], str] = _dash


RANK = Column(("rank",), lambda r: (r.rank,), "#", lambda r: str(r.rank),
              reference=lambda figure: "ref", failed=lambda failure: "✗")
MODEL = Column(("model", "key"), lambda r: (r.run.model["name"], r.run.key),
               "Model", lambda r: f"{r.run.model['name']} (`{r.run.key}`)", "---",
               reference=lambda figure: f"*{figure.model}*", failed=lambda failure: f"{failure.name} (`{failure.key}`)")
WEIGHTS = Column(("weights",), lambda r: (weights_label(r.run),), "Weights", lambda r: weights_label(r.run), "---",
                 reference=lambda figure: f"*{PUBLISHED_LABEL}*", failed=lambda failure: "**failed**")
TEST_ACCURACY = Column(
    ("test_accuracy", "accuracy_ci95_low", "accuracy_ci95_high", "at_chance"),
    lambda r: (round(r.run.test["accuracy"], 4), *(round(bound, 4) for bound in accuracy_interval(r.run)),
               cells.at_chance(r.run)),
    "Test accuracy [95% CI]", lambda r: cells.interval(r.run),
    reference=lambda figure: f"*{100 * figure.value:.2f}%*")
VERSUS_LEADER = Column(
    ("separable_from_leader",), lambda r: ("" if (s := separable_from_leader(r.run, r.leader)) is None else s,),
    "vs. leader", lambda r: cells.versus_leader(r.run, r.leader), "---", failed=lambda failure: "see *Failed runs*")
RANK_INTERVAL = Column(
    ("rank_ci95_low", "rank_ci95_high"),
    lambda r: ("", "") if r.paired is None or r.paired.rank_low is None else (r.paired.rank_low, r.paired.rank_high),
    "Rank 95%", lambda r: cells.rank_interval(r.paired))
GROUP = Column(("group",), lambda r: ("" if (cell := cells.group(r.paired)) == DASH else cell,),
               "Group", lambda r: cells.group(r.paired), "---")
PAIRED_LEADER = Column(
    ("paired_diff_vs_leader", "paired_diff_vs_leader_low", "paired_diff_vs_leader_high", "mcnemar_p_vs_leader",
     "paired_note"),
    lambda r: (*_comparison(r.paired and r.paired.versus_leader), (r.paired and r.paired.note) or ""),
    "Paired vs. leader", lambda r: cells.versus_leader_paired(r.paired), "---")
PAIRED_NEXT = Column(
    ("paired_diff_vs_next", "paired_diff_vs_next_low", "paired_diff_vs_next_high", "mcnemar_p_vs_next"),
    lambda r: _comparison(r.paired and r.paired.versus_next),
    "Paired vs. next row", lambda r: cells.paired(r.paired and r.paired.versus_next), "---")
OVER_SEEDS = Column(
    ("seeds", "accuracy_mean_over_seeds", "accuracy_std_over_seeds"),
    lambda r: (" ".join(map(str, r.spread.seeds)), round(r.spread.mean, 4), round(r.spread.std, 4)) if r.spread
    else (r.run.hyperparameters.get("seed", ""), "", ""),
    "Over seeds", lambda r: cells.over_seeds(r.spread))
MACRO_F1 = Column(("macro_f1",), lambda r: (_optional(r.run.test.get("macro", {}).get("f1")),),
                  "Macro F1", lambda r: cells.number(r.run.test.get("macro", {}).get("f1"), 3))
TEST_LOSS = Column(("test_loss",), lambda r: (round(r.run.test["loss"], 4),),
                   "Test loss", lambda r: f"{r.run.test['loss']:.4f}")
BEFORE_FINE_TUNING = Column(("before_fine_tuning_accuracy",),
                            lambda r: (_optional((r.run.before_fine_tuning or {}).get("accuracy")),),
                            "Before fine-tuning", lambda r: cells.before(r.run))
PARAMETERS = Column(("encoder_parameters",), lambda r: (r.run.model["encoder_parameters"],),
                    "Params", lambda r: cells.millions(r.run.model["encoder_parameters"]))
SEQ_LENGTH = Column(("seq_length",), lambda r: (r.run.hyperparameters.get("seq_length"),),
                    "Seq len", lambda r: str(r.run.hyperparameters.get("seq_length") or DASH))
EPOCHS = Column(("epochs",), lambda r: (r.run.hyperparameters.get("epochs"),),
                "Epochs", lambda r: str(r.run.hyperparameters.get("epochs") or DASH))
LEARNING_RATE = Column(
    ("learning_rate", "learning_rate_grid"),
    lambda r: ("" if (rate := r.run.hyperparameters.get("learning_rate")) is None else rate,
               " ".join(f"{rate:g}" for rate in r.selection.grid) if r.selection else ""),
    "LR", lambda r: cells.learning_rate(r.run, r.selection))
TRAIN_TIME = Column(("train_seconds",), lambda r: (round(r.run.timing["train_seconds"], 1),),
                    "Train time", lambda r: cells.duration(r.run.timing["train_seconds"]))
TRAIN_SPEED = Column(("train_examples_per_second",), lambda r: (round(r.run.timing["train_examples_per_second"], 1),),
                     "Train ex/s", lambda r: f"{r.run.timing['train_examples_per_second']:.1f}")
DATA_SIZES = Column(("train_examples", "test_examples"),
                    lambda r: (r.run.data["train_examples"], r.run.data["test_examples"]))
DEVICE = Column(("device",), lambda r: (r.run.environment.get("device", "unknown"),))
RUN_ID = Column(("run_id",), lambda r: (r.run.run_id,))
ROC_AUC = Column(("roc_auc",), lambda r: (_optional(r.run.test.get("roc_auc")),))
CONFIG_HASH = Column(("config_hash",), lambda r: (r.run.config_hash,))
DATASET = Column(("dataset",), lambda r: (r.run.dataset_key,))

COLUMNS = (RANK, MODEL, WEIGHTS, TEST_ACCURACY, VERSUS_LEADER, RANK_INTERVAL, GROUP, PAIRED_LEADER, PAIRED_NEXT,
           OVER_SEEDS, MACRO_F1, TEST_LOSS, BEFORE_FINE_TUNING, PARAMETERS, SEQ_LENGTH, EPOCHS, LEARNING_RATE,
           TRAIN_TIME, TRAIN_SPEED, DATA_SIZES, DEVICE, RUN_ID, ROC_AUC,
           CONFIG_HASH, DATASET)
# The page's table, left to right.
TABLE = tuple(column for column in COLUMNS if column.header is not None)
# leaderboard.csv's fields, left to right.
CSV_FIELDS = ("rank", "model", "key", "weights", "test_accuracy", "test_loss", "encoder_parameters",
              "seq_length", "epochs", "train_examples", "test_examples", "train_seconds",
              "train_examples_per_second", "device", "run_id", "accuracy_ci95_low", "accuracy_ci95_high",
              "separable_from_leader", "macro_f1", "roc_auc", "before_fine_tuning_accuracy", "config_hash",
              "at_chance", "seeds", "accuracy_mean_over_seeds", "accuracy_std_over_seeds", "dataset", "learning_rate",
              "learning_rate_grid", "rank_ci95_low", "rank_ci95_high", "group", "paired_diff_vs_leader",
              "paired_diff_vs_leader_low", "paired_diff_vs_leader_high", "mcnemar_p_vs_leader", "paired_note",
              "paired_diff_vs_next", "paired_diff_vs_next_low", "paired_diff_vs_next_high", "mcnemar_p_vs_next")
# The rank, leader and separability of a row are within its dataset; ``dataset`` says which. Fields added later go
# last, so that the earlier ones keep their places.


def csv_row(row: Ranked) -> dict[str, Any]:
    """A row's CSV fields, by name."""
    values: dict[str, Any] = {}
    for column in COLUMNS:
        values |= dict(zip(column.fields, column.values(row), strict=True))
    return values
