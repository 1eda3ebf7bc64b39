"""The token cache: a second run reads what the first tokenized, at any length and truncation; damage is rebuilt."""

import json
import logging
import multiprocessing

import numpy as np
import pytest

from benchmark.data.packing import SpecialIds, encode
from benchmark.training.token_cache import HIT, MISS, CachedTokenizer, TokenCache, texts_sha256
from conftest import TINY_MODEL, run_cli

SPECIAL = SpecialIds(cls=2, sep=3, pad=0)


def reviews(count: int = 50, seed: int = 0, high: int = 30) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(5, high, rng.integers(0, 90)).astype(np.int32) for _ in range(count)]


def test_entries_round_trip_small_and_large_ids(tmp_path):
    cache = TokenCache(tmp_path)
    for key, ids in (("small", reviews()), ("large", reviews(high=120_000)), ("empty", [])):
        cache.store(key, ids, SPECIAL, {"split": "train"})
        loaded, special = cache.load(key, len(ids))
        assert special == SPECIAL and len(loaded) == len(ids)
        assert all(a.dtype == np.int32 and np.array_equal(a, b) for a, b in zip(loaded, ids))


def test_texts_fingerprint_depends_on_every_text_and_their_order():
    assert texts_sha256(["a", "b"]) != texts_sha256(["b", "a"]) != texts_sha256(["ab"])
    assert texts_sha256(["ab", ""]) != texts_sha256(["a", "b"])


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong count"])
def test_a_damaged_entry_is_reported_and_rebuilt(tmp_path, caplog, damage):
    cache, ids = TokenCache(tmp_path), reviews()
    cache.store("k", ids, SPECIAL, {})
    path = cache.path("k")
    if damage == "garbage":
        path.write_bytes(b"not an npz")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        assert cache.load("k", len(ids) + (damage == "wrong count")) is None
    assert f"token cache entry {path} is damaged" in caplog.text
    cache.store("k", ids, SPECIAL, {})  # what the tokenizer does next
    assert cache.load("k", len(ids)) is not None


def _write_many(root, key, seed, rounds):
    cache = TokenCache(root)
    for _ in range(rounds):
        cache.store(key, reviews(2000, seed=0), SPECIAL, {"writer": seed})


def test_concurrent_writers_and_a_reader_never_see_a_partial_entry(tmp_path):
    """Four processes rewrite one key while this one reads it: every read is the whole entry (or none yet)."""
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(tmp_path, "k", seed, 15)) for seed in range(4)]
    for writer in writers:
        writer.start()
    cache, expected, reads = TokenCache(tmp_path), reviews(2000, seed=0), 0
    while any(writer.is_alive() for writer in writers) or reads == 0:
        loaded = cache.load("k", len(expected))
        if loaded is not None:
            reads += 1
            assert all(np.array_equal(a, b) for a, b in zip(loaded[0], expected))
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert reads and [path.name for path in tmp_path.iterdir()] == ["k.npz"]  # no temporary file left behind


def test_clean_removes_every_entry_and_stale_temporary_files(tmp_path):
    cache = TokenCache(tmp_path / "tokens")
    cache.store("a", reviews(), SPECIAL, {"split": "train"})
    cache.store("b", reviews(seed=1), SPECIAL, {"split": "test"})
    (cache.root / ".b.npz.123.tmp").write_bytes(b"left by a killed writer")
    assert [entry.meta["split"] for entry in cache.entries()] in (["train", "test"], ["test", "train"])
    files, freed = cache.clean()
    assert files == 3 and freed > 0 and not cache.root.exists() and cache.entries() == []


