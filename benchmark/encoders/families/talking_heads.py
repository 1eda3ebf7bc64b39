"""Talking-Heads BERT: attention heads mixed before and after the softmax, and a gated-GELU feed-forward block."""

from __future__ import annotations

from typing import Any

from benchmark.encoders.families.base import Family, shape


class TalkingHeads(Family):
    """tf-models-official's ``EncoderScaffold`` with talking-heads attention (:mod:`benchmark.encoders.networks`)."""

    name = "talking_heads"
    display_name = "Talking-Heads BERT"

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        from official.nlp.configs import encoders  # deferred: imports TensorFlow

        from benchmark.encoders.networks import TalkingHeadsEncoderConfig  # deferred: imports TensorFlow

        return encoders.EncoderConfig(type="any", any=TalkingHeadsEncoderConfig(**shape(spec, vocab_size)))

    def attention_parameters(self, h: int, a: int) -> int:
        return super().attention_parameters(h, a) + 2 * a * a  # pre- and post-softmax head-mixing projections

    def feed_forward_parameters(self, h: int, i: int) -> int:
        return 2 * (h * i + i) + i * h + h  # gated GELU: two input projections

    def dense_flops(self, h: int, i: int) -> int:
        return 4 * h * h + 3 * h * i  # the gated feed-forward's two input projections

    def attention_flops(self, s: float, h: int, a: int) -> float:
        return 4 * s * s * h + 4 * s * s * a * a  # the two head mixings


FAMILY = TalkingHeads()
