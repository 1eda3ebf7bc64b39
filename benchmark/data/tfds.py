"""TensorFlow Datasets' own builders (``imdb_reviews``, ``glue/sst2``, ...): data folder, download, manual files, preparation."""

from __future__ import annotations

import contextlib
import dataclasses
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


def tfds_builder(name: str = TFDS_NAME):
    """TensorFlow Datasets' own builder ``name`` (``imdb_reviews``, ``glue/sst2``, ...), in its data folder."""
    import tensorflow_datasets as tfds

    with _tfds_warnings_off():
        return tfds.builder(name, data_dir=str(tfds_data_dir()))


def tfds_prepared(builder) -> bool:
    with _tfds_warnings_off():
        return builder.is_prepared()


def manual_dir(builder) -> Path:
    """Where TensorFlow Datasets looks for files downloaded by hand: ``<data dir>/downloads/manual``."""
    return Path(builder.data_dir_root) / "downloads" / "manual"


def downloads(builder) -> list[tuple[str, str]]:
    """The addresses ``builder``'s dataset downloads, each with the file name its checksum is registered under (the
    name a manually downloaded copy must have); a builder with configurations (GLUE) downloads its config's only."""
    infos = type(builder).url_infos or {}
    config_url = getattr(getattr(builder, "builder_config", None), "data_url", None)
    urls = [config_url] if config_url else list(infos)
    return [(url, getattr(infos.get(url), "filename", None) or url.rsplit("/", 1)[-1]) for url in urls]


def _files(builder) -> str:
    return " and ".join(f"{url} as {name}" for url, name in downloads(builder))


def manual_hint(builder) -> str:
    """How to prepare ``builder``'s dataset without a network: the files to put in the manual folder."""
    return (f"download {_files(builder)} where there is internet and put it in {manual_dir(builder)}/ (TensorFlow "
            "Datasets takes it from there and checks its checksum)")


@dataclasses.dataclass(frozen=True)
class Wording:
    """How the errors of preparing a TensorFlow Datasets dataset name it and the ways out.

    Args:
      label: The dataset as the errors name it (``IMDb``).
      fetch: The command that prepares it where there is internet.
      alternative: The other way out (IMDb: ``--data-dir``; others: the manual download folder); None: the manual
        folder of the builder.
    """

    label: str = "IMDb"
    fetch: str = FETCH_DATASET
    alternative: str | None = "pass --data-dir with an aclImdb folder or aclImdb_v1.tar.gz"


def _manually_downloaded(builder) -> bool:
    return all((manual_dir(builder) / name).is_file() for _, name in downloads(builder))


def prepare_tfds(builder, offline: bool = False, wording: Wording = Wording()) -> None:
    """Download and prepare ``builder``'s dataset unless it is prepared; every failure is one UsageError line."""
    if tfds_prepared(builder):
        return
    where = builder.data_dir_root
    name = _full_name(builder)
    alternative = wording.alternative or manual_hint(builder)
    manual = _manually_downloaded(builder)
    if offline and not manual:
        raise UsageError(
            f"{wording.label} ({name}) is not in the TensorFlow Datasets folder {where} and --offline downloads "
            f"nothing: run `{wording.fetch}` where there is internet (with the same TFDS_DATA_DIR), or {alternative}")
    import tensorflow_datasets as tfds

    if not sys.stderr.isatty():
        tfds.disable_progress_bar()  # progress bars are for terminals; in logs they are thousands of lines
    unreachable = None if manual else _unreachable([url for url, _ in downloads(builder)])
    if unreachable:
        raise UsageError(
            f"could not download {name} with TensorFlow Datasets ({unreachable}): run `{wording.fetch}` "
            f"where there is internet and then `run --offline`, or {alternative}")
    try:
        builder.download_and_prepare()
    except ModuleNotFoundError as error:
        raise UsageError(
            f"tensorflow-datasets cannot build {name}: {error} (a package it needs is not installed); "
            "reinstall this project (pip install -e .), which declares it") from None
    except Exception as error:  # noqa: BLE001 - download, checksum and preparation failures mean the same here
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        if "checksum" in type(error).__name__.lower() or "wrong checksum" in str(error):
            what = (f"the {wording.label} file in {manual_dir(builder)}" if manual
                    else f"the downloaded {wording.label} archive")
            remedy = f"replace it with a fresh download of {_files(builder)}" if manual else (
                f"delete {where}/downloads and run `{wording.fetch}` again, or {alternative}")
            raise UsageError(f"{what} does not match the checksum TensorFlow Datasets has registered for it "
                             f"({reason}); {remedy}") from None
        raise UsageError(
            f"could not download {name} with TensorFlow Datasets ({reason}): run `{wording.fetch}` where "
            f"there is internet and then `run --offline`, or {alternative}") from None


def _full_name(builder) -> str:
    config = getattr(builder, "builder_config", None)
    return f"{builder.name}/{config.name}" if config is not None and builder.name == "glue" else builder.name


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

