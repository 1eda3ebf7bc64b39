"""A Keras classifier from token ids to a logit, run by TensorFlow Lite (XNNPACK CPU kernels), optionally int8."""

from __future__ import annotations

import numpy as np


class TfliteClassifier:
    """``model`` (float32, token ids to one logit) converted to TFLite, with int8 dynamic-range quantization when
    ``quantize``; call it on a batch of token ids. A batch of a new shape (a last, smaller one) resizes it."""

    def __init__(self, model, quantize: bool, threads: int):
        import tensorflow as tf

        from benchmark.model import ENCODER_INPUTS

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
            self.interpreter.set_tensor(index, batch[name])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output)
