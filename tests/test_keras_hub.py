"""KerasHub presets: registry data, conversion parity (same random weights, same outputs), and a run end to end.

Test presets are tiny random KerasHub backbones of a registered entry's exact shape (a 100-token vocabulary), saved
with KerasHub's own ``save_to_preset`` into a folder laid out as the Kaggle handle, which
``TFHUB_BENCH_KERAS_HUB_MIRROR`` points at; loading goes through KerasHub's ``from_preset``.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.encoders.keras_hub import MIRROR_ENV, kaggle_handle
from benchmark.encoders.registry import KERAS_HUB, REGISTRY, get_spec
from benchmark.encoders.spec import encoder_parameter_count
from benchmark.records.run import SCHEMA_VERSION

from conftest import run_cli

TINY = "kh_bert_tiny_en_uncased"
TOLERANCE = 1e-4
TEXTS = ["The movie was great!", "it's a fun film, and the plot was awful .", "awful"]
# KerasHub's published parameter counts (keras_hub/src/models/*/*_presets.py metadata).
PUBLISHED = dict(kh_bert_tiny_en_uncased=4385920, kh_bert_small_en_uncased=28763648,
                 kh_bert_medium_en_uncased=41373184, kh_bert_base_en_uncased=109482240,
                 kh_electra_small_discriminator_uncased_en=13548800, kh_electra_base_discriminator_uncased_en=109482240,
                 kh_distil_bert_base_en_uncased=66362880, kh_albert_base_en_uncased=11683584,
                 kh_roberta_base_en=124052736, kh_xlm_roberta_base_multi=277450752,
                 kh_deberta_v3_extra_small_en=70682112, kh_deberta_v3_small_en=141304320,
                 kh_deberta_v3_base_en=183831552)


def keras_hub_count_difference(spec) -> int:
    """What KerasHub's backbone holds beyond the converted encoder: ELECTRA's random pooler; minus DistilBERT's
    zero segment embeddings, which the converted encoder keeps for the TF-Hub input signature."""
    h = spec.hidden_size
    return {"electra": h * h + h, "distilbert": -spec.type_vocab_size * h}.get(spec.family, 0)


def test_required_presets_are_registered_with_pinned_handles():
    assert set(PUBLISHED) == set(KERAS_HUB) and not set(KERAS_HUB) & set(REGISTRY)
    for spec in KERAS_HUB.values():
        assert spec.source == "keras_hub" and spec.citation and "KerasHub" in spec.name
        owner, model, framework, preset, version = kaggle_handle(spec).split("/")
        assert (owner, framework) == ("keras", "keras") and spec.key == f"kh_{preset}" and version.isdigit()
    assert get_spec("kh_electra_base_discriminator_uncased_en").head_reads == "sequence_output[:, 0]"
    assert get_spec("kh_bert_base_en_uncased").head_reads == "pooled_output"
    assert get_spec("electra_base").source == "tfhub"  # today's keys unchanged


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_parameter_count_matches_keras_hub_published(key):
    spec = get_spec(key)
    assert spec.parameter_count + keras_hub_count_difference(spec) == PUBLISHED[key]


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_parameter_count_matches_the_built_keras_hub_backbone(key):
    """KerasHub's own backbone of the entry's configuration counts as the formula says. One layer and 100 tokens keep
    the build fast (every width is the entry's; the test above checks the full depth and vocabulary against
    KerasHub's published counts)."""
    import dataclasses

    from benchmark.encoders.keras_hub import random_backbone

    spec, vocab = dataclasses.replace(get_spec(key), num_layers=1), 100
    built = random_backbone(spec, vocab).count_params()
    assert built == encoder_parameter_count(spec, vocab) + keras_hub_count_difference(spec)
    if spec.family not in ("roberta", "deberta_v3"):  # and the tf-models-official encoder it is converted into
        import tensorflow as tf

        from benchmark.encoders.build import build_encoder

        encoder, ids = build_encoder(spec, vocab), tf.zeros((1, 2), tf.int32)
        encoder(dict(input_word_ids=ids, input_mask=tf.ones_like(ids), input_type_ids=ids))  # creates its weights
        assert encoder.count_params() == encoder_parameter_count(spec, vocab)


def save_preset(root, key: str, seed: int = 1):
    """A random KerasHub backbone of ``key``'s exact shape (100-token vocabulary) and its tokenizer, saved with
    ``save_to_preset`` where the mirror serves ``key``'s handle."""
    import keras_hub

    from benchmark.encoders.keras_hub import random_backbone
    from conftest import NEGATIVE, NEUTRAL, POSITIVE, SPECIAL

    spec = get_spec(key)
    words = sorted(set(POSITIVE + NEGATIVE + NEUTRAL) | {".", "!", ",", "'", "s", "the", "movie", "it"})
    vocabulary = (SPECIAL + words + [f"##x{i}" for i in range(100)])[:100]
    folder = root / kaggle_handle(spec)
    random_backbone(spec, len(vocabulary), seed).save_to_preset(str(folder))
    keras_hub.tokenizers.BertTokenizer(vocabulary=vocabulary, lowercase=True).save_to_preset(str(folder))
    return folder


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("keras_hub_mirror")
    save_preset(root, TINY)
    previous = os.environ.get(MIRROR_ENV)
    os.environ[MIRROR_ENV] = str(root)
    yield root
    if previous is None:
        os.environ.pop(MIRROR_ENV, None)
    else:
        os.environ[MIRROR_ENV] = previous


@pytest.mark.slow
def test_converted_bert_matches_keras_hub_and_tokenizes_alike(mirror, tmp_path):
    """Same random weights, same outputs through KerasHub (Keras 3) and the converted TF-Hub encoder (tf-keras);
    the converted preprocessor gives the ids KerasHub's tokenizer and packer give."""
    import keras_hub
    import tensorflow as tf
    import tensorflow_hub as hub
    import tensorflow_text  # noqa: F401

    from benchmark.encoders.source import pretrained_source

    spec = get_spec(TINY)
    source = pretrained_source(spec, tmp_path)
    assert source.weights == "pretrained (KerasHub)"
    preprocessor = hub.load(source.preprocessor_handle)
    packed = preprocessor.bert_pack_inputs([preprocessor.tokenize(tf.constant(TEXTS))], seq_length=tf.constant(16))
    folder = mirror / kaggle_handle(spec)
    kh_pre = keras_hub.models.BertTextClassifierPreprocessor.from_preset(str(folder), sequence_length=16)
    kh_inputs = kh_pre(tf.constant(TEXTS))
    np.testing.assert_array_equal(packed["input_word_ids"].numpy(), kh_inputs["token_ids"].numpy())
    np.testing.assert_array_equal(packed["input_mask"].numpy(), kh_inputs["padding_mask"].numpy().astype(np.int32))
    ours = hub.KerasLayer(source.encoder_handle)(packed)
    theirs = keras_hub.models.Backbone.from_preset(str(folder))(kh_inputs)
    mask = kh_inputs["padding_mask"].numpy()[..., None].astype(bool)
    np.testing.assert_allclose(np.where(mask, ours["sequence_output"].numpy(), 0),
                               np.where(mask, np.asarray(theirs["sequence_output"]), 0), atol=TOLERANCE)
    np.testing.assert_allclose(ours["pooled_output"].numpy(), np.asarray(theirs["pooled_output"]), atol=TOLERANCE)
    (manifest_path,) = (tmp_path / "keras_hub").glob("*/keras_hub.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["preset"] == spec.encoder_handle and manifest["vocab_size"] == 100


@pytest.mark.slow
@pytest.mark.parametrize("key", ["kh_electra_small_discriminator_uncased_en", "kh_distil_bert_base_en_uncased",
                                 "kh_albert_base_en_uncased"])
def test_every_converted_family_matches_keras_hub(key):
    """ELECTRA (factorised embeddings, random pooler left out), DistilBERT (no segments, no pooler) and ALBERT (one
    shared layer): a small random KerasHub backbone of the family and its conversion give the same outputs; where
    the family has no trained pooler the converted ``pooled_output`` is KerasHub's first token."""
    import dataclasses

    import tensorflow as tf

    from benchmark.encoders.keras_hub import converted_weights, random_backbone, tf_encoder

    spec = get_spec(key)
    spec = dataclasses.replace(spec, num_layers=2, hidden_size=32, num_heads=4, intermediate_size=64, max_positions=64,
                               embedding_size=16 if spec.embedding_size else None)
    backbone = random_backbone(spec, 100, seed=3)
    ids = np.random.default_rng(0).integers(0, 100, (3, 12)).astype(np.int32)
    mask = np.ones_like(ids)
    mask[1, 7:] = 0
    segments = np.zeros_like(ids)
    segments[:, 6:] = 1 if spec.family != "distilbert" else 0
    theirs = backbone({"token_ids": ids, "padding_mask": mask} | ({} if spec.family == "distilbert" else
                                                                  {"segment_ids": segments}))
    theirs = theirs if isinstance(theirs, dict) else {"sequence_output": theirs}
    ours = tf_encoder(spec, converted_weights(spec, backbone), 100)(
        dict(input_word_ids=tf.constant(ids), input_mask=tf.constant(mask), input_type_ids=tf.constant(segments)))
    valid = mask[..., None].astype(bool)
    np.testing.assert_allclose(np.where(valid, ours["sequence_output"].numpy(), 0),
                               np.where(valid, np.asarray(theirs["sequence_output"]), 0), atol=TOLERANCE)
    expected = theirs["pooled_output"] if spec.head_reads == "pooled_output" else theirs["sequence_output"][:, 0]
    np.testing.assert_allclose(ours["pooled_output"].numpy(), np.asarray(expected), atol=TOLERANCE)


def test_unsupported_family_and_missing_preset_are_one_line(tmp_path, monkeypatch):
    from benchmark.encoders.source import pretrained_source

    monkeypatch.setenv(MIRROR_ENV, str(tmp_path / "empty"))
    with pytest.raises(UsageError, match="did you mean kh_bert_tiny_en_uncased"):
        get_spec("kh_bert_tiny_uncased")
    with pytest.raises(UsageError, match="DeBERTa-v3 family has no tf-keras encoder"):
        pretrained_source(get_spec("kh_deberta_v3_base_en"), tmp_path)
    with pytest.raises(UsageError, match="not in the mirror"):
        pretrained_source(get_spec(TINY), tmp_path)
    monkeypatch.delenv(MIRROR_ENV)
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))
    monkeypatch.setenv("TFHUB_BENCH_OFFLINE", "1")
    with pytest.raises(UsageError, match=f"fetch --model {TINY}"):
        pretrained_source(get_spec(TINY), tmp_path)


