"""``run --inference``: the test set scored by TensorFlow Lite, hashed apart and labelled wherever it shows."""

import dataclasses

import pytest

from benchmark.core.errors import UsageError
from benchmark.training.config import RunConfig
from conftest import TINY_MODEL


def test_an_unknown_inference_runtime_is_a_usage_error():
    with pytest.raises(UsageError, match="--inference must be one of keras, tflite, tflite-int8, got 'onnx'"):
        RunConfig(inference="onnx").validate()


def test_tflite_scored_runs_have_a_row_and_label_of_their_own():
    from benchmark.leaderboard.rows import STANDIN_LABEL, latest_per_model, weights_label
    from benchmark.records.repeats import repeat_group
    from test_report import make_run

    keras = make_run("a", 0.8, "2026-01-01T00:00:00+00:00", weights="stand-in")
    int8 = make_run("a", 0.79, "2026-01-02T00:00:00+00:00", weights="stand-in")
    int8 = dataclasses.replace(int8, hyperparameters=int8.hyperparameters | {"inference": "tflite-int8"})
    assert [weights_label(run) for run in latest_per_model([keras, int8])] == [
        STANDIN_LABEL, STANDIN_LABEL + "; test scored by TensorFlow Lite int8 (dynamic-range quantized weights)"]
    explicit = dataclasses.replace(keras, hyperparameters=keras.hyperparameters | {"inference": "keras"})
    assert repeat_group(explicit) == repeat_group(keras) != repeat_group(int8)  # older files: Keras


@pytest.mark.slow
def test_tflite_float32_scores_the_test_set_as_keras_does(aclimdb, tiny_standin):
    import numpy as np

    from benchmark.data.imdb import load_imdb
    from benchmark.records.metrics import classification_metrics, sigmoid
    from benchmark.training.pipeline import tokenize_split
    from benchmark.encoders.loading import load_handle
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.source import EncoderSource
    from benchmark.training.identity import config_hash
    from benchmark.training.fine_tune import fine_tune
    from benchmark.training.evaluation import predict_logits
    from benchmark.data.prepared import prepare_data

    config = RunConfig(epochs=1, batch_size=8, seq_length=32, train_samples=40, test_samples=24, bucketing=True,
                       precision="float32", inference="tflite")
    data = prepare_data(load_imdb(aclimdb), config)
    source = EncoderSource(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), str(tiny_standin.preprocessor_path),
                           "stand-in")
    trained = {}
    result = fine_tune(source, data, config, "test", on_trained=lambda model, _: trained.update(model=model))
    assert not any(layer.__class__.__name__ == "KerasLayer" for layer in trained["model"].layers)  # native, float32
    test = tokenize_split(data.test, load_handle(source.preprocessor_handle, "preprocessor"), 32, "head")
    keras = classification_metrics(test.labels, sigmoid(predict_logits(trained["model"], test, 8, bucketing=True)))
    assert result.test["loss"] == pytest.approx(keras["loss"], abs=1e-4)
    assert result.test["accuracy"] == keras["accuracy"]
    assert result.hyperparameters["inference"] == "tflite"
    assert result.hyperparameters["inference_runtime"].startswith("TensorFlow Lite float32 (converted in ")
    keras_config = dataclasses.replace(config, inference="keras")
    assert result.config_hash == config_hash(source, config, data) != config_hash(source, keras_config, data)
    assert np.isfinite(result.timing["eval_seconds"])


def test_tflite_inference_refuses_an_encoder_that_cannot_be_rebuilt(tiny_standin, monkeypatch):
    from benchmark.training import classifier
    from benchmark.encoders.registry import get_spec

    def mismatch(*args, **kwargs):
        raise UsageError("the native encoder does not match the SavedModel's variables")

    monkeypatch.setattr(classifier, "build_native_classifier", mismatch)
    spec, handle = get_spec(TINY_MODEL), str(tiny_standin.encoder_path)
    with pytest.raises(UsageError, match="use --inference keras for this model"):
        classifier.build_with_fallback(spec, handle, 32, "float32", native=True)


@pytest.mark.parametrize("family,embedding_size", [("bert", None), ("albert", 16), ("talking_heads", None),
                                                   ("distilbert", None)])
def test_every_encoder_family_converts_to_tflite_and_computes_the_same_logits(family, embedding_size):
    """A conversion failure would only show after a whole fine-tuning run, so every family is converted here."""
    import numpy as np
    import tensorflow as tf
    import tf_keras

    from benchmark.encoders.build import build_encoder
    from benchmark.encoders.spec import ENCODER_INPUTS
    from benchmark.encoders.families import CLS_ONLY_FAMILIES
    from benchmark.encoders.registry import get_spec
    from benchmark.training.tflite import TfliteClassifier

    spec = dataclasses.replace(get_spec(TINY_MODEL), family=family, num_layers=2, hidden_size=32, num_heads=2,
                               intermediate_size=64, embedding_size=embedding_size)
    tf_keras.utils.set_random_seed(0)
    encoder = build_encoder(spec, 50, cls_only=family in CLS_ONLY_FAMILIES)
    inputs = {name: tf_keras.layers.Input(shape=(None,), dtype=tf.int32, name=name) for name in ENCODER_INPUTS}
    model = tf_keras.Model(inputs, tf_keras.layers.Dense(1)(encoder(inputs)["pooled_output"]))
    ids = np.random.default_rng(0).integers(3, 50, (3, 16)).astype(np.int32)
    batch = {"input_word_ids": ids, "input_mask": np.ones_like(ids), "input_type_ids": np.zeros_like(ids)}
    expected = model(batch, training=False).numpy()
    np.testing.assert_allclose(TfliteClassifier(model, quantize=False, threads=1)(batch), expected, atol=1e-5)
    int8 = TfliteClassifier(model, quantize=True, threads=1)(batch)
    assert 0 < np.max(np.abs(int8 - expected)) < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("bucketing", [False, True])
def test_tflite_scoring_of_a_trained_native_model_follows_its_keras_logits(tiny_standin, bucketing):
    import numpy as np

    from benchmark.training.classifier import build_native_classifier
    from benchmark.data.packing import EncodedSplit
    from benchmark.encoders.registry import get_spec
    from benchmark.training.evaluation import predict_logits
    from benchmark.training.tflite import from_trained

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
