"""DeBERTa-v3 as a tf-keras text encoder: KerasHub's ``DebertaV3Backbone`` ported to tf-keras layers.

KerasHub's backbone is Keras 3, which cannot go into the tf-keras classifier (tensorflow/hub#920). This port computes
the same function with tf-keras layers and TensorFlow ops (KerasHub 0.32's ``deberta_v3_backbone.py``,
``disentangled_attention_encoder.py``, ``disentangled_self_attention.py`` and ``relative_embedding.py``): token
embeddings, then post-layer-norm transformer layers whose attention adds content-to-position and
position-to-content scores over log-bucketed relative positions; no absolute positions, segments or pooler. Its
weights carry KerasHub's paths as names (``token_embedding/embeddings``, ``rel_embedding/rel_embedding``,
``disentangled_attention_encoder_layer_0/self_attention_layer/query/kernel``...), so a preset converts by name.

It follows the TF-Hub text encoder API of the other families: inputs ``input_word_ids``, ``input_mask`` and
``input_type_ids`` (ignored: DeBERTa-v3 has no segment embeddings), outputs ``sequence_output``,
``pooled_output`` (the first token of ``sequence_output``), ``encoder_outputs``.
"""

from __future__ import annotations

import dataclasses
import math

import tensorflow as tf
import tf_keras
from official.modeling import hyperparams

from benchmark.encoders.networks import exact_gelu

LAYER_NORM_EPS = 1e-7  # every DeBERTa-v3 layer norm
INITIALIZER_RANGE = 0.02
PACKAGE = "benchmark_deberta_v3"
LAYER_NAME = "disentangled_attention_encoder_layer_{i}"


def _initializer() -> tf_keras.initializers.Initializer:
    return tf_keras.initializers.TruncatedNormal(stddev=INITIALIZER_RANGE)


def relative_buckets(length: tf.Tensor, bucket_size: int, max_positions: int) -> tf.Tensor:
    """``[length, length]`` log-bucketed relative positions (query minus key), as KerasHub computes them."""
    ids = tf.range(length)
    relative = ids[:, None] - ids[None, :]
    mid = bucket_size // 2
    absolute = tf.where((relative < mid) & (relative > -mid), mid - 1, tf.abs(relative))
    numerator = tf.math.log(tf.cast(absolute, tf.float32) / float(mid)) * float(mid - 1)
    denominator = tf.math.log(tf.constant((max_positions - 1) / mid, tf.float32))
    log_position = tf.cast(tf.math.ceil(numerator / denominator), tf.int32) + mid
    return tf.where(absolute <= mid, relative, log_position * tf.sign(relative))


@tf_keras.saving.register_keras_serializable(package=PACKAGE)
class RelativeEmbedding(tf_keras.layers.Layer):
    """The ``2 * bucket_size`` relative-position embeddings, layer-normalised (shared by every layer)."""

    def __init__(self, hidden_size: int, bucket_size: int, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size, self.bucket_size = hidden_size, bucket_size

    def build(self, input_shape):
        self.rel_embedding = self.add_weight("rel_embedding", shape=(2 * self.bucket_size, self.hidden_size),
                                             initializer=_initializer())
        self.layer_norm = tf_keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name="rel_embeddings_layer_norm")
        super().build(input_shape)

    def call(self, inputs):
        del inputs  # only for the dtype policy and the build
        return self.layer_norm(tf.cast(self.rel_embedding, self.compute_dtype))

    def get_config(self):
        return super().get_config() | dict(hidden_size=self.hidden_size, bucket_size=self.bucket_size)


