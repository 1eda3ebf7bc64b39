"""A Keras classifier from token ids to a logit, run by TensorFlow Lite (XNNPACK CPU kernels), optionally int8.

``run --inference tflite`` / ``tflite-int8`` score the test set this way; ``bench`` times the int8 form next to
the Keras pipelines, and its accuracy check scores it; ``python tools/int8_probe.py`` compares the runtimes.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tf_keras

from benchmark.encoders.spec import ENCODER_INPUTS
from benchmark.records.labels import DEFAULT_INFERENCE, INFERENCES
from benchmark.training.classifier import build_native_classifier


class TfliteClassifier:
    """``model`` (float32, token ids to one logit) converted to TFLite, with int8 dynamic-range quantization when
    ``quantize``; call it on a batch of token ids. A batch of a new shape (a last, smaller one) resizes it."""

    def __init__(self, model, quantize: bool, threads: int):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT] if quantize else []
        self.interpreter = tf.lite.Interpreter(model_content=converter.convert(), num_threads=threads)
        self.interpreter.allocate_tensors()
        details = self.interpreter.get_input_details()
        self.inputs = {next(name for name in ENCODER_INPUTS if name in d["name"]): d["index"] for d in details}
        self.output = self.interpreter.get_output_details()[0]["index"]
        self.shape = tuple(details[0]["shape"])

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        if batch["input_word_ids"].shape != self.shape:
            for name, index in self.inputs.items():
                self.interpreter.resize_tensor_input(index, batch[name].shape)
            self.interpreter.allocate_tensors()
            self.shape = batch["input_word_ids"].shape
        for name, index in self.inputs.items():
            self.interpreter.set_tensor(index, np.asarray(batch[name], np.int32))
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output).copy()

    def predict(self, dataset, verbose: int = 0) -> np.ndarray:
        """Logits of every batch of token-id features in ``dataset``, stacked, as Keras's ``Model.predict``."""
        batches = list(dataset.as_numpy_iterator())
        progress = tf_keras.utils.Progbar(len(batches), verbose=verbose) if verbose else None
        logits = []
        for step, batch in enumerate(batches, 1):
            logits.append(self(batch))
            if progress is not None:
                progress.update(step)
        return np.concatenate(logits) if logits else np.zeros((0, 1), np.float32)  # (examples, logits)


def from_trained(spec, encoder_handle: str, trained, inference: str, threads: int,
                 num_classes: int = 2) -> TfliteClassifier:
    """``trained`` (a natively rebuilt classifier, any precision) as a TFLite classifier of any width: its weights
    copied into a float32 twin, converted, and int8-quantized for ``tflite-int8``."""
    if inference not in INFERENCES or inference == DEFAULT_INFERENCE:
        raise ValueError(f"not a TensorFlow Lite inference: {inference!r}")
    exact = build_native_classifier(spec, encoder_handle, None, "float32", num_classes=num_classes)
    exact.set_weights(trained.get_weights())  # float32 variables in every precision; same layers, same order
    return TfliteClassifier(exact, quantize=inference == "tflite-int8", threads=threads)
