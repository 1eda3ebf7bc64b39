"""The fused optimizer computes tf-models' AdamW update, for dense and sparse (embedding) gradients alike."""

import numpy as np
import pytest


def train_embedding_and_kernel(fused_sparse: bool, steps: int = 5) -> list[np.ndarray]:
    """A few AdamW steps on an embedding table (sparse gradients, repeated ids) and a dense kernel."""
    import tensorflow as tf

    from benchmark.training.optimizer import adamw

    rng = np.random.default_rng(0)
    table = tf.Variable(rng.normal(size=(50, 8)).astype(np.float32), name="word_embeddings")
    kernel = tf.Variable(rng.normal(size=(8, 3)).astype(np.float32), name="dense/kernel")
    bias = tf.Variable(np.zeros(3, np.float32), name="dense/bias")  # excluded from weight decay
    optimizer = adamw(1e-2, total_steps=20, warmup_steps=2, fused_sparse=fused_sparse)
    for step in range(steps):
        ids = tf.constant(np.random.default_rng(step).integers(0, 50, 12) // 2)  # only even rows, repeats
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(tf.gather(table, ids) @ kernel + bias - 1.0))
        grads = tape.gradient(loss, [table, kernel, bias])
        assert isinstance(grads[0], tf.IndexedSlices)
        optimizer.apply_gradients(zip(grads, [table, kernel, bias]))
    slots = [optimizer.get_slot(table, name).numpy() for name in ("m", "v")]
    return [table.numpy(), kernel.numpy(), bias.numpy(), *slots]


def test_fused_sparse_update_equals_tf_models_adamw():
    reference = train_embedding_and_kernel(fused_sparse=False)
    fused = train_embedding_and_kernel(fused_sparse=True)
    for got, want in zip(fused, reference):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    untouched_rows = reference[0][1::2]  # odd rows: never looked up, yet decayed and moved by their momentum
    assert not np.allclose(untouched_rows, np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)[1::2])


def test_fused_optimizer_keeps_tf_models_settings():
    from official.modeling.optimization.legacy_adamw import AdamWeightDecay

    from benchmark.training.optimizer import DenseAdamWeightDecay, adamw

    reference, fused = adamw(3e-5, 100, 10, fused_sparse=False), adamw(3e-5, 100, 10)
    assert type(reference) is AdamWeightDecay and isinstance(fused, DenseAdamWeightDecay)
    for step in (0, 5, 10, 50, 100):
        assert float(fused.learning_rate(step)) == pytest.approx(float(reference.learning_rate(step)))
    assert fused.get_config() | {"learning_rate": None} == reference.get_config() | {"learning_rate": None}
    assert fused._exclude_from_weight_decay == reference._exclude_from_weight_decay  # noqa: SLF001
    assert fused.gradient_clip_norm == reference.gradient_clip_norm
