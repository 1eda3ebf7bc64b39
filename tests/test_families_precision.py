"""Every encoder family builds and trains a step under every precision; a rebuild that fails falls back, or says why.

Each family's stand-in (tiny: 2 layers, 32 wide, the tests' 38-token vocabulary) goes through the run's own
``compile_classifier``: float32 on the hub layer, the mixed policies on the natively rebuilt encoder with the
SavedModel's weights, then one training step on this CPU. All 15 combinations work on CPU (``mixed_float16`` runs
float16 kernels there, slowly, with the loss-scaling optimizer).
"""

import dataclasses
import logging

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.training.config import RunConfig
from conftest import TINY_MODEL

pytestmark = pytest.mark.slow

TINY_SHAPE = dict(num_layers=2, hidden_size=32, num_heads=2, intermediate_size=64, max_positions=64)
# Family label -> (registry key whose spec is shrunk, family, factorised embedding width)
FAMILIES = {
    "bert": ("small_bert_l2_h128", "bert", None),
    "albert": ("albert_base", "albert", 16),
    "electra": ("electra_small", "bert", 16),
    "talking_heads": ("talking_heads_base", "talking_heads", None),
    "distilbert": (TINY_MODEL, "distilbert", None),  # no registry preset: imported checkpoints are this family
}
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@pytest.fixture(scope="module")
def family_standins(tiny_vocab, tmp_path_factory):
    """The tiny stand-in of a family, exported on first use; every family's in this one process, so Keras numbers
    the layers of later ones past the first (the rebuild must match their weights all the same)."""
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.source import EncoderSource
    from benchmark.encoders.standins import build_standin

    models, sources = tmp_path_factory.mktemp("family_models"), {}

    def source(label: str):
        if label not in sources:
            key, family, embedding_size = FAMILIES[label]
            spec = dataclasses.replace(get_spec(key), key=f"tiny_{label}", family=family,
                                       embedding_size=embedding_size, **TINY_SHAPE)
            standin = build_standin(spec, tiny_vocab, models)
            sources[label] = EncoderSource(spec, str(standin.encoder_path), str(standin.preprocessor_path),
                                           "stand-in")
        return sources[label]

    return source


def tiny_split(count: int = 8, seq_length: int = 16):
    from benchmark.data.packing import SpecialIds, encode

    rng = np.random.default_rng(0)
    reviews = [rng.integers(5, 30, rng.integers(3, seq_length)) for _ in range(count)]
    return encode(reviews, np.arange(count) % 2, seq_length, "head", SpecialIds(cls=2, sep=3, pad=0))


def compile_for(source, precision: str, **config):
    from benchmark.training.distribute import choose_strategy
    from benchmark.training.fine_tune import compile_classifier

    run = RunConfig(epochs=1, batch_size=8, seq_length=16, precision=precision, **config)
    return compile_classifier(source, run, choose_strategy("default"), tiny_split())


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("label", list(FAMILIES))
def test_every_family_trains_a_step_under_every_precision(family_standins, label, precision):
    from benchmark.training.classifier import on_hub_layer
    from benchmark.training.pipeline import to_dataset

    compiled = compile_for(family_standins(label), precision)
    assert compiled.precision == precision  # an explicit precision is used as asked, never quietly replaced
    assert on_hub_layer(compiled.model) == (precision == "float32")
    compute = {"float32": "float32", "mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}[precision]
    encoder = next(layer for layer in compiled.model.layers if layer.name not in ("head_dropout", "classifier")
                   and layer.weights)
    assert encoder.compute_dtype == compute
    assert all(w.dtype.name == "float32" for w in compiled.model.weights if w.dtype.is_floating)
    split = tiny_split()
    history = compiled.model.fit(to_dataset(split, 8), epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])
    logits = compiled.model(split.features, training=False)
    assert logits.dtype.name == "float32" and np.all(np.isfinite(logits.numpy()))


def test_a_talking_heads_layer_failing_under_auto_falls_back_with_its_cause(family_standins, monkeypatch, caplog):
    """A native rebuild that fails for any reason (here tf-models-official's gated feed-forward multiplying
    bfloat16 by float32, as before its fix) trains in float32 on the hub layer, with one warning naming it."""
    from official.nlp.modeling import layers

    from benchmark.encoders import networks
    from benchmark.training import precision
    from benchmark.training.classifier import on_hub_layer

    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)  # a CPU with bf16: auto means mixed_bfloat16
    monkeypatch.setattr(networks.GatedFeedforward, "build", layers.GatedFeedforward.build)  # the unfixed layer
    source = family_standins("talking_heads")  # exported first: TensorFlow's own export warnings stay out of caplog
    with caplog.at_level(logging.WARNING, logger="benchmark.training.classifier"):
        compiled = compile_for(source, "auto")
    assert compiled.precision == "float32" and on_hub_layer(compiled.model)
    (warning,) = [record.getMessage() for record in caplog.records if record.name == "benchmark.training.classifier"]
    assert warning == ("tiny_talking_heads: cannot rebuild the encoder natively for mixed_bfloat16 (TypeError: Input "
                       "'y' of 'Mul' Op has type bfloat16 that does not match type float32 of argument 'x'.); "
                       "training in float32 on the hub layer instead")
    with pytest.raises(UsageError, match=r"cannot rebuild the encoder natively for --precision mixed_bfloat16 "
                                         r"\(TypeError: Input 'y' of 'Mul' Op has type bfloat16 .*\); use "
                                         r"--precision auto"):
        compile_for(family_standins("talking_heads"), "mixed_bfloat16")  # asked for explicitly: one clear error


@pytest.mark.parametrize("bf16, expected", [(True, "mixed_bfloat16"), (False, "float32")])
def test_auto_follows_the_cpu_kind_and_every_family_keeps_the_rebuilt_encoder(family_standins, monkeypatch, bf16,
                                                                              expected):
    """Under --precision auto no family falls back to the hub layer (talking-heads did, by crashing, under bf16):
    a CPU with bf16 trains the rebuilt encoder in mixed_bfloat16, one without it in float32."""
    from benchmark.training import precision
    from benchmark.training.classifier import on_hub_layer

    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: bf16)
    compiled = {label: compile_for(family_standins(label), "auto") for label in FAMILIES}
    assert {label: (c.precision, on_hub_layer(c.model)) for label, c in compiled.items()} == {
        label: (expected, False) for label in FAMILIES}


def test_weights_match_whatever_keras_numbered_the_layers_before():
    from benchmark.encoders.native import canonical_names

    saved = ["transformer_scaffold_2/self_attention/query/kernel:0", "transformer_scaffold_10/output/bias:0",
             "embeddings/layer_norm/gamma:0", "pooler_transform/kernel:0"]
    rebuilt = ["cls_pooled_bert_encoder_3/transformer_scaffold/self_attention/query/kernel:0",
               "transformer_scaffold_1/output/bias:0", "embeddings/layer_norm/gamma:0", "pooler_transform/kernel:0"]
    assert list(canonical_names(saved).values()) == list(canonical_names(rebuilt).values()) == [
        "transformer_scaffold#0/self_attention/query/kernel:0", "transformer_scaffold#1/output/bias:0",
        "embeddings#0/layer_norm/gamma:0", "pooler_transform#0/kernel:0"]
