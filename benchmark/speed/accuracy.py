"""``bench``'s accuracy check: the tutorial and the fast pipeline trained alike must score alike.

The fast pipeline's trained model is also scored through TensorFlow Lite with int8 dynamic-range quantization
(when it is natively rebuilt), as ``run --inference tflite-int8`` scores, to measure what int8 inference costs
in accuracy.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import tf_keras

from benchmark.core.environment import cpu_threads
from benchmark.data.splits import Split, balanced_subset, train_validation_split
from benchmark.encoders.source import EncoderSource
from benchmark.encoders.spec import EncoderSpec
from benchmark.records.metrics import paired_difference_interval, wilson_interval
from benchmark.speed.config import BenchConfig
from benchmark.speed.keras_pipelines import compile_as_run, compile_classifier, text_dataset, tutorial_classifier
from benchmark.speed.suite_split import VALIDATION_FRACTION
from benchmark.training.classifier import on_hub_layer
from benchmark.training.evaluation import predict_logits
from benchmark.training.pipeline import to_dataset, tokenize_split
from benchmark.training.tflite import from_trained


def compare(labels: np.ndarray, tutorial_logits: np.ndarray, fast_logits: np.ndarray) -> dict[str, Any]:
    """Both pipelines' validation accuracy with 95% Wilson intervals, and their paired difference."""
    right = {name: (logits > 0) == (labels > 0.5)
             for name, logits in (("tutorial", tutorial_logits), ("this project", fast_logits))}
    only_tutorial = int(np.sum(right["tutorial"] & ~right["this project"]))
    only_fast = int(np.sum(right["this project"] & ~right["tutorial"]))
    difference, low, high = paired_difference_interval(only_tutorial, only_fast, len(labels))
    scores: dict[str, Any] = {}
    for name, correct in right.items():
        scores[name] = float(np.mean(correct))
        scores[f"{name}_ci95"] = list(wilson_interval(int(np.sum(correct)), len(labels)))
    return scores | {"difference": difference, "difference_ci95": [low, high],
                     "only_tutorial_right": only_tutorial, "only_this_project_right": only_fast}


def tutorial_logits(source: EncoderSource, config: BenchConfig, train: Split, validation: Split) -> np.ndarray:
    """The tutorial pipeline trained one epoch on ``train``: its logits on ``validation``."""
    b = config.batch_size
    tf_keras.utils.set_random_seed(config.seed)
    model = compile_classifier(tutorial_classifier(source.encoder_handle, source.preprocessor_handle,
                                                   config.seq_length), source.spec.learning_rate, -(-len(train) // b))
    model.fit(text_dataset(train, b), epochs=1, verbose=0)
    return model.predict(text_dataset(validation, b), verbose=0)[:, 0]


def accuracy_check(spec: EncoderSpec, source: EncoderSource, config: BenchConfig, imdb, preprocessor,
                   ids) -> dict[str, Any]:
    """Train each pipeline one epoch on the same reviews in the same order; score both on the same validation
    reviews, review by review."""
    subset = balanced_subset(imdb.train, config.accuracy_samples, config.seed, "accuracy")
    train, validation = train_validation_split(subset, VALIDATION_FRACTION, config.seed)
    fast_train, fast_validation = (tokenize_split(split, preprocessor, config.seq_length, config.truncation, ids)
                                   for split in (train, validation))
    b = config.batch_size
    tutorial = tutorial_logits(source, config, train, validation)
    tf_keras.utils.set_random_seed(config.seed)
    compiled = compile_as_run(source, dataclasses.replace(config.run_config(), epochs=1), fast_train)
    model = compiled.model
    # Unshuffled like the tutorial's batches; bucketing regroups them by length.
    model.fit(to_dataset(fast_train, b, bucketing=config.bucketing), steps_per_epoch=compiled.steps_per_epoch,
              epochs=1, verbose=0)
    fast_logits = predict_logits(model, fast_validation, b, config.bucketing)  # as `run` evaluates
    result = {"train_examples": len(train), "validation_examples": len(validation),
              **compare(validation.labels, tutorial, fast_logits)}
    if not on_hub_layer(model):  # a natively rebuilt model: its weights convert
        int8 = from_trained(spec, source.encoder_handle, model, "tflite-int8", cpu_threads())
        quantized = predict_logits(int8, fast_validation, b, config.bucketing)  # as `run --inference tflite-int8`
        result["int8"] = compare(validation.labels, tutorial, quantized) | {
            "same_prediction_as_this_project": int(np.sum((quantized > 0) == (fast_logits > 0)))}
    return result
