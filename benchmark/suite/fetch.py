"""``fetch``: download encoders, preprocessors and datasets into their usual caches, so that ``run --offline`` works.

Encoders and preprocessors go through tensorflow_hub's resolver into ``TFHUB_CACHE_DIR``; datasets through their
TensorFlow Datasets builders (IMDb's ``imdb_reviews``, ``glue/sst2``, ...) into its data folder. Each item prints
one line (what, size, where, time) and is loaded once to check it. Items already cached are checked and skipped; a
damaged one (a folder without its SavedModel files, or one that does not load) is deleted and downloaded again; the
leftovers of a download that was killed are cleared first. So ``fetch`` can be rerun at any time, and an interrupted one restarts cleanly.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from benchmark.core.errors import UsageError
from benchmark.data.catalog import fetch_dataset as prepare_dataset
from benchmark.encoders import hub_cache
from benchmark.encoders.keras_hub import fetch_preset
from benchmark.encoders.registry import KERAS_HUB
from benchmark.encoders.spec import EncoderSpec

KERAS_HUB_KIND = "KerasHub preset"


@dataclasses.dataclass(frozen=True)
class Item:
    """One thing to fetch.

    Args:
      kind: ``encoder``, ``preprocessor`` or ``dataset``.
      name: The model keys that use it (or the dataset's name), for the progress line.
      handle: The TF-Hub handle (``None`` for the dataset).
    """

    kind: str
    name: str
    handle: str | None = None


@dataclasses.dataclass(frozen=True)
class Fetched:
    """What fetching one item did."""

    item: Item
    folder: Path | None
    size: int
    status: str  # downloaded, cached, repaired, or failed
    seconds: float
    error: str = ""


def plan(specs: Sequence[EncoderSpec], datasets: Sequence[str] | str | None) -> list[Item]:
    """Each encoder and preprocessor once (27 encoders share one preprocessor), then the datasets."""
    items: dict[tuple[str, str], list[str]] = {}
    for spec in specs:
        if spec.imported_dir:
            continue  # imported encoders are local folders already
        if spec.source == "keras_hub":
            items.setdefault((KERAS_HUB_KIND, spec.encoder_handle), []).append(spec.key)
            continue
        for kind, handle in (("encoder", spec.encoder_handle), ("preprocessor", spec.preprocessor_handle)):
            items.setdefault((kind, handle), []).append(spec.key)
    planned = [Item(kind, _names(keys), handle) for (kind, handle), keys in items.items()]
    if isinstance(datasets, str):
        datasets = [datasets]
    planned += [Item("dataset", dataset) for dataset in dict.fromkeys(datasets or ())]
    return planned


def _names(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else f"{keys[0]} and {len(keys) - 1} more"


def _check_loads(folder: Path) -> None:
    import tensorflow_hub as hub
    import tensorflow_text  # noqa: F401 - registers the ops that TF-Hub preprocessors use

    hub.load(str(folder))


def fetch_keras_hub(item: Item) -> Fetched:
    """Download a KerasHub preset into kagglehub's cache through KerasHub's own client, unless a loadable copy is
    there; a damaged copy is downloaded again (:func:`benchmark.encoders.keras_hub.fetch_preset`)."""
    started = time.perf_counter()
    spec = next(spec for spec in KERAS_HUB.values() if spec.encoder_handle == item.handle)
    folder, status = fetch_preset(spec)
    return Fetched(item, folder, hub_cache.folder_bytes(folder), status, time.perf_counter() - started)


def fetch_handle(item: Item) -> Fetched:
    """Download ``item``'s handle unless a whole copy is cached; check that it loads; repair a damaged copy."""
    started = time.perf_counter()
    status = "cached"
    folder = hub_cache.cached(item.handle)
    if folder is not None:
        try:
            if missing := hub_cache.missing_parts(folder):
                raise ValueError(f"no {', '.join(missing)}")
            _check_loads(folder)
        except Exception:  # noqa: BLE001 - whatever makes it unloadable, a fresh download repairs it
            _remove_module(folder)
            folder, status = None, "repaired"
    if folder is None:
        hub_cache.clear_abandoned_download(item.handle)
        located = hub_cache.locate(item.handle, item.kind)  # raises a one-line UsageError when unreachable
        folder, status = located.folder, "downloaded" if status == "cached" else status
        try:
            _check_loads(folder)
        except Exception as error:  # noqa: BLE001 - a broken archive from the server: say so, keep nothing
            _remove_module(folder)
            raise UsageError(f"{item.handle} downloaded but does not load as a SavedModel ({_first_line(error)})")
    return Fetched(item, folder, hub_cache.folder_bytes(folder), status, time.perf_counter() - started)


def _remove_module(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    Path(f"{folder}.descriptor.txt").unlink(missing_ok=True)


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def fetch_dataset(name: str) -> Fetched:
    """Prepare the built-in dataset ``name`` in its cache (its TensorFlow Datasets builder: download, or take the file
    from the manual folder, extract, generate) unless it is prepared, and check that it loads."""
    started = time.perf_counter()
    folder, cached = prepare_dataset(name)
    return Fetched(Item("dataset", name), folder, hub_cache.folder_bytes(folder), "cached" if cached else "downloaded",
                   time.perf_counter() - started)


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def describe(done: Fetched) -> str:
    what = f"{done.item.kind} {done.item.name}"
    if done.status == "failed":
        return f"{what}: failed: {done.error}"
    return f"{what}: {done.status}, {_size(done.size)} in {done.seconds:.0f}s, loads -> {done.folder}"


def fetch(items: Sequence[Item], say: Callable[[str], None] = print) -> list[Fetched]:
    """Fetch every item in turn, one progress line each; a failure is recorded and the rest go on."""
    results: list[Fetched] = []
    for position, item in enumerate(items, 1):
        prefix = f"[{position}/{len(items)}] "
        source = f" from {hub_cache.download_url(item.handle)}" if item.handle else ""
        source = f" ({item.handle})" if item.kind == KERAS_HUB_KIND else source
        say(f"{prefix}{item.kind} {item.name}{source} ...")
        started = time.perf_counter()
        try:
            fetcher = {"dataset": lambda: fetch_dataset(item.name), KERAS_HUB_KIND: lambda: fetch_keras_hub(item)}.get(
                item.kind, lambda: fetch_handle(item))
            done = fetcher()
        except UsageError as error:
            done = Fetched(item, None, 0, "failed", time.perf_counter() - started, str(error))
        results.append(done)
        say(prefix + describe(done))
    return results


def summary(results: Sequence[Fetched]) -> str:
    """The closing lines: totals, where everything went, what failed, and how to run offline."""
    ok = [r for r in results if r.status != "failed"]
    failed = [r for r in results if r.status == "failed"]
    lines = [f"fetched {len(ok)} of {len(results)} items, {_size(sum(r.size for r in ok))} in all"]
    lines.append(f"  TF-Hub cache (TFHUB_CACHE_DIR): {hub_cache.cache_root()}")
    if any(r.item.kind == KERAS_HUB_KIND for r in ok):
        lines.append("  KerasHub presets: kagglehub's cache (KAGGLEHUB_CACHE)")
    if any(r.item.kind == "dataset" for r in ok):
        lines.append(f"  TensorFlow Datasets: {next(r.folder for r in ok if r.item.kind == 'dataset')}")
    if failed:
        names = (", ".join(f"{r.item.kind} {r.item.name}" for r in failed) if len(failed) <= 3
                 else f"{len(failed)} items (see their lines above)")
        lines.append(f"failed: {names}; rerun the same command to retry them")
    else:
        lines.append("now `python -m benchmark run --offline ...` needs no network (keep the same TFHUB_CACHE_DIR "
                     "and TFDS_DATA_DIR)")
    return "\n".join(lines)


def progress_to_terminal() -> None:
    """Show tensorflow_hub's download progress where a person is watching."""
    if sys.stdout.isatty():
        os.environ.setdefault("TFHUB_DOWNLOAD_PROGRESS", "1")
