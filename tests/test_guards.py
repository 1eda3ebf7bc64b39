"""Training guards: a diverging loss stops the run; chance-level accuracy is recognised."""

import numpy as np
import pytest
import tf_keras

from benchmark.training.callbacks import StopOnNonFiniteLoss, TrainingDiverged
from benchmark.records.metrics import is_at_chance


def test_nan_loss_stops_training_with_a_clear_error():
    model = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=tf_keras.optimizers.SGD(1e30), loss="mse")  # diverges at once
    x = np.ones((64, 2), np.float32)
    y = np.full((64, 1), 1e20, np.float32)
    with pytest.raises(TrainingDiverged, match=r"training loss became (nan|inf) at epoch 1, step \d+: lower --learning-rate"):
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[StopOnNonFiniteLoss()])


def test_finite_training_is_left_alone():
    model = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((16, 2)), np.ones((16, 1)), epochs=2, verbose=0, callbacks=[StopOnNonFiniteLoss()])
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("accuracy,examples,expected", [
    (0.5, 1000, True), (0.52, 1000, True), (0.54, 1000, False), (0.6, 100, False), (0.55, 100, True),
    (0.93, 25000, False), (0.0, 0, True),
])
def test_chance_level(accuracy, examples, expected):
    assert is_at_chance(accuracy, examples) is expected
