"""KerasHub presets: registry data, conversion parity (same random weights, same outputs), and a run end to end.

Test presets are tiny random KerasHub backbones of a registered entry's exact shape (a 100-token vocabulary), saved
with KerasHub's own ``save_to_preset`` into a folder laid out as the Kaggle handle, which
``TFHUB_BENCH_KERAS_HUB_MIRROR`` points at; loading goes through KerasHub's ``from_preset``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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
# Capitals and accents: KerasHub's SentencePiece tokenizers neither case-fold nor strip diacritics ("café" is not
# "cafe"), where tf-models-official's ALBERT preprocessor does both.
TEXTS = ["The movie was great!", "it's a fun film, and the plot was awful .", "awful", "a café , the Cafe and a cafe"]
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
    if spec.family != "roberta":  # and the tf-keras encoder it is converted into
        import tensorflow as tf

        from benchmark.encoders.build import build_encoder

        encoder, ids = build_encoder(spec, vocab), tf.zeros((1, 2), tf.int32)
        encoder(dict(input_word_ids=ids, input_mask=tf.ones_like(ids), input_type_ids=ids))  # creates its weights
        assert encoder.count_params() == encoder_parameter_count(spec, vocab)


# SentencePiece families: KerasHub's tokenizer class and the special pieces its presets' models hold.
SENTENCEPIECE = dict(
    deberta_v3=("DebertaV3Tokenizer", dict(pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="[PAD]",
                                           bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]")),
    albert=("AlbertTokenizer", dict(pad_id=0, unk_id=1, bos_id=2, eos_id=3, pad_piece="<pad>", unk_piece="<unk>",
                                    bos_piece="[CLS]", eos_piece="[SEP]")))
# Small shapes for the parity tests (the end-to-end test uses the registry's exact shapes); DeBERTa-v3's 16 positions
# (8 buckets) put the texts' longer distances in its log buckets and past its clipping.
SMALL = dict(num_layers=2, hidden_size=32, num_heads=4, intermediate_size=64, max_positions=16)


def tokenizer_for(family: str):
    """A KerasHub tokenizer over the test words: WordPiece (uncased), or a SentencePiece word model trained here."""
    import io

    import keras_hub
    import sentencepiece

    from conftest import NEGATIVE, NEUTRAL, POSITIVE, SPECIAL

    words = sorted(set(POSITIVE + NEGATIVE + NEUTRAL) | {".", "!", ",", "'", "s", "the", "movie", "it", "cafe"})
    if family not in SENTENCEPIECE:
        return keras_hub.tokenizers.BertTokenizer(vocabulary=(SPECIAL + words + [f"##x{i}" for i in range(100)])[:100],
                                                  lowercase=True)
    name, specials = SENTENCEPIECE[family]
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter([" ".join(words)] * 4 + words), model_writer=model, vocab_size=len(words) + 5,
        model_type="WORD", user_defined_symbols="[MASK]", minloglevel=2, **specials)
    return getattr(keras_hub.tokenizers, name)(proto=model.getvalue())


def save_preset(root, key: str, seed: int = 1, **shape):
    """A random KerasHub backbone of ``key``'s exact shape (or ``shape``) and a tokenizer of its kind, saved with
    ``save_to_preset`` where the mirror serves ``key``'s handle; returns the folder and the spec of that shape."""
    import dataclasses

    from benchmark.encoders.keras_hub import random_backbone

    spec = dataclasses.replace(get_spec(key), **shape)
    tokenizer = tokenizer_for(spec.family)
    folder = root / kaggle_handle(spec)
    random_backbone(spec, tokenizer.vocabulary_size(), seed).save_to_preset(str(folder))
    tokenizer.save_to_preset(str(folder))
    return folder, spec


