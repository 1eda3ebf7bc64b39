"""A loaded dataset: its labelled splits, what it is (name, label names, the split used as test) and how it was read.

Every source (TensorFlow Datasets, an aclImdb folder or archive, a CSV/JSONL/Parquet file) produces a
:class:`Loaded` with texts cleaned by :func:`clean_text` and labels as ids ``0 .. N-1`` into ``info.label_names``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from benchmark.data.splits import DataQuality, Split

_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")


def clean_text(text: str) -> str:
    """The one normalisation every source gets: HTML line breaks (``<br />``) become spaces, runs of spaces and tabs
    one space, and the ends are stripped. The same texts give the same data fingerprint whatever file held them."""
    return _SPACES.sub(" ", _BREAK_TAG.sub(" ", text)).strip()


@dataclasses.dataclass(frozen=True)
class CarvedTest:
    """A test split carved out of a dataset that came without one: seeded and stratified by class.

    Args:
      fraction: The share of each class moved to the test split.
      seed: The seed of the draw (fixed, so every run on the file is scored on the same examples).
      source: The file it was carved from.
    """

    fraction: float
    seed: int
    source: str


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, as a run file records it.

    Args:
      key: Its registry key, or for a file of your own a key made from the file (or folder) name.
      name: Human-readable name.
      short_name: A column header's worth of it.
      label_names: Class names; label id ``i`` means ``label_names[i]``.
      test_split: The split of the source that serves as the test set (SST-2: GLUE's ``validation``).
      note: Anything a reader must know about the splits (empty when nothing).
      citation: Where the dataset comes from.
      origin: ``registry`` (built in) or ``file`` (your own data).
      text_column: The column (or feature) the texts came from.
      label_column: The column (or feature) the labels came from.
      label_mapping: For your own files: each label value as written, with the id it was given.
      carved_test: The test split carved out of the training file, when there was no test file.
    """

    key: str
    name: str
    short_name: str
    label_names: tuple[str, ...]
    test_split: str = "test"
    note: str = ""
    citation: str = ""
    origin: str = "registry"
    text_column: str = "text"
    label_column: str = "label"
    label_mapping: tuple[tuple[str, int], ...] = ()
    carved_test: CarvedTest | None = None

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def describe(self) -> dict[str, Any]:
        """The run file's ``dataset`` object."""
        described = dataclasses.asdict(self)
        described["label_names"] = list(self.label_names)
        described["label_mapping"] = {value: label for value, label in self.label_mapping} or None
        return described


@dataclasses.dataclass(frozen=True)
class Loaded:
    """A dataset's train and test splits (and a validation split when the source has its own), where they came
    from, what loading worked around, and what the dataset is (``info``; None means IMDb)."""

    train: Split
    test: Split
    source: str
    quality: DataQuality = DataQuality()
    info: DatasetInfo | None = None
    validation: Split | None = None
