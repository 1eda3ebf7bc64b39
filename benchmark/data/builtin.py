"""The registry's datasets read through their TensorFlow Datasets builders (IMDb's local folder and archive aside)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from benchmark.core.errors import UsageError
from benchmark.data.dataset import Loaded, clean_text
from benchmark.data.registry import DatasetSpec
from benchmark.data.splits import DataQuality, Split, count_shared, imbalanced
from benchmark.data.tfds import Wording, prepare_tfds, tfds_builder, tfds_prepared

log = logging.getLogger(__name__)


def wording(spec: DatasetSpec) -> Wording:
    """How errors name ``spec`` and its ways out (IMDb keeps ``--data-dir``; the others the manual folder)."""
    if spec.local:
        return Wording()
    return Wording(label=spec.short_name, fetch=f"python -m benchmark fetch --dataset {spec.key}", alternative=None)


def _text(spec: DatasetSpec, example: dict[str, Any]) -> str:
    parts = [example[field] for field in spec.text_fields]
    text = " ".join(part.decode("utf-8") if isinstance(part, bytes) else str(part) for part in parts)
    if spec.unescape:
        text = text.replace("\\n", " ").replace('""', '"')
    return clean_text(text)


def _split(spec: DatasetSpec, examples: Iterable[dict[str, Any]], name: str) -> tuple[Split, int]:
    """The cleaned, labelled examples in a canonical order (by text, then label), and how many were empty."""
    rows, empty = [], 0
    for example in examples:
        text, label = _text(spec, example), int(example[spec.label_field])
        if not text:
            empty += 1
            continue
        if not 0 <= label < len(spec.label_names):
            raise UsageError(f"{spec.tfds_name} {name} has label {label}, not one of its {len(spec.label_names)} "
                             "classes (a split whose labels are hidden cannot be a test set)")
        rows.append((text, label))
    rows.sort()
    return Split(tuple(text for text, _ in rows), np.array([label for _, label in rows], dtype=np.int32)), empty


def load_builtin(spec: DatasetSpec, offline: bool = False) -> Loaded:
    """``spec``'s train and test splits from its TensorFlow Datasets builder (prepared first unless ``offline``)."""
    import tensorflow_datasets as tfds

    builder = tfds_builder(spec.tfds_name)
    prepare_tfds(builder, offline, wording(spec))
    datasets = builder.as_dataset(split=[spec.train_split, spec.test_split])
    (train, empty_train), (test, empty_test) = (_split(spec, tfds.as_numpy(dataset), name) for dataset, name in
                                                zip(datasets, (spec.train_split, spec.test_split)))
    empty = empty_train + empty_test
    if empty:
        log.warning("%d empty texts were skipped", empty)
    skewed = tuple(filter(None, (imbalanced("train", train, spec.label_names),
                                 imbalanced("test", test, spec.label_names))))
    quality = DataQuality(empty_reviews_skipped=empty, test_reviews_also_in_train=count_shared(train, test),
                          imbalanced_splits=skewed)
    return Loaded(train, test, source=f"tfds:{spec.tfds_name}", quality=quality, info=spec.info)


def fetch_builtin(spec: DatasetSpec) -> tuple[Path, bool]:
    """Prepare ``spec``'s TensorFlow Datasets builder (download or the manual folder, extract, generate) unless it is
    prepared, and check that it loads; its folder, and whether it was prepared already."""
    builder = tfds_builder(spec.tfds_name)
    cached = tfds_prepared(builder)
    prepare_tfds(builder, wording=wording(spec))
    next(iter(builder.as_dataset(split=spec.test_split).take(1)))  # loads: the prepared files are readable
    return Path(builder.data_dir), cached
