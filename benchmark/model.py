"""The shared classifier: a TF-Hub encoder with one dropout + dense head on ``pooled_output``."""

from __future__ import annotations

import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

from benchmark.core.errors import UsageError
from benchmark.encoders.loading import load_handle
from benchmark.encoders.spec import ENCODER_INPUTS
DEFAULT_DROPOUT = 0.1


def classifier_head(pooled_output: tf.Tensor, dropout: float = DEFAULT_DROPOUT) -> tf.Tensor:
    """The head shared by every encoder: dropout, then one dense unit giving the positive-class logit.

    The logit is computed in float32 even under a mixed-precision policy, so the loss stays numerically safe.
    """
    x = tf_keras.layers.Dropout(dropout, name="head_dropout")(pooled_output)
    return tf_keras.layers.Dense(1, name="classifier", dtype="float32")(x)


def build_classifier(encoder_handle: str, seq_length: int | None, dropout: float = DEFAULT_DROPOUT) -> tf_keras.Model:
    """A Keras model from token-id inputs (as the preprocessor packs them) to one logit per review.

    ``seq_length`` None accepts batches of any width (length bucketing).
    """
    inputs = {name: tf_keras.layers.Input(shape=(seq_length,), dtype=tf.int32, name=name)
              for name in ENCODER_INPUTS}
    encoder = hub.KerasLayer(load_handle(encoder_handle, "encoder"), trainable=True, name="encoder")
    outputs = encoder(inputs)
    if "pooled_output" not in outputs:
        raise UsageError(f"encoder {encoder_handle} has no pooled_output: it does not follow the TF-Hub text encoder API")
    logits = classifier_head(outputs["pooled_output"], dropout)
    return tf_keras.Model(inputs, logits, name="classifier")


def count_parameters(weights) -> int:
    """Number of floating-point values in ``weights`` (TF-Hub encoders also carry e.g. a bool ``do_lower_case``)."""
    return int(sum(int(tf.size(w)) for w in weights if w.dtype.is_floating))


def encoder_parameters(model: tf_keras.Model) -> int:
    """Parameters of the encoder inside a classifier (every weight but the head's dense layer)."""
    return count_parameters(model.weights) - count_parameters(model.get_layer("classifier").weights)
