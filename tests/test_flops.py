"""FLOP counts of a last layer computed for the [CLS] position alone."""

import pytest

from benchmark.flops import forward_flops, training_flops
from benchmark.registry import get_spec


def test_cls_only_last_layer_drops_all_but_the_key_and_value_projections_of_that_layer():
    spec = get_spec("small_bert_l4_h512")
    h, i, s = 512, 2048, 128
    full_layer = 2 * s * (4 * h * h + 2 * h * i) + 4 * s * s * h
    cls_layer = 2 * s * 2 * h * h + 2 * (2 * h * h + 2 * h * i) + 4 * s * h
    assert forward_flops(spec, s) - forward_flops(spec, s, cls_only=True) == pytest.approx(full_layer - cls_layer)
    assert training_flops(spec, s, cls_only=True) == 3 * forward_flops(spec, s, cls_only=True)


@pytest.mark.parametrize("key", ["albert_base", "talking_heads_base"])
def test_families_without_a_cls_only_rebuild_count_every_position(key):
    spec = get_spec(key)
    assert forward_flops(spec, 128, cls_only=True) == forward_flops(spec, 128)
