"""``predict``: labels and probabilities for new reviews from an export, and one clear line for bad input."""

import csv
import json

import pytest

from conftest import TINY_EXPORT_RUN, TINY_MODEL, run_cli

REVIEWS = ["the film was great and i loved it, wonderful", "boring and awful, a waste of time",
           "This movie was the best: a superb, moving story."]


@pytest.mark.slow
def test_predict_three_reviews_by_key_prints_label_and_probability(tiny_export):
    result = run_cli("predict", "--model", TINY_MODEL, *REVIEWS, cwd=tiny_export.root)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["positive", "negative", "positive"]
    assert all(0.5 <= float(line.split()[1]) <= 1.0 for line in lines)
    assert lines[1].endswith("boring and awful, a waste of time")
    assert "STAND-IN" in result.stderr and "RANDOM weights" in result.stderr


@pytest.mark.slow
def test_predict_csv_input_as_json_matches_text_arguments(tiny_export, tmp_path):
    table = tmp_path / "reviews.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([[i, text] for i, text in enumerate(REVIEWS)])
        writer.writerow([9, "Ünïcode, \"quoted\",\nmultiline: great"])
    result = run_cli("predict", "--model", str(tiny_export.path), "--input", str(table), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout)
    assert output["weights"] == "stand-in" and "RANDOM weights" in output["warning"]
    assert output["run_id"] == tiny_export.run["run_id"]
    predictions = output["predictions"]
    assert [p["text"] for p in predictions] == REVIEWS + ["Ünïcode, \"quoted\",\nmultiline: great"]
    assert [p["label"] for p in predictions[:3]] == ["positive", "negative", "positive"]
    for p in predictions:
        positive = p["positive_probability"]
        assert p["probability"] == pytest.approx(positive if p["label"] == "positive" else 1 - positive)

    lines = tmp_path / "reviews.txt"
    lines.write_text("\n".join([REVIEWS[0], "", REVIEWS[1]]) + "\n", encoding="utf-8")
    from_lines = run_cli("predict", "--model", str(tiny_export.path), "--input", str(lines), "--json", cwd=tmp_path)
    assert from_lines.returncode == 0, from_lines.stderr[-3000:]
    got = json.loads(from_lines.stdout)["predictions"]
    assert [p["text"] for p in got] == [REVIEWS[0], REVIEWS[1]]  # blank lines are not reviews
    assert [p["positive_probability"] for p in got] == pytest.approx(
        [predictions[0]["positive_probability"], predictions[1]["positive_probability"]], abs=1e-6)


@pytest.mark.slow
def test_predict_reproduces_the_runs_test_accuracy(tiny_export, aclimdb):
    """The export classifies the run's own test reviews as the fine-tuned model did when it was evaluated."""
    from benchmark.data.imdb import load_imdb
    from benchmark.deploy.predict import load_predictor
    from benchmark.training.config import RunConfig
    from benchmark.data.prepared import data_fingerprint, prepare_data
    from benchmark.records.predictions import decode_predictions

    options = dict(zip(TINY_EXPORT_RUN[::2], TINY_EXPORT_RUN[1::2]))
    config = RunConfig(train_samples=int(options["--train-samples"]), test_samples=int(options["--test-samples"]),
                       seq_length=int(options["--seq-length"]))
    data = prepare_data(load_imdb(aclimdb), config)
    test = data.test
    assert len(test) == tiny_export.run["data"]["test_examples"]
    predictions = load_predictor(TINY_MODEL, tiny_export.models).predict(list(test.texts))
    accuracy = sum((p.label == "positive") == bool(label) for p, label in zip(predictions, test.labels)) / len(test)
    assert accuracy == pytest.approx(tiny_export.run["test"]["accuracy"], abs=1.5 / len(test))
    # The run file's per-example predictions are of these test reviews, in this order, as the export predicts them.
    stored = decode_predictions(tiny_export.run["predictions"], tiny_export.run["test"])
    assert stored.test_fingerprint == data_fingerprint(data)["test"] and list(stored.labels) == list(test.labels)
    agree = sum(int(p.label == "positive") == int(q) for p, q in zip(predictions, stored.predicted))
    assert agree >= len(test) - 1
    assert accuracy > 0.75  # the tiny model learned the synthetic reviews; a broken export would be at chance


def _bad_inputs(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("a fine film\nun film très bon\n".encode("latin-1"))
    (tmp_path / "long.txt").write_text("good " * 20_000 + "\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("\n  \n", encoding="utf-8")
    (tmp_path / "notext.csv").write_text("review,stars\nnice,5\n", encoding="utf-8")
    (tmp_path / "emptycell.csv").write_text("text\nnice\n\"\"\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("not a model")


@pytest.mark.parametrize("model,args,message", [
    ("EXPORT", [""], "review 1 is empty"),
    ("EXPORT", ["fine", "   "], "review 2 is empty"),
    ("EXPORT", ["x" * 100_000], "review 1 has 100,000 characters, more than the 20,000 allowed"),
    ("EXPORT", ["--input", "latin1.txt"], "is not UTF-8 text (byte 0xe8 at offset 22): save it as UTF-8"),
    ("EXPORT", ["--input", "long.txt"], "line 1 of long.txt has 100,000 characters"),
    ("EXPORT", ["--input", "empty.txt"], "has no reviews"),
    ("EXPORT", ["--input", "missing.txt"], "cannot read --input missing.txt"),
    ("EXPORT", ["--input", "notext.csv"], "has no 'text' column (columns: review, stars)"),
    ("EXPORT", ["--input", "emptycell.csv"], "row 3 of emptycell.csv is empty"),
    ("EXPORT", ["--input", "notext.csv", "also text"], "not both"),
    ("EXPORT", [], "no reviews given"),
    ("folder", ["nice"], "folder is not a tfhub-bench export"),
    ("file.txt", ["nice"], "file.txt is not a tfhub-bench export"),
    ("missing/export", ["nice"], "missing/export does not exist"),
    ("electra_base", ["nice"], "no export of 'electra_base' under models/"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, tiny_export, model, args, message):
    _bad_inputs(tmp_path)
    model = str(tiny_export.path) if model == "EXPORT" else model
    result = run_cli("predict", "--model", model, *args, cwd=tmp_path, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_damaged_export_is_a_usage_error(tiny_export, tmp_path):
    import shutil

    from benchmark.core.errors import UsageError
    from benchmark.deploy.predict import load_predictor

    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_export.path, damaged)
    (damaged / "saved_model.pb").write_bytes(b"not a protobuf")
    with pytest.raises(UsageError, match="cannot load the export"):
        load_predictor(damaged)
    (damaged / "model_card.json").write_text("{}")
    with pytest.raises(UsageError, match="is not a readable model card"):
        load_predictor(damaged)
