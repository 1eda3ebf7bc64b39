"""The Keras networks families need beyond tf-models-official's: exact GELU, DistilBERT's pooling, Talking-Heads."""

from __future__ import annotations

import dataclasses
from typing import Optional

import tensorflow as tf
import tf_keras
from official.modeling import hyperparams, tf_utils
from official.nlp.modeling import layers, networks

from benchmark.encoders.families.base import EXACT_GELU

INITIALIZER_RANGE = 0.02


@tf_keras.saving.register_keras_serializable(package="benchmark", name="exact_gelu")
def exact_gelu(x):
    """GELU with the Gaussian CDF computed exactly (``erf``), as in the original BERT and PyTorch."""
    return tf_keras.activations.gelu(x, approximate=False)


class ClsPooledBertEncoder(networks.BertEncoderV2):
    """A BERT encoder whose ``pooled_output`` is the final ``[CLS]`` state itself: no pooler weights.

    DistilBERT has no pooler; this keeps its ``[CLS]`` vector as the TF-Hub ``pooled_output`` instead of
    inventing a dense + tanh layer that the checkpoint never trained.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        del self._pooler_layer  # the unbuilt dense + tanh pooler: it never gets weights
        self._pooler_layer = tf_keras.layers.Identity(name="cls_state")


class CastActivation(tf_keras.layers.Layer):
    """An activation computed in float32 whose result is cast to ``output_dtype`` (no weights)."""

    def __init__(self, activation, output_dtype, **kwargs):
        super().__init__(dtype="float32", **kwargs)
        self._activation = tf_keras.activations.get(activation)
        self._output_dtype = output_dtype

    def call(self, inputs):
        return tf.cast(self._activation(inputs), self._output_dtype)


@tf_keras.saving.register_keras_serializable(package="benchmark", name="GatedFeedforward")
class GatedFeedforward(layers.GatedFeedforward):
    """tf-models-official's gated feed-forward block, with its gate multiplied in the layer's compute dtype.

    Under ``mixed_bfloat16`` tf-models-official computes the GELU in float32 (for numerical stability) but the
    gate in bfloat16, and ``GELU(xW) * xV`` then fails ("Input 'y' of 'Mul' Op has type bfloat16 that does not
    match type float32"). Here the float32 GELU is cast back to the compute dtype before the product, as the
    output projection would cast it anyway; float32 and ``mixed_float16`` compute exactly as before.
    """

    def build(self, input_shape):
        super().build(input_shape)
        self._inner_activation_layers = [
            CastActivation(self._inner_activation, self.compute_dtype, name=f"{layer.name}_cast")
            if layer.compute_dtype != self.compute_dtype else layer for layer in self._inner_activation_layers]


@dataclasses.dataclass
class TalkingHeadsEncoderConfig(hyperparams.Config):
    """BERT with talking-heads attention and a gated-GELU feed-forward block."""

    vocab_size: int = 30522
    hidden_size: int = 768
    num_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    dropout_rate: float = 0.1
    attention_dropout_rate: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2

    @staticmethod
    def BUILDER(cfg: "TalkingHeadsEncoderConfig") -> networks.EncoderScaffold:  # noqa: N802
        """Called by ``encoders.build_encoder`` for ``type="any"``."""
        initializer = tf_keras.initializers.TruncatedNormal(stddev=INITIALIZER_RANGE)
        embedding_cfg = dict(
            vocab_size=cfg.vocab_size,
            type_vocab_size=cfg.type_vocab_size,
            hidden_size=cfg.hidden_size,
            max_seq_length=cfg.max_position_embeddings,
            initializer=initializer,
            dropout_rate=cfg.dropout_rate,
        )
        hidden_cfg = dict(
            num_attention_heads=cfg.num_attention_heads,
            intermediate_size=cfg.intermediate_size,
            intermediate_activation=tf_utils.get_activation("gelu"),
            dropout_rate=cfg.dropout_rate,
            attention_dropout_rate=cfg.attention_dropout_rate,
            kernel_initializer=initializer,
            attention_cls=layers.TalkingHeadsAttention,
            feedforward_cls=GatedFeedforward,
            feedforward_cfg=dict(
                intermediate_size=cfg.intermediate_size,
                intermediate_activation=tf_utils.get_activation("gelu"),
                dropout=cfg.dropout_rate,
                use_gate=True,
                kernel_initializer=initializer,
            ),
        )
        return networks.EncoderScaffold(
            pooled_output_dim=cfg.hidden_size,
            pooler_layer_initializer=initializer,
            embedding_cfg=embedding_cfg,
            num_hidden_instances=cfg.num_layers,
            hidden_cls=layers.TransformerScaffold,
            hidden_cfg=hidden_cfg,
            dict_outputs=True,
        )


@dataclasses.dataclass
class ClsPooledEncoderConfig(hyperparams.Config):
    """BERT layers with the ``[CLS]`` state as pooled output (the DistilBERT family)."""

    vocab_size: int = 30522
    hidden_size: int = 768
    num_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_activation: str = EXACT_GELU
    dropout_rate: float = 0.1
    attention_dropout_rate: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    output_range: Optional[int] = None
    embedding_width: Optional[int] = None  # factorised embeddings (KerasHub's ELECTRA small), else hidden_size

    @staticmethod
    def BUILDER(cfg: "ClsPooledEncoderConfig") -> ClsPooledBertEncoder:  # noqa: N802
        """Called by ``encoders.build_encoder`` for ``type="any"``."""
        return ClsPooledBertEncoder(
            vocab_size=cfg.vocab_size,
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            num_attention_heads=cfg.num_attention_heads,
            inner_dim=cfg.intermediate_size,
            inner_activation=tf_utils.get_activation(cfg.hidden_activation),
            output_dropout=cfg.dropout_rate,
            attention_dropout=cfg.attention_dropout_rate,
            max_sequence_length=cfg.max_position_embeddings,
            type_vocab_size=cfg.type_vocab_size,
            initializer=tf_keras.initializers.TruncatedNormal(stddev=INITIALIZER_RANGE),
            output_range=cfg.output_range,
            embedding_width=cfg.embedding_width,
        )
