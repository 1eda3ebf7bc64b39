"""Hugging Face checkpoint import: NumPy (and transformers) parity, registration, and bad input."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.encoders.spec import encoder_parameter_count
from benchmark.encoders.registry import get_spec, list_models

from conftest import run_cli
from hf_reference import VOCAB, bert_config, bert_weights, distilbert_weights, reference_forward, write_checkpoint

TOLERANCE = 1e-4
TEXTS = ["The movie was great!", "it's a fun film, and the plot was awful .", "awful"]
SEQ_LENGTH = 16


def _import(folder, key, models_dir, **kwargs):
    from benchmark.encoders.hf_import import import_checkpoint

    return import_checkpoint(folder, key, models_dir, **kwargs)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A tiny BERT (saved with the ``bert.`` prefix, vocab.txt) and a tiny DistilBERT (tokenizer.json), imported."""
    root = tmp_path_factory.mktemp("hf")
    models = root / "models"
    bert = write_checkpoint(root / "bert", bert_weights(seed=1), bert_config(), prefix="bert.")
    distil = write_checkpoint(root / "distil", distilbert_weights(seed=2), bert_config("distilbert"),
                              tokenizer_json=True)
    return {"models": models,
            "bert": (_import(bert, "tiny_bert", models), bert_weights(seed=1)),
            "distilbert": (_import(distil, "tiny_distil", models), distilbert_weights(seed=2))}


def _encode(spec):
    import tensorflow as tf
    import tensorflow_hub as hub
    import tensorflow_text  # noqa: F401

    preprocessor = hub.load(spec.preprocessor_handle)
    packed = preprocessor.bert_pack_inputs([preprocessor.tokenize(tf.constant(TEXTS))],
                                           seq_length=tf.constant(SEQ_LENGTH))
    outputs = hub.KerasLayer(spec.encoder_handle)(packed)
    inputs = {name: packed[name].numpy() for name in ("input_word_ids", "input_mask", "input_type_ids")}
    return inputs, {name: outputs[name].numpy() for name in ("sequence_output", "pooled_output")}


@pytest.mark.slow
@pytest.mark.parametrize("family", ["bert", "distilbert"])
def test_exported_encoder_matches_numpy_reference(imported, family):
    spec, weights = imported[family]
    inputs, outputs = _encode(spec)
    ids, mask = inputs["input_word_ids"], inputs["input_mask"]
    assert ids[0, :6].tolist() == [VOCAB.index(t) for t in ("[CLS]", "the", "movie", "was", "great", "!")]
    assert mask.sum(1).tolist() == [7, 15, 3]  # three lengths: padding and masking are exercised
    sequence, pooled = reference_forward(weights, family, 4, ids, mask, inputs["input_type_ids"])
    assert np.abs(outputs["sequence_output"] - sequence).max() < TOLERANCE
    assert np.abs(outputs["pooled_output"] - pooled).max() < TOLERANCE
    assert np.abs(sequence).max() > 0.1  # not trivially zero


@pytest.mark.slow
def test_distilbert_pools_the_cls_state_without_pooler_weights(imported):
    import tensorflow_hub as hub

    spec, _ = imported["distilbert"]
    _, outputs = _encode(spec)
    np.testing.assert_array_equal(outputs["pooled_output"], outputs["sequence_output"][:, 0])
    layer = hub.KerasLayer(spec.encoder_handle)
    assert not any("pooler" in w.name for w in layer.weights)
    from benchmark.training.classifier import count_parameters

    assert count_parameters(layer.weights) == encoder_parameter_count(spec, len(VOCAB))


@pytest.mark.slow
def test_imported_encoders_are_registered_and_labelled(imported):
    from benchmark.encoders.source import pretrained_source

    models = imported["models"]
    assert list_models("tiny_*", models) == ["tiny_bert", "tiny_distil"]
    assert list_models("tiny_*") == []  # without the models folder only the registry is searched
    spec = get_spec("tiny_distil", models)
    assert (spec.family, spec.architecture, spec.vocab_size, spec.lower_case) == ("distilbert", "L-2 H-16 A-4", 20, True)
    assert pretrained_source(spec).weights == "pretrained (imported)"
    assert pretrained_source(get_spec("small_bert_l2_h128")).weights == "pretrained"
    manifest = json.loads((models / "imported" / "tiny_bert" / "import.json").read_text())
    assert manifest["pooled_output"] == "dense + tanh over [CLS], from the checkpoint"
    with pytest.raises(UsageError, match="already exists: pass --force"):
        _import(imported["models"], "tiny_bert", models)


@pytest.mark.slow
def test_bert_without_pooler_gets_a_labelled_random_pooler(tmp_path):
    weights = bert_weights(seed=3, pooler=False)
    spec = _import(write_checkpoint(tmp_path / "ckpt", weights, bert_config()), "no_pooler", tmp_path / "models")
    assert spec.name.endswith("[pooler: random init]")
    inputs, outputs = _encode(spec)
    sequence, _ = reference_forward(weights, "bert", 4, *inputs.values())
    assert np.abs(outputs["sequence_output"] - sequence).max() < TOLERANCE


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None,
                    reason="transformers and torch are not installed (optional cross-check against their models)")
