"""The command line as a user runs it: a tiny end-to-end run, listing, reporting and bad input."""

import json
from pathlib import Path

import pytest

from conftest import TINY_MODEL, run_cli


@pytest.mark.slow
def test_tiny_offline_run_writes_run_file_and_leaderboard_row(tmp_path, aclimdb, tiny_vocab):
    result = run_cli("run", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab),
                     "--train-samples", "40", "--test-samples", "20", "--epochs", "2", "--batch-size", "8",
                     "--seq-length", "32", "--output", "out", "--models-dir", "models", cwd=tmp_path,
                     user_shell=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{TINY_MODEL} [stand-in: random weights]: test accuracy" in result.stdout
    # a quiet start on a machine without a GPU: none of TensorFlow's start-up lines that read like errors
    printed = (result.stdout + result.stderr).splitlines()
    assert not [line for line in printed if "cuInit" in line or "pkg_resources" in line], result.stderr[-3000:]

    (run_file,) = (tmp_path / "out" / "runs").glob("*.json")
    run = json.loads(run_file.read_text())
    assert run["model"]["key"] == TINY_MODEL and run["weights"] == "stand-in"
    assert run["data"] == {"source": str(aclimdb), "train_examples": 32, "train_positive": 16,
                           "validation_examples": 8, "validation_positive": 4,
                           "test_examples": 20, "test_positive": 10, "test_reviews_also_in_train": 0,
                           "loading": {"not_utf8_files": 0, "empty_reviews_skipped": 0, "ignored_folders": [],
                                       "test_reviews_also_in_train": 0, "imbalanced_splits": []}}
    assert run["hyperparameters"]["epochs"] == 2 and run["hyperparameters"]["seq_length"] == 32
    assert [row["epoch"] for row in run["history"]] == [1, 2]
    assert {"train_loss", "train_accuracy", "validation_loss", "validation_accuracy"} <= run["history"][0].keys()
    assert 0.0 <= run["test"]["accuracy"] <= 1.0 and run["test"]["loss"] > 0
    assert run["timing"]["train_examples_per_second"] > 0
    assert run["environment"]["packages"]["tensorflow"].startswith("2.")
    assert run["encoder_handle"].endswith("/encoder") and (tmp_path / "models" / "standins").is_dir()

    board = (tmp_path / "out" / "leaderboard.md").read_text()
    row = next(line for line in board.splitlines() if f"`{TINY_MODEL}`" in line and line.startswith("| 1 |"))
    assert "stand-in (random weights)" in row and f"{100 * run['test']['accuracy']:.2f}%" in row

    rebuilt = run_cli("report", "--output", "out", cwd=tmp_path)
    assert rebuilt.returncode == 0 and (tmp_path / "out" / "leaderboard.md").read_text() == board


@pytest.mark.slow
def test_int8_inference_run_is_labelled_in_its_output_run_file_and_leaderboard(tmp_path, aclimdb, tiny_vocab):
    result = run_cli("run", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab),
                     "--train-samples", "24", "--test-samples", "12", "--epochs", "1", "--batch-size", "8",
                     "--seq-length", "32", "--inference", "tflite-int8", "--output", "out", "--models-dir", "models",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    label = "test scored by TensorFlow Lite int8 (dynamic-range quantized weights)"
    assert f"{TINY_MODEL} [stand-in: random weights] [{label}]: test accuracy" in result.stdout
    (run_file,) = (tmp_path / "out" / "runs").glob("*.json")
    run = json.loads(run_file.read_text())
    assert run["hyperparameters"]["inference"] == "tflite-int8"
    assert run["hyperparameters"]["inference_runtime"].startswith("TensorFlow Lite int8")
    board = (tmp_path / "out" / "leaderboard.md").read_text()
    row = next(line for line in board.splitlines() if f"`{TINY_MODEL}`" in line and line.startswith("| 1 |"))
    assert f"stand-in (random weights); {label}" in row
    assert "- test set scored by TensorFlow Lite int8 (dynamic-range quantized weights) in " in board
    assert "![Confusion matrices](plots/confusion_matrices.png)" in board


