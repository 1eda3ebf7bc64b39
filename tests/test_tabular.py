"""Your own data (issue 16): CSV, JSON Lines and Parquet files or folders, label ids in a recorded order, a carved
test split, the same examples whatever the format, and one clear line for every kind of bad file."""

import csv
import json

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.data.catalog import load_dataset, resolve_datasets
from benchmark.data.prepared import data_fingerprint, prepare_data
from benchmark.records.run import SCHEMA_VERSION
from benchmark.data.tabular import CARVE_SEED, TableOptions, dataset_key, label_order, load_table
from benchmark.records.predictions import decode_predictions
from benchmark.training.config import RunConfig
from conftest import TOPICS, run_cli, topic_rows, write_topics_csv

COLUMNS = TableOptions("headline", "topic")


def write_rows(path, rows, columns=("headline", "topic")):
    """``rows`` as a CSV, JSON Lines or Parquet file, by ``path``'s suffix."""
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(dict(zip(columns, row))) + "\n" for row in rows), encoding="utf-8")
    else:
        import pandas as pd

        pd.DataFrame(rows, columns=list(columns)).to_parquet(path)
    return path


def test_csv_jsonl_and_parquet_give_the_same_examples_and_fingerprint(tmp_path):
    rows = topic_rows(per_class=10)
    loaded = [load_table(write_rows(tmp_path / f"news{suffix}", rows if suffix != ".jsonl" else rows[::-1]),
                         COLUMNS, "news") for suffix in (".csv", ".jsonl", ".parquet")]
    config = RunConfig(seed=3, train_samples=16)
    prints = [data_fingerprint(prepare_data(data, config)) for data in loaded]
    assert prints[0] == prints[1] == prints[2]  # row order and format do not matter
    first = loaded[0]
    assert first.info.label_names == ("food", "politics", "sports", "tech")  # strings: sorted
    assert dict(first.info.label_mapping) == {"food": 0, "politics": 1, "sports": 2, "tech": 3}
    assert first.info.carved_test.fraction == 0.2 and first.info.carved_test.seed == CARVE_SEED
    assert first.train.class_counts(4) == [8, 8, 8, 8] and first.test.class_counts(4) == [2, 2, 2, 2]
    assert not set(first.train.texts) & set(first.test.texts)


def test_integer_labels_keep_their_order_and_a_folder_has_its_own_test_and_validation(tmp_path):
    assert label_order({"10", "2", "1"}) == ("1", "2", "10") and label_order({"b", "a"}) == ("a", "b")
    folder = tmp_path / "stars"
    folder.mkdir()
    write_rows(folder / "train.csv", [(f"text {i}", i % 3 + 1) for i in range(30)], ("text", "stars"))
    write_rows(folder / "test.jsonl", [(f"test {i}", i % 3 + 1) for i in range(9)], ("text", "stars"))
    write_rows(folder / "validation.csv", [(f"val {i}", i % 3 + 1) for i in range(6)], ("text", "stars"))
    data = load_table(folder, TableOptions(label_column="stars"), "stars")
    assert data.info.label_names == ("1", "2", "3") and data.info.carved_test is None
    assert data.info.test_split == "test.jsonl" and len(data.test) == 9 and len(data.validation) == 6
    prepared = prepare_data(data, RunConfig())
    assert prepared.validation is data.validation and len(prepared.train) == 30  # no validation carved from train
    assert dataset_key(folder) == "stars" and dataset_key(tmp_path / "IMDB Dataset.csv") == "imdb_dataset"


def test_html_breaks_and_spaces_are_cleaned_as_for_imdb(tmp_path):
    from benchmark.data.imdb import clean_review

    text = "Good.<br /><br />Really  good."
    data = load_table(write_rows(tmp_path / "a.csv", [(text, "pos"), ("bad", "neg")] * 5, ("text", "label")),
                      TableOptions(), "a")
    assert clean_review(text) == "Good. Really good." and "Good. Really good." in data.train.texts + data.test.texts


