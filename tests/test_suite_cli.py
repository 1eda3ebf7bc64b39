"""Suites through the command line: a failing model does not stop the others; a killed suite resumes."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmark.records.run import round_floats
from benchmark.training.interrupts import FAULT_ENV
from benchmark.training.checkpoints import read_progress
from conftest import TINY_MODEL, run_cli

TINY_RUN = ("--standins", "--train-samples", "40", "--test-samples", "20", "--batch-size", "8", "--seq-length", "32",
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


def _suite_with_a_failing_model(tmp_path, aclimdb, tiny_vocab, error: str) -> dict:
    """Run the tiny model then the baseline; check the model is a failed row with ``error`` (on the console too)
    and the baseline ranks first; return the failure record."""
    result = run_cli("run", "--model", TINY_MODEL, "--model", "tfidf_logreg", "--data-dir", str(aclimdb),
                     "--vocab", str(tiny_vocab), "--epochs", "1", *TINY_RUN, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"{TINY_MODEL} failed: {error}" in result.stderr and f"failed: {TINY_MODEL} failed:" not in result.stderr
    assert "suite: 1 run, 0 skipped (already done), 1 failed (small_bert_l2_h128)" in result.stdout
    assert list(_runs(tmp_path)) == ["tfidf_logreg"]
    failure = json.loads((tmp_path / "out" / "failed" / f"{TINY_MODEL}-seed42.json").read_text())
    assert failure["error"].startswith(error) and "--model tfidf_logreg" in failure["command"]
    board = (tmp_path / "out" / "leaderboard.md").read_text()
    assert next(line for line in board.splitlines() if line.startswith("| 1 |")).count("`tfidf_logreg`") == 1
    assert any(line.startswith("| ✗ |") and f"`{TINY_MODEL}`" in line for line in board.splitlines())
    assert error in board.split("## Failed runs")[1]
    return failure


@pytest.mark.slow
def test_failing_model_is_a_failed_row_and_the_suite_carries_on(tmp_path, aclimdb, tiny_vocab, tiny_standin):
    broken = _models_with(tiny_standin, tmp_path)
    (broken / "encoder" / "saved_model.pb").unlink()  # the encoder can no longer be loaded
    failure = _suite_with_a_failing_model(tmp_path, aclimdb, tiny_vocab, "cannot load encoder")
    assert failure["error"].startswith("cannot load encoder")


@pytest.mark.slow
def test_a_failed_row_names_the_root_cause_not_the_keras_wrapper(tmp_path, aclimdb, tiny_vocab, tiny_standin,
                                                                 monkeypatch):
    _models_with(tiny_standin, tmp_path)
    monkeypatch.setenv(FAULT_ENV, f"layer-error-at-step:{TINY_MODEL}:1")  # bfloat16 times float32 in a nested layer
    failure = _suite_with_a_failing_model(tmp_path, aclimdb, tiny_vocab, "TypeError: Input 'y' of 'Mul' Op has "
                                          "type float32 that does not match type bfloat16 of argument 'x'.")
    assert "Exception encountered" not in (tmp_path / "out" / "leaderboard.md").read_text() + failure["error"]


@pytest.mark.slow
def test_suite_killed_mid_epoch_resumes_without_retraining_the_finished_model(tmp_path, aclimdb, tiny_vocab,
                                                                             tiny_standin, monkeypatch):
    _models_with(tiny_standin, tmp_path)
    shared = tmp_path / "shared"  # --checkpoint-dir: checkpoints there, not in the results folder
    command = ("run", "--model", "tfidf_logreg", "--model", TINY_MODEL, "--data-dir", str(aclimdb),
               "--vocab", str(tiny_vocab), "--epochs", "2", *TINY_RUN, "--checkpoint-dir", str(shared))
    # 32 training reviews in batches of 8: 4 steps per epoch; killed at step 6, the middle of epoch 2.
    monkeypatch.setenv(FAULT_ENV, f"kill-at-step:{TINY_MODEL}:6")
    killed = run_cli(*command, cwd=tmp_path)
    assert killed.returncode == 1 and "process killed by SIGKILL" in killed.stderr, killed.stderr[-3000:]
    (baseline_file,) = (tmp_path / "out" / "runs").glob("tfidf_logreg-*.json")
    baseline_bytes = baseline_file.read_bytes()
    (checkpoint,) = shared.iterdir()
    progress = read_progress(checkpoint)
    assert (progress["epochs_done"], progress["batches_done"]) == (1, 0)  # no time to save: the last epoch's
    assert not (tmp_path / "out" / "checkpoints").exists()

    monkeypatch.delenv(FAULT_ENV)
    resumed = run_cli(*command, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "tfidf_logreg: skipped" in resumed.stderr
    assert "resuming from the checkpoint after epoch 1 of 2" in resumed.stderr
    assert "suite: 1 run, 1 skipped (already done), 0 failed" in resumed.stdout
    assert baseline_file.read_bytes() == baseline_bytes and len(list((tmp_path / "out" / "runs").iterdir())) == 2
    run = _runs(tmp_path)[TINY_MODEL]
    assert run["resumed_from_epoch"] == 1 and run["resumed_from_step"] == 4
    assert [row["epoch"] for row in run["history"]] == [1, 2]
    assert run["config_hash"] == checkpoint.name
    steps = run["step_history"]
    assert [row["step"] for row in steps] == list(range(1, 9)) and [row["epoch"] for row in steps] == [1] * 4 + [2] * 4
    assert run["before_fine_tuning"]["examples"] == 20 and 0 <= run["before_fine_tuning"]["accuracy"] <= 1
    assert not checkpoint.exists() and shared.is_dir() and not list((tmp_path / "out" / "failed").iterdir())
    assert "resumed after epoch 1" in (tmp_path / "out" / "leaderboard.md").read_text()
    _check_tensorboard(tmp_path / "out", run, _runs(tmp_path)["tfidf_logreg"])


def _check_tensorboard(output: Path, run: dict, baseline: dict) -> None:
    """TensorBoard's own reader sees each run's scalars, both sessions of the resumed one, and its hparams."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray

    events = EventAccumulator(str(output / "tensorboard" / run["run_id"]), size_guidance={"tensors": 0})
    events.Reload()
    tags = set(events.Tags()["tensors"])
    assert {"train/loss", "train/accuracy", "train/learning_rate", "epoch/train_loss", "epoch/validation_accuracy",
            "epoch/train_examples_per_second", "test/accuracy", "speed/eval_examples_per_second"} <= tags

    def values(tag: str) -> list[tuple[int, float]]:
        return [(event.step, float(make_ndarray(event.tensor_proto))) for event in events.Tensors(tag)]

    steps = run["step_history"]
    assert values("train/loss") == [(row["step"], pytest.approx(row["loss"], rel=1e-5)) for row in steps]
    rates = [rate for _, rate in values("train/learning_rate")]
    assert len(rates) == 8 and max(rates) == pytest.approx(run["hyperparameters"]["learning_rate"], rel=1e-5)
    assert rates == sorted(rates, reverse=True) and rates[-1] > 0  # no warm-up step in 8; linear decay towards 0
    assert all(0 <= accuracy <= 1 for _, accuracy in values("train/accuracy"))
    assert values("epoch/validation_accuracy") == [
        (row["epoch"], pytest.approx(row["validation_accuracy"], rel=1e-5)) for row in run["history"]]
    assert values("test/accuracy") == [(8, pytest.approx(run["test"]["accuracy"], rel=1e-5))]
    assert "_hparams_/session_start_info" in tags
    classical = EventAccumulator(str(output / "tensorboard" / baseline["run_id"]), size_guidance={"tensors": 0})
    classical.Reload()
    assert {"epoch/validation_accuracy", "test/accuracy"} <= set(classical.Tags()["tensors"])


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_suite_saves_mid_epoch_and_the_same_command_resumes_there(how, tmp_path, aclimdb, tiny_vocab,
                                                                              tiny_standin):
    _models_with(tiny_standin, tmp_path)
    command = ("run", "--model", "tfidf_logreg", "--model", TINY_MODEL, "--data-dir", str(aclimdb),
               "--vocab", str(tiny_vocab), "--epochs", "2", *TINY_RUN)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent),
               **{FAULT_ENV: f"wait-for-signal-at-step:{TINY_MODEL}:6"})
    suite = subprocess.Popen([sys.executable, "-m", "benchmark", *command], cwd=tmp_path, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output = []
    for line in suite.stdout:  # the model's process reports when it is at step 6 and waits for the signal
        output.append(line)
        if "fault injection: waiting for a signal at step 6" in line:
            if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground process group
                os.killpg(suite.pid, signal.SIGINT)
            else:  # a scheduler sends SIGTERM to the process it started
                suite.send_signal(signal.SIGTERM)
    text = "".join(output)
    assert suite.wait(timeout=120) == 130, text[-3000:]
    assert f"interrupted: {TINY_MODEL} saved a checkpoint at epoch 2, step 2 of 4; rerun the same command" in text
    assert "Traceback" not in text
    (checkpoint,) = (tmp_path / "out" / "checkpoints").iterdir()
    progress = read_progress(checkpoint)
    assert (progress["epochs_done"], progress["batches_done"]) == (1, 2)
    assert [row["step"] for row in progress["step_history"]] == list(range(1, 7))
    assert not (tmp_path / "out" / "failed").exists() or not list((tmp_path / "out" / "failed").iterdir())
    assert list(_runs(tmp_path)) == ["tfidf_logreg"]

    resumed = run_cli(*command, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming from the checkpoint at epoch 2, step 2 of 4" in resumed.stderr
    run = _runs(tmp_path)[TINY_MODEL]
    assert run["resumed_from_epoch"] == 1 and run["resumed_from_step"] == 6
    assert [row["step"] for row in run["step_history"]] == list(range(1, 9))
    assert run["step_history"][:6] == round_floats(progress["step_history"])  # run files round to 6 digits
    epoch_2 = run["history"][1]  # equal batches: the epoch's loss is the mean of its four steps, two per session
    assert epoch_2["train_loss"] == pytest.approx(np.mean([row["loss"] for row in run["step_history"][4:]]), abs=1e-5)
    assert "resumed after step 6 (epoch 2)" in (tmp_path / "out" / "leaderboard.md").read_text()
    assert not (tmp_path / "out" / "checkpoints").exists()


@pytest.mark.slow
def test_nan_loss_in_a_suite_is_a_failed_row_and_the_suite_carries_on(tmp_path, aclimdb, tiny_vocab, tiny_standin,
                                                                      monkeypatch):
    _models_with(tiny_standin, tmp_path)
    monkeypatch.setenv(FAULT_ENV, f"nan-weights-at-step:{TINY_MODEL}:2")
    _suite_with_a_failing_model(tmp_path, aclimdb, tiny_vocab,
                                "TrainingDiverged: training loss became nan at epoch 1, step 3: lower --learning-rate")
