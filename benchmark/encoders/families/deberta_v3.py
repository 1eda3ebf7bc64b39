"""DeBERTa-v3: disentangled attention over log-bucketed relative positions; no absolute positions, segments or pooler.

Its tf-keras encoder is a port of KerasHub's ``DebertaV3Backbone`` (:mod:`benchmark.encoders.deberta_v3`), so its
presets convert by weight name like the other families', and the shared head reads its first token.
"""

from __future__ import annotations

from typing import Any

from benchmark.encoders.families.base import Family, shape


class DebertaV3(Family):
    """KerasHub's ``DebertaV3Backbone`` in tf-keras (``max_positions`` is its ``max_sequence_length``; the
    relative-position embeddings have that many rows, 2 x 256 buckets)."""

    name = "deberta_v3"
    display_name = "DeBERTa-v3"
    pooler = False

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        from official.nlp.configs import encoders  # deferred: imports TensorFlow

        from benchmark.encoders.deberta_v3 import DebertaV3EncoderConfig  # deferred: imports TensorFlow

        settings = shape(spec, vocab_size) | dict(type_vocab_size=0)
        return encoders.EncoderConfig(type="any", any=DebertaV3EncoderConfig(**settings))

    def parameter_count(self, spec: Any, vocab_size: int) -> int:
        h = spec.hidden_size
        embeddings = vocab_size * h + 2 * h + spec.max_positions * h + 2 * h  # tokens, LN, relative positions, LN
        layer = self.attention_parameters(h, spec.num_heads) + self.feed_forward_parameters(h, spec.intermediate_size)
        return embeddings + spec.num_layers * (layer + 4 * h)

    def forward_flops(self, spec: Any, tokens: float, cls_only: bool = False) -> float:
        """BERT's, plus the relative positions' query and key projections (``2 x 2 x buckets x h x h`` per layer)
        and the content-to-position and position-to-content scores (twice BERT's ``q k`` term)."""
        h, s = spec.hidden_size, float(tokens)
        extra = spec.num_layers * (2 * 2 * spec.max_positions * h * h + 2 * 2 * s * spec.max_positions * h)
        return super().forward_flops(spec, tokens, cls_only) + extra


FAMILY = DebertaV3()
