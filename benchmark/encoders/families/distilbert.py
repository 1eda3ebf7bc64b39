"""DistilBERT: BERT layers without segment embeddings or a pooler; its pooled output is the final [CLS] state."""

from __future__ import annotations

from typing import Any

from benchmark.encoders.families.base import Family, HfLayout, shape

HF_LAYOUT = HfLayout(
    model_type="distilbert", model_class="DistilBertModel", weight_prefix="distilbert.",
    layer_path="transformer.layer.{i}.",
    layer_names={
        "self_attention/query": "attention.q_lin",
        "self_attention/key": "attention.k_lin",
        "self_attention/value": "attention.v_lin",
        "self_attention/attention_output": "attention.out_lin",
        "self_attention_layer_norm": "sa_layer_norm",
        "intermediate": "ffn.lin1",
        "output": "ffn.lin2",
        "output_layer_norm": "output_layer_norm",
    },
    config_names=dict(num_layers="n_layers", hidden_size="dim", num_heads="n_heads", intermediate_size="hidden_dim",
                      activation="activation"),
    token_types=False, pooler=False)


class DistilBert(Family):
    """BERT layers with the ``[CLS]`` state as pooled output (:mod:`benchmark.encoders.networks`)."""

    name = "distilbert"
    display_name = "DistilBERT"
    cls_only = True
    pooler = False
    hf = HF_LAYOUT

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        from official.nlp.configs import encoders  # deferred: imports TensorFlow

        from benchmark.encoders.networks import ClsPooledEncoderConfig  # deferred: imports TensorFlow

        return encoders.EncoderConfig(type="any", any=ClsPooledEncoderConfig(
            hidden_activation=spec.activation, output_range=output_range, **shape(spec, vocab_size)))


FAMILY = DistilBert()
