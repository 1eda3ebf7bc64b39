"""Stand-in encoders: built with export_tfhub_lib, cached, and loaded through hub.KerasLayer."""

import json

import pytest

from benchmark.core.errors import UsageError
from benchmark.training.classifier import count_parameters
from benchmark.encoders.spec import encoder_parameter_count
from benchmark.encoders.registry import get_spec
from benchmark.encoders.standins import MANIFEST, build_standin
from benchmark.encoders.vocab import check_vocab_file, learned_vocab

from conftest import TINY_MODEL

pytestmark = pytest.mark.slow


def test_standin_loads_through_the_tfhub_code_path(tiny_standin):
    import tensorflow as tf
    import tensorflow_hub as hub

    preprocessor = hub.load(str(tiny_standin.preprocessor_path))
    tokens = preprocessor.tokenize(tf.constant(["a great movie", "it was dull"]))
    packed = preprocessor.bert_pack_inputs([tokens], seq_length=tf.constant(16))
    assert packed["input_word_ids"].shape == (2, 16)
    assert int(packed["input_word_ids"][0, 0]) == 2  # [CLS] in the tiny vocabulary

    encoder = hub.KerasLayer(str(tiny_standin.encoder_path), trainable=True)
    outputs = encoder(packed)
    spec = get_spec(TINY_MODEL)
    assert outputs["pooled_output"].shape == (2, spec.hidden_size)
    assert outputs["sequence_output"].shape == (2, 16, spec.hidden_size)
    assert count_parameters(encoder.weights) == encoder_parameter_count(spec, tiny_standin.vocab_size)


def test_standin_is_labelled_and_cached(tiny_standin, tiny_vocab):
    manifest = json.loads((tiny_standin.encoder_path.parent / MANIFEST).read_text())
    assert manifest["weights"] == "stand-in" and manifest["key"] == TINY_MODEL
    models_dir = tiny_standin.encoder_path.parent.parent.parent
    before = tiny_standin.encoder_path.stat().st_mtime_ns
    again = build_standin(get_spec(TINY_MODEL), tiny_vocab, models_dir)
    assert again == tiny_standin and again.encoder_path.stat().st_mtime_ns == before


def test_bad_vocab_files_are_rejected(tmp_path):
    with pytest.raises(UsageError, match="not a file"):
        check_vocab_file(tmp_path / "nope.txt")
    (tmp_path / "words.txt").write_text("hello\nworld\n")
    with pytest.raises(UsageError, match=r"lacks the special tokens \[PAD\]"):
        check_vocab_file(tmp_path / "words.txt")


def test_learned_vocab_has_special_tokens_and_is_cached(tmp_path):
    texts = ["a great film and a great story", "a dull film, the worst story"] * 20
    path = learned_vocab(texts, lower_case=True, cache_dir=tmp_path, size=200)
    tokens = check_vocab_file(path)
    assert tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert "great" in tokens and "film" in tokens
    assert learned_vocab(texts, lower_case=True, cache_dir=tmp_path, size=200) == path
