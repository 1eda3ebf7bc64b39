"""Labelled reviews and what is drawn from them: seeded balanced subsets and a stratified validation split."""

from __future__ import annotations

import dataclasses

import numpy as np

from benchmark.core.errors import UsageError

@dataclasses.dataclass(frozen=True)
class Split:
    """Review texts with their labels (0 negative, 1 positive)."""

    texts: tuple[str, ...]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: np.ndarray) -> "Split":
        """The reviews at ``indices``, in that order."""
        return Split(tuple(self.texts[i] for i in indices), self.labels[indices])

    @property
    def positives(self) -> int:
        return int(self.labels.sum())


@dataclasses.dataclass(frozen=True)
class DataQuality:
    """What loading had to work around, recorded in every run file."""

    not_utf8_files: int = 0
    empty_reviews_skipped: int = 0
    ignored_folders: tuple[str, ...] = ()
    test_reviews_also_in_train: int = 0
    imbalanced_splits: tuple[str, ...] = ()


# A split whose positive share is further than this from one half is reported: accuracy then misleads
# (always answering the majority label scores its share) and "at chance" means that share, not 50%.
IMBALANCE_TOLERANCE = 0.1


def imbalanced(name: str, split: Split) -> str | None:
    """A description of ``split``'s label imbalance, or None when its positive share is close to one half."""
    share = float(np.mean(split.labels)) if len(split) else 0.5
    if abs(share - 0.5) <= IMBALANCE_TOLERANCE:
        return None
    return f"{name} {100 * share:.0f}% positive ({int(np.sum(split.labels))} of {len(split)})"


def count_shared(first: Split, second: Split) -> int:
    """How many reviews of ``second`` also occur, word for word, in ``first``."""
    seen = set(first.texts)
    return sum(text in seen for text in second.texts)


def balanced_subset(split: Split, size: int | None, seed: int, name: str) -> Split:
    """A seeded subset of ``size`` reviews with as many positives as negatives (all when None)."""
    if size is None:
        return split
    if size <= 0:
        raise UsageError(f"--{name}-samples must be a positive number of reviews, got {size}")
    rng = np.random.default_rng(seed)
    per_class = [np.flatnonzero(split.labels == label) for label in (0, 1)]
    wanted = (size // 2, size - size // 2)
    for label, (available, want) in enumerate(zip(per_class, wanted)):
        if want > len(available):
            raise UsageError(
                f"--{name}-samples {size} needs {want} reviews of label {label} but the {name} split "
                f"has {len(available)}: ask for at most {2 * min(map(len, per_class))}")
    chosen = np.concatenate([rng.choice(idx, want, replace=False) for idx, want in zip(per_class, wanted)])
    return split.take(rng.permutation(chosen))


def train_validation_split(split: Split, fraction: float, seed: int) -> tuple[Split, Split | None]:
    """Carve a seeded, label-stratified validation set of ``fraction`` out of ``split``."""
    if not 0.0 <= fraction < 1.0:
        raise UsageError(f"--validation-fraction must be in [0, 1), got {fraction}")
    if fraction == 0.0:
        return split, None
    rng = np.random.default_rng(seed + 1)
    validation = []
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(split.labels == label))
        validation.append(idx[: int(round(len(idx) * fraction))])
    held_out = np.concatenate(validation)
    if len(held_out) == 0 or len(held_out) == len(split):
        raise UsageError(
            f"--validation-fraction {fraction} of {len(split)} reviews leaves an empty split; "
            "use more training samples or another fraction")
    keep = np.setdiff1d(np.arange(len(split)), held_out)
    return split.take(rng.permutation(keep)), split.take(rng.permutation(held_out))
