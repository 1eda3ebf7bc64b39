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


@pytest.mark.slow
def test_optimizer_probe_times_both_optimizers_and_writes_its_command(tmp_path):
    from benchmark.optimizer_probe import OPTIMIZERS, main, probe

    rows = probe("small_bert_l2_h128", 16, 2, "mixed_bfloat16", steps=1, rounds=2, seed=0)
    assert [row["variant"] for row in rows] == list(OPTIMIZERS)
    assert rows[0]["vs_first"] == 1.0 and rows[1]["vs_first"] > 0
    assert all(row["examples_per_second"] > 0 and len(row["rounds"]) == 2 for row in rows)
    out = tmp_path / "probe.md"
    assert main(["--model", "small_bert_l2_h128", "--seq-length", "16", "--batch-size", "2", "--steps", "1",
                 "--rounds", "1", "--output", str(out)]) == 0
    text = out.read_text()
    assert "`python -m benchmark.optimizer_probe --model small_bert_l2_h128 --seq-length 16" in text
    assert text.count("| this project (fused embedding update) |") == 1


def test_optimizer_probe_refuses_a_non_positive_setting(capsys):
    from benchmark.optimizer_probe import main

    assert main(["--rounds", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --rounds must be positive, got 0"