@pytest.mark.parametrize("family", ["bert", "distilbert"])
def test_exported_encoder_matches_transformers(imported, family):
    import torch
    import transformers

    spec, weights = imported[family]
    config = bert_config(family)
    config_cls = transformers.BertConfig if family == "bert" else transformers.DistilBertConfig
    model_cls = transformers.BertModel if family == "bert" else transformers.DistilBertModel
    model = model_cls(config_cls(**{k: v for k, v in config.items() if k not in ("model_type", "architectures")}))
    state = {k: torch.from_numpy(v) for k, v in weights.items() if not k.endswith("position_ids")}  # a buffer
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not missing and not unexpected
    model.eval()
    inputs, outputs = _encode(spec)
    feed = {"input_ids": torch.from_numpy(inputs["input_word_ids"].astype(np.int64)),
            "attention_mask": torch.from_numpy(inputs["input_mask"].astype(np.int64))}
    with torch.no_grad():
        theirs = model(**feed).last_hidden_state.numpy()
    assert np.abs(outputs["sequence_output"] - theirs).max() < TOLERANCE


def _bad(tmp_path, what):
    folder = write_checkpoint(tmp_path / "ckpt", bert_weights(), bert_config())
    if what == "architecture":
        (folder / "config.json").write_text(json.dumps(bert_config("roberta")))
    elif what == "weights":
        (folder / "model.safetensors").unlink()
    elif what == "pytorch":
        (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    elif what == "vocab":
        (folder / "vocab.txt").unlink()
    elif what == "config":
        (folder / "config.json").unlink()
    elif what == "vocab_size":
        (folder / "vocab.txt").write_text("\n".join(VOCAB + ["extra"]) + "\n")
    elif what == "shape":
        (folder / "config.json").write_text(json.dumps(bert_config(intermediate=24)))
    return folder


@pytest.mark.parametrize("what,message", [
    ("architecture", "unsupported architecture (model_type roberta, BertModel); supported: bert (BertModel)"),
    ("weights", "has no model.safetensors"),
    ("pytorch", "has pytorch_model.bin but no model.safetensors"),
    ("vocab", "has neither vocab.txt nor tokenizer.json"),
    ("config", "has no config.json"),
    ("vocab_size", "vocabulary size mismatch: 21 tokens in the vocabulary, 20 rows in the word embeddings"),
])
def test_bad_checkpoints_are_refused_before_any_export(tmp_path, what, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _import(_bad(tmp_path, what), "bad", tmp_path / "models")
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_config_that_does_not_match_the_weights_is_refused(tmp_path):
    with pytest.raises(UsageError, match="config.json does not match the weights"):
        _import(_bad(tmp_path, "shape"), "bad", tmp_path / "models")
    assert not (tmp_path / "models" / "imported" / "bad").exists()


@pytest.mark.parametrize("args,message", [
    (["missing_dir", "--key", "x"], "missing_dir does not exist"),
    (["ckpt", "--key", "small_bert_l2_h128"], "is a registry entry"),
    (["ckpt", "--key", "Bad Key"], "use 1-64 lower-case letters"),
    (["--from-package", "no-such-package-xyz", "--key", "x"], "package no-such-package-xyz is not installed"),
])
def test_import_cli_bad_input_is_one_line_exit_2(tmp_path, args, message):
    write_checkpoint(tmp_path / "ckpt", bert_weights(), bert_config("roberta"))
    result = run_cli("import-hf", *args, cwd=tmp_path)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2 and len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "models").exists()


@pytest.mark.slow
def test_import_then_run_imported_and_its_standin(tmp_path, aclimdb):
    write_checkpoint(tmp_path / "ckpt", bert_weights(seed=4), bert_config())
    imported = run_cli("import-hf", "ckpt", "--key", "tiny_hf", "--name", "Tiny HF BERT", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert "weights: pretrained (imported)" in imported.stdout
    listing = run_cli("list", "tiny_*", cwd=tmp_path)
    assert listing.returncode == 0 and "Tiny HF BERT" in listing.stdout and "models/imported/tiny_hf" in listing.stdout

    common = ["--model", "tiny_hf", "--data-dir", str(aclimdb), "--train-samples", "24", "--test-samples", "16",
              "--epochs", "1", "--batch-size", "8", "--seq-length", "24", "--output", "out"]
    real = run_cli("run", *common, cwd=tmp_path)
    assert real.returncode == 0, real.stderr[-3000:]
    standin = run_cli("run", *common, "--standins", cwd=tmp_path)
    assert standin.returncode == 0, standin.stderr[-3000:]
    assert "tiny_hf [stand-in: random weights]" in standin.stdout

    runs = [json.loads(p.read_text()) for p in sorted((tmp_path / "out" / "runs").glob("*.json"))]
    assert sorted(run["weights"] for run in runs) == ["pretrained (imported)", "stand-in"]
    by_weights = {run["weights"]: run for run in runs}
    assert by_weights["pretrained (imported)"]["encoder_handle"].endswith("models/imported/tiny_hf/encoder")
    assert "/models/standins/tiny_hf-" in by_weights["stand-in"]["encoder_handle"]
    board = (tmp_path / "out" / "leaderboard.md").read_text()
    assert "| pretrained (imported) |" in board and "| stand-in (random weights) |" in board
