"""Your own data: a CSV, JSON Lines or Parquet file (or a folder of ``train.*``, ``test.*`` and ``validation.*``).

Texts get the same clean-up as every source (:func:`~benchmark.data.dataset.clean_text`) and each split is put in a
canonical order (by text, then label), so the same examples give the same subsets, fingerprint and results whatever
the file's format or row order. Labels become ids in a stable order: integers ascending (``0..N-1`` keep their
values), anything else sorted as text (``negative`` 0, ``positive`` 1); the mapping is recorded in the run file.
Without a test file, a seeded test split of ``--test-fraction`` of each class is carved out of the training file.
Bad input is one UsageError line naming the file, the column or the class.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.core.errors import UsageError
from benchmark.data.dataset import CarvedTest, DatasetInfo, Loaded, clean_text
from benchmark.data.splits import DataQuality, Split, count_shared, imbalanced, stratified_holdout

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".jsonl", ".parquet")
SPLIT_FILES = ("train", "test", "validation")
CARVE_SEED = 0  # fixed: every run on a file (every model, every seed) is scored on the same carved test split
_INTEGER = re.compile(r"[+-]?\d+")


@dataclasses.dataclass(frozen=True)
class TableOptions:
    """How to read a file of your own.

    Args:
      text_column: The column holding the texts.
      label_column: The column holding the labels.
      test_fraction: The share of each class carved out as the test split when there is no test file.
    """

    text_column: str = "text"
    label_column: str = "label"
    test_fraction: float = 0.2

    def validate(self) -> None:
        if not 0.0 < self.test_fraction < 1.0:
            raise UsageError(f"--test-fraction must be in (0, 1), got {self.test_fraction}")


def split_files(path: Path) -> dict[str, Path]:
    """The file of each split: a single file is the training data; a folder holds ``train.*`` (required),
    ``test.*`` and ``validation.*`` in any of the formats."""
    if path.is_file():
        return {"train": path}
    found = {name: [path / f"{name}{suffix}" for suffix in SUFFIXES if (path / f"{name}{suffix}").is_file()]
             for name in SPLIT_FILES}
    for name, files in found.items():
        if len(files) > 1:
            raise UsageError(f"{path} has {' and '.join(f.name for f in files)}: keep one {name} file")
    if not found["train"]:
        listed = ", ".join(sorted(p.name for p in path.iterdir())[:8]) or "nothing"
        raise UsageError(f"{path} has no train.csv, train.jsonl or train.parquet (found: {listed}); for an aclImdb "
                         "folder use --dataset imdb --data-dir PATH")
    return {name: files[0] for name, files in found.items() if files}


def _decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}): save "
                         "it as UTF-8") from None


def read_table(path: Path) -> tuple[dict[str, list[Any]], str]:
    """The columns of ``path`` (each a list of its values) and what its rows are called in errors."""
    import pandas as pd  # deferred: pandas and pyarrow load only when a file of your own is read

    try:
        if path.suffix == ".csv":
            frame = pd.read_csv(io.StringIO(_decoded(path)), dtype=str, keep_default_na=False)
            return {str(c): frame[c].tolist() for c in frame.columns}, "row"
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            return {str(c): frame[c].tolist() for c in frame.columns}, "row"
    except (ValueError, OSError, ImportError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise UsageError(f"cannot read {path} as {path.suffix[1:].upper()}: {reason}") from None
    return _read_jsonl(path), "line"


def _read_jsonl(path: Path) -> dict[str, list[Any]]:
    records = []
    for number, line in enumerate(_decoded(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path} line {number} is not JSON ({error.msg}): JSON Lines has one object per "
                             "line") from None
        if not isinstance(record, dict):
            raise UsageError(f"{path} line {number} is not a JSON object: JSON Lines has one object per line")
        records.append((number, record))
    names = list(dict.fromkeys(name for _, record in records for name in record))
    columns = {name: [record.get(name) for _, record in records] for name in names}
    columns["\0line"] = [number for number, _ in records]
    return columns


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _label_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return str(int(text)) if _INTEGER.fullmatch(text) else text


def _rows(path: Path, options: TableOptions) -> list[tuple[str, str]]:
    """``(clean text, label as written)`` of every row of ``path``; a missing column or an empty cell is an error."""
    columns, unit = read_table(path)
    lines = columns.pop("\0line", None)
    for column in (options.text_column, options.label_column):
        if column not in columns:
            found = ", ".join(columns) or "none"
            option = "--text-column" if column == options.text_column else "--label-column"
            raise UsageError(f"{path} has no column '{column}' (columns found: {found}): pass {option} NAME")
    if not columns[options.text_column]:
        raise UsageError(f"{path} has no rows")
    texts = [("" if _missing(v) else clean_text(str(v))) for v in columns[options.text_column]]
    labels = [("" if _missing(v) else _label_text(v)) for v in columns[options.label_column]]
    for what, values in (("text", texts), ("label", labels)):
        empty = [i for i, value in enumerate(values) if not value]
        if empty:
            where = lines[empty[0]] if lines else empty[0] + (2 if unit == "row" and path.suffix == ".csv" else 1)
            column = options.text_column if what == "text" else options.label_column
            raise UsageError(f"{path}: {len(empty)} rows have an empty {what} in column '{column}' (the first is "
                             f"{unit} {where}{' counting the header as row 1' if path.suffix == '.csv' else ''}): "
                             "fill them in or remove them")
    return list(zip(texts, labels))


def label_order(values: set[str]) -> tuple[str, ...]:
    """Label names in id order: integers ascending, anything else sorted as text."""
    if all(_INTEGER.fullmatch(value) for value in values):
        return tuple(sorted(values, key=int))
    return tuple(sorted(values))


def _split(rows: list[tuple[str, str]], ids: dict[str, int]) -> Split:
    ordered = sorted((text, ids[label]) for text, label in rows)
    return Split(tuple(text for text, _ in ordered), np.array([label for _, label in ordered], dtype=np.int32))


def _carve(train: Split, names: tuple[str, ...], fraction: float, path: Path) -> tuple[Split, Split]:
    """A seeded test split of ``fraction`` of each class out of ``train``; each side keeps every class (both stay
    in the canonical order, as ``train`` is)."""
    for label, count in enumerate(train.class_counts(len(names))):
        if not 0 < int(round(count * fraction)) < count:
            raise UsageError(f"{path}: class '{names[label]}' has {count} examples, too few to carve a test split of "
                             f"{fraction:g} of each class out of it (both sides need at least one): add examples, "
                             "give a test file, or change --test-fraction")
    keep, held_out = stratified_holdout(train, fraction, np.random.default_rng(CARVE_SEED))
    return train.take(keep), train.take(np.sort(held_out))


def dataset_key(path: Path, taken: tuple[str, ...] = ()) -> str:
    """The key a file (or folder) of your own is known by: its name in lower case, ``_`` for anything else than
    letters and digits (``IMDB Dataset.csv`` -> ``imdb_dataset``), ``_file`` added when ``taken`` has it."""
    stem = path.name if path.is_dir() else path.stem
    key = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "data"
    return f"{key}_file" if key in taken else key


def load_table(path: Path, options: TableOptions, key: str) -> Loaded:
    """The dataset in ``path`` (a file, or a folder of split files) as ``key``."""
    options.validate()
    files = split_files(path)
    rows = {name: _rows(file, options) for name, file in files.items()}
    names = label_order({label for _, label in rows["train"]})
    if len(names) < 2:
        raise UsageError(f"{files['train']}: label column '{options.label_column}' has one class ('{names[0]}'): a "
                         "classifier needs at least two")
    ids = {name: label for label, name in enumerate(names)}
    for split in ("test", "validation"):
        unseen = sorted({label for _, label in rows.get(split, ())} - set(ids))
        if unseen:
            raise UsageError(f"{files[split]} has labels the training file has not: {', '.join(unseen[:5])} (training "
                             f"labels: {', '.join(names)})")
    train = _split(rows["train"], ids)
    carved = None
    if "test" in rows:
        test = _split(rows["test"], ids)
    else:
        train, test = _carve(train, names, options.test_fraction, files["train"])
        carved = CarvedTest(options.test_fraction, CARVE_SEED, files["train"].name)
    validation = _split(rows["validation"], ids) if "validation" in rows else None
    info = DatasetInfo(
        key=key, name=path.name, short_name=key, label_names=names,
        test_split=files["test"].name if carved is None else f"carved from {carved.source}",
        note="" if carved is None else (f"no test file: {100 * carved.fraction:g}% of each class of {carved.source} "
                                        f"was set aside as the test split (seed {carved.seed})"),
        origin="file", text_column=options.text_column, label_column=options.label_column,
        label_mapping=tuple((name, label) for label, name in enumerate(names)), carved_test=carved)
    return Loaded(train, test, source=str(path), quality=_quality(train, test, names), info=info,
                  validation=validation)


def _quality(train: Split, test: Split, names: tuple[str, ...]) -> DataQuality:
    skewed = tuple(filter(None, (imbalanced("train", train, names), imbalanced("test", test, names))))
    if skewed:
        log.warning("labels are imbalanced: %s (accuracy then favours the largest class: the leaderboard's chance "
                    "level is its share of the test set; --train-samples/--test-samples draw equal numbers of each "
                    "class)", "; ".join(skewed))
    shared = count_shared(train, test)
    if shared:
        log.warning("%d test examples also occur in the training data", shared)
    return DataQuality(test_reviews_also_in_train=shared, imbalanced_splits=skewed)
