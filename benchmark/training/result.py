"""A run's record, assembled one way for fine-tuned encoders and the classical baseline alike."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np

from benchmark.data.prepared import PreparedData, data_fingerprint
from benchmark.records.predictions import encode_predictions
from benchmark.records.run import RunResult


def started() -> tuple[float, dt.datetime]:
    """When a run starts: a monotonic clock for its wall time, and the UTC time its id and record carry."""
    return time.perf_counter(), dt.datetime.now(dt.timezone.utc)


def run_id(key: str, created: dt.datetime) -> str:
    """``<key>-<UTC time to the microsecond>``: the run file's name."""
    return f"{key}-{created.strftime('%Y%m%dT%H%M%S%fZ')}"


def assemble_run(key: str, clock: tuple[float, dt.datetime], data: PreparedData, *, seconds: dict[str, float],
                 train_examples: int, test_probabilities: np.ndarray, tokenize_cache: dict[str, str] | None = None,
                 **fields: Any) -> RunResult:
    """The run's record: its id and time from ``clock`` (:func:`started`), ``data``'s description and dataset, the
    timing from the ``seconds`` of tokenizing, training and evaluating (``train_examples`` were trained on in all) and
    where each split's token ids came from (``tokenize_cache``: the token cache or tokenized), the per-example
    ``predictions`` from ``test_probabilities`` (in test-set order, as scored), and the remaining
    :class:`~benchmark.records.run.RunResult` fields as given."""
    start, created = clock
    train, evaluation = seconds["train"], seconds["eval"]
    timing = {
        "wall_seconds": time.perf_counter() - start,
        "tokenize_seconds": seconds["tokenize"],
        "train_seconds": train,
        "eval_seconds": evaluation,
        "train_examples_per_second": train_examples / train if train else 0.0,
        "eval_examples_per_second": len(data.test) / evaluation,
    }
    if tokenize_cache:
        timing["tokenize_cache"] = dict(tokenize_cache)
    predictions = encode_predictions(data.test.labels, test_probabilities, data_fingerprint(data)["test"],
                                     data.num_classes, fields["test"].get("threshold", 0.5))
    return RunResult(run_id=run_id(key, created), created=created.isoformat(timespec="seconds"), data=data.describe(),
                     timing=timing, dataset=data.info.describe(), predictions=predictions, **fields)
