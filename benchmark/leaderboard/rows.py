"""Which runs are leaderboard rows, and what tells them apart: newest per model, weights and runtime; labels."""

from __future__ import annotations

import re
from typing import Collection

from benchmark.records.labels import DEFAULT_INFERENCE, INFERENCES, WEIGHTS_STANDIN
from benchmark.records.metrics import intervals_overlap, wilson_interval
from benchmark.records.run import RunResult

STANDIN_LABEL = "stand-in (random weights)"


def latest_per_model(runs: list[RunResult], not_chosen: Collection[str] = ()) -> list[RunResult]:
    """The newest run of each (model, weights, inference runtime), best test accuracy first: a model scored
    through TensorFlow Lite gets a row of its own beside its Keras-scored run. Runs whose configuration hash is in
    ``not_chosen`` (rates of a learning-rate grid that another rate won) are no rows."""
    latest: dict[tuple[str, str], RunResult] = {}
    for run in sorted((run for run in runs if run.config_hash not in not_chosen), key=lambda r: r.created):
        latest[(run.key, run.variant)] = run
    return sorted(latest.values(), key=lambda r: (-r.test["accuracy"], r.test["loss"], r.key))


def weights_label(run: RunResult) -> str:
    """The weights a run's encoder carried and, unless Keras, the runtime that scored its test set."""
    label = STANDIN_LABEL if run.weights == WEIGHTS_STANDIN else run.weights
    return label if run.inference == DEFAULT_INFERENCE else f"{label}; test scored by {INFERENCES[run.inference]}"


def run_label(run: RunResult) -> str:
    """Short legend label; stand-ins and TensorFlow Lite scoring say so."""
    notes = [note for note, shown in (("stand-in", run.weights == WEIGHTS_STANDIN),
                                      (run.inference, run.inference != DEFAULT_INFERENCE)) if shown]
    return f"{run.key} ({', '.join(notes)})" if notes else run.key


def confusion_key(run: RunResult) -> str:
    """The key of ``run``'s confusion matrix among the written plots (one per leaderboard row)."""
    return f"confusion:{run.key}:{run.variant}"


def confusion_file(run: RunResult) -> str:
    """File name of ``run``'s confusion matrix plot (one per leaderboard row: model, weights, runtime)."""
    variant = re.sub(r"[^a-z0-9]+", "_", run.variant.lower()).strip("_")
    return f"confusion_{run.key}_{variant}.png"


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
