"""``bench --keras3``: Keras 2 against Keras 3 on one architecture, each with XLA off and on.

The Keras 3 side is what a Keras 3 user writes with KerasHub: the KerasHub backbone of the encoder's exact
architecture (random weights: step time does not depend on them), the shared head (dropout + one dense layer on
what this project's head reads), ``keras.optimizers.AdamW`` with weight decay 0.01 and linear warm-up then decay,
``model.compile(jit_compile=...)``, under the same precision policy as this project's pipeline (Keras 3's own
policy, set for the build only). It trains and scores on exactly this project's batches. Keras 3 objects stay in
this module and never meet the tf-keras models (tensorflow/hub#920).

For the Small BERT twins (TF-Hub's ``small_bert_l4_h512`` and KerasHub's ``bert_small_en_uncased`` hold the same
checkpoint) this is the comparison of issue 21; any family KerasHub has a backbone for can be timed this way.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np
import tensorflow as tf

from benchmark.core.errors import UsageError
from benchmark.encoders.keras_hub import backbone_config, random_backbone  # the family -> backbone map lives there
from benchmark.encoders.source import EncoderSource
from benchmark.encoders.spec import EncoderSpec
from benchmark.training.classifier import DEFAULT_DROPOUT
from benchmark.training.config import RunConfig

KERAS3, KERAS3_XLA = "Keras 3 (KerasHub)", "Keras 3 (KerasHub), XLA"
OURS_XLA = "this project, XLA"
KERAS3_PIPELINES = (KERAS3, KERAS3_XLA)
# KerasHub's names for this project's encoder inputs.
INPUT_NAMES = {"input_word_ids": "token_ids", "input_type_ids": "segment_ids", "input_mask": "padding_mask"}


def keras3_unavailable(spec: EncoderSpec) -> str | None:
    """Why ``--keras3`` cannot time ``spec`` (KerasHub not installed, or no KerasHub backbone for its family)."""
    try:
        import keras_hub  # noqa: F401 - only whether it is installed
    except ImportError:
        return "--keras3 needs KerasHub: pip install -e \".[keras-hub]\""
    try:
        backbone_config(spec, spec.vocab_size)
    except KeyError:
        return f"--keras3: KerasHub has no backbone for the {spec.family} family of {spec.key}"
    return None


def check_keras3(spec: EncoderSpec) -> None:
    """One line, before anything is measured, where ``--keras3`` cannot time ``spec``."""
    if (reason := keras3_unavailable(spec)) is not None:
        raise UsageError(reason)


def warmup_then_decay(keras, learning_rate: float, total_steps: int, warmup_steps: int):
    """Keras 3's schedule of this project's optimizer: linear warm-up to ``learning_rate``, then linear decay to 0."""

    class WarmupThenDecay(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            step = keras.ops.cast(step, "float32")
            warm = learning_rate * step / max(warmup_steps, 1)
            decay = learning_rate * keras.ops.maximum(0.0, (total_steps - step) / max(total_steps - warmup_steps, 1))
            return keras.ops.where(step < warmup_steps, warm, decay)

        def get_config(self) -> dict[str, Any]:
            return {}

    return WarmupThenDecay()


def keras3_classifier(spec: EncoderSpec, vocab_size: int, precision: str, learning_rate: float, total_steps: int,
                      jit_compile: bool, seed: int, dropout: float = DEFAULT_DROPOUT):
    """KerasHub's backbone of ``spec``'s architecture with the shared head, compiled in Keras 3."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        backbone = random_backbone(spec, vocab_size, seed)
        inputs = {name: keras.Input((None,), dtype="int32", name=name) for name in INPUT_NAMES.values()}
        outputs = backbone(inputs)
        features = (outputs["pooled_output"] if spec.head_reads == "pooled_output"
                    else outputs["sequence_output"][:, 0, :])
        logit = keras.layers.Dense(1, dtype="float32", name="classifier")(keras.layers.Dropout(dropout)(features))
        model = keras.Model(inputs, logit)
    finally:
        keras.config.set_dtype_policy(previous)
    schedule = warmup_then_decay(keras, learning_rate, total_steps, total_steps // 10)
    model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=0.01, epsilon=1e-6),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")], jit_compile=jit_compile)
    return model


def keras3_batches(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """This project's ``(features, label)`` batches with KerasHub's input names."""
    return dataset.map(lambda features, label: ({INPUT_NAMES[k]: v for k, v in features.items()}, label))


class Keras3Runner:
    """Keras 3's own train and test functions (what its ``fit`` and ``evaluate`` call) on endless data."""

    def __init__(self, model, train: tf.data.Dataset, test: tf.data.Dataset):
        self.model = model
        self._train = iter(keras3_batches(train).repeat())
        self._test = iter(keras3_batches(test).repeat())
        model.make_train_function()
        model.make_test_function()

    def train(self, steps: int) -> float:
        logs = None
        for _ in range(max(1, steps)):
            logs = self.model.train_function(self._train)
        return float(np.asarray(logs["loss"]))  # waits for the steps to finish

    def evaluate(self, steps: int) -> float:
        logs = None
        for _ in range(max(1, steps)):
            logs = self.model.test_function(self._test)
        return float(np.asarray(logs["loss"]))


def describe_keras3(spec: EncoderSpec, precision: str, jit_compile: bool) -> str:
    name, _ = backbone_config(spec, spec.vocab_size)
    return (f"Keras 3 with KerasHub: keras_hub.models.{name} of the same architecture (random weights), dropout + "
            f"dense on {spec.head_reads}, keras.optimizers.AdamW (weight decay 0.01, warm-up then linear decay), "
            f"{precision}, jit_compile {jit_compile}, steps_per_execution 1; this project's batches")


def xla_config(config: RunConfig) -> RunConfig:
    """``run``'s configuration with XLA on (what this project's XLA row trains with)."""
    return dataclasses.replace(config, jit_compile=True)