def test_kaggle_style_csv_of_imdb_reviews_matches_the_aclimdb_folder(aclimdb, tmp_path):
    """The same reviews written as Kaggle's ``review,sentiment`` CSV (HTML left in) give the same examples, the same
    fingerprint and the same TF-IDF accuracy as the aclImdb folder."""
    from benchmark.data.imdb import load_imdb
    from benchmark.training.baseline import TFIDF_LOGREG, run_baseline

    folder = tmp_path / "kaggle"
    folder.mkdir()
    for split in ("train", "test"):
        rows = [(path.read_text(encoding="utf-8"), "positive" if label == "pos" else "negative")
                for label in ("pos", "neg") for path in sorted((aclimdb / split / label).glob("*.txt"))]
        write_rows(folder / f"{split}.csv", rows, ("review", "sentiment"))
    from_csv = load_table(folder, TableOptions("review", "sentiment"), "kaggle")
    from_folder = load_imdb(aclimdb)
    config = RunConfig(seed=5, train_samples=40, test_samples=30)
    csv_data, folder_data = prepare_data(from_csv, config), prepare_data(from_folder, config)
    assert data_fingerprint(csv_data) == data_fingerprint(folder_data)
    csv_run = run_baseline(TFIDF_LOGREG, csv_data, config, "csv")
    folder_run = run_baseline(TFIDF_LOGREG, folder_data, config, "folder")
    assert csv_run.test["accuracy"] == folder_run.test["accuracy"] and csv_run.test["loss"] == folder_run.test["loss"]


def test_several_classes_get_balanced_subsets_and_named_errors(topics_csv):
    data = load_table(topics_csv, COLUMNS, "news_topics")
    prepared = prepare_data(data, RunConfig(train_samples=20, test_samples=8, validation_fraction=0.25))
    assert prepared.train.class_counts(4) == [4, 4, 4, 4] and prepared.validation.class_counts(4) == [1, 1, 1, 1]
    assert prepared.test.class_counts(4) == [2, 2, 2, 2]
    assert prepared.describe()["test_per_class"] == {"food": 2, "politics": 2, "sports": 2, "tech": 2}
    with pytest.raises(UsageError, match=r"needs 25 examples of class 'food' but the train split has 24: ask for at "
                                         r"most 96"):
        prepare_data(data, RunConfig(train_samples=100))


def test_dataset_arguments_resolve_to_keys_or_paths(tmp_path, topics_csv):
    assert [c.key for c in resolve_datasets(None)] == ["imdb"]
    assert [c.key for c in resolve_datasets(["ag_news", str(topics_csv)])] == ["ag_news", "news_topics"]
    clash = write_topics_csv(tmp_path / "sst2.csv")
    assert resolve_datasets([str(clash)])[0].key == "sst2_file"  # never mixed with the built-in sst2
    with pytest.raises(UsageError, match="unknown dataset 'agnews': did you mean ag_news"):
        resolve_datasets(["agnews"])
    assert load_dataset(str(topics_csv), table=COLUMNS).info.key == "news_topics"


def _bad_files(root):
    rows = topic_rows(per_class=5)
    write_rows(root / "reviews.csv", [(text, label) for text, label in rows], ("review", "sentiment"))
    write_rows(root / "one.csv", [(text, "sports") for text, _ in rows])
    write_rows(root / "rare.csv", rows + [("a lone tech headline", "weather")])
    write_rows(root / "empty.csv", rows[:6] + [("  <br />  ", "sports")] + rows[6:])
    (root / "latin1.csv").write_bytes("headline,topic\nun caf\xe9,food\n".encode("latin-1"))
    folder = root / "unseen"
    folder.mkdir()
    write_rows(folder / "train.csv", rows)
    write_rows(folder / "test.csv", [("a headline", "weather")])
    write_rows(root / "broken.jsonl", [])
    (root / "broken.jsonl").write_text('{"headline": "ok", "topic": "food"}\nnot json\n')
    (root / "data.tsv").write_text("headline\ttopic\n")


