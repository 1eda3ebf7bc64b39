"""The training, validation and test reviews of one run, and their fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from benchmark.data.config import DataConfig
from benchmark.data.imdb import Imdb
from benchmark.data.splits import DataQuality, Split, balanced_subset, count_shared, train_validation_split


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """The training, validation and test reviews of a run."""

    train: Split
    validation: Split | None
    test: Split
    source: str

    quality: DataQuality = DataQuality()

    def describe(self) -> dict[str, Any]:
        sets = {"train": self.train, "validation": self.validation, "test": self.test}
        described: dict[str, Any] = {"source": self.source}
        for name, split in sets.items():
            described[f"{name}_examples"] = len(split) if split is not None else 0
            described[f"{name}_positive"] = split.positives if split is not None else 0
        described["test_reviews_also_in_train"] = count_shared(self.train, self.test)
        described["loading"] = dataclasses.asdict(self.quality)
        return described


def prepare_data(imdb: Imdb, config: DataConfig) -> PreparedData:
    """Seeded balanced subsets and the validation split; the test set stays untouched by selection."""
    train = balanced_subset(imdb.train, config.train_samples, config.seed, "train")
    test = balanced_subset(imdb.test, config.test_samples, config.seed, "test")
    train, validation = train_validation_split(train, config.validation_fraction, config.seed)
    return PreparedData(train, validation, test, imdb.source, imdb.quality)


def data_fingerprint(data: PreparedData) -> dict[str, str]:
    """SHA-256 of the labels and texts of each split, in order: same reviews, same fingerprint, whatever the source."""
    fingerprint = {}
    for name, split in (("train", data.train), ("validation", data.validation), ("test", data.test)):
        digest = hashlib.sha256()
        for text, label in zip(split.texts, split.labels) if split is not None else ():
            digest.update(f"{int(label)}\t{text}\0".encode("utf-8"))
        fingerprint[name] = digest.hexdigest()[:16]
    return fingerprint
