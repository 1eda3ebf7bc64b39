"""Repeated runs over seeds: which runs repeat each other, and their mean and spread."""

from __future__ import annotations

import dataclasses
import json
import statistics
from typing import Sequence

from benchmark.records.run import RunResult

# Settings that differ between repeats of one configuration, or only describe it (where it ran, in words that
# change between versions while the arithmetic does not).
NOT_PART_OF_A_REPEAT = ("seed", "distribution", "optimizer", "inference_runtime")


@dataclasses.dataclass(frozen=True)
class SeedSummary:
    """Test accuracy of one configuration over several seeds.

    Args:
      seeds: The seeds, ascending.
      mean: Mean test accuracy.
      std: Sample standard deviation (n - 1 in the denominator) of the test accuracies.
    """

    seeds: tuple[int, ...]
    mean: float
    std: float


def repeat_group(run: RunResult) -> str:
    """Runs with the same group differ only by seed: same model, weights, settings, dataset and data sizes."""
    settings = {k: v for k, v in run.hyperparameters.items() if k not in NOT_PART_OF_A_REPEAT}
    settings["inference"] = run.inference  # older files have no such setting: they were scored in Keras
    sizes = {k: run.data.get(k) for k in ("train_examples", "validation_examples", "test_examples")}
    return json.dumps([run.key, run.weights, settings, sizes, run.dataset_key], sort_keys=True, default=str)


def seed_summary(run: RunResult, runs: Sequence[RunResult]) -> SeedSummary | None:
    """Mean and spread over the newest run of each seed in ``run``'s group; None with fewer than two seeds."""
    group = repeat_group(run)
    newest: dict[int, RunResult] = {}
    for other in sorted(runs, key=lambda r: r.created):
        if repeat_group(other) == group:
            newest[int(other.hyperparameters["seed"])] = other
    if len(newest) < 2:
        return None
    accuracies = [newest[seed].test["accuracy"] for seed in sorted(newest)]
    return SeedSummary(tuple(sorted(newest)), statistics.fmean(accuracies), statistics.stdev(accuracies))
