"""Per-example test predictions, stored compactly inside a run file (its ``predictions`` field, version 9).

Which examples: ``test_fingerprint`` is the SHA-256 (first 16 hex digits) of the test set's labels and texts *in
order* (:func:`benchmark.data.prepared.data_fingerprint`), so two runs with the same fingerprint scored the same
examples in the same order, and example ``i`` of one is example ``i`` of the other. What each got: the true label,
the predicted class and the predicted class probabilities, each an array stored as base64 of its zlib-compressed
bytes. Probabilities are quantized to one byte (``round(p * 255)``, at most 0.2 points off); the predicted class is
stored as scored (from the unquantized probabilities), so accuracy recomputed from the file is the run's exactly.
"""

from __future__ import annotations

import base64
import dataclasses
import zlib
from typing import Any

import numpy as np

ENCODING = "zlib+base64"
PROBABILITY_LEVELS = 255  # probabilities are stored as round(p * 255) in one byte


def _pack(array: np.ndarray) -> str:
    return base64.b64encode(zlib.compress(np.ascontiguousarray(array).tobytes(), 9)).decode("ascii")


def _unpack(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)), dtype=dtype)


def _id_dtype(classes: int) -> str:
    return "uint8" if classes <= 256 else "uint16"


def predicted_classes(probabilities: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The class each example is assigned, as :func:`~benchmark.records.metrics.classification_metrics` assigns it:
    two classes (one probability per example) at or above ``threshold`` is class 1; else the most probable class."""
    p = np.asarray(probabilities, dtype=np.float64)
    return (p.reshape(-1) >= threshold).astype(int) if p.ndim == 1 else np.argmax(p, axis=1)


def encode_predictions(labels: np.ndarray, probabilities: np.ndarray, test_fingerprint: str,
                       classes: int, threshold: float = 0.5) -> dict[str, Any]:
    """A run file's ``predictions``: the test set's identity, then each example's label, predicted class and
    probabilities (two classes: the probability of class 1 only; more: a row per example)."""
    y = np.asarray(labels).astype(int).ravel()
    p = np.asarray(probabilities, dtype=np.float64)
    p = p.reshape(-1) if classes == 2 else p.reshape(len(y), classes)
    dtype = _id_dtype(classes)
    return {"test_fingerprint": test_fingerprint, "examples": len(y), "classes": classes, "encoding": ENCODING,
            "labels": _pack(y.astype(dtype)), "predicted": _pack(predicted_classes(p, threshold).astype(dtype)),
            "probabilities_uint8": _pack(np.rint(np.clip(p, 0, 1) * PROBABILITY_LEVELS).astype(np.uint8))}


@dataclasses.dataclass(frozen=True)
class Predictions:
    """A run's decoded per-example predictions, in test-set order."""

    test_fingerprint: str
    labels: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray  # quantized: two classes, one per example; more, a row per example

    @property
    def correct(self) -> np.ndarray:
        return self.labels == self.predicted


def decode_predictions(stored: dict[str, Any], test: dict[str, Any]) -> Predictions:
    """The predictions of a run file, checked against its ``test`` metrics: the same number of examples, the same
    label counts and the same accuracy. Raises ValueError saying what does not match."""
    try:
        classes, examples = int(stored["classes"]), int(stored["examples"])
        if stored.get("encoding") != ENCODING:
            raise ValueError(f"unknown encoding {stored.get('encoding')!r}")
        dtype = _id_dtype(classes)
        labels, predicted = _unpack(stored["labels"], dtype), _unpack(stored["predicted"], dtype)
        probabilities = _unpack(stored["probabilities_uint8"], "uint8") / PROBABILITY_LEVELS
        fingerprint = str(stored["test_fingerprint"])
    except (KeyError, TypeError, ValueError, zlib.error) as error:
        raise ValueError(f"unreadable predictions ({error})") from None
    total = int(test.get("examples", examples))
    if not len(labels) == len(predicted) == examples == total or len(probabilities) != examples * (
            1 if classes == 2 else classes):
        raise ValueError(f"predictions for {len(labels)} examples but the test set has {total}")
    matrix = test.get("confusion_matrix")
    if matrix and np.bincount(labels, minlength=classes).tolist() != [sum(row) for row in matrix]:
        raise ValueError("the predictions' labels are not the test set's (class counts differ)")
    if abs(float(np.mean(labels == predicted)) - float(test["accuracy"])) > 0.5 / total:
        raise ValueError(f"the predictions score {np.mean(labels == predicted):.4%}, the run file "
                         f"{float(test['accuracy']):.4%}")
    shape = (examples,) if classes == 2 else (examples, classes)
    return Predictions(fingerprint, labels.astype(int), predicted.astype(int), probabilities.reshape(shape))
