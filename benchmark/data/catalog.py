"""The datasets a run can use, by name: where each one loads from and how ``fetch`` prepares it offline.

Adding a dataset means a loader module in this package (returning labelled train and test splits, as
:func:`benchmark.data.imdb.load_imdb` does, and preparing its download cache for ``fetch``) and an entry here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from benchmark.data.imdb import Imdb, fetch_imdb, load_imdb
from benchmark.data.tfds import TFDS_NAME


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A dataset a run can train and test on.

    Args:
      name: What ``fetch --dataset`` calls it.
      load: Its train and test splits, from a local folder or archive (``data_dir``) or its download cache.
      fetch: Downloads and prepares it in its cache unless it is there (what ``fetch --dataset`` runs); returns the
        folder and whether it was there already.
      tfds_name: The TensorFlow Datasets builder that downloads it.
    """

    name: str
    load: Callable[[str | Path | None, bool], Imdb]
    fetch: Callable[[], tuple[Path, bool]]
    tfds_name: str


IMDB = Dataset("imdb", load_imdb, fetch_imdb, TFDS_NAME)
DATASETS: dict[str, Dataset] = {IMDB.name: IMDB}
DEFAULT_DATASET = IMDB.name


def load_dataset(name: str = DEFAULT_DATASET, data_dir: str | Path | None = None, offline: bool = False) -> Imdb:
    """The train and test splits of dataset ``name``, from ``data_dir`` or its download cache."""
    return DATASETS[name].load(data_dir, offline)
