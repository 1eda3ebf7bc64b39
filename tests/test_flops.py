"""FLOP counts of a last layer computed for the [CLS] position alone."""

import pytest

from benchmark.encoders.flops import forward_flops, training_flops
from benchmark.encoders.registry import get_spec


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


def test_cpu_peak_scales_with_the_operations_each_precision_does_per_cycle():
    from benchmark.speed.peaks import cpu_peak_flops

    (fp32, fp32_note), (bf16, _), (int8, int8_note) = cpu_peak_flops(), cpu_peak_flops(bf16=True), \
        cpu_peak_flops(int8=True)
    assert bf16 == pytest.approx(2 * fp32) and int8 == pytest.approx(4 * fp32)
    assert "32 fp32 FLOPs/cycle" in fp32_note and "128 int8 operations/cycle" in int8_note
