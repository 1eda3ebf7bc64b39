"""Run files and the leaderboard built from them."""

import json

import numpy as np
import pytest

from benchmark.metrics import classification_metrics
from benchmark.report import STANDIN_LABEL, latest_per_model, render_csv, write_leaderboard
from benchmark.results import RunResult, load_runs, round_floats, write_run


def make_run(key="small_bert_l4_h512", accuracy=0.8, created="2026-01-01T00:00:00+00:00", weights="pretrained",
             run_id=None, test_examples=50, train_seconds=61.0) -> RunResult:
    correct = int(round(accuracy * test_examples))
    labels = np.array([1] * (test_examples // 2) + [0] * (test_examples - test_examples // 2))
    probabilities = np.where(np.arange(test_examples) < correct, labels * 0.8 + 0.1, 0.9 - labels * 0.8)
    return RunResult(
        run_id=run_id or f"{key}-{created[:19].replace(':', '')}",
        created=created,
        command=f"python -m benchmark run --model {key}",
        config_hash="abc",
        model={"key": key, "name": key.replace("_", " "), "architecture": "L-4 H-512 A-8",
               "encoder_parameters": 28_763_648},
        encoder_handle="https://tfhub.dev/x/1",
        preprocessor_handle="https://tfhub.dev/p/3",
        weights=weights,
        hyperparameters={"epochs": 1, "batch_size": 32, "seq_length": 128, "learning_rate": 3e-5, "seed": 42},
        data={"source": "/data/aclImdb", "train_examples": 80, "validation_examples": 20,
              "test_examples": test_examples},
        history=[{"epoch": 1, "seconds": 1.0, "train_loss": 0.6, "validation_accuracy": 0.7}],
        test=classification_metrics(labels, probabilities),
        timing={"train_seconds": train_seconds, "train_examples_per_second": 12.5},
        environment={"device": "CPU (test)", "packages": {"tensorflow": "2.20.0"}, "git_commit": "abc123"},
        before_fine_tuning=classification_metrics(labels, np.full(test_examples, 0.5)),
        step_history=[{"step": i + 1, "epoch": 1, "loss": 0.7 - 0.01 * i} for i in range(5)],
    )


def test_run_file_round_trips(tmp_path):
    run = make_run()
    path = write_run(run, tmp_path)
    raw = json.loads(path.read_text())
    assert raw["schema_version"] == 2 and raw["model"]["key"] == run.key
    assert raw["test"]["accuracy_ci95"][0] < 0.8 < raw["test"]["accuracy_ci95"][1]
    (loaded,), problems = load_runs(tmp_path)
    assert problems == [] and loaded.to_dict() == round_floats(run.to_dict())


def test_rows_are_newest_per_model_best_first():
    runs = [make_run("a", 0.9, "2026-01-01T00:00:00+00:00"), make_run("a", 0.6, "2026-01-02T00:00:00+00:00"),
            make_run("b", 0.7), make_run("b", 0.5, weights="stand-in")]
    rows = latest_per_model(runs)
    assert [(r.key, r.weights, r.test["accuracy"]) for r in rows] == [
        ("b", "pretrained", 0.7), ("a", "pretrained", 0.6), ("b", "stand-in", 0.5)]


def test_leaderboard_labels_stand_ins_and_explains_itself(tmp_path):
    write_run(make_run("a", 0.9), tmp_path)
    write_run(make_run("b", 0.5, weights="stand-in"), tmp_path)
    page, problems = write_leaderboard(tmp_path)
    text = page.read_text()
    assert problems == []
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[1].startswith("| 1 | a (`a`) | pretrained | 90.00% [")
    assert STANDIN_LABEL in table[2] and "50.00%" in table[2]
    assert "random weights" in text and "How these numbers were produced" in text
    assert "python -m benchmark run --model a" in text and "1m 01s" in text
    csv_lines = (tmp_path / "leaderboard.csv").read_text().splitlines()
    assert csv_lines[0].startswith("rank,model,key,weights,test_accuracy")
    assert csv_lines[2].split(",")[3] == STANDIN_LABEL


def test_corrupt_run_file_is_reported_not_fatal(tmp_path):
    write_run(make_run("a", 0.9), tmp_path)
    (tmp_path / "runs" / "broken.json").write_text('{"schema_version": 1, "run_id": ')
    (tmp_path / "runs" / "old.json").write_text('{"schema_version": 0}')
    page, problems = write_leaderboard(tmp_path)
    assert len(problems) == 2 and any("broken.json" in p for p in problems)
    assert "could not be read" in page.read_text() and "90.00%" in page.read_text()


def test_leaderboard_write_leaves_no_temporary_files(tmp_path):
    write_run(make_run(), tmp_path)
    write_leaderboard(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaderboard.csv", "leaderboard.md", "plots", "runs"]
    assert not [p for p in (tmp_path / "plots").iterdir() if p.suffix != ".png"]
    assert render_csv([]) .splitlines() == [render_csv([]).splitlines()[0]]


def test_failed_write_keeps_previous_leaderboard(tmp_path, monkeypatch):
    write_run(make_run("a", 0.9), tmp_path)
    write_leaderboard(tmp_path)
    before = (tmp_path / "leaderboard.md").read_text()
    write_run(make_run("b", 0.95), tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("benchmark.atomic.os.replace", full_disk)
    with pytest.raises(OSError):
        write_leaderboard(tmp_path)
    assert (tmp_path / "leaderboard.md").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
