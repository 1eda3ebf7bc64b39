"""IMDb through TensorFlow Datasets' own ``imdb_reviews`` builder: its data folder, download and preparation."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Iterator

from benchmark.core.errors import UsageError

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