@tf_keras.saving.register_keras_serializable(package=PACKAGE)
class DisentangledSelfAttention(tf_keras.layers.Layer):
    """Multi-head attention whose scores add content-to-position and position-to-content terms, scaled by
    ``1 / sqrt(3 * head size)``."""

    def __init__(self, num_heads: int, hidden_size: int, bucket_size: int, max_positions: int, dropout: float,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.hidden_size, self.bucket_size = num_heads, hidden_size, bucket_size
        self.max_positions, self.dropout = max_positions, dropout
        self.head_size = hidden_size // num_heads
        self.scale = 1.0 / math.sqrt(3.0 * self.head_size)

    def build(self, input_shape):
        def heads(name: str) -> tf_keras.layers.EinsumDense:
            return tf_keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, self.num_heads, self.head_size),
                                               bias_axes="de", kernel_initializer=_initializer(), name=name)

        self.query, self.key, self.value = heads("query"), heads("key"), heads("value")
        self.attention_output = tf_keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, self.hidden_size),
                                                            bias_axes="d", kernel_initializer=_initializer(),
                                                            name="attention_output")
        self.position_dropout = tf_keras.layers.Dropout(self.dropout, name="position_dropout")
        self.attention_dropout = tf_keras.layers.Dropout(self.dropout, name="attention_dropout")
        super().build(input_shape)

    def _relative_scores(self, query, key, rel_embeddings):
        """Content-to-position plus position-to-content scores, ``[batch, heads, query, key]``."""
        shape = tf.shape(query)
        batch, length, span = shape[0], shape[1], self.bucket_size
        positions = relative_buckets(length, self.bucket_size, self.max_positions)
        full = [batch, self.num_heads, length, length]
        position_query = self.query(rel_embeddings[None])[0]  # [2 * span, heads, head size]
        position_key = self.key(rel_embeddings[None])[0]
        c2p = tf.einsum("ecd,abcd->acbe", position_key, query)
        c2p = tf.gather(c2p, tf.broadcast_to(tf.clip_by_value(positions + span, 0, 2 * span - 1), full), batch_dims=3)
        p2c = tf.einsum("ecd,abcd->acbe", position_query, key)
        p2c = tf.gather(p2c, tf.broadcast_to(tf.clip_by_value(-positions + span, 0, 2 * span - 1), full), batch_dims=3)
        return c2p * self.scale + tf.transpose(p2c, [0, 1, 3, 2]) * self.scale

    def call(self, inputs, rel_embeddings, input_mask, training=None):
        query, key, value = self.query(inputs), self.key(inputs), self.value(inputs)
        scores = tf.einsum("aecd,abcd->acbe", key, query) * self.scale
        rel_embeddings = self.position_dropout(rel_embeddings, training=training)
        scores += self._relative_scores(query, key, rel_embeddings)
        keep = tf.cast(input_mask, tf.bool)[:, None, None, :]  # padded keys get no attention
        scores = tf.where(keep, tf.cast(scores, tf.float32), -1e9)
        probabilities = tf.cast(tf.where(keep, tf.nn.softmax(scores, axis=-1), 0.0), self.compute_dtype)
        probabilities = self.attention_dropout(probabilities, training=training)
        context = tf.einsum("acbe,aecd->abcd", probabilities, value)
        context = tf.reshape(context, [tf.shape(context)[0], tf.shape(context)[1], self.hidden_size])
        return self.attention_output(context)

    def get_config(self):
        return super().get_config() | dict(num_heads=self.num_heads, hidden_size=self.hidden_size,
                                           bucket_size=self.bucket_size, max_positions=self.max_positions,
                                           dropout=self.dropout)


