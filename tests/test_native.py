"""The natively rebuilt encoder holds the SavedModel's weights and computes what the hub layer computes."""

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.encoders.registry import get_spec
from conftest import TINY_MODEL

pytestmark = pytest.mark.slow


def batch(seq_length: int = 16) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    word_ids = rng.integers(5, 30, (4, seq_length)).astype(np.int32)
    mask = np.ones_like(word_ids)
    mask[1, 9:] = 0
    word_ids[1, 9:] = 0
    word_ids[:, 0] = 2
    return {"input_word_ids": word_ids, "input_mask": mask, "input_type_ids": np.zeros_like(word_ids)}


def test_native_float32_matches_the_hub_layer(tiny_standin):
    from benchmark.training.classifier import build_classifier, encoder_parameters
    from benchmark.training.classifier import build_native_classifier

    hub_model = build_classifier(str(tiny_standin.encoder_path), 16)
    native = build_native_classifier(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), None, "float32")
    native.get_layer("classifier").set_weights(hub_model.get_layer("classifier").get_weights())
    np.testing.assert_allclose(native(batch(), training=False), hub_model(batch(), training=False), atol=1e-4)
    assert encoder_parameters(native) == encoder_parameters(hub_model)


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_float32_variables_and_a_float32_logit(tiny_standin, precision):
    import tf_keras

    from benchmark.training.classifier import build_native_classifier

    reference = build_native_classifier(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), None, "float32")
    model = build_native_classifier(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), None, precision)
    model.get_layer("classifier").set_weights(reference.get_layer("classifier").get_weights())
    assert tf_keras.mixed_precision.global_policy().name == "float32"  # restored after building
    logits = model(batch(), training=False)
    assert logits.dtype.name == "float32"
    assert all(w.dtype.name == "float32" for w in model.weights)
    np.testing.assert_allclose(logits, reference(batch(), training=False), atol=0.1)


def test_an_encoder_of_another_architecture_is_refused(tiny_standin):
    from benchmark.training.classifier import build_native_classifier

    with pytest.raises(UsageError, match="does not match"):
        build_native_classifier(get_spec("small_bert_l4_h128"), str(tiny_standin.encoder_path), None, "float32")


@pytest.mark.parametrize("family", ["bert", "distilbert"])
def test_native_rebuild_of_an_imported_encoder_matches_its_hub_layer(tmp_path, family):
    """Imported encoders use the exact (erf) GELU: the rebuild must too, or bf16 runs a different function.
    DistilBERT pools the [CLS] state itself, which the [CLS]-only last layer must still produce."""
    from hf_reference import bert_config, bert_weights, distilbert_weights, write_checkpoint

    from benchmark.encoders.hf_import import import_checkpoint
    from benchmark.training.classifier import build_classifier
    from benchmark.training.classifier import build_native_classifier

    weights = bert_weights(seed=6) if family == "bert" else distilbert_weights(seed=6)
    spec = import_checkpoint(write_checkpoint(tmp_path / "ckpt", weights, bert_config(family)), "tiny_hf",
                             tmp_path / "models")
    assert spec.family == family
    hub_model = build_classifier(spec.encoder_handle, 16)
    native = build_native_classifier(spec, spec.encoder_handle, None, "float32")
    native.get_layer("classifier").set_weights(hub_model.get_layer("classifier").get_weights())
    inputs = batch() | {"input_word_ids": np.minimum(batch()["input_word_ids"], 19)}  # the tiny vocabulary
    # 1e-5: the tanh GELU in place of the exact one moves these logits by about 1e-4.
    np.testing.assert_allclose(native(inputs, training=False), hub_model(inputs, training=False), atol=1e-5)


def test_the_native_encoder_runs_its_last_layer_for_cls_alone(tiny_standin):
    """The head reads [CLS] only: the last layer computes that position alone (output_range=1) and the logits
    still match the hub layer's full computation (test above)."""
    from benchmark.training.classifier import build_native_classifier

    native = build_native_classifier(get_spec(TINY_MODEL), str(tiny_standin.encoder_path), None, "float32")
    encoder = next(layer for layer in native.layers if isinstance(layer.output, dict))
    outputs = encoder(batch())
    assert outputs["sequence_output"].shape[1] == 1
    assert outputs["encoder_outputs"][-2].shape[1] == 16  # earlier layers keep every position


def test_exported_stand_ins_keep_every_position(tiny_standin):
    from benchmark.encoders.loading import load_handle

    encoder = load_handle(str(tiny_standin.encoder_path), "encoder")
    assert encoder(batch())["sequence_output"].shape[1] == 16
