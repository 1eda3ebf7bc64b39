"""Paired statistics for models scored on the same test examples: McNemar's exact test, the paired accuracy
difference, and rank intervals from a paired bootstrap (seeds resampled too), in plain numpy."""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

from benchmark.records.metrics import paired_difference_interval

BOOTSTRAP_REPLICATES = 1000
BOOTSTRAP_SEED = 0  # fixed: the same run files give the same intervals on every report
SIGNIFICANCE = 0.05
_CHUNK = 50  # bootstrap replicates per matrix product


def mcnemar_exact(only_first: int, only_second: int) -> float:
    """McNemar's exact two-sided p-value: of the ``n = only_first + only_second`` examples exactly one model gets
    right, the chance of a split at least this uneven if each were equally likely to be either's (binomial, p =
    1/2): ``min(1, 2 P(X <= min(b, c)))``, X ~ Binomial(n, 1/2)."""
    if min(only_first, only_second) < 0:
        raise ValueError("counts must be non-negative")
    n, k = only_first + only_second, min(only_first, only_second)
    if n == 0:
        return 1.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2) for i in range(k + 1)]
    top = max(logs)
    tail = math.exp(top + math.log(sum(math.exp(value - top) for value in logs)))
    return min(1.0, 2.0 * tail)


@dataclasses.dataclass(frozen=True)
class PairedComparison:
    """``second`` against ``first`` on the same examples: accuracy difference (second minus first) with its paired
    95% interval, the examples only one of them gets right, and McNemar's exact p-value."""

    difference: float
    low: float
    high: float
    only_first: int
    only_second: int
    examples: int
    p_value: float

    @property
    def separable(self) -> bool:
        return self.p_value < SIGNIFICANCE


def compare(first_correct: np.ndarray, second_correct: np.ndarray) -> PairedComparison:
    """Compare two models' per-example correctness (boolean arrays over the same examples, in the same order)."""
    a, b = np.asarray(first_correct, bool), np.asarray(second_correct, bool)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"paired comparison needs two equal, non-empty 1-D arrays, got {a.shape} and {b.shape}")
    only_first, only_second = int(np.sum(a & ~b)), int(np.sum(b & ~a))
    difference, low, high = paired_difference_interval(only_first, only_second, len(a))
    return PairedComparison(difference, low, high, only_first, only_second, len(a),
                            mcnemar_exact(only_first, only_second))


def bootstrap_ranks(models: Sequence[Sequence[np.ndarray]], replicates: int = BOOTSTRAP_REPLICATES,
                    seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """Each model's rank (1 = best; ties share the better rank) in each of ``replicates`` paired bootstrap samples.

    ``models[m]`` holds model ``m``'s per-example correctness, one array per seed (all over the same examples). Each
    replicate draws the test examples with replacement once, the same draw for every model, and for each model one
    of its seeds at random, so seed-to-seed variation widens the intervals of models run with several seeds.
    Returns an int array, replicates x models.
    """
    columns = [np.asarray(seeds, dtype=np.float32).reshape(len(seeds), -1) for seeds in models]
    if not columns:
        return np.zeros((replicates, 0), int)
    examples = columns[0].shape[1]
    matrix = np.concatenate(columns)  # (all seeds of all models) x examples
    offsets = np.cumsum([0] + [len(c) for c in columns[:-1]])
    counts = np.array([len(c) for c in columns])
    rng = np.random.default_rng(seed)
    ranks = []
    for start in range(0, replicates, _CHUNK):
        size = min(_CHUNK, replicates - start)
        drawn = rng.integers(0, examples, (size, examples)) + examples * np.arange(size)[:, None]
        weights = np.bincount(drawn.ravel(), minlength=size * examples).reshape(size, examples).astype(np.float32)
        accuracy = weights @ matrix.T  # size x all seeds (correct counts)
        chosen = offsets + (rng.random((size, len(columns))) * counts).astype(int)
        scores = np.take_along_axis(accuracy, chosen, axis=1)
        ranks.append(1 + (scores[:, None, :] > scores[:, :, None]).sum(axis=2))
    return np.concatenate(ranks)


def rank_interval(ranks: np.ndarray) -> tuple[int, int]:
    """The central 95% range of one model's bootstrap ranks, widened outward to whole ranks."""
    return int(np.quantile(ranks, 0.025, method="lower")), int(np.quantile(ranks, 0.975, method="higher"))


def indistinguishable_groups(correct: Sequence[np.ndarray]) -> list[int]:
    """A group number per model (models in leaderboard order): a group starts at the first model that is
    separable (McNemar p < 0.05) from the best model of the group before; every model of a group is not separable
    from the group's best."""
    groups: list[int] = []
    head, group = 0, 1
    for index, model in enumerate(correct):
        if index and compare(correct[head], model).separable:
            head, group = index, group + 1
        groups.append(group)
    return groups
