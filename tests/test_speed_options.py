"""A tiny fine-tuning run with every speed option: bucketing, head+tail, steps per execution, bf16."""

import pytest

from benchmark.errors import UsageError
from benchmark.runner import RunConfig
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
    from benchmark.data import load_imdb
    from benchmark.registry import get_spec
    from benchmark.runner import EncoderSource, fine_tune, prepare_data

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
    from benchmark import native

    monkeypatch.setattr(native, "cpu_has_bf16", lambda: True)
    assert native.default_precision() == "mixed_bfloat16"
    monkeypatch.setattr(native, "cpu_has_bf16", lambda: False)
    assert native.default_precision() == "float32"
