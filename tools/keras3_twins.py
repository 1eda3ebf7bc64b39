"""Keras 2 against Keras 3 on the Small BERT twins: training steps of the same architecture, random weights.

TF-Hub's Small BERT L-4 H-512 (``small_bert_l4_h512``) and KerasHub's ``bert_small_en_uncased``
(``kh_bert_small_en_uncased``) hold the same checkpoint. This probe builds the architecture twice from random
weights: as this project trains it in Keras 2 (tf-keras: tf-models-official's encoder with the ``[CLS]``-only last
layer and the shared dense logit, this project's AdamW) and as a Keras 3 user would with KerasHub (its
``BertBackbone`` with a dense logit on ``pooled_output``, ``keras.optimizers.AdamW``), each with XLA off and on, and
times their training steps (Keras's own train function on an endless dataset) in interleaved rounds, on the same
random full-length batch. It reports training examples per second (median of rounds) and each ratio to the first.

    python tools/keras3_twins.py --seq-length 128 --batch-size 16 --precision float32
"""

from __future__ import annotations

import os
import statistics
import sys
from typing import Sequence

import numpy as np

from benchmark.encoders.registry import get_spec
from benchmark.speed.rounds import timed_rounds
from int8_probe import keras_classifier, random_batch
from optimizer_probe import precision_option
from probe_cli import probe_main

SCRIPT = "tools/keras3_twins.py"
KERAS3_TWIN = "kh_bert_small_en_uncased"


def keras2_runner(key: str, batch: dict, labels: np.ndarray, precision: str, jit: bool, seed: int):
    """This project's Keras 2 classifier of ``key``'s shape, compiled, as a function of ``steps``."""
    import tensorflow as tf
    import tf_keras

    from benchmark.speed.keras_pipelines import KerasRunner, compile_classifier

    spec = get_spec(key)
    tf_keras.utils.set_random_seed(seed)
    batch_size, seq_length = batch["input_word_ids"].shape
    model = keras_classifier(spec, spec.vocab_size, batch_size, seq_length, precision, cls_only=True)
    compile_classifier(model, spec.learning_rate, 100_000, jit_compile=jit)
    data = tf.data.Dataset.from_tensors((batch, labels))
    runner = KerasRunner(model, data, data)
    runner.train(2)  # traces (and compiles) and warms up
    return runner.train


def keras3_runner(key: str, batch: dict, labels: np.ndarray, precision: str, jit: bool, seed: int):
    """KerasHub's ``BertBackbone`` of ``key``'s shape with a dense logit in Keras 3, compiled, as a function of
    ``steps``."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    from benchmark.encoders.keras_hub import random_backbone

    spec = get_spec(key)
    keras.config.set_dtype_policy("mixed_bfloat16" if precision == "mixed_bfloat16" else "float32")
    backbone = random_backbone(spec, spec.vocab_size, seed)
    inputs = {name: keras.Input((None,), dtype="int32", name=name) for name in ("token_ids", "segment_ids",
                                                                              "padding_mask")}
    pooled = backbone(inputs)["pooled_output"]
    logit = keras.layers.Dense(1, dtype="float32")(keras.layers.Dropout(0.1)(pooled))
    model = keras.Model(inputs, logit)
    keras.config.set_dtype_policy("float32")
    model.compile(optimizer=keras.optimizers.AdamW(spec.learning_rate, weight_decay=0.01),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True), jit_compile=jit)
    features = {"token_ids": batch["input_word_ids"], "segment_ids": batch["input_type_ids"],
                "padding_mask": batch["input_mask"]}
    iterator = iter(tf.data.Dataset.from_tensors((features, labels)).repeat())
    model.make_train_function()

    def train(steps: int) -> float:
        for _ in range(steps):
            logs = model.train_function(iterator)
        return float(np.asarray(logs["loss"]))  # the steps have finished

    train(2)  # traces (and compiles) and warms up
    return train


def probe(key: str, seq_length: int, batch_size: int, precision: str, steps: int, rounds: int,
          seed: int) -> list[dict[str, object]]:
    batch = random_batch(batch_size, seq_length, get_spec(key).vocab_size, seed)
    labels = np.random.default_rng(seed).integers(0, 2, (batch_size, 1)).astype(np.float32)
    runners = {}
    for jit in (False, True):
        runners[f"Keras 2, tf-models encoder ({key}), XLA {'on' if jit else 'off'}"] = keras2_runner(
            key, batch, labels, precision, jit, seed)
        runners[f"Keras 3, KerasHub BertBackbone ({KERAS3_TWIN}), XLA {'on' if jit else 'off'}"] = keras3_runner(
            KERAS3_TWIN, batch, labels, precision, jit, seed)
    rates = timed_rounds({name: (lambda train=train: train(steps)) for name, train in runners.items()},
                         rounds, steps * batch_size)
    rows = [{"variant": name, "examples_per_second": statistics.median(r), "rounds": r} for name, r in rates.items()]
    for row in rows:
        row["vs_first"] = row["examples_per_second"] / rows[0]["examples_per_second"]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    from optimizer_probe import table

    def measure(args) -> str:
        rows = probe(args.model, args.seq_length, args.batch_size, args.precision, args.steps, args.rounds, args.seed)
        return table(rows, args.model, args.seq_length, args.batch_size, args.precision, column="stack",
                     versus="vs Keras 2, XLA off")

    return probe_main(SCRIPT, "Keras 2 against Keras 3: the Small BERT twins", __doc__, measure, argv, steps=2,
                      rounds=3, steps_help="timed training steps per round", more_options=precision_option)


if __name__ == "__main__":
    sys.exit(main())