@pytest.mark.parametrize("args,message", [
    (["--dataset", "reviews.csv", "--text-column", "headline"],
     "reviews.csv has no column 'headline' (columns found: review, sentiment): pass --text-column NAME"),
    (["--dataset", "reviews.csv", "--text-column", "review"],
     "reviews.csv has no column 'topic' (columns found: review, sentiment): pass --label-column NAME"),
    (["--dataset", "one.csv"], "label column 'topic' has one class ('sports'): a classifier needs at least two"),
    (["--dataset", "rare.csv"], "class 'weather' has 1 examples, too few to carve a test split of 0.2"),
    (["--dataset", "reviews.csv", "--text-column", "review", "--label-column", "sentiment", "--train-samples", "100"],
     "needs 25 examples of class 'food' but the train split has 4: ask for at most 16"),
    (["--dataset", "empty.csv"], "1 rows have an empty text in column 'headline' (the first is row 8 counting the "
                                 "header as row 1)"),
    (["--dataset", "latin1.csv"], "latin1.csv is not UTF-8 text (byte 0xe9 at offset 21): save it as UTF-8"),
    (["--dataset", "unseen"], "unseen/test.csv has labels the training file has not: weather"),
    (["--dataset", "broken.jsonl"], "broken.jsonl line 2 is not JSON"),
    (["--dataset", "data.tsv"], "is not a .csv, .jsonl or .parquet file"),
    (["--dataset", "missing.csv"], "--dataset missing.csv does not exist"),
    (["--dataset", "ag_newz"], "unknown dataset 'ag_newz': did you mean ag_news?"),
    (["--dataset", "one.csv", "--test-fraction", "1.5"], "--test-fraction must be in (0, 1), got 1.5"),
    (["--dataset", "one.csv", "--data-dir", "aclImdb"], "--data-dir gives IMDb's aclImdb folder or archive, but no "
                                                        "--dataset imdb is run"),
])
def test_bad_data_of_your_own_is_one_line_exit_2_nothing_written(tmp_path, args, message):
    _bad_files(tmp_path)
    result = run_cli("run", "--model", "tfidf_logreg", "--text-column", "headline", "--label-column", "topic", *args,
                     "--output", "out", cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert lines[-1].startswith("error: ") and message in lines[-1], lines[-1]
    assert [line for line in lines if line.startswith("error:")] == [lines[-1]] and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_carved_split_is_recorded_in_the_run_file(tmp_path, topics_csv):
    result = run_cli("run", "--model", "tfidf_logreg", "--dataset", str(topics_csv), "--text-column", "headline",
                     "--label-column", "topic", "--output", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "tfidf_logreg on news_topics [classical baseline]: test accuracy" in result.stdout
    (path,) = (tmp_path / "out" / "runs").glob("*.json")
    run = json.loads(path.read_text())
    assert run["schema_version"] == SCHEMA_VERSION and run["dataset"]["key"] == "news_topics"
    assert run["dataset"]["label_names"] == sorted(TOPICS) and run["dataset"]["origin"] == "file"
    assert run["dataset"]["carved_test"] == {"fraction": 0.2, "seed": 0, "source": "news_topics.csv"}
    assert run["dataset"]["label_mapping"] == {name: i for i, name in enumerate(sorted(TOPICS))}
    assert run["hyperparameters"]["solver"] == "lbfgs (multinomial)"
    assert np.array(run["test"]["confusion_matrix"]).shape == (4, 4) and set(run["test"]["per_class"]) == set(TOPICS)
    assert run["test"]["micro"]["f1"] == pytest.approx(run["test"]["accuracy"])
    stored = decode_predictions(run["predictions"], run["test"])  # a row of 4 class probabilities per example
    assert stored.probabilities.shape == (run["test"]["examples"], 4)
    assert np.allclose(stored.probabilities.sum(axis=1), 1, atol=4 / 255)
