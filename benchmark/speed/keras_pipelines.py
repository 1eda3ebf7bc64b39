"""The Keras sides of ``bench``: the tutorial's string-input model and this project's token-id model."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

from benchmark.data.packing import EncodedSplit
from benchmark.data.splits import Split
from benchmark.encoders.loading import load_handle
from benchmark.encoders.source import EncoderSource
from benchmark.training.classifier import DEFAULT_DROPOUT
from benchmark.training.config import RunConfig
from benchmark.training.distribute import choose_strategy
from benchmark.training.fine_tune import Compiled, compile_classifier as compile_for_run
from benchmark.training.optimizer import adamw
from benchmark.training.pipeline import to_dataset

TUTORIAL_DEFAULT_LENGTH = 128  # what the tutorial's preprocessing layer packs to


def tutorial_classifier(encoder_handle: str, preprocessor_handle: str, seq_length: int,
                        dropout: float = DEFAULT_DROPOUT) -> tf_keras.Model:
    """The TF "Classify text with BERT" model: strings in, preprocessing and encoder as hub.KerasLayers.

    At the preprocessor's default length (128) this is the tutorial's ``build_classifier_model``; other
    lengths use the documented ``tokenize`` + ``bert_pack_inputs(seq_length=...)`` form of the same layer.
    """
    text = tf_keras.layers.Input(shape=(), dtype=tf.string, name="text")
    if seq_length == TUTORIAL_DEFAULT_LENGTH:
        encoder_inputs = hub.KerasLayer(preprocessor_handle, name="preprocessing")(text)
    else:
        preprocessor = load_handle(preprocessor_handle, "preprocessor")
        tokens = hub.KerasLayer(preprocessor.tokenize, name="tokenize")(text)
        encoder_inputs = hub.KerasLayer(preprocessor.bert_pack_inputs, arguments=dict(seq_length=seq_length),
                                        name="packing")([tokens])
    outputs = hub.KerasLayer(encoder_handle, trainable=True, name="BERT_encoder")(encoder_inputs)
    net = tf_keras.layers.Dropout(dropout)(outputs["pooled_output"])
    return tf_keras.Model(text, tf_keras.layers.Dense(1, activation=None, name="classifier")(net))


def compile_classifier(model: tf_keras.Model, learning_rate: float, total_steps: int,
                       steps_per_execution: int = 1, jit_compile: bool = False,
                       fused_sparse: bool = False) -> tf_keras.Model:
    """AdamW with 10% warm-up, the loss and the metric: tf-models' optimizer as the tutorial uses it, or with
    ``fused_sparse`` ``run``'s (:func:`benchmark.training.optimizer.adamw`)."""
    optimizer = adamw(learning_rate, total_steps, total_steps // 10, fused_sparse)
    model.compile(optimizer=optimizer, loss=tf_keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tf_keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")],
                  steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    return model


def compile_as_run(source: EncoderSource, config: RunConfig, train: EncodedSplit) -> Compiled:
    """The classifier ``run`` trains with ``config`` on one device, built and compiled by ``run``'s own function."""
    return compile_for_run(source, config, choose_strategy("default"), train)


def text_dataset(split: Split, batch_size: int, drop_remainder: bool = False) -> tf.data.Dataset:
    """The tutorial's input: batches of raw review strings and labels, cached and prefetched."""
    dataset = tf.data.Dataset.from_tensor_slices((list(split.texts), split.labels.astype(np.float32)))
    return dataset.batch(batch_size, drop_remainder=drop_remainder).cache().prefetch(tf.data.AUTOTUNE)


class KerasRunner:
    """Runs whole ``steps_per_execution`` chunks of Keras's own train and test functions on endless data.

    These are the functions ``fit`` and ``evaluate`` call; driving them directly times the steps alone.
    """

    def __init__(self, model: tf_keras.Model, train: tf.data.Dataset, test: tf.data.Dataset):
        self.model = model
        self.chunk = int(model._steps_per_execution.numpy())  # noqa: SLF001 - set by compile
        self._train = iter(train.repeat())
        self._test = iter(test.repeat())
        self._train_fn = model.make_train_function()
        self._test_fn = model.make_test_function()

    def train(self, steps: int) -> float:
        logs = None
        for _ in range(max(1, steps // self.chunk)):
            logs = self._train_fn(self._train)
        return float(logs["loss"])

    def evaluate(self, steps: int) -> float:
        logs = None
        for _ in range(max(1, steps // self.chunk)):
            logs = self._test_fn(self._test)
        return float(logs["loss"])


def token_datasets(train: EncodedSplit, test: EncodedSplit, batch_size: int, seed: int | None,
                   bucketing: bool) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """Full-batch training and test datasets of this project's pipeline."""
    return (to_dataset(train, batch_size, shuffle_seed=seed, bucketing=bucketing, drop_remainder=True),
            to_dataset(test, batch_size, bucketing=bucketing, drop_remainder=True))


class TfliteInferenceRunner:
    """Inference alone, with a :class:`benchmark.training.tflite.TfliteClassifier` on the batches of a Keras
    pipeline's test dataset (``(features, label)`` pairs, repeated endlessly); there is no training to time."""

    def __init__(self, classifier, test: tf.data.Dataset):
        self.classifier = classifier
        self._test = test.map(lambda features, label: features).repeat().as_numpy_iterator()

    def evaluate(self, steps: int) -> None:
        for _ in range(steps):
            self.classifier(next(self._test))
