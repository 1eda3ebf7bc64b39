"""The training, validation and test examples of one run, what dataset they are, and their fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from benchmark.data.config import DataConfig
from benchmark.data.dataset import DatasetInfo, Loaded
from benchmark.data.registry import IMDB_INFO
from benchmark.data.splits import DataQuality, Split, balanced_subset, count_shared, train_validation_split


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """The training, validation and test examples of a run, and the dataset they come from (IMDb by default)."""

    train: Split
    validation: Split | None
    test: Split
    source: str

    quality: DataQuality = DataQuality()
    info: DatasetInfo = IMDB_INFO

    @property
    def label_names(self) -> tuple[str, ...]:
        return self.info.label_names

    @property
    def num_classes(self) -> int:
        return self.info.num_classes

    def describe(self) -> dict[str, Any]:
        """The run file's ``data``: source, sizes and positive counts (IMDb's labels); other labels: counts per
        class."""
        sets = {"train": self.train, "validation": self.validation, "test": self.test}
        described: dict[str, Any] = {"source": self.source}
        for name, split in sets.items():
            described[f"{name}_examples"] = len(split) if split is not None else 0
            if self.label_names == IMDB_INFO.label_names:
                described[f"{name}_positive"] = split.positives if split is not None else 0
            else:
                counts = split.class_counts(self.num_classes) if split is not None else [0] * self.num_classes
                described[f"{name}_per_class"] = dict(zip(self.label_names, counts))
        described["test_reviews_also_in_train"] = count_shared(self.train, self.test)
        described["loading"] = dataclasses.asdict(self.quality)
        return described


def prepare_data(loaded: Loaded, config: DataConfig) -> PreparedData:
    """Seeded class-balanced subsets and the validation split (the source's own when it has one, else carved from
    the training examples); the test set stays untouched by selection."""
    info = loaded.info or IMDB_INFO
    train = balanced_subset(loaded.train, config.train_samples, config.seed, "train", info.label_names)
    test = balanced_subset(loaded.test, config.test_samples, config.seed, "test", info.label_names)
    if loaded.validation is not None:
        validation = loaded.validation
    else:
        train, validation = train_validation_split(train, config.validation_fraction, config.seed)
    return PreparedData(train, validation, test, loaded.source, loaded.quality, info)


def data_fingerprint(data: PreparedData) -> dict[str, str]:
    """SHA-256 of the labels and texts of each split, in order: same examples, same fingerprint, whatever the
    source."""
    fingerprint = {}
    for name, split in (("train", data.train), ("validation", data.validation), ("test", data.test)):
        digest = hashlib.sha256()
        for text, label in zip(split.texts, split.labels) if split is not None else ():
            digest.update(f"{int(label)}\t{text}\0".encode("utf-8"))
        fingerprint[name] = digest.hexdigest()[:16]
    return fingerprint
