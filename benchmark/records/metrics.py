"""Classification metrics (two classes or more) from labels and predicted probabilities, in plain numpy."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

CLASS_NAMES = ("negative", "positive")
Z_95 = 1.959963984540054  # two-sided 95% normal quantile
PROBABILITY_CLIP = 1e-7


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function in float64."""
    x = np.asarray(logits, dtype=np.float64)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / total`` (95% by default)."""
    if total <= 0:
        raise ValueError("the Wilson interval needs at least one trial")
    if not 0 <= successes <= total:
        raise ValueError(f"successes must be in [0, {total}], got {successes}")
    p = successes / total
    z2 = z * z
    denominator = 1.0 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, where rounding would
    high = 1.0 if successes == total else min(1.0, centre + half)  # leave the observed proportion outside
    return low, high


def intervals_overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two closed intervals ``(low, high)`` share a point."""
    return a[0] <= b[1] and b[0] <= a[1]


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean binary cross-entropy, with probabilities clipped away from 0 and 1."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    y = np.asarray(labels, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis, in float64."""
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def categorical_log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean cross-entropy of the true class's probability, clipped away from 0."""
    p = np.asarray(probabilities, dtype=np.float64)
    true = p[np.arange(len(p)), np.asarray(labels).astype(int)]
    return float(-np.mean(np.log(np.clip(true, PROBABILITY_CLIP, 1.0))))


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: int = 2) -> list[list[int]]:
    """Counts by true class (rows) and predicted class (columns); for two classes ``[[tn, fp], [fn, tp]]``."""
    y, yhat = np.asarray(labels).astype(int), np.asarray(predictions).astype(int)
    return np.bincount(y * classes + yhat, minlength=classes * classes).reshape(classes, classes).tolist()


def chance_level(matrix: list[list[int]]) -> float:
    """What always answering the test set's most frequent class scores: its share (0.5 on a balanced binary set)."""
    supports = [sum(row) for row in matrix]
    return max(supports) / sum(supports) if sum(supports) else 0.5


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0  # scikit-learn's zero_division=0 convention


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties count half); ``None`` when a class is absent."""
    y = np.asarray(labels).astype(int)
    s = np.asarray(scores, dtype=np.float64)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    start = 0
    while start < len(s):  # average ranks over tied scores
        end = start
        while end + 1 < len(s) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _scores(matrix: list[list[int]], class_names: Sequence[str]) -> dict[str, Any]:
    """Per-class precision, recall, F1 and support; their macro (unweighted) mean; and micro (pooled) scores, which
    for single-label classification all equal accuracy."""
    per_class: dict[str, dict[str, Any]] = {}  # a class never predicted (or absent) scores 0, as in scikit-learn
    for cls, name in enumerate(class_names):
        true_pos = matrix[cls][cls]
        predicted = sum(row[cls] for row in matrix)
        support = sum(matrix[cls])
        precision, recall = _ratio(true_pos, predicted), _ratio(true_pos, support)
        per_class[name] = {"precision": precision, "recall": recall, "f1": _f1(precision, recall), "support": support}
    macro = {measure: float(np.mean([per_class[name][measure] for name in class_names]))
             for measure in ("precision", "recall", "f1")}
    pooled = _ratio(sum(matrix[c][c] for c in range(len(matrix))), sum(map(sum, matrix)))
    return {"per_class": per_class, "macro": macro, "micro": {"precision": pooled, "recall": pooled, "f1": pooled}}


def _one_vs_rest_auc(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Mean ROC AUC of each class against the rest, over the classes present (None when none can be scored)."""
    areas = [roc_auc(labels == cls, probabilities[:, cls]) for cls in range(probabilities.shape[1])]
    areas = [area for area in areas if area is not None]
    return float(np.mean(areas)) if areas else None


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5,
                           class_names: Sequence[str] = CLASS_NAMES) -> dict[str, Any]:
    """Loss, accuracy with its 95% Wilson interval, per-class, macro and micro precision/recall/F1, ROC AUC, confusion.

    Args:
      labels: True label ids, ``0 .. len(class_names) - 1``.
      probabilities: Two classes: the probability of class 1 (positive) for each label, one number per example.
        More classes: a row of class probabilities per example (they sum to one); the prediction is the most probable
        class, the loss the cross-entropy and ROC AUC the mean over classes of one class against the rest.
      threshold: Two classes: probabilities at or above it count as class 1.
      class_names: The names ``per_class`` is keyed by, in id order.
    """
    y = np.asarray(labels).astype(int).ravel()
    p = np.asarray(probabilities, dtype=np.float64)
    classes = len(class_names)
    binary = classes == 2
    p = p.reshape(-1) if binary else p.reshape(-1, classes)
    if len(y) != len(p):
        raise ValueError(f"{len(y)} labels but {len(p)} probabilities")
    if len(y) == 0:
        raise ValueError("no examples to score")
    if not set(np.unique(y)) <= set(range(classes)):
        raise ValueError(f"labels must be ids 0 to {classes - 1}")
    predictions = (p >= threshold).astype(int) if binary else np.argmax(p, axis=1)
    matrix = confusion_matrix(y, predictions, classes)
    correct = sum(matrix[c][c] for c in range(classes))
    scores = _scores(matrix, class_names)
    metrics = {
        "examples": len(y),
        "loss": log_loss(y, p) if binary else categorical_log_loss(y, p),
        "accuracy": correct / len(y),
        "accuracy_ci95": list(wilson_interval(correct, len(y))),
        **scores,
        "roc_auc": roc_auc(y, p) if binary else _one_vs_rest_auc(y, p),
        "confusion_matrix": matrix,
    }
    if binary:
        metrics["threshold"] = threshold
    return metrics


def is_at_chance(accuracy: float, examples: int, chance: float = 0.5, z: float = Z_95) -> bool:
    """Whether ``accuracy`` on ``examples`` test examples is within the 95% range of the ``chance`` level
    (:func:`chance_level`: the largest class's share of the test set; 0.5 on a balanced binary one).

    A model that always answers the largest class scores exactly ``chance``; guessing with those odds scores it with
    standard deviation sqrt(chance (1 - chance) / n) (for 0.5: sqrt(0.25 / n), coin-flipping).
    """
    if examples <= 0:
        return True
    return abs(accuracy - chance) <= z * math.sqrt(chance * (1 - chance) / examples)


def paired_difference_interval(only_first: int, only_second: int, total: int,
                               z: float = Z_95) -> tuple[float, float, float]:
    """Accuracy of the second model minus the first's on the same ``total`` examples, with its 95% interval.

    ``only_first`` / ``only_second``: examples only the first / only the second model gets right. Reviews both
    get right or both get wrong do not move the difference, so the paired (Wald) interval is far narrower than
    two independent Wilson intervals would suggest: variance = (b + c - (c - b)^2 / n) / n^2.
    """
    if total <= 0 or min(only_first, only_second) < 0 or only_first + only_second > total:
        raise ValueError(f"need 0 <= only_first + only_second <= total > 0, got {only_first}, {only_second}, {total}")
    difference = (only_second - only_first) / total
    half = z * math.sqrt(only_first + only_second - (only_second - only_first) ** 2 / total) / total
    return difference, difference - half, difference + half
