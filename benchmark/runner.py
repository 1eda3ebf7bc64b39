"""Fine-tunes one encoder with the shared head and measures it: the benchmark's core loop."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from benchmark.data.prepared import PreparedData, data_fingerprint
from benchmark.data.splits import Split
from benchmark.core.errors import UsageError
from benchmark.encoders.spec import EncoderSpec
from benchmark.core.hashing import stable_hash
from benchmark.encoders.source import EncoderSource
from benchmark.records.labels import WEIGHTS_STANDIN
from benchmark.records.run import RunResult

if TYPE_CHECKING:
    from benchmark.distribute import Distribution

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Hyperparameters and data sizes of a run; ``None`` means the model's or the dataset's default.

    Args:
      epochs: Passes over the training set.
      batch_size: Reviews per training step.
      seq_length: Tokens per review after packing (longer reviews are truncated).
      learning_rate: Peak AdamW learning rate; ``None`` takes the registry default of the model.
      seed: Seeds data subsets, the validation split, shuffling and weight initialisation.
      train_samples: Balanced subset of the training split (validation carved from it); all if ``None``.
      test_samples: Balanced subset of the test split; all if ``None``.
      validation_fraction: Share of the training reviews held out for validation.
      warmup_fraction: Share of the training steps with linear learning-rate warm-up.
      dropout: Dropout of the classifier head.
      truncation: ``head`` keeps a long review's first tokens; ``head_tail`` its first and last (Sun et al. 2019).
      bucketing: Pad each training batch only to the smallest of a few fixed widths that holds its reviews, and
        evaluate in length order with batches padded to the next multiple of 32.
      steps_per_execution: Training steps per ``tf.function`` call.
      precision: ``float32``, ``mixed_float16``, ``mixed_bfloat16`` (natively rebuilt encoder), or ``auto``
        (the default): the measured default for the device (see ``benchmark.native.DEFAULT_PRECISION``),
        falling back to float32 on the hub layer for an encoder that cannot be rebuilt natively.
      jit_compile: XLA-compile the training step (natively rebuilt encoder only, never around a hub layer).
      inference: How the test set is scored after fine-tuning (``benchmark.tflite_runtime.INFERENCES``): ``keras``
        (the default), or the trained weights run by TensorFlow Lite, ``tflite`` in float32 or ``tflite-int8``
        with int8 dynamic-range quantization (faster on CPUs, and a quantized model's accuracy). Either TFLite
        form trains the natively rebuilt encoder, in float32 too. Validation during training stays in Keras.
    """

    epochs: int = 3
    batch_size: int = 32
    seq_length: int = 128
    learning_rate: float | None = None
    seed: int = 42
    train_samples: int | None = None
    test_samples: int | None = None
    validation_fraction: float = 0.2
    warmup_fraction: float = 0.1
    dropout: float = 0.1
    truncation: str = "head"
    bucketing: bool = False
    steps_per_execution: int = 1
    precision: str = "auto"
    jit_compile: bool = False
    inference: str = "keras"

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        for name in ("epochs", "batch_size", "seq_length"):
            if getattr(self, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if self.seq_length > 512:
            raise UsageError(f"--seq-length {self.seq_length} exceeds the 512 positions of BERT-family encoders")
        if self.seq_length < 3:
            raise UsageError("--seq-length must be at least 3 ([CLS], one token, [SEP])")
        if self.learning_rate is not None and not 0 < self.learning_rate < 1:
            raise UsageError(f"--learning-rate must be in (0, 1), got {self.learning_rate}")
        for name in ("train_samples", "test_samples"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be a positive number of reviews, got {value}")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise UsageError(f"--validation-fraction must be in [0, 1), got {self.validation_fraction}")
        from benchmark.data.packing import TRUNCATIONS

        if self.truncation not in TRUNCATIONS:
            raise UsageError(f"--truncation must be one of {', '.join(TRUNCATIONS)}, got {self.truncation!r}")
        if self.steps_per_execution <= 0:
            raise UsageError(f"--steps-per-execution must be positive, got {self.steps_per_execution}")
        if self.precision not in ("auto", "float32", "mixed_float16", "mixed_bfloat16"):
            raise UsageError(f"--precision must be auto, float32, mixed_float16 or mixed_bfloat16, got {self.precision!r}")
        from benchmark.records.labels import INFERENCES

        if self.inference not in INFERENCES:
            raise UsageError(f"--inference must be one of {', '.join(INFERENCES)}, got {self.inference!r}")


BEFORE_FINE_TUNING_EXAMPLES = 1000  # test reviews scored by the zero-step model (all when the test set is smaller)
# Settings whose effect the data fingerprint already captures, left out of the configuration hash.
HASH_EXCLUDED = ("train_samples", "test_samples", "validation_fraction")


def resolved_learning_rate(spec: EncoderSpec, config: RunConfig) -> float:
    return config.learning_rate if config.learning_rate is not None else spec.learning_rate


def config_hash(source: EncoderSource, config: RunConfig, data: PreparedData, replicas: int = 1) -> str:
    """A stable hash of everything that determines a run's outcome, and nothing else.

    In: the model, its weights (handles, or for a stand-in its architecture and vocabulary, which its cache folder
    name encodes), every hyperparameter (the learning rate resolved; the batch size per replica), the replicas
    in sync when more than one (they multiply the batch each optimizer step sees), and the exact reviews of each
    split. Out: when and where it ran, the data's location or format, the stand-in cache location and library
    versions. One replica adds nothing, so single-device hashes are those of earlier versions.
    """
    if source.weights == WEIGHTS_STANDIN:
        encoder: dict[str, Any] = {"standin": Path(source.encoder_handle).parent.name,
                                   "architecture": dataclasses.asdict(source.spec) | {"name": None, "citation": None}}
    else:
        encoder = {"encoder_handle": source.encoder_handle, "preprocessor_handle": source.preprocessor_handle}
    from benchmark.native import resolve_precision

    hyperparameters = {k: v for k, v in dataclasses.asdict(config).items() if k not in HASH_EXCLUDED}
    if config.inference == "keras":
        del hyperparameters["inference"]  # the default adds nothing, so hashes stay those of earlier versions
    hyperparameters["precision"] = resolve_precision(config.precision)  # auto: what it means on this device
    identity = {
        "model": source.spec.key,
        "weights": source.weights,
        "encoder": encoder,
        "hyperparameters": hyperparameters | {"learning_rate": resolved_learning_rate(source.spec, config)},
        "data": data_fingerprint(data),
    }
    if replicas != 1:
        identity["replicas"] = replicas
    return stable_hash(identity)


def before_fine_tuning_subset(test: Split, seed: int, limit: int = BEFORE_FINE_TUNING_EXAMPLES) -> np.ndarray:
    """Seeded indices of at most ``limit`` test reviews for the zero-step evaluation, in test-set order."""
    if len(test) <= limit:
        return np.arange(len(test))
    return np.sort(np.random.default_rng(seed + 2).choice(len(test), limit, replace=False))


def predict_logits(model, encoded, batch_size: int, bucketing: bool = False, verbose: int = 0) -> np.ndarray:
    """The logit of each review of ``encoded``, in its order, from :func:`~benchmark.pipeline.evaluation_dataset`
    batches (length order, little padding, with ``bucketing``)."""
    from benchmark.pipeline import evaluation_dataset

    dataset, order = evaluation_dataset(encoded, batch_size, bucketing)
    logits = np.asarray(model.predict(dataset.map(lambda features, label: features), verbose=verbose)).reshape(-1)
    if order is not None:
        logits[order] = logits.copy()  # back from length order to the split's order
    return logits


def _predict_probabilities(model, encoded, batch_size: int, verbose: int, bucketing: bool = False) -> np.ndarray:
    """Probability of "positive" for each review of ``encoded``, in its order."""
    from benchmark.records.metrics import sigmoid

    return sigmoid(predict_logits(model, encoded, batch_size, bucketing, verbose))


def locate_weights(source: EncoderSource) -> dict[str, Any]:
    """The encoder's and preprocessor's folders on this machine, downloaded first where needed (once, before any
    work, so that a missing or unreachable model stops the run at once with the ``fetch`` command for its key)."""
    from benchmark.encoders.hub_cache import locate

    return {what: locate(handle, what, source.spec.key) for what, handle in
            (("encoder", source.encoder_handle), ("preprocessor", source.preprocessor_handle))}


def fine_tune(source: EncoderSource, data: PreparedData, config: RunConfig, command: str,
              distribution: "Distribution | None" = None,
              on_trained: Callable[[Any, RunResult], None] | None = None,
              checkpoints: Path | None = None) -> RunResult:
    """Fine-tune ``source`` on ``data``, evaluate on the test set, and return the measured result.

    ``config.batch_size`` is per replica: each optimizer step sees ``batch_size * replicas`` reviews.
    ``on_trained(model, result)``, when given, sees the fine-tuned Keras model before it is dropped
    (``benchmark.saving.save_hook`` exports it).
    With ``checkpoints`` (a folder), the model, optimizer and progress are saved there after every epoch, and at
    the step in flight when SIGINT or SIGTERM arrives (then :class:`benchmark.training.TrainingInterrupted` is
    raised); a run interrupted earlier resumes from its last checkpoint, mid-epoch included. The caller deletes
    the folder once the run file is written.
    """
    import tensorflow as tf
    import tf_keras

    from benchmark.distribute import choose_strategy
    from benchmark.core.environment import describe_environment
    from benchmark.guards import StopOnNonFiniteLoss
    from benchmark.encoders.hub_cache import provenance
    from benchmark.records.metrics import classification_metrics
    from benchmark.model import encoder_parameters
    from benchmark.encoders.loading import load_handle
    from benchmark.native import build_for_config, build_with_fallback, resolve_precision
    from benchmark.optimizer import adamw
    from benchmark.pipeline import (evaluation_dataset, evaluation_steps, steps_per_pass, tokenize_split,
                                    training_batches)
    from benchmark.training import EpochCheckpoint, EpochTimer, ExamplesSeen, InterruptRequests, StepLoss, TrainingState

    spec = source.spec
    environment = describe_environment(config.seed)
    learning_rate = resolved_learning_rate(spec, config)
    started = time.perf_counter()
    created = dt.datetime.now(dt.timezone.utc)
    tf_keras.utils.set_random_seed(config.seed)

    located = locate_weights(source)
    preprocessor = load_handle(source.preprocessor_handle, "preprocessor")
    tokenize_start = time.perf_counter()
    train = tokenize_split(data.train, preprocessor, config.seq_length, config.truncation)
    validation = (tokenize_split(data.validation, preprocessor, config.seq_length, config.truncation)
                  if data.validation else None)
    test = tokenize_split(data.test, preprocessor, config.seq_length, config.truncation)
    tokenize_seconds = time.perf_counter() - tokenize_start

    distribution = distribution or choose_strategy("default")
    batch_size = distribution.global_batch_size(config.batch_size)
    steps_per_epoch = steps_per_pass(train, batch_size, config.bucketing, config.seq_length)
    total_steps = steps_per_epoch * config.epochs
    requested = resolve_precision(config.precision)
    with distribution.strategy.scope():
        width = None if config.bucketing else config.seq_length
        native = config.inference != "keras"  # TensorFlow Lite converts the natively rebuilt encoder
        if config.precision == "auto":
            model, precision = build_with_fallback(spec, source.encoder_handle, width, requested,
                                                   config.jit_compile, config.dropout, native)
        else:
            model, precision = build_for_config(spec, source.encoder_handle, width, requested, config.jit_compile,
                                                config.dropout, native), requested
        optimizer = adamw(learning_rate, total_steps, int(config.warmup_fraction * total_steps))
        if precision == "mixed_float16":  # float16 gradients underflow without loss scaling (bfloat16's do not)
            optimizer = tf_keras.mixed_precision.LossScaleOptimizer(optimizer)
        model.compile(optimizer=optimizer,
                      loss=tf_keras.losses.BinaryCrossentropy(from_logits=True),
                      # ``examples`` turns Keras' running means into exact per-step losses and epoch totals.
                      metrics=[tf_keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy"), ExamplesSeen()],
                      steps_per_execution=config.steps_per_execution, jit_compile=config.jit_compile)

    verbose = 1 if sys.stdout.isatty() else 2
    state = TrainingState(checkpoints, model, optimizer) if checkpoints is not None else None
    progress = state.restore() if state is not None else None
    resumed_epochs, resumed_batches = (progress["epochs_done"], progress.get("batches_done", 0)) if progress else (0, 0)
    resumed_step = resumed_epochs * steps_per_epoch + resumed_batches
    if progress is None:
        zero_step = test.take(before_fine_tuning_subset(data.test, config.seed))
        progress = {"before_fine_tuning": classification_metrics(
            zero_step.labels, _predict_probabilities(model, zero_step, batch_size, verbose, config.bucketing))}
    elif resumed_batches:
        log.info("%s: resuming from the checkpoint at epoch %d, step %d of %d", spec.key, resumed_epochs + 1,
                 resumed_batches, steps_per_epoch)
    else:
        log.info("%s: resuming from the checkpoint after epoch %d of %d", spec.key, resumed_epochs, config.epochs)

    timer, steps = EpochTimer(), StepLoss(first_step=resumed_step)
    with InterruptRequests() if state is not None else contextlib.nullcontext() as requests:
        recorder = EpochCheckpoint(state, timer, steps, spec.key, progress, steps_per_epoch, requests)
        fit = functools.partial(
            model.fit, callbacks=[StopOnNonFiniteLoss(), timer, steps, recorder], verbose=verbose,
            validation_data=evaluation_dataset(validation, batch_size, config.bucketing)[0] if validation else None,
            validation_steps=evaluation_steps(validation, batch_size) if validation else None)
        epoch = resumed_epochs
        if resumed_batches and epoch < config.epochs:  # finish the epoch that was interrupted mid-way
            fit(training_batches(train, batch_size, config.seed, epoch, epoch + 1, config.bucketing, resumed_batches),
                steps_per_epoch=steps_per_epoch - resumed_batches, epochs=epoch + 1, initial_epoch=epoch)
            epoch += 1
        if epoch < config.epochs:
            # Exact step counts: bucketed datasets have no known length, which Keras needs with
            # steps_per_execution > 1; every epoch is still exactly one pass over the training set.
            fit(training_batches(train, batch_size, config.seed, epoch, config.epochs, config.bucketing),
                steps_per_epoch=steps_per_epoch, epochs=config.epochs, initial_epoch=epoch)
    train_seconds = sum(row["seconds"] for row in recorder.history)

    from benchmark.records.labels import INFERENCES

    predictor, convert_seconds = model, None
    if config.inference != "keras":
        from benchmark.core.environment import cpu_threads
        from benchmark.tflite_runtime import from_trained

        convert_start = time.perf_counter()
        predictor = from_trained(spec, source.encoder_handle, model, config.inference, cpu_threads())
        convert_seconds = time.perf_counter() - convert_start
        log.info("%s: converted to %s in %.0fs; scoring the test set with it", spec.key, INFERENCES[config.inference],
                 convert_seconds)
    eval_start = time.perf_counter()
    test_metrics = classification_metrics(
        test.labels, _predict_probabilities(predictor, test, batch_size, verbose, config.bucketing))
    eval_seconds = time.perf_counter() - eval_start

    hyperparameters = dataclasses.asdict(config) | {
        "learning_rate": learning_rate,
        "precision": precision,
        "precision_requested": config.precision,
        "optimizer": ("AdamW (official.nlp.optimization, weight decay 0.01; sparse gradients applied densely, "
                      "benchmark.optimizer), linear warm-up then linear decay"),
        "inference_runtime": INFERENCES[config.inference] + (
            f" (converted in {convert_seconds:.1f}s, not in eval_seconds); validation during training in Keras"
            if convert_seconds is not None else ""),
        "steps_per_epoch": steps_per_epoch,
        "warmup_steps": int(config.warmup_fraction * total_steps),
        "global_batch_size": batch_size,
        "distribution": distribution.describe(),
    }
    result = RunResult(
        run_id=f"{spec.key}-{created.strftime('%Y%m%dT%H%M%S%fZ')}",
        created=created.isoformat(timespec="seconds"),
        command=command,
        config_hash=config_hash(source, config, data, distribution.replicas),
        model={"key": spec.key, "name": spec.name, "architecture": spec.architecture,
               "encoder_parameters": encoder_parameters(model)},
        encoder_handle=source.encoder_handle,
        preprocessor_handle=source.preprocessor_handle,
        weights=source.weights,
        hyperparameters=hyperparameters,
        data=data.describe(),
        history=recorder.history,
        test=test_metrics,
        timing={
            "wall_seconds": time.perf_counter() - started,
            "tokenize_seconds": tokenize_seconds,
            "train_seconds": train_seconds,
            "eval_seconds": eval_seconds,
            "train_examples_per_second": len(train) * config.epochs / train_seconds if train_seconds else 0.0,
            "eval_examples_per_second": len(test) / eval_seconds,
        },
        environment=environment,
        before_fine_tuning=recorder.before_fine_tuning,
        step_history=recorder.step_history,
        resumed_from_epoch=resumed_epochs,
        resumed_from_step=resumed_step,
        weights_source={what: provenance(where) for what, where in located.items()},
    )
    if on_trained is not None:
        on_trained(model, result)
    return result
