"""The parsed-dataset cache: a source parsed once is read back equal; a changed or damaged source is parsed again."""

import logging
import os

import numpy as np
import pytest

from benchmark.data.imdb import load_imdb
from benchmark.data.parsed_cache import load_cached
from conftest import write_aclimdb


def _load(source, root, calls):
    def parse():
        calls.append(source)
        return load_imdb(source)
    return load_cached(parse, source, root)


def _same(a, b) -> bool:
    return (a.train.texts == b.train.texts and a.test.texts == b.test.texts and a.source == b.source
            and np.array_equal(a.train.labels, b.train.labels) and np.array_equal(a.test.labels, b.test.labels)
            and a.quality == b.quality)


@pytest.mark.parametrize("kind", ["folder", "archive"])
def test_a_source_is_parsed_once_and_read_back_equal(aclimdb, aclimdb_archive, tmp_path, kind):
    source = aclimdb if kind == "folder" else aclimdb_archive
    calls = []
    first, second = _load(source, tmp_path, calls), _load(source, tmp_path, calls)
    assert calls == [source] and _same(first, second) and second.train.labels.dtype == np.int32


def test_what_loading_worked_around_is_said_again_on_a_hit(tmp_path, caplog):
    root = write_aclimdb(tmp_path / "data", per_class=4)
    (root / "train" / "pos" / "99_9.txt").write_bytes("caf\xe9 great".encode("latin-1"))  # not UTF-8
    calls = []
    _load(root, tmp_path / "cache", calls)
    with caplog.at_level(logging.INFO):
        hit = _load(root, tmp_path / "cache", calls)
    assert len(calls) == 1 and hit.quality.not_utf8_files == 1
    assert "1 review files are not UTF-8" in caplog.text and "read from the cache" in caplog.text


def test_a_changed_source_is_parsed_again(tmp_path):
    root = write_aclimdb(tmp_path / "data", per_class=4)
    calls = []
    _load(root, tmp_path / "cache", calls)
    review = root / "test" / "neg" / "0_1.txt"
    review.write_text("a different review, boring")
    os.utime(review, ns=(review.stat().st_atime_ns, review.stat().st_mtime_ns + 10**9))
    changed = _load(root, tmp_path / "cache", calls)
    assert len(calls) == 2 and "a different review, boring" in changed.test.texts


def test_a_damaged_entry_is_reported_and_parsed_again(aclimdb, tmp_path, caplog):
    calls = []
    _load(aclimdb, tmp_path, calls)
    (entry,) = tmp_path.glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        again = _load(aclimdb, tmp_path, calls)
    assert len(calls) == 2 and f"parsed-data cache entry {entry} is damaged" in caplog.text
    assert _same(again, _load(aclimdb, tmp_path, calls)) and len(calls) == 2  # rewritten whole
