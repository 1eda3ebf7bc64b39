"""Tokenized reviews on disk: each split tokenized once per preprocessor, shared by a suite's processes and reruns.

An entry holds one split's word-piece ids *before* truncation and packing (one flat array and each review's length)
and the preprocessor's ``[CLS]``/``[SEP]``/``[PAD]`` ids, so one entry serves every ``--seq-length`` and
``--truncation``: packing is cheap, tokenizing is not. Its key is what determines those ids: the preprocessor
(TensorFlow's SavedModel fingerprint and a hash of its assets, the vocabulary), the split's texts in order, and
:data:`FORMAT`. Entries are written atomically (a temporary file, then a rename), so processes racing on one key
each leave a whole entry; an entry that cannot be read or does not match its key is reported and rebuilt. A cache
that cannot be written is reported once and the run goes on without it. ``python -m benchmark cache`` lists and
cleans it; where it is: :func:`benchmark.core.paths.cache_root`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import os
import time
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from benchmark.core.atomic import atomic_write_bytes
from benchmark.core.hashing import stable_hash
from benchmark.core.paths import TOKENS_FOLDER, cache_root
from benchmark.data.packing import SpecialIds
from benchmark.encoders.hub_cache import fingerprint

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the stored ids would change (benchmark.training.pipeline.tokenize_texts)
SUFFIX = ".npz"
HIT, MISS = "cache", "tokenized"  # where a split's ids came from, as the run file records it


@dataclasses.dataclass(frozen=True)
class Entry:
    """One cached split, as ``cache`` lists it: its file, size, when it was last used, and what it holds."""

    path: Path
    size: int
    last_used: float
    meta: dict


def texts_sha256(texts: Sequence[str]) -> str:
    """SHA-256 of the texts in order (each length-prefixed, so no two lists of texts share it)."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def assets_sha256(folder: Path) -> str:
    """SHA-256 of a SavedModel's asset files (names and bytes): the vocabulary, which its fingerprint omits."""
    digest = hashlib.sha256()
    assets = Path(folder) / "assets"
    for path in sorted(p for p in assets.rglob("*") if p.is_file()) if assets.is_dir() else ():
        digest.update(path.relative_to(assets).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class TokenCache:
    """Tokenized splits in one folder (default: ``tokens/`` in the cache root), one ``.npz`` file per key."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_root() / TOKENS_FOLDER
        self.writable = True

    def path(self, key: str) -> Path:
        return self.root / f"{key}{SUFFIX}"

    def load(self, key: str, count: int) -> tuple[list[np.ndarray], SpecialIds] | None:
        """The ``count`` reviews' ids and the special ids stored under ``key``; None when there is no such entry
        or it is damaged (then a warning says so, and the caller tokenizes and stores it again)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as entry:
                meta = json.loads(str(entry["meta"]))
                ids, lengths, special = entry["ids"], entry["lengths"], entry["special"]
            if meta.get("key") != key or meta.get("format") != FORMAT or len(lengths) != count \
                    or int(lengths.sum()) != len(ids) or len(special) != 3 or (lengths < 0).any():
                raise ValueError("its contents do not match its key")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            log.warning("token cache entry %s is damaged (%s); tokenizing again", path, error)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # last used, for `cache`
        ids = ids.astype(np.int32)
        return np.split(ids, np.cumsum(lengths)[:-1]) if count else [], SpecialIds(*map(int, special))

    def store(self, key: str, reviews: Sequence[np.ndarray], special: SpecialIds, meta: dict) -> None:
        """Write one split's ids under ``key`` (atomically); a cache that cannot be written is reported once."""
        if not self.writable:
            return
        lengths = np.array([len(review) for review in reviews], np.int64)
        ids = np.concatenate(reviews).astype(np.int64) if len(reviews) else np.zeros(0, np.int64)
        small = ids.size == 0 or (ids.min() >= 0 and ids.max() <= np.iinfo(np.uint16).max)
        buffer = io.BytesIO()
        np.savez(buffer, ids=ids.astype(np.uint16 if small else np.int32), lengths=lengths,
                 special=np.array([special.cls, special.sep, special.pad], np.int32),
                 meta=np.array(json.dumps(meta | {"key": key, "format": FORMAT, "reviews": len(reviews),
                                                  "tokens": int(ids.size)})))
        try:
            atomic_write_bytes(self.path(key), buffer.getvalue())
        except OSError as error:
            self.writable = False
            log.warning("cannot write the token cache in %s (%s); going on without it (pass --cache-dir or set "
                        "$TFHUB_BENCH_CACHE_DIR to use another folder)", self.root, error.strerror or error)

    def entries(self) -> list[Entry]:
        return cached_entries(self.root)

    def clean(self) -> tuple[int, int]:
        return clean_folder(self.root)


def cached_entries(root: Path) -> list[Entry]:
    """Every ``.npz`` entry in ``root`` (tokens, or parsed datasets), most recently used first; an unreadable one
    is listed with an empty description."""
    found = []
    for path in Path(root).glob(f"*{SUFFIX}") if Path(root).is_dir() else ():
        with contextlib.suppress(OSError):
            stat = path.stat()
            try:
                with np.load(path, allow_pickle=False) as entry:
                    meta = json.loads(str(entry["meta"]))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                meta = {}
            found.append(Entry(path, stat.st_size, stat.st_mtime, meta))
    return sorted(found, key=lambda entry: -entry.last_used)


def clean_folder(root: Path) -> tuple[int, int]:
    """Remove every entry of ``root`` (and temporary files left by killed writers), then ``root`` if it is empty;
    returns how many files and bytes."""
    root, files, size = Path(root), 0, 0
    for path in [*root.glob(f"*{SUFFIX}"), *root.glob(".*.tmp")] if root.is_dir() else ():
        with contextlib.suppress(OSError):
            size += path.stat().st_size
            path.unlink()
            files += 1
    with contextlib.suppress(OSError):
        root.rmdir()  # only when nothing else is there
    return files, size


class CachedTokenizer:
    """Word-piece ids of reviews with one preprocessor: from the cache where it holds them, else tokenized (the
    preprocessor loaded on first need, never on a hit) and stored.

    Args:
      handle: The preprocessor's handle (recorded in the entries it writes).
      folder: Its SavedModel folder on this machine (what keys the cache).
      cache: The cache, or None to tokenize every time.
    """

    def __init__(self, handle: str, folder: Path, cache: TokenCache | None) -> None:
        self.handle, self.folder, self.cache = handle, Path(folder), cache
        self.sources: dict[str, str] = {}  # split name -> HIT or MISS
        self.load_seconds = 0.0  # spent loading the preprocessor (none when every split was a hit)
        self._preprocessor = None
        self._identity: dict | None = None

    def identity(self) -> dict:
        """What identifies the preprocessor's tokenization: its SavedModel fingerprint and its assets' hash."""
        if self._identity is None:
            self._identity = {"fingerprint": fingerprint(self.folder), "assets": assets_sha256(self.folder)}
        return self._identity

    def preprocessor(self):
        if self._preprocessor is None:
            from benchmark.encoders.loading import load_handle  # deferred: imports TensorFlow

            start = time.perf_counter()
            self._preprocessor = load_handle(self.handle, "preprocessor")
            self.load_seconds += time.perf_counter() - start
        return self._preprocessor

    def ids(self, name: str, texts: Sequence[str]) -> tuple[list[np.ndarray], SpecialIds]:
        """The word-piece ids of each of ``texts`` (no special tokens, not truncated) and the special ids."""
        key = None
        if self.cache is not None:
            key = stable_hash({"format": FORMAT, "preprocessor": self.identity(), "texts": texts_sha256(texts)})
            if (hit := self.cache.load(key, len(texts))) is not None:
                self.sources[name] = HIT
                return hit
        from benchmark.training.pipeline import special_ids, tokenize_texts  # deferred: imports TensorFlow

        reviews, special = tokenize_texts(texts, self.preprocessor()), special_ids(self.preprocessor())
        self.sources[name] = MISS
        if key is not None:
            self.cache.store(key, reviews, special, {
                "split": name, "preprocessor": self.handle, **self.identity(),
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
        return reviews, special

    def describe(self) -> str:
        """One line: which splits came from the cache and which were tokenized (and stored)."""
        hits, misses = (", ".join(name for name, came in self.sources.items() if came == where)
                        for where in (HIT, MISS))
        if self.cache is None:
            return f"token ids: {misses} tokenized (no token cache)"
        where = f"the token cache {self.cache.root}"
        stored = "stored in" if self.cache.writable else "not stored (cannot write)"
        if not misses:
            return f"token ids: {hits} read from {where}"
        if not hits:
            return f"token ids: {misses} tokenized and {stored} {where}"
        return f"token ids: {hits} read from {where}; {misses} tokenized and {stored.replace(' in', '')} there"
