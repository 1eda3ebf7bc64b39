"""Training bookkeeping: exact per-step losses, epoch totals across a resume, and how interrupts are taken."""

import os
import signal
import time

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from benchmark.training.checkpoints import CheckpointUnreadable, TrainingState, read_progress
from benchmark.training.callbacks import EpochTally, ExamplesSeen, StepLoss
from benchmark.training.interrupts import InterruptRequests


def test_step_losses_are_exact_for_batches_of_any_size():
    model = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(2,))])
    # A zero learning rate keeps the weights fixed, so each batch's loss can be recomputed afterwards.
    model.compile(optimizer=tf_keras.optimizers.SGD(0.0), loss="mse", metrics=[ExamplesSeen()])
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=(n, 2)).astype(np.float32), rng.normal(size=(n, 1)).astype(np.float32))
               for n in (8, 3, 5, 1)]  # uneven, as with bucketing

    dataset = tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=(
        tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([None, 1], tf.float32)))
    steps = StepLoss(first_step=10)
    model.fit(dataset, epochs=2, verbose=0, callbacks=[steps])
    expected = [float(np.mean((model.predict(x, verbose=0) - y) ** 2)) for x, y in batches]
    assert [row["step"] for row in steps.rows] == list(range(11, 19))
    assert [row["epoch"] for row in steps.rows] == [1] * 4 + [2] * 4
    # float32 rounding differs between fit and predict by ~1e-7; a wrong average would be off by far more.
    assert [row["loss"] for row in steps.rows] == pytest.approx(expected * 2, rel=1e-5, abs=1e-6)
    assert [row["learning_rate"] for row in steps.rows] == [0.0] * 8 and "accuracy" not in steps.rows[0]


def test_epoch_totals_combine_the_sessions_of_an_interrupted_epoch():
    # Session 1: 2 batches, 12 examples, running means loss 0.5 / accuracy 0.75; session 2: 4 examples, 1.0 / 0.25.
    first = EpochTally().plus(2, {"examples": 12.0, "loss": 0.5, "accuracy": 0.75}, 30.0)
    both = first.plus(1, {"examples": 4.0, "loss": 1.0, "accuracy": 0.25}, 10.0)
    assert (both.batches, both.examples, both.seconds) == (3, 16, 40.0)
    assert both.means() == pytest.approx({"train_loss": (6 + 4) / 16, "train_accuracy": (9 + 1) / 16})
    assert EpochTally().means() == {}


def test_an_armed_interrupt_is_a_request_and_a_later_second_one_stops_at_once(monkeypatch):
    monkeypatch.setattr("benchmark.training.interrupts.REPEAT_GRACE_SECONDS", 0.2)
    previous = signal.getsignal(signal.SIGINT)
    with InterruptRequests() as requests:
        requests.armed = True
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)  # the same keypress reaching us twice (forwarded by the suite)
        time.sleep(0.05)
        assert requests.signum == signal.SIGTERM
        time.sleep(0.3)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    assert signal.getsignal(signal.SIGINT) is previous


def test_an_interrupt_outside_an_epoch_stops_at_once():
    with InterruptRequests() as requests, pytest.raises(KeyboardInterrupt):
        assert not requests.armed
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)


def _tiny_model(width: int) -> tf_keras.Model:
    model = tf_keras.Sequential([tf_keras.layers.Dense(width, input_shape=(2,)), tf_keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_progress_travels_inside_the_checkpoint(tmp_path):
    model = _tiny_model(3)
    TrainingState(tmp_path / "ckpt", model, model.optimizer).save({"epochs_done": 1, "batches_done": 2}, 6)
    assert read_progress(tmp_path / "ckpt") == {"epochs_done": 1, "batches_done": 2}
    again = _tiny_model(3)
    assert TrainingState(tmp_path / "ckpt", again, again.optimizer).restore() == {"epochs_done": 1, "batches_done": 2}
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))
    assert TrainingState(tmp_path / "empty", again, again.optimizer).restore() is None


@pytest.mark.parametrize("damage", ["other model", "truncated"])
def test_an_unreadable_checkpoint_says_which_folder_to_delete(tmp_path, damage):
    model = _tiny_model(3)
    TrainingState(tmp_path / "ckpt", model, model.optimizer).save({"epochs_done": 1}, 4)
    if damage == "truncated":
        (data,) = (tmp_path / "ckpt").glob("*.data-*")
        data.write_bytes(data.read_bytes()[:10])
    other = _tiny_model(5 if damage == "other model" else 3)
    with pytest.raises(CheckpointUnreadable, match=r"cannot resume from .*ckpt: .*; delete that folder to start"):
        TrainingState(tmp_path / "ckpt", other, other.optimizer).restore()
