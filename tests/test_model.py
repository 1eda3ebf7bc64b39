"""The shared classifier head on a stand-in encoder."""

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.training.classifier import build_classifier, count_parameters, encoder_parameters
from benchmark.encoders.loading import load_handle

pytestmark = pytest.mark.slow


def test_classifier_outputs_one_logit_per_review(tiny_standin):
    model = build_classifier(str(tiny_standin.encoder_path), seq_length=8)
    batch = {name: np.zeros((3, 8), np.int32) for name in ("input_word_ids", "input_mask", "input_type_ids")}
    batch["input_word_ids"][:, 0] = 2
    batch["input_mask"][:, :2] = 1
    assert model(batch, training=False).shape == (3, 1)
    assert [layer.name for layer in model.layers[-2:]] == ["head_dropout", "classifier"]
    assert model.get_layer("classifier").units == 1
    assert model.get_layer("encoder").trainable
    assert count_parameters(model.weights) == encoder_parameters(model) + 128 + 1  # head: 128 weights + bias


def test_unreachable_handle_is_one_clear_error(tmp_path):
    with pytest.raises(UsageError, match="cannot load encoder"):
        load_handle(str(tmp_path / "missing"), "encoder")


def test_more_classes_get_a_logit_each(tiny_standin):
    model = build_classifier(str(tiny_standin.encoder_path), seq_length=8, num_classes=4)
    batch = {name: np.zeros((2, 8), np.int32) for name in ("input_word_ids", "input_mask", "input_type_ids")}
    assert model(batch, training=False).shape == (2, 4)
    assert count_parameters(model.weights) == encoder_parameters(model) + 4 * 128 + 4
