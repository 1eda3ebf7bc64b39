"""IMDb reviews from TensorFlow Datasets, a local ``aclImdb`` folder, or the original archive."""

from __future__ import annotations

import logging
import tarfile
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from benchmark.core.errors import UsageError
from benchmark.data.dataset import Loaded, clean_text
from benchmark.data.registry import IMDB_INFO
from benchmark.data.splits import DataQuality, Split, count_shared, imbalanced
from benchmark.data.tfds import TFDS_NAME, prepare_tfds, tfds_builder, tfds_prepared

log = logging.getLogger(__name__)

SPLITS = ("train", "test")
LABEL_FOLDERS = {"neg": 0, "pos": 1}
UNLABELLED_FOLDERS = ("unsup",)  # the 50k unlabelled reviews of the original archive
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")

Imdb = Loaded  # what loading IMDb returns: its train and test splits, their source, and what loading worked around
clean_review = clean_text  # IMDb's HTML line breaks become spaces (every source gets the same clean-up)


def existing_data_dir(data_dir: str | Path) -> Path:
    """``--data-dir`` as a path, or a UsageError when nothing is there."""
    path = Path(data_dir).expanduser()
    if not path.exists():
        raise UsageError(f"--data-dir {path} does not exist: give an aclImdb folder or aclImdb_v1.tar.gz")
    return path


def load_imdb(data_dir: str | Path | None = None, offline: bool = False) -> Imdb:
    """IMDb from ``data_dir`` (folder or archive) or, when it is None, from TensorFlow Datasets (its prepared copy
    only, when ``offline``)."""
    if data_dir is None:
        return _load_from_tfds(offline)
    path = existing_data_dir(data_dir)
    if path.is_dir():
        return _load_from_folder(path)
    if path.name.endswith(ARCHIVE_SUFFIXES):
        return _load_from_archive(path)
    raise UsageError(f"--data-dir {path} is neither a folder nor a .tar.gz/.tgz/.tar archive of aclImdb")


def _split_from(rows: list[tuple[str, int]]) -> Split:
    rows.sort()  # by text then label: a reproducible order whatever the listing order
    return Split(tuple(text for text, _ in rows), np.array([label for _, label in rows], dtype=np.int32))


def _aclimdb_root(path: Path) -> Path:
    if (path / "aclImdb").is_dir():
        path = path / "aclImdb"
    if not any(path.iterdir()):
        raise UsageError(f"--data-dir {path} is empty: point it at an aclImdb folder or aclImdb_v1.tar.gz")
    if not all((path / split).is_dir() for split in SPLITS):
        raise UsageError(
            f"{path} is not aclImdb-shaped: expected train/ and test/ folders with pos/ and neg/ inside")
    return path


def _folder_entries(root: Path) -> Iterator[tuple[str, str, bytes]]:
    for split in SPLITS:
        for folder in sorted(p for p in (root / split).iterdir() if p.is_dir()):
            for file in sorted(folder.glob("*.txt")):
                yield split, folder.name, file.read_bytes()


def _archive_entries(archive: tarfile.TarFile) -> Iterator[tuple[str, str, bytes]]:
    for member in archive:
        parts = member.name.split("/")
        if member.isfile() and len(parts) >= 3 and parts[-1].endswith(".txt") and parts[-3] in SPLITS:
            yield parts[-3], parts[-2], archive.extractfile(member).read()


def _assemble(entries: Iterable[tuple[str, str, bytes]], where: Path, source: str) -> Imdb:
    """Decode, clean and label reviews; count what had to be worked around and say it once per kind."""
    rows: dict[str, list[tuple[str, int]]] = {split: [] for split in SPLITS}
    ignored: set[str] = set()
    not_utf8 = empty = 0
    for split, folder, data in entries:
        if folder not in LABEL_FOLDERS:
            if folder not in UNLABELLED_FOLDERS:
                ignored.add(f"{split}/{folder}")
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
            text = data.decode("latin-1")
        text = clean_review(text)
        if not text:
            empty += 1
            continue
        rows[split].append((text, LABEL_FOLDERS[folder]))
    for split, split_rows in rows.items():
        labels = {label for _, label in split_rows}
        if labels != {0, 1}:
            missing = [f"{split}/{name}" for name, value in LABEL_FOLDERS.items() if value not in labels]
            raise UsageError(
                f"{where} is not aclImdb-shaped: no reviews in {', '.join(missing)} "
                "(expected train/pos, train/neg, test/pos, test/neg with .txt files)")
    train, test = _split_from(rows["train"]), _split_from(rows["test"])
    skewed = tuple(filter(None, (imbalanced("train", train), imbalanced("test", test))))
    quality = DataQuality(not_utf8_files=not_utf8, empty_reviews_skipped=empty, ignored_folders=tuple(sorted(ignored)),
                          test_reviews_also_in_train=count_shared(train, test), imbalanced_splits=skewed)
    report_quality(quality)
    return Loaded(train, test, source=source, quality=quality, info=IMDB_INFO)


def report_quality(quality: DataQuality) -> None:
    """Say once per kind what loading had to work around (also when the parsed reviews come from a cache)."""
    if quality.ignored_folders:
        log.warning("ignored folders that are not IMDb labels (only pos/ and neg/ are read): %s",
                    ", ".join(quality.ignored_folders))
    if quality.not_utf8_files:
        log.warning("%d review files are not UTF-8; they were read as Latin-1", quality.not_utf8_files)
    if quality.empty_reviews_skipped:
        log.warning("%d empty review files were skipped", quality.empty_reviews_skipped)
    if quality.imbalanced_splits:
        log.warning("labels are imbalanced: %s; IMDb has 50%% in each split, so check the data (accuracy misleads "
                    "here; --train-samples/--test-samples draw balanced subsets)", "; ".join(quality.imbalanced_splits))
    if quality.test_reviews_also_in_train:
        log.warning("%d test reviews also occur in the training split (IMDb has a few duplicates)",
                    quality.test_reviews_also_in_train)


def _load_from_folder(path: Path) -> Imdb:
    root = _aclimdb_root(path)
    return _assemble(_folder_entries(root), root, str(root))


def _load_from_archive(path: Path) -> Imdb:
    try:
        with tarfile.open(path) as archive:
            return _assemble(_archive_entries(archive), path, str(path))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UsageError(f"cannot read archive {path}: {error}; give aclImdb_v1.tar.gz or an unpacked folder") from None


def _load_from_tfds(offline: bool = False) -> Imdb:
    import tensorflow_datasets as tfds

    builder = tfds_builder(TFDS_NAME)
    prepare_tfds(builder, offline)
    train, test = builder.as_dataset(split=["train", "test"], as_supervised=True)
    entries = [(split, "pos" if label else "neg", text) for split, ds in zip(SPLITS, (train, test))
               for text, label in tfds.as_numpy(ds)]
    return _assemble(entries, Path(f"tfds:{TFDS_NAME}"), f"tfds:{TFDS_NAME}")


def fetch_imdb() -> tuple[Path, bool]:
    """Prepare TensorFlow Datasets' ``imdb_reviews`` (download, extract, generate) unless it is prepared, and check
    that it loads; its folder, and whether it was prepared already."""
    builder = tfds_builder(TFDS_NAME)
    cached = tfds_prepared(builder)
    prepare_tfds(builder)
    next(iter(builder.as_dataset(split="test").take(1)))  # loads: the prepared files are readable
    return Path(builder.data_dir), cached
