"""IMDb reviews from TensorFlow Datasets, a local ``aclImdb`` folder, or the original archive."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import sys
import tarfile
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from benchmark.core.errors import UsageError

log = logging.getLogger(__name__)

SPLITS = ("train", "test")
LABEL_FOLDERS = {"neg": 0, "pos": 1}
UNLABELLED_FOLDERS = ("unsup",)  # the 50k unlabelled reviews of the original archive
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")


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


@dataclasses.dataclass(frozen=True)
class Imdb:
    """The IMDb train and test splits and where they came from."""

    train: Split
    test: Split
    source: str
    quality: DataQuality = DataQuality()


def clean_review(text: str) -> str:
    """Replace the HTML line breaks in IMDb reviews with spaces."""
    return _SPACES.sub(" ", _BREAK_TAG.sub(" ", text)).strip()


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
    if ignored:
        log.warning("ignored folders that are not IMDb labels (only pos/ and neg/ are read): %s", ", ".join(sorted(ignored)))
    if not_utf8:
        log.warning("%d review files are not UTF-8; they were read as Latin-1", not_utf8)
    if empty:
        log.warning("%d empty review files were skipped", empty)
    train, test = _split_from(rows["train"]), _split_from(rows["test"])
    skewed = tuple(filter(None, (imbalanced("train", train), imbalanced("test", test))))
    if skewed:
        log.warning("labels are imbalanced: %s; IMDb has 50%% in each split, so check the data (accuracy misleads "
                    "here; --train-samples/--test-samples draw balanced subsets)", "; ".join(skewed))
    quality = DataQuality(not_utf8_files=not_utf8, empty_reviews_skipped=empty, ignored_folders=tuple(sorted(ignored)),
                          test_reviews_also_in_train=count_shared(train, test), imbalanced_splits=skewed)
    if quality.test_reviews_also_in_train:
        log.warning("%d test reviews also occur in the training split (IMDb has a few duplicates)",
                    quality.test_reviews_also_in_train)
    return Imdb(train, test, source=source, quality=quality)


def count_shared(first: Split, second: Split) -> int:
    """How many reviews of ``second`` also occur, word for word, in ``first``."""
    seen = set(first.texts)
    return sum(text in seen for text in second.texts)


def _load_from_folder(path: Path) -> Imdb:
    root = _aclimdb_root(path)
    return _assemble(_folder_entries(root), root, str(root))


def _load_from_archive(path: Path) -> Imdb:
    try:
        with tarfile.open(path) as archive:
            return _assemble(_archive_entries(archive), path, str(path))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UsageError(f"cannot read archive {path}: {error}; give aclImdb_v1.tar.gz or an unpacked folder") from None


TFDS_NAME = "imdb_reviews"
FETCH_DATASET = "python -m benchmark fetch --dataset imdb"


def tfds_data_dir() -> Path:
    """TensorFlow Datasets' data folder: ``TFDS_DATA_DIR``, else its default, read now (TFDS reads it at import)."""
    return Path(os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets").expanduser()


@contextlib.contextmanager
def _tfds_warnings_off() -> Iterator[None]:
    """Silence TensorFlow Datasets' warnings about an unprepared dataset (we say what to do about it ourselves)."""
    import absl.logging

    level = absl.logging.get_verbosity()
    absl.logging.set_verbosity(absl.logging.ERROR)
    try:
        yield
    finally:
        absl.logging.set_verbosity(level)


def tfds_builder():
    """TensorFlow Datasets' own ``imdb_reviews`` builder, in its data folder."""
    import tensorflow_datasets as tfds

    with _tfds_warnings_off():
        return tfds.builder(TFDS_NAME, data_dir=str(tfds_data_dir()))


def tfds_prepared(builder) -> bool:
    with _tfds_warnings_off():
        return builder.is_prepared()


def prepare_tfds(builder, offline: bool = False) -> None:
    """Download and prepare ``builder``'s dataset unless it is prepared; every failure is one UsageError line."""
    if tfds_prepared(builder):
        return
    where = builder.data_dir_root
    if offline:
        raise UsageError(
            f"IMDb ({TFDS_NAME}) is not in the TensorFlow Datasets folder {where} and --offline downloads nothing: "
            f"run `{FETCH_DATASET}` where there is internet (with the same TFDS_DATA_DIR), or pass --data-dir with "
            "an aclImdb folder or aclImdb_v1.tar.gz")
    import tensorflow_datasets as tfds

    if not sys.stderr.isatty():
        tfds.disable_progress_bar()  # progress bars are for terminals; in logs they are thousands of lines
    unreachable = _unreachable(list(type(builder).url_infos or ()))
    if unreachable:
        raise UsageError(
            f"could not download {builder.name} with TensorFlow Datasets ({unreachable}): run `{FETCH_DATASET}` "
            "where there is internet and then `run --offline`, or pass --data-dir with an aclImdb folder or "
            "aclImdb_v1.tar.gz")
    try:
        builder.download_and_prepare()
    except ModuleNotFoundError as error:
        raise UsageError(
            f"tensorflow-datasets cannot build {TFDS_NAME}: {error} (a package it needs is not installed); "
            "reinstall this project (pip install -e .), which declares it") from None
    except Exception as error:  # noqa: BLE001 - download, checksum and preparation failures mean the same here
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        if "checksum" in type(error).__name__.lower() or "wrong checksum" in str(error):
            raise UsageError(
                f"the downloaded IMDb archive does not match the checksum TensorFlow Datasets has registered for it "
                f"({reason}); delete {where}/downloads and run `{FETCH_DATASET}` again, or pass --data-dir") from None
        raise UsageError(
            f"could not download {TFDS_NAME} with TensorFlow Datasets ({reason}): run `{FETCH_DATASET}` where "
            "there is internet and then `run --offline`, or pass --data-dir with an aclImdb folder or "
            "aclImdb_v1.tar.gz") from None


REACHABLE_TIMEOUT_SECONDS = 15


def _unreachable(urls: list[str]) -> str | None:
    """Why the first of ``urls`` cannot be reached (proxy settings honoured), or None when it answers at all.

    TensorFlow Datasets retries a refused connection ten times with growing pauses, over three minutes, before it
    gives up; one quick request first turns "no network" into an answer in seconds.
    """
    if not urls:
        return None
    import requests

    try:
        requests.head(urls[0], timeout=REACHABLE_TIMEOUT_SECONDS, allow_redirects=True)
    except (requests.ConnectionError, requests.Timeout) as error:
        return f"cannot reach {urls[0]}: {type(error).__name__}"
    return None


def _load_from_tfds(offline: bool = False) -> Imdb:
    import tensorflow_datasets as tfds

    builder = tfds_builder()
    prepare_tfds(builder, offline)
    train, test = builder.as_dataset(split=["train", "test"], as_supervised=True)
    entries = [(split, "pos" if label else "neg", text) for split, ds in zip(SPLITS, (train, test))
               for text, label in tfds.as_numpy(ds)]
    return _assemble(entries, Path(f"tfds:{TFDS_NAME}"), f"tfds:{TFDS_NAME}")


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