def _cli(*args, cwd, env):
    """``run_cli`` with ``env`` added to this process's environment (and no KerasHub mirror)."""
    saved = {name: os.environ.get(name) for name in [*env, MIRROR_ENV]}
    os.environ.pop(MIRROR_ENV, None)
    os.environ.update(env)
    try:
        return run_cli(*args, cwd=cwd)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.mark.slow
def test_fetch_offline_run_repair_and_leaderboard_beside_a_tfhub_standin(tmp_path, aclimdb, tiny_vocab):
    """``fetch`` downloads the preset through kagglehub (KerasHub's downloader) from a local stand-in for Kaggle's
    API; ``run --offline`` converts and trains it; a damaged cached copy is one line until ``fetch`` repairs it; the
    leaderboard shows the KerasHub row beside a TF-Hub stand-in's."""
    from kaggle_server import KaggleModelServer

    spec = get_spec(TINY)
    folder = save_preset(tmp_path / "served", TINY)
    small = ("--data-dir", str(aclimdb), "--train-samples", "32", "--test-samples", "32", "--epochs", "1",
             "--batch-size", "8", "--seq-length", "32", "--output", "results", "--models-dir", "models")
    with KaggleModelServer({kaggle_handle(spec): folder}) as server:
        env = server.environment(tmp_path / "kagglehub")
        fetched = _cli("fetch", "--model", TINY, cwd=tmp_path, env=env)
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        assert "downloaded" in fetched.stdout and ("ListModelInstanceVersionFiles", "") in server.requests
        assert ("DownloadModelInstanceVersion", "model.weights.h5") in server.requests
        cached = tmp_path / "kagglehub" / "models" / kaggle_handle(spec)
        weights = cached / "model.weights.h5"
        intact = weights.read_bytes()
        weights.write_bytes(intact[: len(intact) // 3])  # a damaged cached copy
        damaged = _cli("run", "--offline", "--model", TINY, *small, cwd=tmp_path, env=env)
        assert damaged.returncode == 2 and len(_errors(damaged)) == 1, damaged.stderr[-3000:]
        assert "damaged" in _errors(damaged)[0] and f"fetch --model {TINY}" in _errors(damaged)[0]
        assert not (tmp_path / "results" / "runs").exists()
        repaired = _cli("fetch", "--model", TINY, cwd=tmp_path, env=env)
        assert repaired.returncode == 0 and "repaired" in repaired.stdout, repaired.stderr[-3000:]
        assert weights.read_bytes() == intact
    offline = _cli("run", "--offline", "--model", TINY, *small, cwd=tmp_path, env=env)  # the server is gone
    assert offline.returncode == 0, offline.stderr[-3000:]
    standin = run_cli("run", "--model", "small_bert_l2_h128", "--standins", "--vocab", str(tiny_vocab), *small,
                      cwd=tmp_path)
    assert standin.returncode == 0, standin.stderr[-3000:]
    runs = {run["model"]["key"]: run for run in
            (json.loads(path.read_text()) for path in (tmp_path / "results" / "runs").glob("*.json"))}
    assert runs[TINY]["encoder_source"] == {"source": "keras_hub", "preset": spec.encoder_handle,
                                            "preset_version": 3, "head_reads": "pooled_output"}
    assert runs[TINY]["weights"] == "pretrained (KerasHub)" and runs[TINY]["schema_version"] == SCHEMA_VERSION
    assert runs["small_bert_l2_h128"]["encoder_source"]["source"] == "tfhub"
    board = (tmp_path / "results" / "leaderboard.md").read_text()
    assert f"(`{TINY}`)" in board and "(`small_bert_l2_h128`)" in board and "| pretrained (KerasHub) |" in board
