"""A tiny fine-tuning run with every speed option: bucketing, head+tail, steps per execution, bf16."""

import pytest

from benchmark.core.errors import UsageError
from benchmark.training.config import RunConfig
from conftest import TINY_MODEL


@pytest.mark.parametrize("field,value,message", [
    ("truncation", "tail", "--truncation"),
    ("steps_per_execution", 0, "--steps-per-execution"),
    ("precision", "float16", "--precision"),
])
def test_bad_speed_settings_are_usage_errors(field, value, message):
    with pytest.raises(UsageError, match=message):
        RunConfig(**{field: value}).validate()


@pytest.mark.slow
def test_fine_tune_with_every_speed_option(aclimdb, tiny_standin):
    from benchmark.data.imdb import load_imdb
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.source import EncoderSource
    from benchmark.training.fine_tune import fine_tune
    from benchmark.data.prepared import prepare_data

    config = RunConfig(epochs=2, batch_size=8, seq_length=32, train_samples=40, test_samples=24, bucketing=True,
                       truncation="head_tail", steps_per_execution=2, precision="mixed_bfloat16")
    data = prepare_data(load_imdb(aclimdb), config)
    source = EncoderSource(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), str(tiny_standin.preprocessor_path),
                           "stand-in")
    result = fine_tune(source, data, config, "test")
    assert [row["epoch"] for row in result.history] == [1, 2]
    assert all(0 <= row["validation_accuracy"] <= 1 for row in result.history)
    assert result.hyperparameters["precision"] == "mixed_bfloat16"
    assert result.hyperparameters["steps_per_epoch"] == 4  # 32 reviews of <= 32 tokens: one bucket, 4 batches
    assert 0 <= result.test["accuracy"] <= 1
    assert result.model["encoder_parameters"] > 0


def test_auto_precision_follows_the_cpu_flags(monkeypatch):
    from benchmark.training import precision

    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert precision.default_precision() == "mixed_bfloat16"
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    assert precision.default_precision() == "float32"


def test_auto_falls_back_to_the_hub_layer_when_the_encoder_cannot_be_rebuilt(tiny_standin, monkeypatch):
    from benchmark.encoders.registry import get_spec
    from benchmark.training import classifier

    def mismatch(*args, **kwargs):
        raise UsageError("the native encoder does not match the SavedModel's variables")

    monkeypatch.setattr(classifier, "build_native_classifier", mismatch)
    spec, handle = get_spec(TINY_MODEL), str(tiny_standin.encoder_path)
    model, precision = classifier.build_with_fallback(spec, handle, 32, "mixed_bfloat16")
    import tensorflow_hub as hub

    assert precision == "float32" and isinstance(model.get_layer("encoder"), hub.KerasLayer)
    with pytest.raises(UsageError, match="does not match"):
        classifier.build_for_config(spec, handle, 32, "mixed_bfloat16")  # an explicit --precision is not overridden


def test_auto_is_hashed_as_what_it_means_on_each_kind_of_cpu(aclimdb, tiny_standin, monkeypatch):
    """bf16 CPU: auto is mixed_bfloat16, the same run (and hash) as asking for it. CPU without bf16: auto is float32
    on the natively rebuilt encoder, a run of its own, neither explicit float32 (the hub layer) nor bf16."""
    import dataclasses

    from benchmark.data.imdb import load_imdb
    from benchmark.training import precision
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.source import EncoderSource
    from benchmark.training.identity import config_hash
    from benchmark.data.prepared import prepare_data

    config = RunConfig(train_samples=40, test_samples=24)
    data = prepare_data(load_imdb(aclimdb), config)
    source = EncoderSource(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), str(tiny_standin.preprocessor_path),
                           "stand-in")
    explicit = {name: config_hash(source, dataclasses.replace(config, precision=name), data)
                for name in ("float32", "mixed_bfloat16")}
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert config.precision == "auto" and config_hash(source, config, data) == explicit["mixed_bfloat16"]
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    assert config_hash(source, config, data) not in explicit.values()
    jit = dataclasses.replace(config, jit_compile=True)  # XLA rebuilds the encoder whichever way float32 is asked
    assert config_hash(source, jit, data) == config_hash(source, dataclasses.replace(jit, precision="float32"), data)


def test_auto_trains_the_rebuilt_encoder_in_float32_on_a_cpu_without_bf16(tiny_standin, monkeypatch):
    from benchmark.encoders.registry import get_spec
    from benchmark.training import classifier, precision

    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    spec, handle = get_spec(TINY_MODEL), str(tiny_standin.encoder_path)
    resolved = precision.resolve_precision("auto")
    model, used = classifier.build_with_fallback(spec, handle, 32, resolved, fallback=True)
    assert resolved == used == "float32" and not classifier.on_hub_layer(model)
    assert model.get_layer("classifier").compute_dtype == "float32"
    explicit, _ = classifier.build_with_fallback(spec, handle, 32, "float32", fallback=False)
    assert classifier.on_hub_layer(explicit)  # --precision float32 keeps the hub layer


@pytest.mark.slow
def test_float16_training_scales_the_loss(aclimdb, tiny_standin):
    import tf_keras

    from benchmark.data.imdb import load_imdb
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.source import EncoderSource
    from benchmark.training.fine_tune import fine_tune
    from benchmark.data.prepared import prepare_data

    config = RunConfig(epochs=1, batch_size=8, seq_length=32, train_samples=40, test_samples=16,
                       precision="mixed_float16")
    source = EncoderSource(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), str(tiny_standin.preprocessor_path),
                           "stand-in")
    seen = {}
    result = fine_tune(source, prepare_data(load_imdb(aclimdb), config), config, "test",
                       on_trained=lambda model, result: seen.update(optimizer=model.optimizer))
    assert isinstance(seen["optimizer"], tf_keras.mixed_precision.LossScaleOptimizer)
    assert result.hyperparameters["precision"] == "mixed_float16" and 0 <= result.test["accuracy"] <= 1
