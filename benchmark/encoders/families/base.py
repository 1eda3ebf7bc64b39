"""What every architecture family shares: BERT's parameter and FLOP counts, and the parts a family changes.

Each family module (:mod:`.bert`, :mod:`.albert`, :mod:`.talking_heads`, :mod:`.distilbert`) subclasses
:class:`Family` with what is particular to it: its tf-models-official encoder config, the terms of its parameter
and FLOP counts that differ from BERT's, its Hugging Face checkpoint layout and its capabilities. Specs are
duck-typed here (``spec.hidden_size`` and so on), so that families need not import the spec that names them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any


# tf-models-official's "gelu" is the tanh approximation; Hugging Face's "gelu" is the exact (erf) one, registered
# with Keras under this name (benchmark.encoders.networks); a spec's ``activation`` may name it.
EXACT_GELU = "benchmark>exact_gelu"


@dataclasses.dataclass(frozen=True)
class HfLayout:
    """How a Hugging Face checkpoint of a family stores its architecture and weights.

    Args:
      model_type: ``model_type`` in its ``config.json``.
      model_class: The Hugging Face class whose weights are read.
      weight_prefix: Prefix of its tensor names, removed when reading.
      layer_path: Prefix of layer ``{i}``'s tensors.
      layer_names: Tensor name (after ``layer_path``) of each tf-models-official variable of a layer.
      config_names: ``config.json`` key of each shape field.
      token_types: Whether it has segment (token type) embeddings; without them they are zeros.
      pooler: Whether it may carry BERT's dense + tanh pooler; without one its pooled output is the [CLS] state.
    """

    model_type: str
    model_class: str
    weight_prefix: str
    layer_path: str
    layer_names: dict[str, str]
    config_names: dict[str, str]
    token_types: bool
    pooler: bool


def shape(spec: Any, vocab_size: int) -> dict[str, int]:
    """The shape settings every tf-models-official encoder config takes, from ``spec`` and the vocabulary size."""
    return dict(vocab_size=vocab_size, hidden_size=spec.hidden_size, num_layers=spec.num_layers,
                num_attention_heads=spec.num_heads, intermediate_size=spec.intermediate_size,
                max_position_embeddings=spec.max_positions, type_vocab_size=spec.type_vocab_size)


class Family:
    """An encoder architecture family: BERT's counts, with hooks for what a family changes.

    Attributes:
      name: The ``family`` of the specs it builds.
      display_name: How messages name it.
      cls_only: Whether its last layer can compute the ``[CLS]`` position alone (tf-models-official's
        ``output_range=1``): a classifier on ``pooled_output`` gets the same result from a fraction of the work.
      pooler: Whether it has a pooler (dense + tanh over ``[CLS]``).
      shared_layers: Whether one set of layer weights serves every layer (ALBERT).
      plain_bert: Whether a plain (Hugging Face) ``BertConfig`` of its shape is the same network.
      hf: Its Hugging Face checkpoint layout, where ``import-hf`` reads it.
    """

    name = "bert"
    display_name = "BERT"
    cls_only = False
    pooler = True
    shared_layers = False
    plain_bert = False
    hf: HfLayout | None = None

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        """tf-models-official's ``EncoderConfig`` of ``spec``'s architecture (imports TensorFlow)."""
        raise NotImplementedError

    def check_hf_config(self, config: dict[str, Any], where: Path) -> None:
        """Raise a UsageError for a ``config.json`` setting that tf-models-official cannot reproduce."""

    # Parameters
    def attention_parameters(self, h: int, a: int) -> int:
        return 4 * (h * h + h)  # query, key, value and output projections

    def feed_forward_parameters(self, h: int, i: int) -> int:
        return h * i + i + i * h + h

    def parameter_count(self, spec: Any, vocab_size: int) -> int:
        """Parameters of a tf-models-official encoder of ``spec``'s shape with ``vocab_size`` tokens."""
        h, i, a = spec.hidden_size, spec.intermediate_size, spec.num_heads
        e = spec.embedding_size or h
        embeddings = (vocab_size + spec.max_positions + spec.type_vocab_size) * e + 2 * e
        projection = e * h + h if e != h else 0
        layer = self.attention_parameters(h, a) + self.feed_forward_parameters(h, i) + 2 * (2 * h)  # 2 layer norms
        layers = layer if self.shared_layers else layer * spec.num_layers
        pooler = h * h + h if self.pooler else 0
        return embeddings + projection + layers + pooler

    # FLOPs (see benchmark.encoders.flops for the formula)
    def dense_flops(self, h: int, i: int) -> int:
        """Multiply-adds per position of a layer's dense projections: attention, then feed-forward."""
        return 4 * h * h + 2 * h * i

    def attention_flops(self, s: float, h: int, a: int) -> float:
        """FLOPs of a layer's attention scores and weighted values over ``s`` positions."""
        return 4 * s * s * h

    def forward_flops(self, spec: Any, tokens: float, cls_only: bool = False) -> float:
        """Forward FLOPs for one example padded to ``tokens`` positions (the classifier head included)."""
        h, i, a, s = spec.hidden_size, spec.intermediate_size, spec.num_heads, float(tokens)
        dense = self.dense_flops(h, i)
        per_layer = 2 * s * dense + self.attention_flops(s, h, a)
        layers = spec.num_layers * per_layer
        if cls_only and self.cls_only:
            layers += 2 * s * 2 * h * h + 2 * (dense - 2 * h * h) + 4 * s * h - per_layer
        embedding = 2 * s * spec.embedding_size * h if spec.embedding_size else 0
        return layers + embedding + 2 * h * h + 2 * h