def assert_matches_keras_hub(converted, folder, spec) -> None:
    """The preset in ``folder`` and its conversion in ``converted``: the converted preprocessor gives exactly the ids
    KerasHub's own tokenizer and packer give, and the training pipeline reads the same ids from it; the converted
    TF-Hub encoder (tf-keras) gives KerasHub's outputs (Keras 3) within 1e-4."""
    import keras_hub
    import tensorflow as tf
    import tensorflow_hub as hub
    import tensorflow_text  # noqa: F401

    from benchmark.training.pipeline import tokenize_texts

    preprocessor = hub.load(str(converted / "preprocessor"))
    packed = preprocessor.bert_pack_inputs([preprocessor.tokenize(tf.constant(TEXTS))], seq_length=tf.constant(16))
    kh_pre = keras_hub.models.TextClassifierPreprocessor.from_preset(str(folder), sequence_length=16)
    kh_inputs = kh_pre(tf.constant(TEXTS))
    np.testing.assert_array_equal(packed["input_word_ids"].numpy(), kh_inputs["token_ids"].numpy())
    np.testing.assert_array_equal(packed["input_mask"].numpy(), kh_inputs["padding_mask"].numpy().astype(np.int32))
    for ours_ids, text in zip(tokenize_texts(TEXTS, preprocessor), TEXTS, strict=True):
        np.testing.assert_array_equal(ours_ids, np.asarray(kh_pre.tokenizer(text), np.int32))
    ours = hub.KerasLayer(str(converted / "encoder"))(packed)
    theirs = keras_hub.models.Backbone.from_preset(str(folder))(kh_inputs)
    theirs = theirs if isinstance(theirs, dict) else {"sequence_output": theirs}  # DeBERTa-v3: the sequence alone
    mask = kh_inputs["padding_mask"].numpy()[..., None].astype(bool)
    np.testing.assert_allclose(np.where(mask, ours["sequence_output"].numpy(), 0),
                               np.where(mask, np.asarray(theirs["sequence_output"]), 0), atol=TOLERANCE)
    expected = theirs["pooled_output"] if spec.head_reads == "pooled_output" else theirs["sequence_output"][:, 0]
    np.testing.assert_allclose(ours["pooled_output"].numpy(), np.asarray(expected), atol=TOLERANCE)
    manifest = json.loads((converted / "keras_hub.json").read_text())
    assert manifest["preset"] == spec.encoder_handle and manifest["vocab_size"] == kh_pre.tokenizer.vocabulary_size()
    assert manifest["tokenizer"] == ("sentencepiece" if spec.family in SENTENCEPIECE else "wordpiece")


@pytest.mark.slow
@pytest.mark.parametrize("key", ["kh_albert_base_en_uncased", "kh_deberta_v3_extra_small_en"])
def test_converted_sentencepiece_presets_match_keras_hub(key, tmp_path, monkeypatch):
    """ALBERT and DeBERTa-v3 presets (small shapes) converted through the mirror: their own SentencePiece model gives
    KerasHub's ids (no accent stripping or case folding of its own, the tokenizer's special ids), and the encoders
    give KerasHub's outputs (BERT's WordPiece: the end-to-end test below)."""
    from benchmark.encoders.source import pretrained_source

    folder, spec = save_preset(tmp_path / "mirror", key, **SMALL)
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path / "mirror"))
    source = pretrained_source(spec, tmp_path / "models")
    assert source.weights == "pretrained (KerasHub)"
    assert_matches_keras_hub(Path(source.encoder_handle).parent, folder, spec)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["kh_electra_small_discriminator_uncased_en", "kh_distil_bert_base_en_uncased"])
def test_every_converted_family_matches_keras_hub(key):
    """ELECTRA (factorised embeddings, random pooler left out) and DistilBERT (no segments, no pooler): a small
    random KerasHub backbone of the family and its conversion give the same outputs; where the family has no trained
    pooler the converted ``pooled_output`` is KerasHub's first token (ALBERT and DeBERTa-v3: the test above)."""
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
    with pytest.raises(UsageError, match="RoBERTa family does not run here"):
        pretrained_source(get_spec("kh_xlm_roberta_base_multi"), tmp_path)
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


DEBERTA = "kh_deberta_v3_extra_small_en"


