"""Length bucketing: documented widths, every example exactly once, deterministic with the seed."""

import numpy as np

import pytest
import tensorflow as tf

from benchmark.data.packing import EncodedSplit
from benchmark.training.pipeline import (bucket_steps, bucket_widths, evaluation_dataset, evaluation_steps,
                                         steps_per_pass, to_dataset, training_batches)


def encoded(lengths, seq_length: int) -> EncodedSplit:
    """Packed rows whose second token is the row's index (plus 10), so every row can be told apart."""
    count = len(lengths)
    word_ids = np.zeros((count, seq_length), np.int32)
    mask = np.zeros_like(word_ids)
    for row, length in enumerate(lengths):
        word_ids[row, :length] = 5
        word_ids[row, 1] = row + 10
        mask[row, :length] = 1
    features = {"input_word_ids": word_ids, "input_mask": mask, "input_type_ids": np.zeros_like(word_ids)}
    return EncodedSplit(features, (np.arange(count) % 2).astype(np.float32), np.asarray(lengths, np.int32))


def test_bucket_widths_are_the_fixed_widths_below_the_length_then_the_length():
    assert bucket_widths(512) == (64, 128, 256, 512)
    assert bucket_widths(300) == (64, 128, 256, 300)
    assert bucket_widths(128) == (64, 128)
    assert bucket_widths(32) == (32,)


def test_bucketing_pads_each_batch_to_its_bucket_and_keeps_every_example_once():
    rng = np.random.default_rng(0)
    lengths = np.concatenate([[2, 64, 65, 128, 129, 256, 257, 512], rng.integers(2, 513, 60)])
    data = encoded(lengths, 512)
    seen = []
    batches = list(to_dataset(data, 8, shuffle_seed=3, bucketing=True).as_numpy_iterator())
    for features, labels in batches:
        width = features["input_word_ids"].shape[1]
        assert width in (64, 128, 256, 512)
        rows = features["input_word_ids"][:, 1] - 10
        real = features["input_mask"].sum(axis=1)
        np.testing.assert_array_equal(real, lengths[rows])  # nothing cut off
        assert (lengths[rows] <= width).all()
        smaller = max([w for w in (64, 128, 256, 512) if w < width], default=0)
        assert (lengths[rows] > smaller).all()  # in the smallest bucket that holds it
        np.testing.assert_array_equal(labels, rows % 2)
        seen.extend(rows.tolist())
    assert sorted(seen) == list(range(len(lengths)))
    assert len(batches) == bucket_steps(lengths, 512, 8) == steps_per_pass(data, 8, True, 512)


def test_bucketing_is_deterministic_for_a_seed():
    data = encoded(np.random.default_rng(1).integers(2, 129, 40), 128)

    def order(seed):
        return [b[0]["input_word_ids"][:, 1].tolist() for b in to_dataset(data, 4, seed, True).as_numpy_iterator()]

    assert order(7) == order(7)
    assert order(7) != order(8)


def test_without_bucketing_batches_keep_the_full_length():
    data = encoded([3, 10, 32, 5, 7], 32)
    batches = list(to_dataset(data, 2).as_numpy_iterator())
    assert [b[0]["input_word_ids"].shape for b in batches] == [(2, 32), (2, 32), (1, 32)]
    assert steps_per_pass(data, 2, False, 32) == 3
    assert len(list(to_dataset(data, 2, drop_remainder=True).as_numpy_iterator())) == 2


def test_take_keeps_features_labels_and_lengths_together():
    split = encoded([3, 5, 7, 9], seq_length=12)
    taken = split.take(np.array([2, 0]))
    assert taken.labels.tolist() == [split.labels[2], split.labels[0]]
    assert taken.lengths.tolist() == [7, 3]
    for name, values in taken.features.items():
        np.testing.assert_array_equal(values, split.features[name][[2, 0]])


@pytest.mark.parametrize("bucketing", [False, True])
def test_training_batches_resumed_at_any_step_are_the_uninterrupted_ones(bucketing):
    data = encoded([int(n) for n in np.random.default_rng(1).integers(3, 200, 30)], 256)
    rows = lambda dataset: [b[0]["input_word_ids"][:, 1].tolist() for b in dataset.as_numpy_iterator()]  # noqa: E731
    steps = steps_per_pass(data, 4, bucketing, 256)
    whole = rows(training_batches(data, 4, seed=7, first_epoch=0, end_epoch=3, bucketing=bucketing))
    assert len(whole) == 3 * steps
    epochs = [sorted(sum(whole[e * steps:(e + 1) * steps], [])) for e in range(3)]
    assert epochs[0] == epochs[1] == epochs[2] == list(range(10, 40))  # each epoch is one pass over every review
    assert whole[:steps] != whole[steps:2 * steps]  # ... in its own order
    for skip in (1, steps - 1):  # interrupted mid-epoch 2, resumed: the rest of epoch 2, then epoch 3
        resumed = rows(training_batches(data, 4, seed=7, first_epoch=1, end_epoch=3, bucketing=bucketing, skip=skip))
        assert resumed == whole[steps + skip:]
    assert rows(training_batches(data, 4, seed=8, first_epoch=0, end_epoch=1, bucketing=bucketing)) != whole[:steps]


def test_evaluation_goes_in_length_order_with_batches_padded_to_a_multiple_of_32():
    lengths = [int(n) for n in np.random.default_rng(2).integers(3, 300, 37)]
    data = encoded(lengths, 256)
    dataset, order = evaluation_dataset(data, 8, bucketing=True)
    batches = list(dataset.as_numpy_iterator())
    assert len(batches) == evaluation_steps(data, 8) == 5
    rows = [row for features, _ in batches for row in features["input_word_ids"][:, 1].tolist()]
    assert rows == (order + 10).tolist() and sorted(rows) == list(range(10, 47))  # every review once, in order
    assert np.all(np.diff(np.asarray(lengths)[order]) >= 0)
    for features, labels in batches:
        longest = int(features["input_mask"].sum(axis=1).max())
        assert features["input_word_ids"].shape[1] == min(256, -(-longest // 32) * 32)
        assert np.array_equal(labels, (features["input_word_ids"][:, 1] - 10) % 2)
    plain, none = evaluation_dataset(data, 8, bucketing=False)
    assert none is None and all(f["input_word_ids"].shape[1] == 256 for f, _ in plain.as_numpy_iterator())


def test_predictions_from_length_order_come_back_in_the_split_order():
    import tf_keras

    from benchmark.training.evaluation import predict_probabilities, predict_logits

    inputs = {name: tf_keras.Input((None,), dtype="int32", name=name)
              for name in ("input_word_ids", "input_mask", "input_type_ids")}
    marker = tf_keras.layers.Lambda(lambda x: tf.cast(x[:, 1:2], tf.float32) - 30.0)(inputs["input_word_ids"])
    model = tf_keras.Model(inputs, marker)
    data = encoded([int(n) for n in np.random.default_rng(3).integers(3, 100, 21)], 128)
    for bucketing in (True, False):
        probabilities = predict_probabilities(model, data, 4, 0, bucketing)
        expected = 1 / (1 + np.exp(-(np.arange(21) + 10 - 30.0)))
        assert np.allclose(probabilities, expected)
        assert np.allclose(predict_logits(model, data, 4, bucketing), np.arange(21) + 10 - 30.0)
