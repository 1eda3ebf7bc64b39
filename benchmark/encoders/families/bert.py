"""BERT and the encoders of its architecture (Small BERTs, ELECTRA, BERT Experts, imported BERT checkpoints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmark.core.errors import UsageError
from benchmark.encoders.families.base import Family, HfLayout, shape

LAYER_NORM_EPS = 1e-12  # what tf-models-official's BERT layers use

HF_LAYOUT = HfLayout(
    model_type="bert", model_class="BertModel", weight_prefix="bert.", layer_path="encoder.layer.{i}.",
    layer_names={
        "self_attention/query": "attention.self.query",
        "self_attention/key": "attention.self.key",
        "self_attention/value": "attention.self.value",
        "self_attention/attention_output": "attention.output.dense",
        "self_attention_layer_norm": "attention.output.LayerNorm",
        "intermediate": "intermediate.dense",
        "output": "output.dense",
        "output_layer_norm": "output.LayerNorm",
    },
    config_names=dict(num_layers="num_hidden_layers", hidden_size="hidden_size", num_heads="num_attention_heads",
                      intermediate_size="intermediate_size", activation="hidden_act"),
    token_types=True, pooler=True)


class Bert(Family):
    """tf-models-official's ``BertEncoderV2``, factorised embeddings (ELECTRA small) included."""

    name = "bert"
    display_name = "BERT"
    cls_only = True
    plain_bert = True
    hf = HF_LAYOUT

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        from official.nlp.configs import encoders  # deferred: imports TensorFlow

        return encoders.EncoderConfig(type="bert", bert=encoders.BertEncoderConfig(
            embedding_size=spec.embedding_size, hidden_activation=spec.activation, output_range=output_range,
            **shape(spec, vocab_size)))

    def check_hf_config(self, config: dict[str, Any], where: Path) -> None:
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise UsageError(f"{where}: position_embedding_type {config['position_embedding_type']} is not supported "
                             "(only absolute positions map onto tf-models-official's BERT encoder)")
        eps = float(config.get("layer_norm_eps", LAYER_NORM_EPS))
        if not np.isclose(eps, LAYER_NORM_EPS, rtol=0.01):
            raise UsageError(f"{where}: layer_norm_eps {eps:g} is not supported (tf-models-official uses 1e-12)")


FAMILY = Bert()
