"""Suites through the command line: a failing model does not stop the others; a killed suite resumes."""

import json
import shutil

import pytest

from benchmark.training import FAULT_ENV
from conftest import TINY_MODEL, run_cli

TINY_RUN = ("--offline", "--train-samples", "40", "--test-samples", "20", "--batch-size", "8", "--seq-length", "32",
            "--output", "out", "--models-dir", "models")


def _models_with(standin, tmp_path):
    """A models folder holding a copy of the session's tiny stand-in, so the CLI need not build one."""
    folder = standin.encoder_path.parent
    target = tmp_path / "models" / "standins" / folder.name
    shutil.copytree(folder, target)
    return target


def _runs(tmp_path) -> dict[str, dict]:
    return {json.loads(p.read_text())["model"]["key"]: json.loads(p.read_text())
            for p in (tmp_path / "out" / "runs").glob("*.json")}


@pytest.mark.slow
def test_failing_model_is_a_failed_row_and_the_suite_carries_on(tmp_path, aclimdb, tiny_vocab, tiny_standin):
    broken = _models_with(tiny_standin, tmp_path)
    (broken / "encoder" / "saved_model.pb").unlink()  # the encoder can no longer be loaded
    result = run_cli("run", "--model", TINY_MODEL, "--model", "tfidf_logreg", "--data-dir", str(aclimdb),
                     "--vocab", str(tiny_vocab), "--epochs", "1", *TINY_RUN, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "suite: 1 run, 0 skipped (already done), 1 failed (small_bert_l2_h128)" in result.stdout
    assert list(_runs(tmp_path)) == ["tfidf_logreg"]
    failure = json.loads((tmp_path / "out" / "failed" / f"{TINY_MODEL}-seed42.json").read_text())
    assert failure["error"].startswith("cannot load encoder") and "--model tfidf_logreg" in failure["command"]
    board = (tmp_path / "out" / "leaderboard.md").read_text()
    assert next(line for line in board.splitlines() if line.startswith("| 1 |")).count("`tfidf_logreg`") == 1
    assert any(line.startswith("| ✗ |") and f"`{TINY_MODEL}`" in line for line in board.splitlines())
    assert "cannot load encoder" in board.split("## Failed runs")[1]


@pytest.mark.slow
def test_killed_suite_resumes_without_retraining_the_finished_model(tmp_path, aclimdb, tiny_vocab, tiny_standin,
                                                                    monkeypatch):
    _models_with(tiny_standin, tmp_path)
    command = ("run", "--model", "tfidf_logreg", "--model", TINY_MODEL, "--data-dir", str(aclimdb),
               "--vocab", str(tiny_vocab), "--epochs", "2", *TINY_RUN)
    monkeypatch.setenv(FAULT_ENV, f"kill-after-epoch:{TINY_MODEL}:1")
    killed = run_cli(*command, cwd=tmp_path)
    assert killed.returncode == 1 and "process killed by SIGKILL" in killed.stderr, killed.stderr[-3000:]
    (baseline_file,) = (tmp_path / "out" / "runs").glob("tfidf_logreg-*.json")
    baseline_bytes = baseline_file.read_bytes()
    (checkpoint,) = (tmp_path / "out" / "checkpoints").iterdir()
    assert json.loads((checkpoint / "progress.json").read_text())["epochs_done"] == 1

    monkeypatch.delenv(FAULT_ENV)
    resumed = run_cli(*command, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "tfidf_logreg: skipped" in resumed.stderr
    assert "resuming from the checkpoint after epoch 1 of 2" in resumed.stderr
    assert "suite: 1 run, 1 skipped (already done), 0 failed" in resumed.stdout
    assert baseline_file.read_bytes() == baseline_bytes and len(list((tmp_path / "out" / "runs").iterdir())) == 2
    run = _runs(tmp_path)[TINY_MODEL]
    assert run["resumed_from_epoch"] == 1 and [row["epoch"] for row in run["history"]] == [1, 2]
    assert run["config_hash"] == checkpoint.name
    steps = run["step_history"]  # 32 training reviews in batches of 8: 4 steps per epoch, numbered across epochs
    assert [row["step"] for row in steps] == list(range(1, 9)) and [row["epoch"] for row in steps] == [1] * 4 + [2] * 4
    assert run["before_fine_tuning"]["examples"] == 20 and 0 <= run["before_fine_tuning"]["accuracy"] <= 1
    assert not (tmp_path / "out" / "checkpoints").exists() and not list((tmp_path / "out" / "failed").iterdir())
    assert "resumed after epoch 1" in (tmp_path / "out" / "leaderboard.md").read_text()
