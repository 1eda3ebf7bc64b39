"""Labelled texts and what is drawn from them: seeded class-balanced subsets and stratified held-out splits."""

from __future__ import annotations

import dataclasses

import numpy as np

from benchmark.core.errors import UsageError

@dataclasses.dataclass(frozen=True)
class Split:
    """Texts with their label ids (``0 .. N-1``; for IMDb 0 negative, 1 positive)."""

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

    def class_counts(self, classes: int) -> list[int]:
        """Examples of each label id ``0 .. classes-1``."""
        return np.bincount(np.asarray(self.labels, dtype=np.int64), minlength=classes)[:classes].tolist()


@dataclasses.dataclass(frozen=True)
class DataQuality:
    """What loading had to work around, recorded in every run file."""

    not_utf8_files: int = 0
    empty_reviews_skipped: int = 0
    ignored_folders: tuple[str, ...] = ()
    test_reviews_also_in_train: int = 0
    imbalanced_splits: tuple[str, ...] = ()


# A split whose positive share is further than this from one half is reported: accuracy then misleads
# (always answering the majority label scores its share) and "at chance" means that share, not 50%. With more
# classes, the largest class's share is compared with 1/N.
IMBALANCE_TOLERANCE = 0.1


def imbalanced(name: str, split: Split, label_names: tuple[str, ...] = ("negative", "positive")) -> str | None:
    """A description of ``split``'s label imbalance, or None when its classes are about equally frequent."""
    if len(label_names) == 2:
        share = float(np.mean(split.labels)) if len(split) else 0.5
        if abs(share - 0.5) <= IMBALANCE_TOLERANCE:
            return None
        return f"{name} {100 * share:.0f}% positive ({int(np.sum(split.labels))} of {len(split)})"
    counts = split.class_counts(len(label_names))
    largest = int(np.argmax(counts))
    share = counts[largest] / len(split) if len(split) else 0.0
    if share - 1 / len(label_names) <= IMBALANCE_TOLERANCE:
        return None
    return f"{name} {100 * share:.0f}% '{label_names[largest]}' ({counts[largest]} of {len(split)})"


def count_shared(first: Split, second: Split) -> int:
    """How many reviews of ``second`` also occur, word for word, in ``first``."""
    seen = set(first.texts)
    return sum(text in seen for text in second.texts)


def class_quota(size: int, classes: int) -> list[int]:
    """How many examples of each class a balanced subset of ``size`` takes: equal shares, the remainder going to the
    last classes (for two classes: ``size // 2`` negatives and the rest positives)."""
    return [size // classes + (1 if label >= classes - size % classes else 0) for label in range(classes)]


def balanced_subset(split: Split, size: int | None, seed: int, name: str,
                    label_names: tuple[str, ...] = ("negative", "positive")) -> Split:
    """A seeded subset of ``size`` examples with as many of each class as the others (all when None)."""
    if size is None:
        return split
    if size <= 0:
        raise UsageError(f"--{name}-samples must be a positive number of examples, got {size}")
    rng = np.random.default_rng(seed)
    classes = len(label_names)
    per_class = [np.flatnonzero(split.labels == label) for label in range(classes)]
    for label, (available, want) in enumerate(zip(per_class, class_quota(size, classes))):
        if want > len(available):
            smallest = min(range(classes), key=lambda c: len(per_class[c]))
            raise UsageError(
                f"--{name}-samples {size} needs {want} examples of class '{label_names[label]}' but the {name} split "
                f"has {len(available)}: ask for at most {classes * len(per_class[smallest])} (class "
                f"'{label_names[smallest]}' has {len(per_class[smallest])}; subsets take every class equally)")
    chosen = np.concatenate([rng.choice(idx, want, replace=False)
                             for idx, want in zip(per_class, class_quota(size, classes))])
    return split.take(rng.permutation(chosen))


def stratified_holdout(split: Split, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices kept and held out: ``fraction`` of each class (rounded), classes in label order."""
    held = [rng.permutation(np.flatnonzero(split.labels == label))
            for label in np.unique(split.labels)]
    held_out = np.concatenate([idx[: int(round(len(idx) * fraction))] for idx in held]) if held else np.array([], int)
    return np.setdiff1d(np.arange(len(split)), held_out), held_out


def train_validation_split(split: Split, fraction: float, seed: int) -> tuple[Split, Split | None]:
    """Carve a seeded, label-stratified validation set of ``fraction`` out of ``split``."""
    if not 0.0 <= fraction < 1.0:
        raise UsageError(f"--validation-fraction must be in [0, 1), got {fraction}")
    if fraction == 0.0:
        return split, None
    rng = np.random.default_rng(seed + 1)
    keep, held_out = stratified_holdout(split, fraction, rng)
    if len(held_out) == 0 or len(held_out) == len(split):
        raise UsageError(
            f"--validation-fraction {fraction} of {len(split)} examples leaves an empty split; "
            "use more training samples or another fraction")
    return split.take(rng.permutation(keep)), split.take(rng.permutation(held_out))
