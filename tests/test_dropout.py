"""BitDropout draws the same Bernoulli mask as Keras's Dropout, from 16 random bits per element."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from benchmark.encoders.bit_dropout import LEVELS, BitDropout, bit_dropout, keep_scale, threshold, use_bit_dropout
from benchmark.encoders.registry import get_spec
from conftest import TINY_MODEL


def test_the_rate_is_rounded_to_sixteen_bits_and_the_scale_keeps_the_expectation():
    assert threshold(0.1) == 6554 and threshold(0.0) == 0
    assert keep_scale(0.1) == pytest.approx(1 / (1 - 6554 / LEVELS))
    assert (1 - threshold(0.1) / LEVELS) * keep_scale(0.1) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="in \\[0, 1\\)"):
        threshold(1.0)


@pytest.mark.parametrize("dtype", [tf.float32, tf.bfloat16])
def test_drops_the_rate_of_elements_and_scales_the_rest(dtype):
    tf.random.set_seed(3)
    shape = (7, 301, 97)  # an odd number of elements: the last 32-bit draw is half used
    out = bit_dropout(tf.ones(shape, dtype), 0.1).numpy().astype(np.float64)
    assert out.shape == shape
    dropped = np.mean(out == 0)
    sigma = np.sqrt(0.1 * 0.9 / out.size)
    assert abs(dropped - threshold(0.1) / LEVELS) < 5 * sigma
    kept = out[out != 0]
    np.testing.assert_allclose(kept, float(tf.cast(keep_scale(0.1), dtype)), rtol=0)
    assert abs(out.mean() - 1.0) < 0.01
    # neighbouring elements (the two halves of one 32-bit draw) are independent: P(both dropped) = rate squared
    flat = out.reshape(-1)[: out.size // 2 * 2].reshape(-1, 2) == 0
    assert abs(np.mean(flat[:, 0] & flat[:, 1]) - dropped**2) < 0.005


def test_the_gradient_is_the_mask_times_the_scale():
    tf.random.set_seed(4)
    x = tf.Variable(tf.random.normal((64, 33)))
    with tf.GradientTape() as tape:
        out = bit_dropout(x, 0.25)
        loss = tf.reduce_sum(out * 3.0)
    gradient = tape.gradient(loss, x).numpy()
    mask = out.numpy() != 0
    np.testing.assert_allclose(gradient[mask], 3.0 * keep_scale(0.25), rtol=1e-6)
    assert np.all(gradient[~mask] == 0) and 0 < mask.mean() < 1


def test_layer_drops_only_in_training_and_redraws_every_call():
    layer = BitDropout(0.5)
    x = tf.ones((32, 64))
    np.testing.assert_array_equal(layer(x, training=False), x)
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert 0.4 < np.mean(first == 0) < 0.6 and not np.array_equal(first == 0, second == 0)
    np.testing.assert_array_equal(BitDropout(0.0)(x, training=True), x)


def test_a_noise_shape_keeps_keras_masks_shared_along_its_axes():
    out = BitDropout(0.5, noise_shape=(32, 1))(tf.ones((32, 64)), training=True).numpy()
    assert all(len(set(row)) == 1 for row in out)  # a whole row kept or dropped


def test_same_seeds_give_the_same_masks():
    def masks():
        tf.random.set_seed(11)
        layer = BitDropout(0.3, seed=5)
        return [layer(tf.ones((16, 16)), training=True).numpy() == 0 for _ in range(2)]

    first, second = masks(), masks()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.slow
def test_the_native_encoder_has_no_plain_dropout_left(tiny_standin):
    from benchmark.training.classifier import build_native_classifier

    model = build_native_classifier(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), 16, "mixed_bfloat16")
    encoder = next(layer for layer in model.layers if "encoder" in layer.name)
    kinds = {type(layer) for layer in encoder.submodules if isinstance(layer, tf_keras.layers.Dropout)}
    assert kinds == {BitDropout}
    assert use_bit_dropout(encoder) == 0  # nothing left to convert
    weights = [w.numpy() for w in model.trainable_weights]
    ids = np.full((4, 16), 7, np.int32)
    features = {"input_word_ids": ids, "input_mask": np.ones_like(ids), "input_type_ids": np.zeros_like(ids)}
    trained, inference = model(features, training=True), model(features, training=False)
    assert not np.allclose(trained, inference)  # dropout is active in training, off in inference
    assert all(np.array_equal(w, v.numpy()) for w, v in zip(weights, model.trainable_weights))
