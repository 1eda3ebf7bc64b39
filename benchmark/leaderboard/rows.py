"""Which runs are leaderboard rows, and what tells them apart: newest per dataset, model, weights and runtime; labels,
datasets, model groups and chance levels."""

from __future__ import annotations

import re
from typing import Collection

from benchmark.records.labels import DEFAULT_INFERENCE, INFERENCES, WEIGHTS_CLASSICAL, WEIGHTS_STANDIN
from benchmark.records.metrics import chance_level, intervals_overlap, wilson_interval
from benchmark.records.run import RunResult

STANDIN_LABEL = "stand-in (random weights)"
# Model groups that share a colour in the plots: the longest matching key prefix, else the key's first word.
GROUPS = ("small_bert", "bert", "electra", "albert", "talking_heads", "experts", "distilbert")


def latest_per_model(runs: list[RunResult], not_chosen: Collection[str] = ()) -> list[RunResult]:
    """The newest run of each (dataset, model, weights, inference runtime), best test accuracy first: a model scored
    through TensorFlow Lite gets a row of its own beside its Keras-scored run. Runs whose configuration hash is in
    ``not_chosen`` (rates of a learning-rate grid that another rate won) are no rows."""
    latest: dict[tuple[str, str, str], RunResult] = {}
    for run in sorted((run for run in runs if run.config_hash not in not_chosen), key=lambda r: r.created):
        latest[(run.dataset_key, run.key, run.variant)] = run
    return sorted(latest.values(), key=lambda r: (-r.test["accuracy"], r.test["loss"], r.key))


def by_dataset(rows: list[RunResult]) -> dict[str, list[RunResult]]:
    """The rows of each dataset (keys in alphabetical order), each list in the order given."""
    grouped: dict[str, list[RunResult]] = {}
    for run in rows:
        grouped.setdefault(run.dataset_key, []).append(run)
    return {key: grouped[key] for key in sorted(grouped)}


def dataset_title(run: RunResult) -> str:
    """The dataset's name and key, as a section of the page names it."""
    info = run.dataset_info
    return f"{info['name']} (`{info['key']}`)"


def row_identity(run: RunResult) -> tuple[str, str]:
    """What makes runs on different datasets the same row of the summary: the model and its variant."""
    return run.key, run.variant


def model_group(run: RunResult) -> str:
    """The family a row is coloured by in the plots: the classical baseline, or the encoder family its key names
    (a stand-in shares its encoder's colour)."""
    if run.weights == WEIGHTS_CLASSICAL:
        return "classical baseline"
    return next((group for group in GROUPS if run.key.startswith(group + "_") or run.key == group),
                run.key.split("_")[0])


def chance(run: RunResult) -> float:
    """The run's chance level: what always answering its test set's largest class scores (0.5 without the
    confusion matrix, in version 1 files, which are balanced IMDb)."""
    matrix = run.test.get("confusion_matrix")
    return chance_level(matrix) if matrix else 0.5


def weights_label(run: RunResult) -> str:
    """The weights a run's encoder carried, what the head read where not ``pooled_output`` (the ``[CLS]`` state of a
    family without a trained pooler) and, unless Keras, the runtime that scored its test set."""
    label = STANDIN_LABEL if run.weights == WEIGHTS_STANDIN else run.weights
    if (head := (run.encoder_source or {}).get("head_reads", "pooled_output")) != "pooled_output":
        label += f"; head on {head}"
    return label if run.inference == DEFAULT_INFERENCE else f"{label}; test scored by {INFERENCES[run.inference]}"


def run_label(run: RunResult) -> str:
    """Short legend label; stand-ins and TensorFlow Lite scoring say so."""
    notes = [note for note, shown in (("stand-in", run.weights == WEIGHTS_STANDIN),
                                      (run.inference, run.inference != DEFAULT_INFERENCE)) if shown]
    return f"{run.key} ({', '.join(notes)})" if notes else run.key


def file_part(text: str) -> str:
    """``text`` as part of a file name: lower case, ``_`` for anything but letters and digits."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


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
