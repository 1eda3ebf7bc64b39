"""Loading IMDb from generated folders and archives, subsets, splits and bad data."""

import tarfile

import numpy as np
import pytest

from pathlib import Path

from benchmark.data.splits import balanced_subset, count_shared, train_validation_split
from benchmark.data.imdb import clean_review, load_imdb
from benchmark.core.errors import UsageError


def test_loads_folder_with_both_splits_and_labels(aclimdb):
    imdb = load_imdb(aclimdb)
    assert len(imdb.train) == len(imdb.test) == 48
    assert imdb.train.positives == imdb.test.positives == 24
    assert all("<br" not in text for text in imdb.train.texts + imdb.test.texts)


def test_parent_folder_and_archive_give_the_same_reviews(aclimdb, aclimdb_archive):
    from_folder, from_parent, from_archive = (load_imdb(p) for p in (aclimdb, aclimdb.parent, aclimdb_archive))
    for other in (from_parent, from_archive):
        assert other.train.texts == from_folder.train.texts
        np.testing.assert_array_equal(other.test.labels, from_folder.test.labels)


def test_labels_follow_folders(aclimdb):
    imdb = load_imdb(aclimdb)
    positives = {text for text, label in zip(imdb.train.texts, imdb.train.labels) if label == 1}
    assert all(any(w in text for w in ("great", "wonderful", "loved", "brilliant", "superb", "moving", "fun", "best"))
               for text in positives)


def test_clean_review_strips_html_breaks():
    assert clean_review("Good.<br /><br />Really  good.<BR>End") == "Good. Really good. End"


@pytest.mark.parametrize("make,message", [
    (lambda tmp: tmp / "missing", "does not exist"),
    (lambda tmp: tmp, "is empty"),
    (lambda tmp: (tmp / "notes.txt").write_text("x") and tmp, "not aclImdb-shaped"),
    (lambda tmp: (tmp / "file.csv").write_text("x") and tmp / "file.csv", "neither a folder nor"),
])
def test_bad_data_dirs_say_what_to_do(tmp_path, make, message):
    with pytest.raises(UsageError, match=message):
        load_imdb(make(tmp_path))


def test_missing_label_folder_is_named(tmp_path):
    for split in ("train", "test"):
        for folder in ("pos", "neg"):
            (tmp_path / split / folder).mkdir(parents=True)
            if not (split == "test" and folder == "neg"):
                (tmp_path / split / folder / "1_8.txt").write_text("fine")
    with pytest.raises(UsageError, match="test/neg"):
        load_imdb(tmp_path)


def test_archive_without_reviews_or_corrupt_is_rejected(tmp_path):
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz") as archive:
        note = tmp_path / "README"
        note.write_text("hi")
        archive.add(note, arcname="aclImdb/README")
    with pytest.raises(UsageError, match="not aclImdb-shaped"):
        load_imdb(empty)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar archive at all")
    with pytest.raises(UsageError, match="cannot read archive"):
        load_imdb(broken)


def test_balanced_subset_is_balanced_seeded_and_bounded(aclimdb):
    train = load_imdb(aclimdb).train
    a, b, c = (balanced_subset(train, 10, seed, "train") for seed in (1, 1, 2))
    assert len(a) == 10 and a.positives == 5
    assert a.texts == b.texts and a.texts != c.texts
    assert balanced_subset(train, None, 1, "train") is train
    with pytest.raises(UsageError, match="at most 48"):
        balanced_subset(train, 100, 1, "train")
    with pytest.raises(UsageError, match="positive"):
        balanced_subset(train, 0, 1, "train")


def test_validation_split_is_stratified_and_disjoint(aclimdb):
    train = load_imdb(aclimdb).train
    kept, validation = train_validation_split(train, 0.25, seed=3)
    assert len(kept) + len(validation) == len(train)
    assert validation.positives == len(validation) // 2 == 6
    assert not set(kept.texts) & set(validation.texts)
    assert train_validation_split(train, 0.0, seed=3) == (train, None)
    with pytest.raises(UsageError, match="validation-fraction"):
        train_validation_split(train, 1.0, seed=3)


def _copy_of(aclimdb, tmp_path):
    import shutil

    return Path(shutil.copytree(aclimdb, tmp_path / "aclImdb"))


def test_odd_files_are_counted_and_reported_once(aclimdb, tmp_path, caplog):
    root = _copy_of(aclimdb, tmp_path)
    (root / "train" / "pos" / "900_9.txt").write_bytes("Caf\xe9 cr\xe8me, superb".encode("latin-1"))
    (root / "train" / "neg" / "901_1.txt").write_bytes("Na\xefve and dull".encode("latin-1"))
    (root / "test" / "neg" / "902_2.txt").write_text("  <br /><br />  ")
    (root / "train" / "neutral").mkdir()
    (root / "train" / "neutral" / "1_5.txt").write_text("so-so")
    (root / "train" / "unsup").mkdir()
    (root / "train" / "unsup" / "1_0.txt").write_text("unlabelled, as in the original archive")
    with caplog.at_level("WARNING", logger="benchmark.data"):
        imdb = load_imdb(root)
    assert imdb.quality.not_utf8_files == 2 and imdb.quality.empty_reviews_skipped == 1
    assert imdb.quality.ignored_folders == ("train/neutral",)
    assert "Café crème, superb" in imdb.train.texts and len(imdb.train) == 50 and len(imdb.test) == 48
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3
    assert any("2 review files are not UTF-8" in m for m in messages)
    assert any("1 empty review files were skipped" in m for m in messages)
    assert any("train/neutral" in m and "unsup" not in m for m in messages)


def test_duplicates_across_train_and_test_are_counted(aclimdb, tmp_path, caplog):
    root = _copy_of(aclimdb, tmp_path)
    for i, source in enumerate(sorted((root / "train" / "pos").glob("*.txt"))[:3]):
        (root / "test" / "pos" / f"80{i}_9.txt").write_bytes(source.read_bytes())
    with caplog.at_level("WARNING", logger="benchmark.data"):
        imdb = load_imdb(root)
    assert imdb.quality.test_reviews_also_in_train == 3
    assert count_shared(imdb.train, imdb.test) == 3
    assert any("3 test reviews also occur in the training split" in r.getMessage() for r in caplog.records)


# TensorFlow Datasets' real builder (download, checksum, generation, reading) is tested in test_fresh_machine.py.


def test_imbalanced_labels_are_reported_and_recorded(aclimdb, tmp_path, caplog):
    root = _copy_of(aclimdb, tmp_path)
    for path in sorted((root / "test" / "neg").glob("*.txt"))[:16]:  # test keeps 24 positive, 8 negative
        path.unlink()
    with caplog.at_level("WARNING", logger="benchmark.data"):
        imdb = load_imdb(root)
    assert imdb.quality.imbalanced_splits == ("test 75% positive (24 of 32)",)
    assert any("labels are imbalanced: test 75% positive" in r.getMessage() for r in caplog.records)
    with caplog.at_level("WARNING", logger="benchmark.data"):
        caplog.clear()
        assert load_imdb(aclimdb).quality.imbalanced_splits == ()
    assert not any("imbalanced" in r.getMessage() for r in caplog.records)