def test_list_shows_every_encoder_with_handles(tmp_path):
    result = run_cli("list", cwd=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["key", "name"]
    electra = next(line for line in lines if line.startswith("electra_base "))
    assert "L-12 H-768 A-12" in electra and "https://tfhub.dev/google/electra_base/2" in electra
    assert "46 encoders (33 tfhub, 13 keras_hub)" in result.stdout
    kerashub = next(line for line in lines if line.startswith("kh_electra_small_discriminator_uncased_en "))
    assert "keras_hub" in kerashub and "sequence_output[:, 0]" in kerashub and "13.5M" in kerashub
    assert "kaggle://keras/electra/keras/electra_small_discriminator_uncased_en/2" in kerashub
    baseline = next(line for line in lines if line.strip().startswith("tfidf_logreg "))
    assert "TF-IDF + logistic regression" in baseline and "not a TF-Hub encoder" in result.stdout
    assert "tfidf_logreg" not in "\n".join(lines[: lines.index("") if "" in lines else len(lines)])


@pytest.mark.parametrize("args,message", [
    (["--model", "electra_bas"], "unknown model 'electra_bas': did you mean electra_base"),
    (["--model", "electra_base", "--data-dir", "missing"], "does not exist"),
    (["--model", "electra_base", "--data-dir", "empty"], "is empty"),
    (["--model", "electra_base", "--data-dir", "notimdb"], "not aclImdb-shaped"),
    (["--model", "electra_base", "--train-samples", "0"], "--train-samples must be a positive number"),
    (["--model", "electra_base", "--test-samples", "-5"], "--test-samples must be a positive number"),
    (["--model", "electra_base", "--validation-fraction", "1.5"], "--validation-fraction must be in [0, 1)"),
    (["--model", "electra_base", "--seq-length", "1024"], "exceeds the 512 positions"),
    (["--model", "electra_base", "--standins", "--vocab", "missing.txt"], "is not a file"),
    (["--model", "electra_base", "--hub-mirror", "mirror.example.org"], "--hub-mirror must be an http:// or https://"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notimdb" / "stuff").mkdir(parents=True)
    result = run_cli("run", *args, "--output", "results", cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("args,message", [
    ([], "say what to fetch: --all, --model KEY (repeatable) and/or --dataset KEY (repeatable)"),
    (["--model", "electra_bas"], "unknown model 'electra_bas': did you mean electra_base"),
    (["--dataset", "agnews"], "unknown dataset 'agnews': did you mean ag_news?"),
    (["--model", "electra_base", "--hub-mirror", "ftp://mirror"], "--hub-mirror must be an http:// or https://"),
])
def test_fetch_bad_input_is_one_line_exit_2(tmp_path, args, message):
    result = run_cli("fetch", *args, cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0]


def test_too_many_samples_names_the_limit(tmp_path, aclimdb):
    result = run_cli("run", "--model", TINY_MODEL, "--data-dir", str(aclimdb), "--train-samples", "1000",
                     "--output", "results", cwd=tmp_path)
    assert result.returncode == 2 and "ask for at most 48" in result.stderr
    assert not (tmp_path / "results").exists()


def test_report_without_runs_says_how_to_start(tmp_path):
    result = run_cli("report", "--output", "results", cwd=tmp_path)
    assert result.returncode == 0
    assert "No runs yet" in (tmp_path / "results" / "leaderboard.md").read_text()


@pytest.mark.parametrize("command, option", [
    (("run", "--model", TINY_MODEL), "--output"), (("run", "--model", TINY_MODEL), "--models-dir"),
    (("run", "--model", TINY_MODEL), "--cache-dir"), (("run", "--model", TINY_MODEL), "--checkpoint-dir"),
    (("report",), "--output"),
    (("bench", "--model", TINY_MODEL), "--output"), (("import-hf", "missing-checkpoint", "--key", "k"), "--models-dir"),
])
@pytest.mark.parametrize("where, message", [
    ("a-file", "is a file, not a folder"), ("a-file/sub", "is inside"), ("/proc/self/results", "cannot write in"),
])
def test_a_folder_option_naming_a_file_or_an_unwritable_folder_is_one_error_line_before_anything_runs(
        tmp_path, monkeypatch, capsys, command, option, where, message):
    from benchmark.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    before = sorted(tmp_path.rglob("*"))
    assert main([*command, option, where]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {option} {where}") and message in err[0], err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, nothing created


def test_a_checkpoint_dir_url_is_left_to_its_storage_and_keeps_its_double_slash():
    from benchmark.core.folders import check_writable_folder
    from benchmark.training.checkpoint_store import checkpoint_dir

    check_writable_folder("--checkpoint-dir", "gs://bucket/checkpoints")  # not a local path: not checked here
    assert checkpoint_dir("results", "abc", "gs://bucket/checkpoints/") == "gs://bucket/checkpoints/abc"
    assert checkpoint_dir("results", "abc", "shared") == str(Path("shared") / "abc")
    assert checkpoint_dir("results", "abc") == str(Path("results") / "checkpoints" / "abc")


def test_run_output_naming_an_existing_file_exits_2_with_one_line(tmp_path, aclimdb):
    (tmp_path / "results.txt").write_text("my notes")
    result = run_cli("run", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb), "--output",
                     "results.txt", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: --output results.txt is a file, not a folder: give a folder (it is created if missing)"]
    assert (tmp_path / "results.txt").read_text() == "my notes" and sorted(p.name for p in tmp_path.iterdir()) == [
        "results.txt"]
