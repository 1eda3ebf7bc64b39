"""Paired comparisons of a dataset's rows: which rows scored the same test examples, each against the leader and
the next row (paired difference, McNemar), rank intervals and groups the data cannot separate."""

from __future__ import annotations

import dataclasses
import logging
from typing import Sequence

import numpy as np

from benchmark.records.paired import (PairedComparison, bootstrap_ranks, compare, indistinguishable_groups,
                                      rank_interval)
from benchmark.records.predictions import Predictions, decode_predictions
from benchmark.records.repeats import repeat_group
from benchmark.records.run import RunResult

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PairedRow:
    """A row's paired statistics, or why it has none (``note``; the row then keeps the unpaired marks).

    Args:
      rank_low, rank_high: The 95% rank interval among the rows compared.
      group: Rows with the same group number cannot be told apart (1 is the leader's).
      versus_leader, versus_next: This row against the best compared row, and against the next compared row below
        (differences are this row's accuracy minus the other's).
      seeds: How many seeds' runs the rank interval drew from.
    """

    note: str | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    group: int | None = None
    versus_leader: PairedComparison | None = None
    versus_next: PairedComparison | None = None
    seeds: int = 1


def _predictions(run: RunResult) -> tuple[Predictions | None, str | None]:
    """The run's decoded predictions, or why there are none usable."""
    if run.predictions is None:
        return None, f"no per-example predictions (schema version {run.schema_version} file)"
    try:
        return decode_predictions(run.predictions, run.test), None
    except ValueError as error:
        log.warning("%s: predictions ignored, unpaired marks kept: %s", run.run_id, error)
        return None, f"predictions do not match the test set: {error}"


def _seed_runs(run: RunResult, runs: Sequence[RunResult], fingerprint: str) -> list[np.ndarray]:
    """Correctness of the newest run of each seed of ``run``'s configuration on the same examples (``run`` first)."""
    newest: dict[object, RunResult] = {}
    group = repeat_group(run)
    for other in sorted(runs, key=lambda r: r.created):
        if other is not run and repeat_group(other) == group and other.predictions is not None:
            newest[other.hyperparameters.get("seed")] = other
    newest.pop(run.hyperparameters.get("seed"), None)
    correct = []
    for other in newest.values():
        predictions, _ = _predictions(other)
        if predictions is not None and predictions.test_fingerprint == fingerprint:
            correct.append(predictions.correct)
    return correct


def compare_rows(rows: Sequence[RunResult], runs: Sequence[RunResult] = ()) -> dict[str, PairedRow]:
    """Paired statistics for one dataset's ``rows`` (best first), by run id. Compared: the rows with valid
    predictions on the examples the best such row scored; ``runs`` supply the other seeds of each row."""
    decoded = {run.run_id: _predictions(run) for run in rows}
    usable = [run for run in rows if decoded[run.run_id][0] is not None]
    reference = decoded[usable[0].run_id][0].test_fingerprint if usable else None
    compared = [run for run in usable if decoded[run.run_id][0].test_fingerprint == reference]
    result = {run.run_id: PairedRow(note=decoded[run.run_id][1]) for run in rows if decoded[run.run_id][1]}
    result |= {run.run_id: PairedRow(note="scored on other test examples than the rows compared")
               for run in usable if run not in compared}
    if len(compared) < 2:
        return result | {run.run_id: PairedRow(note="no other row scored the same test examples") for run in compared}
    correct = [decoded[run.run_id][0].correct for run in compared]
    seeds = [[c, *_seed_runs(run, runs, reference)] for run, c in zip(compared, correct)]
    ranks = bootstrap_ranks(seeds)
    groups = indistinguishable_groups(correct)
    for index, run in enumerate(compared):
        low, high = rank_interval(ranks[:, index])
        result[run.run_id] = PairedRow(
            rank_low=low, rank_high=high, group=groups[index],
            versus_leader=compare(correct[0], correct[index]) if index else None,
            versus_next=compare(correct[index + 1], correct[index]) if index + 1 < len(compared) else None,
            seeds=len(seeds[index]))
    return result
