"""The best epoch by validation accuracy, a tie going to the lower validation loss: kept during training, restored
before testing, and recorded."""

import numpy as np
import pytest
import tf_keras

from benchmark.training.best_epoch import BestEpoch, best_of

X = np.linspace(-1, 1, 32, dtype=np.float32).reshape(16, 2)
Y = (X[:, 0] > X[:, 1]).astype(np.float32)


def tiny_model() -> tf_keras.Model:
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([tf_keras.layers.Dense(3, activation="relu", input_shape=(2,)),
                                 tf_keras.layers.Dense(1)])
    model.compile(optimizer=tf_keras.optimizers.SGD(0.5),
                  loss=tf_keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def epochs(callback: BestEpoch, model: tf_keras.Model, accuracies, losses=None) -> list[list[np.ndarray]]:
    """Drive ``callback`` as Keras' fit does, one epoch per validation accuracy (and loss), each with new weights;
    return each epoch's weights."""
    callback.set_model(model)
    seen = []
    for epoch, accuracy in enumerate(accuracies):
        model.fit(X, Y, epochs=1, verbose=0)
        seen.append(model.get_weights())
        logs = {"val_accuracy": accuracy} | ({"val_loss": losses[epoch]} if losses else {})
        callback.on_epoch_end(epoch, logs)
    return seen


def recorded(record: dict) -> dict:
    """The fields of a ``best_epoch`` record that earlier schema versions had too."""
    return {k: record[k] for k in ("epoch", "validation_accuracy", "restored", "tested_epoch")}


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_the_best_epoch_is_restored_and_the_test_scores_are_its_weights():
    model = tiny_model()
    best = BestEpoch()
    seen = epochs(best, model, [0.6, 0.8, 0.7])
    assert not same(seen[1], seen[2])
    record = best.restore(model)
    assert recorded(record) == {"epoch": 2, "validation_accuracy": 0.8, "restored": True, "tested_epoch": 2}
    assert same(model.get_weights(), seen[1])
    restored_scores = model.evaluate(X, Y, verbose=0)
    model.set_weights(seen[1])
    assert model.evaluate(X, Y, verbose=0) == restored_scores


def test_a_tie_keeps_the_earlier_epoch_and_the_last_epoch_needs_no_restore():
    model = tiny_model()
    best = BestEpoch()
    seen = epochs(best, model, [0.5, 0.75, 0.75])
    assert best.restore(model)["epoch"] == 2 and same(model.get_weights(), seen[1])
    last = BestEpoch()
    seen = epochs(last, model, [0.5, 0.9])
    assert recorded(last.restore(model)) == {"epoch": 2, "validation_accuracy": 0.9, "restored": False,
                                             "tested_epoch": 2}
    assert same(model.get_weights(), seen[1])


def test_switched_off_the_last_epoch_is_tested_and_the_best_still_recorded():
    model = tiny_model()
    best = BestEpoch()
    seen = epochs(best, model, [0.9, 0.6])
    assert recorded(best.restore(model, enabled=False)) == {"epoch": 1, "validation_accuracy": 0.9,
                                                            "restored": False, "tested_epoch": 2}
    assert same(model.get_weights(), seen[1])


def test_without_validation_nothing_is_recorded():
    model = tiny_model()
    best = BestEpoch()
    best.set_model(model)
    best.on_epoch_end(0, {"loss": 0.3})
    assert best.restore(model) is None and best_of([{"epoch": 1, "train_loss": 0.3}]) is None


def test_a_resumed_run_restores_the_best_epoch_of_an_earlier_session_from_its_checkpoint_folder(tmp_path):
    model = tiny_model()
    first = BestEpoch(directory=tmp_path)
    seen = epochs(first, model, [0.6, 0.9])
    history = [{"epoch": 1, "validation_accuracy": 0.6}, {"epoch": 2, "validation_accuracy": 0.9}]
    resumed = BestEpoch(history, directory=tmp_path)  # a new process: nothing in memory
    resumed.set_model(model)
    model.fit(X, Y, epochs=1, verbose=0)
    resumed.on_epoch_end(2, {"val_accuracy": 0.7})
    assert not same(model.get_weights(), seen[1])
    assert resumed.restore(model)["restored"] and same(model.get_weights(), seen[1])


def test_a_validation_accuracy_tie_goes_to_the_epoch_with_the_lower_validation_loss():
    model = tiny_model()
    best = BestEpoch()
    # the case: both epochs at 85.00%, the second with the lower loss (0.3497 against 0.3581)
    seen = epochs(best, model, [0.85, 0.85], losses=[0.3581, 0.3497])
    record = best.restore(model)
    assert (record["epoch"], record["validation_loss"], record["restored"]) == (2, 0.3497, False)
    assert record["rule"] == "accuracy_then_loss"
    assert record["candidates"] == {"validation_accuracy": {"epoch": 1, "validation_accuracy": 0.85,
                                                            "validation_loss": 0.3581},
                                    "validation_loss": {"epoch": 2, "validation_accuracy": 0.85,
                                                        "validation_loss": 0.3497}}
    assert same(model.get_weights(), seen[1])
    # a lower loss never outvotes a higher accuracy, and a restored tie-winner is the one tested
    again = BestEpoch()
    seen = epochs(again, model, [0.80, 0.85, 0.85, 0.84], losses=[0.30, 0.40, 0.38, 0.20])
    record = again.restore(model)
    assert (record["epoch"], record["restored"], record["tested_epoch"]) == (3, True, 3)
    assert record["candidates"]["validation_loss"]["epoch"] == 4
    assert same(model.get_weights(), seen[2])


@pytest.mark.parametrize("history, expected", [
    ([{"epoch": 1, "validation_accuracy": 0.5}, {"epoch": 2, "validation_accuracy": 0.7},
      {"epoch": 3, "validation_accuracy": 0.7}], (2, 0.7)),
    ([{"epoch": 1, "validation_accuracy": 0.8}, {"epoch": 2, "validation_accuracy": 0.7}], (1, 0.8)),
    ([{"epoch": 1, "validation_accuracy": 0.7, "validation_loss": 0.5},
      {"epoch": 2, "validation_accuracy": 0.7, "validation_loss": 0.4}], (2, 0.7)),
    ([{"epoch": 1, "validation_accuracy": 0.7, "validation_loss": 0.4},
      {"epoch": 2, "validation_accuracy": 0.7, "validation_loss": 0.4}], (1, 0.7)),
])
def test_best_of_a_history_ranks_accuracy_then_loss_then_the_earlier_epoch(history, expected):
    best = best_of(history)
    assert (best["epoch"], best["validation_accuracy"]) == expected


def test_an_export_is_described_and_ranked_by_the_validation_of_the_epoch_it_carries():
    import dataclasses

    from benchmark.deploy.model_card import tested_validation
    from test_report import make_run

    history = [{"epoch": 1, "validation_loss": 0.3, "validation_accuracy": 0.9},
               {"epoch": 2, "validation_loss": 0.5, "validation_accuracy": 0.7}]
    run = dataclasses.replace(make_run(), history=history)
    assert tested_validation(run) == {"validation_loss": 0.5, "validation_accuracy": 0.7}
    restored = dataclasses.replace(run, best_epoch={"epoch": 1, "validation_accuracy": 0.9, "restored": True,
                                                    "tested_epoch": 1})
    assert tested_validation(restored) == {"validation_loss": 0.3, "validation_accuracy": 0.9}
