"""A run's configuration: three typed parts composed into one flat record, recorded in the run file's order."""

import dataclasses

import pytest

from benchmark.core.errors import UsageError
from benchmark.data.config import DataConfig
from benchmark.training.config import HYPERPARAMETERS, RunConfig, RuntimeConfig, TrainingConfig


def test_the_run_config_is_its_three_parts_and_records_every_setting():
    fields = [field.name for field in dataclasses.fields(RunConfig)]
    parts = [field.name for part in (DataConfig, TrainingConfig, RuntimeConfig) for field in dataclasses.fields(part)]
    assert sorted(fields) == sorted(parts) == sorted(HYPERPARAMETERS)
    config = RunConfig(epochs=2, seed=7, inference="tflite")
    assert (config.training.epochs, config.data.seed, config.runtime.inference) == (2, 7, "tflite")
    assert list(config.hyperparameters()) == list(HYPERPARAMETERS) and config.hyperparameters()["seed"] == 7


@pytest.mark.parametrize("part, field, value, message", [
    (TrainingConfig, "epochs", 0, "--epochs must be positive"),
    (DataConfig, "test_samples", 0, "--test-samples must be a positive number of reviews"),
    (RuntimeConfig, "precision", "float16", "--precision must be auto, float32"),
])
def test_each_part_checks_its_own_settings(part, field, value, message):
    with pytest.raises(UsageError, match=message):
        part(**{field: value}).validate()
    with pytest.raises(UsageError, match=message):
        RunConfig(**{field: value}).validate()
