"""The shared classifier: an encoder with one dropout + dense head on ``pooled_output``, on the hub layer or rebuilt.

``hub.KerasLayer`` runs the SavedModel as exported, in float32; mixed precision, XLA and TensorFlow Lite need the
natively rebuilt encoder (:mod:`benchmark.encoders.native`).
"""

from __future__ import annotations

import logging

import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

from benchmark.core.errors import UsageError, root_cause
from benchmark.encoders.loading import load_handle
from benchmark.encoders.native import rebuild_encoder, saved_encoder
from benchmark.encoders.spec import ENCODER_INPUTS, EncoderSpec
from benchmark.training.precision import AUTO, precision_policy, rebuilds_encoder

log = logging.getLogger(__name__)

DEFAULT_DROPOUT = 0.1


def encoder_inputs(seq_length: int | None, batch_size: int | None = None) -> dict[str, tf_keras.layers.Layer]:
    """Keras inputs of token ids as a preprocessor packs them (``seq_length`` None: any width)."""
    return {name: tf_keras.layers.Input(shape=(seq_length,), batch_size=batch_size, dtype=tf.int32, name=name)
            for name in ENCODER_INPUTS}


def logit_units(num_classes: int) -> int:
    """Logits per example: one for two classes (the positive class's, for a sigmoid), else one per class."""
    return 1 if num_classes == 2 else num_classes


def classifier_head(pooled_output: tf.Tensor, dropout: float = DEFAULT_DROPOUT, num_classes: int = 2) -> tf.Tensor:
    """The head shared by every encoder: dropout, then a dense layer giving one logit (two classes: the positive
    class's, read through a sigmoid) or one logit per class (more classes, read through a softmax).

    The logits are computed in float32 even under a mixed-precision policy, so the loss stays numerically safe.
    """
    x = tf_keras.layers.Dropout(dropout, name="head_dropout")(pooled_output)
    return tf_keras.layers.Dense(logit_units(num_classes), name="classifier", dtype="float32")(x)


def build_classifier(encoder_handle: str, seq_length: int | None, dropout: float = DEFAULT_DROPOUT,
                     num_classes: int = 2) -> tf_keras.Model:
    """A Keras model from token-id inputs (as the preprocessor packs them) to the logits of each example.

    ``seq_length`` None accepts batches of any width (length bucketing).
    """
    inputs = encoder_inputs(seq_length)
    encoder = hub.KerasLayer(load_handle(encoder_handle, "encoder"), trainable=True, name="encoder")
    outputs = encoder(inputs)
    if "pooled_output" not in outputs:
        raise UsageError(f"encoder {encoder_handle} has no pooled_output: it does not follow the TF-Hub text encoder API")
    logits = classifier_head(outputs["pooled_output"], dropout, num_classes)
    return tf_keras.Model(inputs, logits, name="classifier")


def build_native_classifier(spec: EncoderSpec, encoder_handle: str, seq_length: int | None,
                            precision: str = "float32", dropout: float = DEFAULT_DROPOUT,
                            num_classes: int = 2) -> tf_keras.Model:
    """The shared classifier on a native encoder holding the SavedModel's weights; the logits stay float32."""
    saved, vocab_size = saved_encoder(encoder_handle)
    with precision_policy(precision):
        inputs = encoder_inputs(seq_length)
        encoder = rebuild_encoder(spec, saved, vocab_size, inputs)
        logits = classifier_head(encoder(inputs)["pooled_output"], dropout, num_classes)
        return tf_keras.Model(inputs, logits, name="classifier")


def build_for_config(spec: EncoderSpec, encoder_handle: str, seq_length: int | None, precision: str,
                     jit_compile: bool = False, dropout: float = DEFAULT_DROPOUT,
                     native: bool = False, num_classes: int = 2) -> tf_keras.Model:
    """The hub.KerasLayer classifier for plain float32; the native one for mixed precision, XLA, or ``native``
    (what TensorFlow Lite inference converts).

    XLA never wraps a hub.KerasLayer: on CPU that measured about 20x slower.
    """
    if precision == "float32" and not jit_compile and not native:
        return build_classifier(encoder_handle, seq_length, dropout, num_classes)
    return build_native_classifier(spec, encoder_handle, seq_length, precision, dropout, num_classes)


def build_with_fallback(spec: EncoderSpec, encoder_handle: str, seq_length: int | None, precision: str,
                        jit_compile: bool = False, dropout: float = DEFAULT_DROPOUT, native: bool = False,
                        num_classes: int = 2, fallback: bool = True) -> tuple[tf_keras.Model, str]:
    """:func:`build_for_config`, and the precision the model computes in.

    ``fallback`` (``--precision auto``, ``precision`` its resolution) rebuilds the encoder natively in every
    precision (:func:`~benchmark.training.precision.rebuilds_encoder`). An encoder that cannot be rebuilt natively,
    whatever the reason (its SavedModel's variables do not match tf-models-official's, or a layer fails under the
    dtype policy), runs on the hub layer in float32 with one warning naming the cause, where ``fallback`` allows it
    and ``native`` does not demand the rebuilt encoder (TensorFlow Lite inference); otherwise it is one UsageError
    naming the cause.
    """
    rebuild = rebuilds_encoder(AUTO if fallback else precision, jit_compile, native)
    try:
        return build_for_config(spec, encoder_handle, seq_length, precision, jit_compile, dropout, rebuild,
                                num_classes), precision
    except Exception as error:  # noqa: BLE001 - any failure of the native rebuild is reported in one line
        if not rebuild:
            raise  # the hub layer itself failed: nothing to fall back to
        cause = str(error) if isinstance(error, UsageError) else root_cause(error)
        if native:
            raise UsageError(f"{spec.key}: cannot rebuild the encoder natively ({cause}); TensorFlow Lite "
                             "inference converts the natively rebuilt encoder, so use --inference keras for this "
                             "model") from error
        if not fallback:
            raise UsageError(f"{spec.key}: cannot rebuild the encoder natively for --precision {precision}"
                             f"{' with --jit-compile' if jit_compile else ''} ({cause}); use --precision auto "
                             "(falls back to float32 on the hub layer) or float32") from error
        log.warning("%s: cannot rebuild the encoder natively for %s (%s); training in float32 on the hub layer "
                    "instead", spec.key, precision, cause)
        return build_classifier(encoder_handle, seq_length, dropout, num_classes), "float32"


def on_hub_layer(model: tf_keras.Model) -> bool:
    """Whether ``model``'s encoder is the hub layer (never to be XLA-compiled) rather than the rebuilt one."""
    return any(isinstance(layer, hub.KerasLayer) for layer in model.layers)


def count_parameters(weights) -> int:
    """Number of floating-point values in ``weights`` (TF-Hub encoders also carry e.g. a bool ``do_lower_case``)."""
    return int(sum(int(tf.size(w)) for w in weights if w.dtype.is_floating))


def encoder_parameters(model: tf_keras.Model) -> int:
    """Parameters of the encoder inside a classifier (every weight but the head's dense layer)."""
    return count_parameters(model.weights) - count_parameters(model.get_layer("classifier").weights)
