"""Scoring a classifier on encoded examples: logits in the split's order, probabilities, the zero-step subset."""

from __future__ import annotations

import numpy as np

from benchmark.data.packing import EncodedSplit
from benchmark.data.splits import Split
from benchmark.records.metrics import sigmoid, softmax
from benchmark.training.pipeline import evaluation_dataset

BEFORE_FINE_TUNING_EXAMPLES = 1000  # test reviews scored by the zero-step model (all when the test set is smaller)


def before_fine_tuning_subset(test: Split, seed: int, limit: int = BEFORE_FINE_TUNING_EXAMPLES) -> np.ndarray:
    """Seeded indices of at most ``limit`` test reviews for the zero-step evaluation, in test-set order."""
    if len(test) <= limit:
        return np.arange(len(test))
    return np.sort(np.random.default_rng(seed + 2).choice(len(test), limit, replace=False))


def predict_logits(model, encoded: EncodedSplit, batch_size: int, bucketing: bool = False,
                   verbose: int = 0) -> np.ndarray:
    """The logits of each example of ``encoded``, in its order (one number per example for a one-logit binary head,
    else a row per example), from :func:`~benchmark.training.pipeline.evaluation_dataset` batches (length order,
    little padding, with ``bucketing``). ``model`` is a Keras classifier or a
    :class:`~benchmark.training.tflite.TfliteClassifier`."""
    dataset, order = evaluation_dataset(encoded, batch_size, bucketing)
    logits = np.asarray(model.predict(dataset.map(lambda features, label: features), verbose=verbose))
    logits = logits.reshape(-1) if logits.ndim < 2 or logits.shape[-1] == 1 else logits.reshape(len(encoded), -1)
    if order is not None:
        logits[order] = logits.copy()  # back from length order to the split's order
    return logits


def predict_probabilities(model, encoded: EncodedSplit, batch_size: int, verbose: int,
                          bucketing: bool = False) -> np.ndarray:
    """For each example of ``encoded``, in its order: the probability of class 1 ("positive") from a one-logit
    binary head (sigmoid), else a row of class probabilities (softmax)."""
    logits = predict_logits(model, encoded, batch_size, bucketing, verbose)
    return sigmoid(logits) if logits.ndim == 1 else softmax(logits)
