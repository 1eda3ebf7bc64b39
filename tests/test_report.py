"""Run files and the leaderboard built from them."""

import csv
import json

import numpy as np
import pytest

from benchmark.records.metrics import classification_metrics
from benchmark.core.atomic import _umask
from benchmark.leaderboard.rows import STANDIN_LABEL, latest_per_model
from benchmark.leaderboard.table import render_csv
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.run import SCHEMA_VERSION, RunResult, load_runs, round_floats, write_run


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
    assert raw["schema_version"] == SCHEMA_VERSION == 9 and raw["model"]["key"] == run.key
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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaderboard.csv", "leaderboard.html", "leaderboard.md",
                                                           "plots", "runs"]
    assert not [p for p in (tmp_path / "plots").iterdir() if p.suffix != ".png"]
    assert render_csv([]) .splitlines() == [render_csv([]).splitlines()[0]]


def test_failed_write_keeps_previous_leaderboard(tmp_path, monkeypatch):
    write_run(make_run("a", 0.9), tmp_path)
    write_leaderboard(tmp_path)
    before = (tmp_path / "leaderboard.md").read_text()
    write_run(make_run("b", 0.95), tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("benchmark.core.atomic.os.replace", full_disk)
    with pytest.raises(OSError):
        write_leaderboard(tmp_path)
    assert (tmp_path / "leaderboard.md").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _table(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| #")]


def test_overlapping_intervals_are_marked_not_separable(tmp_path):
    # 400 test reviews: 90% vs 88.5% overlap (about +-3 points each); 90% vs 75% do not.
    write_run(make_run("leader", 0.9, test_examples=400), tmp_path)
    write_run(make_run("close", 0.885, test_examples=400), tmp_path)
    write_run(make_run("far", 0.75, test_examples=400), tmp_path)
    page, _ = write_leaderboard(tmp_path)
    text = page.read_text()
    rows = {line.split("`")[1]: line for line in _table(text) if "`" in line}
    assert "**leader**" in rows["leader"]
    assert "≈ not separable (-1.50 pts)" in rows["close"]
    assert "-15.00 pts" in rows["far"] and "not separable" not in rows["far"]
    assert "Not separable from the leader: `close`." in text and "Leader: leader" in text
    csv_rows = {line.split(",")[2]: line.split(",") for line in (tmp_path / "leaderboard.csv").read_text().splitlines()}
    column = csv_rows["key"].index("separable_from_leader")
    assert (csv_rows["leader"][column], csv_rows["close"][column], csv_rows["far"][column]) == ("", "False", "True")


def test_published_rows_are_marked_and_cited(tmp_path):
    write_run(make_run("a", 0.9), tmp_path)
    text = write_leaderboard(tmp_path)[0].read_text()
    published = [line for line in _table(text) if line.startswith("| ref |")]
    assert [line.split("|")[2].strip() for line in published] == ["*BERT-base*", "*DistilBERT*"]
    assert all("published, not measured here" in line for line in published)
    assert "*93.46%*" in published[0] and "*92.82%*" in published[1]
    assert text.count("Sanh et al. 2019") == 2 and "Table 2" in text
    # Published rows never take a rank or the lead.
    assert "Leader: a" in text and _table(text)[0].startswith("| 1 | a ")


def test_failed_runs_get_a_row_and_their_error(tmp_path):
    from benchmark.records.failures import clear_failure, record_failure

    write_run(make_run("good", 0.8), tmp_path)
    record_failure(tmp_path, "bad", "Bad Model", "h", "process killed by SIGKILL (out of memory, or killed)",
                   "python -m benchmark run --all", 42)
    text = write_leaderboard(tmp_path)[0].read_text()
    failed = [line for line in _table(text) if line.startswith("| ✗ |")]
    assert len(failed) == 1 and "Bad Model (`bad`)" in failed[0] and "**failed**" in failed[0]
    assert "## Failed runs" in text and "process killed by SIGKILL (out of memory, or killed)" in text
    clear_failure(tmp_path, "bad", 7)  # another seed's failure stays
    assert "Failed runs" in write_leaderboard(tmp_path)[0].read_text()
    clear_failure(tmp_path, "bad", 42)
    assert "Failed runs" not in write_leaderboard(tmp_path)[0].read_text()


def test_version_1_run_files_still_render(tmp_path):
    raw = make_run("old", 0.8, test_examples=100).to_dict()
    raw = {k: v for k, v in raw.items()
           if k not in ("before_fine_tuning", "step_history", "resumed_from_epoch", "resumed_from_step")}
    raw |= {"schema_version": 1, "test": {"loss": 0.4, "accuracy": 0.8}}
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "old.json").write_text(json.dumps(raw))
    page, problems = write_leaderboard(tmp_path)
    text = page.read_text()
    assert problems == []
    row = next(line for line in _table(text) if "`old`" in line)
    assert "80.00% [71.1–86.7]" in row  # Wilson interval recomputed from 80 of 100
    assert "accuracy and loss only (schema version 1 run file)" in text


def test_version_2_run_files_still_load_and_newer_fields_are_required(tmp_path):
    raw = make_run("v2", 0.8, test_examples=100).to_dict()
    raw = {k: v for k, v in raw.items() if k != "resumed_from_step"} | {"schema_version": 2}
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "v2.json").write_text(json.dumps(raw))
    (tmp_path / "runs" / "v3.json").write_text(json.dumps(raw | {"schema_version": 3, "run_id": "v3"}))
    runs, problems = load_runs(tmp_path)
    assert [run.run_id for run in runs] == [raw["run_id"]] and runs[0].resumed_from_step == 0
    assert len(problems) == 1 and "v3.json" in problems[0] and "resumed_from_step" in problems[0]


