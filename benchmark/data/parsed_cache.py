"""Parsed IMDb on disk: the reviews decoded, cleaned and labelled once per source, read back by later processes.

Every model process of a suite loads the dataset again; parsing 50,000 reviews from the archive takes seconds, reading
them back a fraction of one. An entry is keyed by the source's identity: the archive's (or, for a folder or
TensorFlow Datasets' prepared copy, every file's) path, size and modification time, and :data:`FORMAT`. Written
atomically beside the token cache (:func:`benchmark.core.paths.cache_root`); a damaged entry is reported and parsed
again; an unwritable cache is skipped. What loading worked around is said again on a hit, as on the first parse.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import os
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from benchmark.core.atomic import atomic_write_bytes
from benchmark.core.hashing import stable_hash
from benchmark.core.paths import cache_root
from benchmark.data.imdb import SPLITS, Imdb, existing_data_dir, report_quality
from benchmark.data.registry import IMDB_INFO
from benchmark.data.splits import DataQuality, Split
from benchmark.data.tfds import TFDS_NAME, tfds_data_dir

log = logging.getLogger(__name__)

FORMAT = 1  # bump when parsing changes what a source yields (benchmark.data.imdb)
DATASETS_FOLDER = "datasets"


def source_identity(data_dir: str | Path | None) -> dict | None:
    """What identifies the reviews ``data_dir`` (None: TensorFlow Datasets' prepared copy) yields: each file's path,
    size and modification time; None when there is nothing local to identify (not prepared yet)."""
    if data_dir is None:
        root = tfds_data_dir() / TFDS_NAME
        if not root.is_dir():
            return None
    else:
        root = existing_data_dir(data_dir).resolve()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    stats = [(str(path.relative_to(root)) if path != root else "", path.stat()) for path in files]
    return {"format": FORMAT, "source": str(root), "data_dir": data_dir is not None,
            "files": stable_hash({"files": [(name, st.st_size, st.st_mtime_ns) for name, st in stats]})}


def _texts_blob(split: Split) -> dict[str, np.ndarray]:
    encoded = [text.encode("utf-8") for text in split.texts]
    return {"blob": np.frombuffer(b"".join(encoded), np.uint8), "ends": np.cumsum([len(e) for e in encoded]),
            "labels": split.labels}


def _split(entry, name: str) -> Split:
    blob, ends = entry[f"{name}_blob"].tobytes(), entry[f"{name}_ends"]
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    texts = tuple(blob[a:b].decode("utf-8") for a, b in zip(starts.tolist(), ends.tolist()))
    return Split(texts, entry[f"{name}_labels"].astype(np.int32))


def write_entry(path: Path, imdb: Imdb, key: str) -> None:
    arrays = {f"{name}_{part}": value for name in SPLITS
              for part, value in _texts_blob(getattr(imdb, name)).items()}
    meta = {"key": key, "format": FORMAT, "source": imdb.source, "quality": dataclasses.asdict(imdb.quality)}
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def read_entry(path: Path, key: str) -> Imdb:
    """The dataset stored in ``path`` (raises ValueError and the like when it is damaged)."""
    with np.load(path, allow_pickle=False) as entry:
        meta = json.loads(str(entry["meta"]))
        if meta.get("key") != key or meta.get("format") != FORMAT:
            raise ValueError("its contents do not match its key")
        splits = {name: _split(entry, name) for name in SPLITS}
    quality = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["quality"].items()}
    return Imdb(splits["train"], splits["test"], source=meta["source"], quality=DataQuality(**quality), info=IMDB_INFO)


def datasets_dir() -> Path:
    return cache_root() / DATASETS_FOLDER


def load_cached(load: Callable[[], Imdb], data_dir: str | Path | None, root: Path | None = None) -> Imdb:
    """``load()``'s dataset, read from the cache when this source was parsed before, else parsed and stored."""
    identity = source_identity(data_dir)
    if identity is None:
        return load()
    key = stable_hash(identity)
    path = (Path(root) if root is not None else datasets_dir()) / f"{key}.npz"
    if path.is_file():
        try:
            imdb = read_entry(path, key)
        except (OSError, ValueError, KeyError, TypeError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as error:
            log.warning("parsed-data cache entry %s is damaged (%s); parsing %s again", path, error, identity["source"])
        else:
            log.info("IMDb as parsed from %s, read from the cache %s", imdb.source, path)
            with contextlib.suppress(OSError):
                os.utime(path)  # last used, for `cache`
            report_quality(imdb.quality)
            return imdb
    imdb = load()
    try:
        write_entry(path, imdb, key)
    except OSError as error:
        log.warning("cannot write the parsed-data cache %s (%s); going on without it", path.parent,
                    error.strerror or error)
    return imdb
