"""What ``--dataset`` names: a registry key (:mod:`benchmark.data.registry`) or a file or folder of your own; how
each loads, and how ``fetch`` prepares a built-in one for offline runs.

Adding a built-in dataset means an entry in the registry: its TensorFlow Datasets builder is read by
:mod:`benchmark.data.builtin`; a source of another kind needs a loader module here returning a
:class:`~benchmark.data.dataset.Loaded`, as :mod:`benchmark.data.imdb` does for aclImdb folders and archives.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

from benchmark.core.errors import UsageError
from benchmark.data.builtin import fetch_builtin, load_builtin
from benchmark.data.dataset import Loaded
from benchmark.data.imdb import fetch_imdb, load_imdb
from benchmark.data.registry import DATASETS, DEFAULT_DATASET, DatasetSpec, get_dataset
from benchmark.data.tabular import SUFFIXES, TableOptions, dataset_key, load_table

__all__ = ["DATASETS", "DEFAULT_DATASET", "DatasetChoice", "fetch_dataset", "load_dataset", "resolve_datasets"]


@dataclasses.dataclass(frozen=True)
class DatasetChoice:
    """One ``--dataset``: a built-in dataset (``spec``) or a file or folder of your own (``path``), and its key."""

    key: str
    spec: DatasetSpec | None = None
    path: Path | None = None

    @property
    def argument(self) -> str:
        """What ``--dataset`` was given (what a suite passes on to its child processes)."""
        return self.key if self.path is None else str(self.path)


def resolve_dataset(value: str, taken: tuple[str, ...] = ()) -> DatasetChoice:
    """``value`` as a registry key, or as a path to your own data; anything else is one UsageError line."""
    if value in DATASETS:
        return DatasetChoice(value, spec=DATASETS[value])
    path = Path(value).expanduser()
    if path.exists():
        if path.is_file() and path.suffix not in SUFFIXES:
            raise UsageError(f"--dataset {path} is not a .csv, .jsonl or .parquet file (for IMDb's aclImdb folder or "
                             "archive use --dataset imdb --data-dir PATH)")
        return DatasetChoice(dataset_key(path, tuple(DATASETS) + taken), path=path)
    if path.suffix in SUFFIXES or "/" in value:
        raise UsageError(f"--dataset {path} does not exist: give a registry key (`python -m benchmark list "
                         "--datasets`), a .csv, .jsonl or .parquet file, or a folder with train and test files")
    return DatasetChoice(value, spec=get_dataset(value))  # unknown: the error names the closest keys


def resolve_datasets(values: Sequence[str] | None) -> list[DatasetChoice]:
    """The datasets of a run, in order (IMDb when none is given); two with one key are an error."""
    choices: list[DatasetChoice] = []
    for value in dict.fromkeys(values or [DEFAULT_DATASET]):
        choice = resolve_dataset(value, tuple(c.key for c in choices))
        if any(c.key == choice.key for c in choices):
            raise UsageError(f"--dataset {value} is given twice")
        choices.append(choice)
    return choices


def load_dataset(choice: DatasetChoice | str = DEFAULT_DATASET, data_dir: str | Path | None = None,
                 offline: bool = False, table: TableOptions = TableOptions()) -> Loaded:
    """The splits of ``choice``: IMDb from ``data_dir`` (an aclImdb folder or archive) or TensorFlow Datasets, the
    other built-in datasets from TensorFlow Datasets (their prepared copy only, when ``offline``), your own files
    read with ``table``."""
    if isinstance(choice, str):
        choice = resolve_dataset(choice)
    if choice.path is not None:
        return load_table(choice.path, table, choice.key)
    if choice.key == DEFAULT_DATASET:
        return load_imdb(data_dir, offline)
    return load_builtin(choice.spec, offline)


def fetch_dataset(key: str) -> tuple[Path, bool]:
    """Prepare the built-in dataset ``key`` in TensorFlow Datasets' folder unless it is prepared (what ``fetch
    --dataset`` runs); its folder and whether it was prepared already."""
    spec = get_dataset(key)
    return fetch_imdb() if spec.key == DEFAULT_DATASET else fetch_builtin(spec)