def test_plots_are_written_and_linked(tmp_path):
    write_run(make_run("a", 0.9), tmp_path)
    write_run(make_run("b", 0.6, weights="stand-in", train_seconds=5.0), tmp_path)
    text = write_leaderboard(tmp_path)[0].read_text()
    plots = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert plots == ["accuracy_vs_training_time.png", "confusion_matrices.png", "training_curves.png"]
    for name in plots:
        data = (tmp_path / "plots" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
        assert f"plots/{name}" in text


def test_published_figures_need_a_source_and_a_fraction():
    from benchmark.leaderboard.published import parse_published

    header = "model,dataset,metric,value,source\n"
    assert parse_published(header + "M,IMDb,accuracy,0.9,Paper 2020 Table 1\n")[0].value == pytest.approx(0.9)
    with pytest.raises(ValueError, match="line 2"):
        parse_published(header + "M,IMDb,accuracy,92.8,Paper 2020 Table 1\n")  # a percentage, not a fraction
    with pytest.raises(ValueError, match="line 2"):
        parse_published(header + "M,IMDb,accuracy,0.9, \n")
    with pytest.raises(ValueError, match="columns"):
        parse_published("model,value\nM,0.9\n")


def test_seeds_are_summarised_and_chance_is_flagged(tmp_path):
    import dataclasses
    import statistics

    accuracies = []
    for seed, accuracy in ((1, 0.80), (2, 0.90), (3, 0.84)):  # exact on make_run's 50 test reviews
        run = make_run("a", accuracy, f"2026-01-0{seed}T00:00:00+00:00")
        accuracies.append(run.test["accuracy"])
        write_run(dataclasses.replace(run, hyperparameters=run.hyperparameters | {"seed": seed}), tmp_path)
    write_run(make_run("b", 0.5, weights="stand-in"), tmp_path)
    page, _ = write_leaderboard(tmp_path)
    text = page.read_text()
    mean, std = statistics.fmean(accuracies), statistics.stdev(accuracies)
    assert accuracies == [0.80, 0.90, 0.84]
    row_a = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    row_b = next(line for line in text.splitlines() if line.startswith("| 2 |"))
    assert f"{100 * mean:.2f} ± {100 * std:.2f}% (3 seeds)" == "84.67 ± 5.03% (3 seeds)"
    assert "84.67 ± 5.03% (3 seeds)" in row_a
    assert "84.00%" in row_a and "at chance" not in row_a  # the row itself is the newest run (seed 3)
    assert "⚠ at chance" in row_b
    rows = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert rows[0]["seeds"] == "1 2 3"
    assert float(rows[0]["accuracy_mean_over_seeds"]) == round(mean, 4)
    assert float(rows[0]["accuracy_std_over_seeds"]) == round(std, 4)
    assert (rows[0]["at_chance"], rows[1]["at_chance"]) == ("False", "True")
    assert oct((tmp_path / "leaderboard.md").stat().st_mode & 0o777) == oct(0o666 & ~_umask())
