"""Head and head+tail truncation, and packing that matches the preprocessor's bert_pack_inputs."""

import random

import numpy as np
import pytest

from benchmark.core.errors import UsageError
from benchmark.data.packing import SpecialIds, head_budget, pack, truncate
from benchmark.training.pipeline import special_ids

IDS = SpecialIds(cls=2, sep=3, pad=0)


def test_head_tail_at_512_keeps_first_128_and_last_382():
    tokens = np.arange(1000)
    kept = truncate(tokens, 512, "head_tail")
    assert kept.tolist() == list(range(128)) + list(range(1000 - 382, 1000))


def test_head_tail_scales_the_head_share_with_the_length():
    assert head_budget(128, "head_tail") == round(126 * 128 / 510) == 32
    kept = truncate(np.arange(100, 200), 32, "head_tail")  # budget 30: head 8, tail 22
    assert kept.tolist() == list(range(100, 108)) + list(range(178, 200))


def test_head_keeps_the_first_tokens_and_short_reviews_are_untouched():
    assert truncate(np.arange(50), 16, "head").tolist() == list(range(14))
    assert truncate(np.arange(5), 16, "head_tail").tolist() == list(range(5))


def test_pack_writes_cls_tokens_sep_and_padding():
    features, lengths = pack([np.array([7, 8, 9]), np.arange(10, 40)], 8, "head_tail", IDS)
    assert features["input_word_ids"][0].tolist() == [2, 7, 8, 9, 3, 0, 0, 0]
    assert features["input_mask"][0].tolist() == [1] * 5 + [0] * 3
    assert lengths.tolist() == [5, 8]
    assert head_budget(8, "head_tail") == 2  # budget 6: round(6 * 128 / 510) first tokens, 4 last
    assert features["input_word_ids"][1].tolist() == [2, 10, 11, 36, 37, 38, 39, 3]
    assert not features["input_type_ids"].any()


def test_unknown_truncation_is_a_usage_error():
    with pytest.raises(UsageError, match="--truncation"):
        truncate(np.arange(50), 16, "tail")


@pytest.mark.slow
def test_packing_equals_bert_pack_inputs_for_head_truncation(tiny_standin):
    import tensorflow as tf

    from benchmark.encoders.loading import load_handle
    from benchmark.training.pipeline import tokenize_texts
    from conftest import review

    preprocessor = load_handle(str(tiny_standin.preprocessor_path), "preprocessor")
    ids = special_ids(preprocessor)
    assert (ids.cls, ids.sep, ids.pad) == (2, 3, 0)  # positions of [CLS], [SEP], [PAD] in the tiny vocabulary
    rng = random.Random(1)
    texts = [review(rng, i % 2, words=rng.randint(2, 40)) for i in range(20)] + [""]
    for seq_length in (16, 32):
        ours, lengths = pack(tokenize_texts(texts, preprocessor), seq_length, "head", ids)
        theirs = preprocessor.bert_pack_inputs([preprocessor.tokenize(tf.constant(texts))],
                                               seq_length=tf.constant(seq_length))
        for name, values in ours.items():
            np.testing.assert_array_equal(values, theirs[name].numpy(), err_msg=name)
        assert lengths.max() == seq_length and lengths.min() == 2  # some truncated, the empty one is [CLS] [SEP]