def test_an_unwritable_cache_is_reported_once_and_the_run_goes_on(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    cache = TokenCache(blocker / "tokens")
    with caplog.at_level(logging.WARNING):
        cache.store("a", reviews(), SPECIAL, {})
        cache.store("b", reviews(), SPECIAL, {})
    assert caplog.text.count("cannot write the token cache") == 1 and not cache.writable


@pytest.mark.slow
def test_a_second_tokenizer_reads_the_cache_without_the_preprocessor(tiny_standin, aclimdb, tmp_path, monkeypatch):
    """Same ids as tokenizing, packed to any length and truncation from the one entry; no preprocessor loaded."""
    from benchmark.data.imdb import load_imdb
    from benchmark.encoders import loading
    from benchmark.encoders.loading import load_handle
    from benchmark.training.pipeline import tokenize_split

    texts = load_imdb(aclimdb).train
    handle, folder = str(tiny_standin.preprocessor_path), tiny_standin.preprocessor_path
    first = CachedTokenizer(handle, folder, TokenCache(tmp_path))
    ids, special = first.ids("train", texts.texts)
    assert first.sources == {"train": MISS} and first.load_seconds > 0

    def no_preprocessor(*args, **kwargs):
        raise AssertionError("a cache hit loaded the preprocessor")

    monkeypatch.setattr(loading, "load_handle", no_preprocessor)
    second = CachedTokenizer(handle, folder, TokenCache(tmp_path))
    cached, cached_special = second.ids("train", texts.texts)
    assert second.sources == {"train": HIT} and second.load_seconds == 0 and cached_special == special
    monkeypatch.undo()
    preprocessor = load_handle(handle, "preprocessor")
    for seq_length, truncation in ((32, "head"), (16, "head_tail"), (8, "head")):
        fresh = tokenize_split(texts, preprocessor, seq_length, truncation)
        from_cache = encode(cached, texts.labels, seq_length, truncation, cached_special)
        assert all(fresh.features[k].tobytes() == from_cache.features[k].tobytes() for k in fresh.features)
        assert fresh.lengths.tobytes() == from_cache.lengths.tobytes()
        assert fresh.labels.tobytes() == from_cache.labels.tobytes()
    other = CachedTokenizer(handle, folder, TokenCache(tmp_path))
    other.ids("train", texts.texts[:-1])  # other texts: another entry
    assert other.sources == {"train": MISS} and len(TokenCache(tmp_path).entries()) == 2


@pytest.mark.slow
def test_runs_record_where_their_tokens_came_from_and_cache_lists_and_cleans(tmp_path, aclimdb, tiny_vocab,
                                                                           tiny_standin):
    import shutil

    shutil.copytree(tiny_standin.encoder_path.parent, tmp_path / "models" / "standins" /
                    tiny_standin.encoder_path.parent.name)
    run = ("run", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab),
           "--train-samples", "40", "--test-samples", "20", "--batch-size", "8", "--seq-length", "32", "--epochs", "1",
           "--output", "out", "--models-dir", "models", "--cache-dir", "cache")
    first = run_cli(*run, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "token ids: train, validation, test tokenized and stored in the token cache" in first.stderr
    second = run_cli(*run, "--seq-length", "16", "--truncation", "head_tail", cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "token ids: train, validation, test read from the token cache" in second.stderr
    runs = sorted((json.loads(p.read_text()) for p in (tmp_path / "out" / "runs").glob("*.json")),
                  key=lambda r: r["created"] + r["run_id"])
    assert [r["timing"]["tokenize_cache"] for r in runs] == [
        {"train": "tokenized", "validation": "tokenized", "test": "tokenized"},
        {"train": "cache", "validation": "cache", "test": "cache"}]
    assert [r["hyperparameters"]["seq_length"] for r in runs] == [32, 16]
    listed = run_cli("cache", "--cache-dir", "cache", cwd=tmp_path)
    assert listed.returncode == 0 and "4 entries" in listed.stdout and "train: 32 reviews" in listed.stdout
    assert f"IMDb parsed from {aclimdb}" in listed.stdout  # the parsed dataset, read back by the second run
    assert "IMDb as parsed from" in second.stderr and "IMDb as parsed from" not in first.stderr
    cleaned = run_cli("cache", "--cache-dir", "cache", "--clean", cwd=tmp_path)
    assert cleaned.returncode == 0 and cleaned.stdout.startswith("removed 4 cached file(s)")
    assert "nothing cached" in run_cli("cache", "--cache-dir", "cache", cwd=tmp_path).stdout


@pytest.mark.slow
def test_another_vocabulary_is_another_entry_though_the_fingerprint_is_the_same(tiny_standin, aclimdb, tmp_path):
    """TensorFlow's SavedModel fingerprint leaves the vocabulary out; the key's assets hash does not."""
    import shutil

    from benchmark.data.imdb import load_imdb

    texts = load_imdb(aclimdb).test.texts
    original = tiny_standin.preprocessor_path
    swapped = shutil.copytree(original, tmp_path / "swapped")
    vocab = swapped / "assets" / "vocab.txt"
    lines = vocab.read_text().splitlines()
    first, second = lines.index("great"), lines.index("boring")  # two words of the reviews trade their ids
    lines[first], lines[second] = lines[second], lines[first]
    vocab.write_text("\n".join(lines) + "\n")
    cache = TokenCache(tmp_path / "cache")
    one = CachedTokenizer(str(original), original, cache)
    other = CachedTokenizer(str(swapped), swapped, cache)
    assert one.identity()["fingerprint"] == other.identity()["fingerprint"]
    assert one.identity()["assets"] != other.identity()["assets"]
    ids, _ = one.ids("test", texts)
    swapped_ids, _ = other.ids("test", texts)
    assert one.sources == other.sources == {"test": MISS} and len(cache.entries()) == 2
    assert any(not np.array_equal(a, b) for a, b in zip(ids, swapped_ids))  # a shared entry would have been wrong
