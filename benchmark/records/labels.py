"""The words run records use for what an encoder's weights were and how its test set was scored."""

from __future__ import annotations

WEIGHTS_PRETRAINED = "pretrained"
WEIGHTS_STANDIN = "stand-in"
WEIGHTS_CLASSICAL = "n/a (classical)"
WEIGHTS_IMPORTED = "pretrained (imported)"
WEIGHTS_KERAS_HUB = "pretrained (KerasHub)"  # a KerasHub preset, converted (benchmark.encoders.keras_hub)

# How the test set is scored after fine-tuning: Keras (the trained model itself), TensorFlow Lite in float32
# (the same weights and arithmetic, other kernels), or TensorFlow Lite with int8 dynamic-range quantization.
DEFAULT_INFERENCE = "keras"
INFERENCES = {DEFAULT_INFERENCE: "Keras", "tflite": "TensorFlow Lite float32",
              "tflite-int8": "TensorFlow Lite int8 (dynamic-range quantized weights)"}
