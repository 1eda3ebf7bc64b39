"""Builds ``leaderboard.md``, ``leaderboard.csv`` and the plots from the run files, never by hand."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from benchmark.core.atomic import atomic_write_text
from benchmark.records.metrics import intervals_overlap, is_at_chance, wilson_interval
from benchmark.records.labels import WEIGHTS_STANDIN
from benchmark.records.run import RunResult, load_runs
from benchmark.records.repeats import SeedSummary, seed_summary
from benchmark.records.labels import INFERENCES

log = logging.getLogger(__name__)

STANDIN_LABEL = "stand-in (random weights)"
COLUMNS = ("rank", "model", "key", "weights", "test_accuracy", "test_loss", "encoder_parameters",
           "seq_length", "epochs", "train_examples", "test_examples", "train_seconds",
           "train_examples_per_second", "device", "run_id", "accuracy_ci95_low", "accuracy_ci95_high",
           "separable_from_leader", "macro_f1", "roc_auc", "before_fine_tuning_accuracy", "config_hash",
           "at_chance", "seeds", "accuracy_mean_over_seeds", "accuracy_std_over_seeds")


def latest_per_model(runs: list[RunResult]) -> list[RunResult]:
    """The newest run of each (model, weights, inference runtime), best test accuracy first: a model scored
    through TensorFlow Lite gets a row of its own beside its Keras-scored run."""
    latest: dict[tuple[str, str], RunResult] = {}
    for run in sorted(runs, key=lambda r: r.created):
        latest[(run.key, run.variant)] = run
    return sorted(latest.values(), key=lambda r: (-r.test["accuracy"], r.test["loss"], r.key))


def weights_label(run: RunResult) -> str:
    """The weights a run's encoder carried and, unless Keras, the runtime that scored its test set."""
    label = STANDIN_LABEL if run.weights == WEIGHTS_STANDIN else run.weights
    return label if run.inference == "keras" else f"{label}; test scored by {INFERENCES[run.inference]}"


def accuracy_interval(run: RunResult) -> tuple[float, float]:
    """The run's 95% Wilson interval for test accuracy (recomputed from accuracy and size for version 1 files)."""
    if "accuracy_ci95" in run.test:
        low, high = run.test["accuracy_ci95"]
        return float(low), float(high)
    total = int(run.data["test_examples"])
    return wilson_interval(int(round(run.test["accuracy"] * total)), total)


def separable_from_leader(run: RunResult, leader: RunResult) -> bool | None:
    """Whether ``run``'s accuracy interval misses the leader's (None for the leader itself)."""
    if run is leader:
        return None
    return not intervals_overlap(accuracy_interval(run), accuracy_interval(leader))


def _optional(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def _row(rank: int, run: RunResult, leader: RunResult | None = None, spread: SeedSummary | None = None
         ) -> dict[str, object]:
    low, high = accuracy_interval(run)
    separable = separable_from_leader(run, leader) if leader is not None else None
    before = run.before_fine_tuning or {}
    return {
        "rank": rank,
        "model": run.model["name"],
        "key": run.key,
        "weights": weights_label(run),
        "test_accuracy": round(run.test["accuracy"], 4),
        "test_loss": round(run.test["loss"], 4),
        "encoder_parameters": run.model["encoder_parameters"],
        "seq_length": run.hyperparameters.get("seq_length"),
        "epochs": run.hyperparameters.get("epochs"),
        "train_examples": run.data["train_examples"],
        "test_examples": run.data["test_examples"],
        "train_seconds": round(run.timing["train_seconds"], 1),
        "train_examples_per_second": round(run.timing["train_examples_per_second"], 1),
        "device": run.environment.get("device", "unknown"),
        "run_id": run.run_id,
        "accuracy_ci95_low": round(low, 4),
        "accuracy_ci95_high": round(high, 4),
        "separable_from_leader": "" if separable is None else separable,
        "macro_f1": _optional(run.test.get("macro", {}).get("f1")),
        "roc_auc": _optional(run.test.get("roc_auc")),
        "before_fine_tuning_accuracy": _optional(before.get("accuracy")),
        "config_hash": run.config_hash,
        "at_chance": is_at_chance(run.test["accuracy"], int(run.data["test_examples"])),
        "seeds": " ".join(map(str, spread.seeds)) if spread else run.hyperparameters.get("seed", ""),
        "accuracy_mean_over_seeds": round(spread.mean, 4) if spread else "",
        "accuracy_std_over_seeds": round(spread.std, 4) if spread else "",
    }


def render_csv(rows: list[RunResult], spreads: dict[str, SeedSummary | None] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rank, run in enumerate(rows, 1):
        writer.writerow(_row(rank, run, rows[0], (spreads or {}).get(run.run_id)))
    return buffer.getvalue()


def write_leaderboard(output_dir: Path) -> tuple[Path, list[str]]:
    """Rebuild the leaderboard files and plots in ``output_dir`` from its run files; return the page and problems."""
    from benchmark.records.failures import load_failures
    from benchmark.leaderboard_page import render_markdown
    from benchmark.plots import write_plots
    from benchmark.published import published_figures

    runs, problems = load_runs(output_dir)
    failures, failure_problems = load_failures(output_dir)
    problems += failure_problems
    for problem in problems:
        log.warning(problem)
    rows = latest_per_model(runs)
    spreads = {run.run_id: seed_summary(run, runs) for run in rows}
    published = published_figures()
    plots = write_plots(rows, published, output_dir)
    page = Path(output_dir) / "leaderboard.md"
    atomic_write_text(Path(output_dir) / "leaderboard.csv", render_csv(rows, spreads))
    atomic_write_text(page, render_markdown(rows, problems, published=published, failures=failures, plots=plots,
                                            spreads=spreads))
    return page, problems