@tf_keras.saving.register_keras_serializable(package=PACKAGE)
class DisentangledAttentionEncoder(tf_keras.layers.Layer):
    """One post-layer-norm transformer layer with disentangled self-attention and an exact-GELU feed-forward."""

    def __init__(self, num_heads: int, intermediate_size: int, bucket_size: int, max_positions: int,
                 dropout: float, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.intermediate_size, self.bucket_size = num_heads, intermediate_size, bucket_size
        self.max_positions, self.dropout = max_positions, dropout

    def build(self, input_shape):
        hidden = int(input_shape[-1])
        self.self_attention_layer = DisentangledSelfAttention(self.num_heads, hidden, self.bucket_size,
                                                              self.max_positions, self.dropout,
                                                              name="self_attention_layer")
        self.self_attention_dropout = tf_keras.layers.Dropout(self.dropout, name="self_attention_dropout")
        self.self_attention_layer_norm = tf_keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPS,
                                                                            name="self_attention_layer_norm")
        self.feedforward_intermediate_dense = tf_keras.layers.Dense(
            self.intermediate_size, activation=exact_gelu, kernel_initializer=_initializer(),
            name="feedforward_intermediate_dense")
        self.feedforward_output_dense = tf_keras.layers.Dense(hidden, kernel_initializer=_initializer(),
                                                              name="feedforward_output_dense")
        self.feedforward_dropout = tf_keras.layers.Dropout(self.dropout, name="feedforward_dropout")
        self.feedforward_layer_norm = tf_keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPS,
                                                                         name="feedforward_layer_norm")
        super().build(input_shape)

    def call(self, inputs, rel_embeddings, input_mask, training=None):
        attended = self.self_attention_layer(inputs, rel_embeddings, input_mask, training=training)
        x = self.self_attention_layer_norm(self.self_attention_dropout(attended, training=training) + inputs)
        y = self.feedforward_output_dense(self.feedforward_intermediate_dense(x))
        return self.feedforward_layer_norm(self.feedforward_dropout(y, training=training) + x)

    def get_config(self):
        return super().get_config() | dict(num_heads=self.num_heads, intermediate_size=self.intermediate_size,
                                           bucket_size=self.bucket_size, max_positions=self.max_positions,
                                           dropout=self.dropout)


@dataclasses.dataclass
class DebertaV3EncoderConfig(hyperparams.Config):
    """KerasHub's ``DebertaV3Backbone`` arguments; ``max_position_embeddings`` is its ``max_sequence_length``, and
    its relative-position buckets are half of it (what every KerasHub DeBERTa-v3 preset uses)."""

    vocab_size: int = 128100
    hidden_size: int = 768
    num_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    dropout_rate: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 0  # no segment embeddings; kept for the shared shape settings

    @staticmethod
    def BUILDER(cfg: "DebertaV3EncoderConfig") -> tf_keras.Model:  # noqa: N802
        """Called by ``encoders.build_encoder`` for ``type="any"``."""
        return deberta_v3_encoder(cfg)


def deberta_v3_encoder(cfg: DebertaV3EncoderConfig) -> tf_keras.Model:
    """The functional tf-keras encoder of ``cfg`` (random weights), with the TF-Hub text encoder's inputs and
    outputs."""
    inputs = {name: tf_keras.Input(shape=(None,), dtype=tf.int32, name=name)
              for name in ("input_word_ids", "input_mask", "input_type_ids")}
    x = tf_keras.layers.Embedding(cfg.vocab_size, cfg.hidden_size, embeddings_initializer=_initializer(),
                                  name="token_embedding")(inputs["input_word_ids"])
    x = tf_keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name="embeddings_layer_norm")(x)
    x = tf_keras.layers.Dropout(cfg.dropout_rate, name="embeddings_dropout")(x)
    bucket_size = cfg.max_position_embeddings // 2
    rel_embeddings = RelativeEmbedding(cfg.hidden_size, bucket_size, name="rel_embedding")(x)
    layers = []
    for i in range(cfg.num_layers):
        x = DisentangledAttentionEncoder(cfg.num_attention_heads, cfg.intermediate_size, bucket_size,
                                         cfg.max_position_embeddings, cfg.dropout_rate,
                                         name=LAYER_NAME.format(i=i))(x, rel_embeddings, inputs["input_mask"])
        layers.append(x)
    pooled = tf_keras.layers.Lambda(lambda sequence: sequence[:, 0, :], name="first_token")(x)
    outputs = dict(sequence_output=x, pooled_output=pooled, encoder_outputs=layers)
    return tf_keras.Model(inputs=inputs, outputs=outputs, name="deberta_v3")
