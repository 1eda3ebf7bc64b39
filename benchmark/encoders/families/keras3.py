"""Families only KerasHub (Keras 3) implements: their parameter counts, and one line where a run would need them.

RoBERTa (and XLM-RoBERTa) presets are listed and counted but do not run: their tokenizers (RoBERTa's byte-level
BPE, XLM-RoBERTa's SentencePiece with fairseq's id offsets) have no TF-Hub preprocessor that gives KerasHub's ids
(docs/keras-hub.md), and a Keras 3 layer cannot go into the tf-keras classifier (tensorflow/hub#920).
"""

from __future__ import annotations

from typing import Any

from benchmark.core.errors import UsageError
from benchmark.encoders.families.base import Family


class Keras3Only(Family):
    """A family that is listed and counted, never built for the shared head."""

    keras_hub_class = ""
    pooler = False

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        raise UsageError(f"{spec.key}: the {self.display_name} family does not run here: its tokenizer has no TF-Hub "
                         f"preprocessor that gives KerasHub's ids, and KerasHub's {self.keras_hub_class} is Keras 3, "
                         "which the shared tf-keras head cannot take (tensorflow/hub#920; docs/keras-hub.md)")


class Roberta(Keras3Only):
    """KerasHub's ``RobertaBackbone``: BERT layers, no segment embeddings, no pooler."""

    name = "roberta"
    display_name = "RoBERTa"
    keras_hub_class = "RobertaBackbone"

    def parameter_count(self, spec: Any, vocab_size: int) -> int:
        h = spec.hidden_size
        embeddings = (vocab_size + spec.max_positions) * h + 2 * h
        layer = self.attention_parameters(h, spec.num_heads) + self.feed_forward_parameters(h, spec.intermediate_size)
        return embeddings + spec.num_layers * (layer + 4 * h)


ROBERTA = Roberta()
