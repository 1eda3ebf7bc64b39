"""Configuration hashes pinned to the values computed before the package was restructured.

A run is skipped when a run file with its configuration hash exists, so a hash that changed for the same inputs
would rerun every finished model. These inputs cover a pretrained encoder, settings that enter the hash, a
TensorFlow Lite run on two replicas without a validation split, a stand-in, and the classical baseline.
"""

import dataclasses

import numpy as np
import pytest

from benchmark.training.baseline import TFIDF_LOGREG, baseline_hash
from benchmark.data.splits import Split
from benchmark.encoders.registry import get_spec
from benchmark.records.labels import WEIGHTS_STANDIN
from benchmark.encoders.source import EncoderSource, pretrained_source
from benchmark.training.config import RunConfig
from benchmark.training.identity import config_hash
from benchmark.data.prepared import PreparedData


def split(prefix: str, count: int) -> Split:
    return Split(tuple(f"{prefix} review {i} {'great' if i % 2 else 'awful'}" for i in range(count)),
                 np.array([i % 2 for i in range(count)], dtype=np.int32))


DATA = PreparedData(split("train", 8), split("validation", 4), split("test", 6), "memory")
NO_VALIDATION = PreparedData(split("train", 8), None, split("test", 6), "memory")
# The settings whose defaults changed later are given as they were then: the same settings keep their hash.
CONFIG = RunConfig(epochs=2, batch_size=8, seq_length=32, seed=7, precision="float32", truncation="head",
                   bucketing=False, restore_best_epoch=False)
STANDIN = "/anywhere/models/standins/small_bert_l2_h128-0123456789ab"


@pytest.mark.parametrize("name, compute, expected", [
    ("pretrained", lambda: config_hash(pretrained_source(get_spec("small_bert_l2_h128")), CONFIG, DATA),
     "15f7fef32ca4bae6"),
    ("settings", lambda: config_hash(pretrained_source(get_spec("bert_base_uncased")), dataclasses.replace(
        CONFIG, learning_rate=2e-5, truncation="head_tail", bucketing=True), DATA), "940de32e5904db7f"),
    ("tflite, 2 replicas", lambda: config_hash(pretrained_source(get_spec("small_bert_l2_h128")), dataclasses.replace(
        CONFIG, inference="tflite-int8", precision="mixed_bfloat16"), NO_VALIDATION, 2), "afbd1b76da866f0f"),
    ("stand-in", lambda: config_hash(EncoderSource(get_spec("small_bert_l2_h128"), f"{STANDIN}/encoder",
                                                   f"{STANDIN}/preprocessor", WEIGHTS_STANDIN), CONFIG, DATA),
     "e65b3f50a8c80392"),
    ("baseline", lambda: baseline_hash(TFIDF_LOGREG, CONFIG, DATA), "726c9a6c3c53329c"),
    ("baseline, best epoch restored", lambda: baseline_hash(
        TFIDF_LOGREG, dataclasses.replace(CONFIG, restore_best_epoch=True), DATA), "726c9a6c3c53329c"),
])
def test_configuration_hash_is_unchanged(name, compute, expected):
    assert compute() == expected, name


def test_restoring_the_best_epoch_is_a_new_configuration():
    source = pretrained_source(get_spec("small_bert_l2_h128"))
    restored = config_hash(source, dataclasses.replace(CONFIG, restore_best_epoch=True), DATA)
    assert restored != config_hash(source, CONFIG, DATA) == "15f7fef32ca4bae6"


def test_class_names_enter_the_hash_only_when_they_are_not_imdbs():
    from benchmark.data.dataset import DatasetInfo

    source = pretrained_source(get_spec("small_bert_l2_h128"))
    spam = DatasetInfo("mail", "mail.csv", "mail", ("ham", "spam"))
    renamed = dataclasses.replace(DATA, info=spam)
    assert config_hash(source, CONFIG, renamed) != config_hash(source, CONFIG, DATA) == "15f7fef32ca4bae6"
    assert baseline_hash(TFIDF_LOGREG, CONFIG, renamed) != baseline_hash(TFIDF_LOGREG, CONFIG, DATA)
    four = DatasetInfo("news", "news.csv", "news", ("a", "b", "c", "d"))
    assert config_hash(source, CONFIG, dataclasses.replace(DATA, info=four)) == "ffd26f618aa59163"  # pinned: a changed hash reruns finished runs
