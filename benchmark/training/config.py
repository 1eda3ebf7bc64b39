"""A run's configuration, typed in three parts (data, training, runtime) and composed into what ``run`` uses."""

from __future__ import annotations

import dataclasses
from typing import Any

from benchmark.core.errors import UsageError
from benchmark.data.config import DataConfig
from benchmark.data.packing import TRUNCATIONS
from benchmark.records.labels import DEFAULT_INFERENCE, INFERENCES
from benchmark.training.precision import AUTO, PRECISION_CHOICES

MAX_POSITIONS = 512  # position embeddings of the BERT-family encoders


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """How the classifier is trained; ``None`` means the model's default.

    Args:
      epochs: Passes over the training set.
      batch_size: Reviews per training step (per replica).
      seq_length: Tokens per review after packing (longer reviews are truncated).
      learning_rate: Peak AdamW learning rate; ``None`` takes the registry default of the model.
      warmup_fraction: Share of the training steps with linear learning-rate warm-up.
      dropout: Dropout of the classifier head.
      truncation: ``head`` keeps a long review's first tokens; ``head_tail`` its first and last (Sun et al. 2019).
      bucketing: Pad each training batch only to the smallest of a few fixed widths that holds its reviews, and
        evaluate in length order with batches padded to the next multiple of 32.
      restore_best_epoch: Test the weights of the epoch with the best validation accuracy, not the last epoch's
        (``benchmark.training.best_epoch``); without a validation split the last epoch's are tested.

    The defaults of ``truncation`` and ``bucketing`` were chosen by measurement (docs/speed.md,
    experiments/2026-12-01-defaults/): with all-MiniLM-L6-v2's real weights, head+tail truncation scored higher
    than head truncation at 128 and 256 tokens, and bucketing trains and infers faster at no accuracy cost.
    """

    epochs: int = 3
    batch_size: int = 32
    seq_length: int = 128
    learning_rate: float | None = None
    warmup_fraction: float = 0.1
    dropout: float = 0.1
    truncation: str = "head_tail"
    bucketing: bool = True
    restore_best_epoch: bool = True

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        for name in ("epochs", "batch_size", "seq_length"):
            if getattr(self, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if self.seq_length > MAX_POSITIONS:
            raise UsageError(f"--seq-length {self.seq_length} exceeds the {MAX_POSITIONS} positions of BERT-family "
                             "encoders")
        if self.seq_length < 3:
            raise UsageError("--seq-length must be at least 3 ([CLS], one token, [SEP])")
        if self.learning_rate is not None and not 0 < self.learning_rate < 1:
            raise UsageError(f"--learning-rate must be in (0, 1), got {self.learning_rate}")
        if self.truncation not in TRUNCATIONS:
            raise UsageError(f"--truncation must be one of {', '.join(TRUNCATIONS)}, got {self.truncation!r}")


@dataclasses.dataclass(frozen=True)
class RuntimeConfig:
    """Where and how the arithmetic runs: execution, precision, compilation and the test-set runtime.

    Args:
      steps_per_execution: Training steps per ``tf.function`` call.
      precision: ``float32`` (hub layer), ``mixed_float16``, ``mixed_bfloat16`` (natively rebuilt encoder), or
        ``auto`` (the default): the measured default for the device (see ``benchmark.training.precision``) on the
        natively rebuilt encoder, in float32 too, falling back to float32 on the hub layer for an encoder that
        cannot be rebuilt natively.
      jit_compile: XLA-compile the training step (natively rebuilt encoder only, never around a hub layer).
      inference: How the test set is scored after fine-tuning (``benchmark.records.labels.INFERENCES``): ``keras``
        (the default), or the trained weights run by TensorFlow Lite, ``tflite`` in float32 or ``tflite-int8``
        with int8 dynamic-range quantization (faster on CPUs, and a quantized model's accuracy). Either TFLite
        form trains the natively rebuilt encoder, in float32 too. Validation during training stays in Keras.
    """

    steps_per_execution: int = 1
    precision: str = AUTO
    jit_compile: bool = False
    inference: str = DEFAULT_INFERENCE

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        if self.steps_per_execution <= 0:
            raise UsageError(f"--steps-per-execution must be positive, got {self.steps_per_execution}")
        if self.precision not in PRECISION_CHOICES:
            raise UsageError(f"--precision must be auto, float32, mixed_float16 or mixed_bfloat16, "
                             f"got {self.precision!r}")
        if self.inference not in INFERENCES:
            raise UsageError(f"--inference must be one of {', '.join(INFERENCES)}, got {self.inference!r}")


# The settings a run file records as its hyperparameters, in this order (its ``hyperparameters`` dict and the
# leaderboard's "hyperparameters" line keep it).
HYPERPARAMETERS = ("epochs", "batch_size", "seq_length", "learning_rate", "seed", "train_samples", "test_samples",
                   "validation_fraction", "warmup_fraction", "dropout", "truncation", "bucketing",
                   "steps_per_execution", "precision", "jit_compile", "inference", "restore_best_epoch")


@dataclasses.dataclass(frozen=True)
class RunConfig(RuntimeConfig, DataConfig, TrainingConfig):
    """Everything that configures a run: :class:`~benchmark.data.config.DataConfig`, :class:`TrainingConfig` and
    :class:`RuntimeConfig` in one flat, frozen record (``config.seed``, ``config.epochs``, ...); ``data``,
    ``training`` and ``runtime`` give each part on its own."""

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        TrainingConfig.validate(self)
        DataConfig.validate(self)
        RuntimeConfig.validate(self)

    def _part(self, part: type) -> Any:
        return part(**{field.name: getattr(self, field.name) for field in dataclasses.fields(part)})

    @property
    def data(self) -> DataConfig:
        return self._part(DataConfig)

    @property
    def training(self) -> TrainingConfig:
        return self._part(TrainingConfig)

    @property
    def runtime(self) -> RuntimeConfig:
        return self._part(RuntimeConfig)

    def hyperparameters(self) -> dict[str, Any]:
        """Every setting, as a run file records it."""
        return {name: getattr(self, name) for name in HYPERPARAMETERS}