@pytest.mark.slow
def test_fetch_offline_run_repair_and_leaderboard_beside_a_tfhub_standin(tmp_path, aclimdb, tiny_vocab, monkeypatch):
    """``fetch`` downloads a tiny BERT and a tiny DeBERTa-v3 preset (the registry's exact shapes, random weights)
    through kagglehub (KerasHub's downloader) from a local stand-in for Kaggle's API; a damaged cached copy is one
    line until ``fetch`` repairs it; ``run --offline`` converts and trains both (the BERT conversion tokenizes and
    computes as KerasHub does); the leaderboard shows the KerasHub rows beside a TF-Hub stand-in's."""
    from kaggle_server import KaggleModelServer

    from benchmark.encoders.source import pretrained_source

    spec, deberta = get_spec(TINY), get_spec(DEBERTA)
    served = {s.key: save_preset(tmp_path / "served", s.key)[0] for s in (spec, deberta)}
    small = ("--data-dir", str(aclimdb), "--train-samples", "16", "--test-samples", "16", "--epochs", "1",
             "--batch-size", "8", "--seq-length", "32", "--output", "results", "--models-dir", "models")
    with KaggleModelServer({kaggle_handle(get_spec(key)): folder for key, folder in served.items()}) as server:
        env = server.environment(tmp_path / "kagglehub")
        fetched = _cli("fetch", "--model", TINY, cwd=tmp_path, env=env)
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        assert "downloaded" in fetched.stdout and ("ListModelInstanceVersionFiles", "") in server.requests
        assert ("DownloadModelInstanceVersion", "model.weights.h5") in server.requests
        weights = tmp_path / "kagglehub" / "models" / kaggle_handle(spec) / "model.weights.h5"
        intact = weights.read_bytes()
        weights.write_bytes(intact[: len(intact) // 3])  # a damaged cached copy: one line, nothing converted
        monkeypatch.delenv(MIRROR_ENV, raising=False)
        for name, value in (env | {"TFHUB_BENCH_OFFLINE": "1"}).items():
            monkeypatch.setenv(name, value)
        with pytest.raises(UsageError, match=f"damaged or incomplete.*fetch --model {TINY}"):
            pretrained_source(spec, tmp_path / "models")
        assert not (tmp_path / "models").exists()
        monkeypatch.delenv("TFHUB_BENCH_OFFLINE")
        repaired = _cli("fetch", "--model", TINY, "--model", DEBERTA, cwd=tmp_path, env=env)
        assert repaired.returncode == 0 and "repaired" in repaired.stdout, repaired.stdout + repaired.stderr[-3000:]
        assert "downloaded" in repaired.stdout and weights.read_bytes() == intact
    offline = _cli("run", "--offline", "--model", TINY, "--model", DEBERTA, *small, cwd=tmp_path, env=env)
    assert offline.returncode == 0, offline.stderr[-3000:]  # the server is gone
    (converted,) = (tmp_path / "models" / "keras_hub").glob(f"{TINY}-*")
    assert_matches_keras_hub(converted, served[TINY], spec)
    standin = run_cli("run", "--model", "small_bert_l2_h128", "--standins", "--vocab", str(tiny_vocab), *small,
                      cwd=tmp_path)
    assert standin.returncode == 0, standin.stderr[-3000:]
    runs = {run["model"]["key"]: run for run in
            (json.loads(path.read_text()) for path in (tmp_path / "results" / "runs").glob("*.json"))}
    assert runs[TINY]["encoder_source"] == {"source": "keras_hub", "preset": spec.encoder_handle,
                                            "preset_version": 3, "head_reads": "pooled_output"}
    assert runs[DEBERTA]["encoder_source"]["head_reads"] == "sequence_output[:, 0]"
    assert runs[TINY]["weights"] == runs[DEBERTA]["weights"] == "pretrained (KerasHub)"
    assert runs[TINY]["schema_version"] == SCHEMA_VERSION
    assert runs["small_bert_l2_h128"]["encoder_source"]["source"] == "tfhub"
    board = (tmp_path / "results" / "leaderboard.md").read_text()
    assert f"(`{TINY}`)" in board and f"(`{DEBERTA}`)" in board and "(`small_bert_l2_h128`)" in board
    assert "| pretrained (KerasHub) |" in board
