"""The inference runtimes probe: TFLite float32 computes what Keras does; int8 drifts a little; a table results."""

import pytest

pytestmark = pytest.mark.slow


def test_probe_runtimes_agree_with_keras_float32_as_far_as_their_precision_allows(tmp_path):
    from benchmark.int8_probe import main, probe

    rows = {row["runtime"]: row for row in probe("small_bert_l2_h128", 16, 2, steps=1, rounds=1, seed=0)}
    assert len(rows) == 4 and rows["Keras float32"]["max_logit_difference"] == 0
    assert rows["TFLite float32 (XNNPACK), [CLS]-only"]["max_logit_difference"] < 1e-4  # the same function
    assert 0 < rows["TFLite int8 dynamic-range, [CLS]-only"]["max_logit_difference"] < 0.1  # quantized, close
    assert all(row["examples_per_second"] > 0 and len(row["rounds"]) == 1 for row in rows.values())

    out = tmp_path / "probe.md"
    assert main(["--model", "small_bert_l2_h128", "--seq-length", "16", "--batch-size", "2", "--steps", "1",
                 "--rounds", "1", "--output", str(out)]) == 0
    text = out.read_text()
    assert "`python -m benchmark.int8_probe --model small_bert_l2_h128 --seq-length 16" in text
    assert text.count("| TFLite") == 2 and "(random weights)" in text


def test_probe_refuses_a_non_positive_setting(capsys):
    from benchmark.int8_probe import main

    assert main(["--steps", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --steps must be positive, got 0"


@pytest.mark.parametrize("bucketing", [False, True])
def test_tflite_scoring_of_a_trained_native_model_follows_its_keras_logits(tiny_standin, bucketing):
    import numpy as np

    from benchmark.training.classifier import build_native_classifier
    from benchmark.data.packing import EncodedSplit
    from benchmark.encoders.registry import get_spec
    from benchmark.training.evaluation import predict_logits
    from benchmark.training.tflite import from_trained
    from conftest import TINY_MODEL

    spec = get_spec(TINY_MODEL)
    trained = build_native_classifier(spec, str(tiny_standin.encoder_path), None, "mixed_bfloat16")
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 30, (7, 48)).astype(np.int32)
    mask = np.ones_like(ids)
    for row, length in ((1, 20), (3, 10), (5, 33)):  # padded reviews: length order differs from the split's
        ids[row, length:], mask[row, length:] = 0, 0
    encoded = EncodedSplit({"input_word_ids": ids, "input_mask": mask, "input_type_ids": np.zeros_like(ids)},
                           np.zeros(7, np.float32), mask.sum(axis=1))
    expected = build_native_classifier(spec, str(tiny_standin.encoder_path), 48, "float32")
    expected.set_weights(trained.get_weights())
    reference = expected.predict(encoded.features, verbose=0)[:, 0]
    exact = predict_logits(from_trained(spec, str(tiny_standin.encoder_path), trained, "tflite", 1),
                           encoded, 3, bucketing)
    np.testing.assert_allclose(exact, reference, atol=1e-4)  # batches of 3, 3, 1 (widths 32/48): resized
    int8 = predict_logits(from_trained(spec, str(tiny_standin.encoder_path), trained, "tflite-int8", 1),
                          encoded, 3, bucketing)
    np.testing.assert_allclose(int8, reference, atol=0.05)
    assert not np.array_equal(int8, reference)  # quantized, so not bit for bit
