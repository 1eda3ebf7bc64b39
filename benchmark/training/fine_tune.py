"""Fine-tunes one encoder with the shared head and measures it, in a few steps: the benchmark's core loop.

:func:`fine_tune` tokenizes each split once (or reads it from the token cache), builds and compiles the classifier,
restores a checkpoint or scores the zero-step model, fits (resuming mid-epoch where an interrupted run stopped), scores
the test set (in Keras or TensorFlow Lite) and assembles the run's record.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import tf_keras

from benchmark.core.environment import cpu_threads, describe_environment
from benchmark.data.packing import EncodedSplit, encode
from benchmark.data.prepared import PreparedData
from benchmark.encoders.hub_cache import locate, provenance
from benchmark.encoders.source import EncoderSource, source_record
from benchmark.records.labels import DEFAULT_INFERENCE, INFERENCES
from benchmark.records.metrics import classification_metrics
from benchmark.records.run import RunResult
from benchmark.records.validation import RULE_ID
from benchmark.training.best_epoch import BestEpoch
from benchmark.training.callbacks import EpochTimer, ExamplesSeen, StepLoss, StopOnNonFiniteLoss
from benchmark.training.checkpoints import EpochCheckpoint, TrainingState
from benchmark.training.classifier import build_with_fallback, encoder_parameters, on_hub_layer
from benchmark.training.config import RunConfig
from benchmark.training.distribute import Distribution, choose_strategy
from benchmark.training.evaluation import before_fine_tuning_subset, predict_probabilities
from benchmark.training.identity import config_hash, resolved_learning_rate
from benchmark.training.interrupts import InterruptRequests
from benchmark.training.optimizer import adamw
from benchmark.training.pipeline import evaluation_dataset, evaluation_steps, steps_per_pass, training_batches
from benchmark.training.precision import AUTO, resolve_precision
from benchmark.training.result import assemble_run, started
from benchmark.training.tflite import from_trained
from benchmark.training.token_cache import CachedTokenizer, TokenCache

log = logging.getLogger(__name__)

OPTIMIZER = ("AdamW (official.nlp.optimization, weight decay 0.01; sparse gradients applied densely, "
             "benchmark.optimizer), linear warm-up then linear decay")


@dataclasses.dataclass(frozen=True)
class Encoded:
    """The run's splits tokenized once and packed, and how long that took."""

    train: EncodedSplit
    validation: EncodedSplit | None
    test: EncodedSplit
    seconds: float
    sources: dict[str, str] = dataclasses.field(default_factory=dict)  # split -> from the token cache or tokenized


@dataclasses.dataclass(frozen=True)
class Compiled:
    """The compiled classifier, the precision it computes in, and the step counts its schedule was built for."""

    model: Any
    optimizer: Any
    precision: str
    batch_size: int  # global: per replica times the replicas in sync
    steps_per_epoch: int
    total_steps: int


@dataclasses.dataclass(frozen=True)
class Start:
    """Where training starts: a checkpoint's progress (or a fresh run's, with its zero-step scores)."""

    progress: dict[str, Any]
    epochs: int  # whole epochs already done
    batches: int  # steps of the next epoch already done
    step: int  # global steps already done


def locate_weights(source: EncoderSource) -> dict[str, Any]:
    """The encoder's and preprocessor's folders on this machine, downloaded first where needed (once, before any
    work, so that a missing or unreachable model stops the run at once with the ``fetch`` command for its key)."""
    return {what: locate(handle, what, source.spec.key) for what, handle in
            (("encoder", source.encoder_handle), ("preprocessor", source.preprocessor_handle))}


def tokenize(source: EncoderSource, data: PreparedData, config: RunConfig, preprocessor: Path) -> Encoded:
    """Every split's word-piece ids, from the token cache or tokenized with the source's preprocessor (its
    SavedModel in ``preprocessor``) and cached, then truncated and packed. The seconds leave out loading the
    preprocessor, as they always did."""
    tokenizer = CachedTokenizer(source.preprocessor_handle, preprocessor, TokenCache())
    start = time.perf_counter()

    def encoded(name: str, split) -> EncodedSplit:
        reviews, ids = tokenizer.ids(name, split.texts)
        return encode(reviews, split.labels, config.seq_length, config.truncation, ids)

    train = encoded("train", data.train)
    validation = encoded("validation", data.validation) if data.validation else None
    test = encoded("test", data.test)
    log.info("%s: %s", source.spec.key, tokenizer.describe())
    return Encoded(train, validation, test, time.perf_counter() - start - tokenizer.load_seconds, tokenizer.sources)


def loss_and_accuracy(num_classes: int) -> tuple[Any, Any]:
    """Two classes: binary cross-entropy on the one logit, accuracy at logit 0 (probability 0.5); more: sparse
    categorical cross-entropy on the class logits, accuracy of the largest."""
    if num_classes == 2:
        return (tf_keras.losses.BinaryCrossentropy(from_logits=True),
                tf_keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy"))
    return (tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            tf_keras.metrics.SparseCategoricalAccuracy(name="accuracy"))


def compile_classifier(source: EncoderSource, config: RunConfig, distribution: Distribution,
                       train: EncodedSplit, num_classes: int = 2) -> Compiled:
    """The classifier built (hub layer or natively rebuilt, as the precision asks) and compiled under the strategy."""
    batch_size = distribution.global_batch_size(config.batch_size)
    steps_per_epoch = steps_per_pass(train, batch_size, config.bucketing, config.seq_length)
    total_steps = steps_per_epoch * config.epochs
    requested = resolve_precision(config.precision)
    spec = source.spec
    with distribution.strategy.scope():
        width = None if config.bucketing else config.seq_length
        native = config.inference != DEFAULT_INFERENCE  # TensorFlow Lite converts the natively rebuilt encoder
        model, precision = build_with_fallback(spec, source.encoder_handle, width, requested, config.jit_compile,
                                               config.dropout, native, num_classes, fallback=config.precision == AUTO)
        optimizer = adamw(resolved_learning_rate(spec, config), total_steps, int(config.warmup_fraction * total_steps))
        if precision == "mixed_float16":  # float16 gradients underflow without loss scaling (bfloat16's do not)
            optimizer = tf_keras.mixed_precision.LossScaleOptimizer(optimizer)
        loss, accuracy = loss_and_accuracy(num_classes)
        model.compile(optimizer=optimizer, loss=loss,
                      # ``examples`` turns Keras' running means into exact per-step losses and epoch totals.
                      metrics=[accuracy, ExamplesSeen()],
                      steps_per_execution=config.steps_per_execution,
                      jit_compile=config.jit_compile and not on_hub_layer(model))  # not after a fallback
    return Compiled(model, optimizer, precision, batch_size, steps_per_epoch, total_steps)


def resume_or_start(state: TrainingState | None, compiled: Compiled, test: EncodedSplit, data: PreparedData,
                    config: RunConfig, key: str, verbose: int) -> Start:
    """The progress of the last checkpoint, or a fresh start that first scores the zero-step model."""
    progress = state.restore() if state is not None else None
    epochs, batches = (progress["epochs_done"], progress.get("batches_done", 0)) if progress else (0, 0)
    if progress is None:
        zero_step = test.take(before_fine_tuning_subset(data.test, config.seed))
        progress = {"before_fine_tuning": classification_metrics(zero_step.labels, predict_probabilities(
            compiled.model, zero_step, compiled.batch_size, verbose, config.bucketing),
            class_names=data.label_names)}
    elif batches:
        log.info("%s: resuming from the checkpoint at epoch %d, step %d of %d", key, epochs + 1, batches,
                 compiled.steps_per_epoch)
    else:
        log.info("%s: resuming from the checkpoint after epoch %d of %d", key, epochs, config.epochs)
    return Start(progress, epochs, batches, epochs * compiled.steps_per_epoch + batches)


def fit(compiled: Compiled, encoded: Encoded, config: RunConfig, key: str, state: TrainingState | None,
        start: Start, verbose: int, best: BestEpoch | None = None) -> EpochCheckpoint:
    """Train the remaining epochs (first the rest of an epoch left half done); returns the epochs' record.
    ``best``, when given, keeps the best epoch's weights (before the checkpoint of each epoch is saved)."""
    timer, steps = EpochTimer(), StepLoss(first_step=start.step)
    batch_size, steps_per_epoch, validation = compiled.batch_size, compiled.steps_per_epoch, encoded.validation
    keep_best = [best] if best is not None else []
    with InterruptRequests() if state is not None else contextlib.nullcontext() as requests:
        recorder = EpochCheckpoint(state, timer, steps, key, start.progress, steps_per_epoch, requests)
        run = functools.partial(
            compiled.model.fit, callbacks=[StopOnNonFiniteLoss(), timer, steps, *keep_best, recorder], verbose=verbose,
            validation_data=evaluation_dataset(validation, batch_size, config.bucketing)[0] if validation else None,
            validation_steps=evaluation_steps(validation, batch_size) if validation else None)
        epoch = start.epochs
        if start.batches and epoch < config.epochs:  # finish the epoch that was interrupted mid-way
            run(training_batches(encoded.train, batch_size, config.seed, epoch, epoch + 1, config.bucketing,
                                 start.batches),
                steps_per_epoch=steps_per_epoch - start.batches, epochs=epoch + 1, initial_epoch=epoch)
            epoch += 1
        if epoch < config.epochs:
            # Exact step counts: bucketed datasets have no known length, which Keras needs with
            # steps_per_execution > 1; every epoch is still exactly one pass over the training set.
            run(training_batches(encoded.train, batch_size, config.seed, epoch, config.epochs, config.bucketing),
                steps_per_epoch=steps_per_epoch, epochs=config.epochs, initial_epoch=epoch)
    return recorder


def score_test(compiled: Compiled, source: EncoderSource, test: EncodedSplit, config: RunConfig,
               verbose: int, class_names: tuple[str, ...] = ("negative", "positive"),
               ) -> tuple[dict[str, Any], np.ndarray, float, float | None]:
    """Test-set metrics and each example's probabilities from the trained model, or its TensorFlow Lite form;
    seconds scoring, seconds converting."""
    predictor, convert_seconds = compiled.model, None
    if config.inference != DEFAULT_INFERENCE:
        convert_start = time.perf_counter()
        predictor = from_trained(source.spec, source.encoder_handle, compiled.model, config.inference, cpu_threads(),
                                 len(class_names))
        convert_seconds = time.perf_counter() - convert_start
        log.info("%s: converted to %s in %.0fs; scoring the test set with it", source.spec.key,
                 INFERENCES[config.inference], convert_seconds)
    eval_start = time.perf_counter()
    probabilities = predict_probabilities(predictor, test, compiled.batch_size, verbose, config.bucketing)
    metrics = classification_metrics(test.labels, probabilities, class_names=class_names)
    return metrics, probabilities, time.perf_counter() - eval_start, convert_seconds


def hyperparameters(config: RunConfig, source: EncoderSource, compiled: Compiled, distribution: Distribution,
                    convert_seconds: float | None) -> dict[str, Any]:
    """Every setting of the run as its file records it: the configuration, resolved, and how it ran."""
    return config.hyperparameters() | {
        "learning_rate": resolved_learning_rate(source.spec, config),
        "precision": compiled.precision,
        "precision_requested": config.precision,
        "optimizer": OPTIMIZER,
        "inference_runtime": INFERENCES[config.inference] + (
            f" (converted in {convert_seconds:.1f}s, not in eval_seconds); validation during training in Keras"
            if convert_seconds is not None else ""),
        "steps_per_epoch": compiled.steps_per_epoch,
        "warmup_steps": int(config.warmup_fraction * compiled.total_steps),
        "global_batch_size": compiled.batch_size,
        "distribution": distribution.describe(),
    } | ({"best_epoch_rule": RULE_ID} if config.restore_best_epoch else {})


def fine_tune(source: EncoderSource, data: PreparedData, config: RunConfig, command: str,
              distribution: Distribution | None = None,
              on_trained: Callable[[Any, RunResult], None] | None = None,
              checkpoints: str | Path | None = None) -> RunResult:
    """Fine-tune ``source`` on ``data``, evaluate on the test set, and return the measured result.

    ``config.batch_size`` is per replica: each optimizer step sees ``batch_size * replicas`` reviews.
    ``on_trained(model, result)``, when given, sees the fine-tuned Keras model before it is dropped
    (``benchmark.deploy.save_policy.save_hook`` exports it).
    With ``checkpoints`` (a folder or a URL), the model, optimizer and progress are saved there after every epoch,
    and at the step in flight when SIGINT or SIGTERM arrives (then :class:`benchmark.core.errors.TrainingInterrupted` is
    raised); a run interrupted earlier resumes from its last checkpoint, mid-epoch included. The caller deletes
    the folder once the run file is written.
    """
    spec = source.spec
    environment = describe_environment(config.seed)
    clock = started()
    tf_keras.utils.set_random_seed(config.seed)
    located = locate_weights(source)
    encoded = tokenize(source, data, config, located["preprocessor"].folder)
    distribution = distribution or choose_strategy("default")
    compiled = compile_classifier(source, config, distribution, encoded.train, data.num_classes)
    verbose = 1 if sys.stdout.isatty() else 2
    state = TrainingState(checkpoints, compiled.model, compiled.optimizer) if checkpoints is not None else None
    start = resume_or_start(state, compiled, encoded.test, data, config, spec.key, verbose)
    best = BestEpoch(start.progress.get("history", []), checkpoints)
    recorder = fit(compiled, encoded, config, spec.key, state, start, verbose, best)
    best_epoch = best.restore(compiled.model, config.restore_best_epoch)
    train_seconds = sum(row["seconds"] for row in recorder.history)
    test_metrics, test_probabilities, eval_seconds, convert_seconds = score_test(
        compiled, source, encoded.test, config, verbose, data.label_names)
    result = assemble_run(
        spec.key, clock, data, seconds={"tokenize": encoded.seconds, "train": train_seconds, "eval": eval_seconds},
        tokenize_cache=encoded.sources,
        train_examples=len(encoded.train) * config.epochs, test_probabilities=test_probabilities,
        command=command,
        config_hash=config_hash(source, config, data, distribution.replicas),
        model={"key": spec.key, "name": spec.name, "architecture": spec.architecture,
               "encoder_parameters": encoder_parameters(compiled.model)},
        encoder_handle=source.encoder_handle,
        preprocessor_handle=source.preprocessor_handle,
        weights=source.weights,
        hyperparameters=hyperparameters(config, source, compiled, distribution, convert_seconds),
        history=recorder.history,
        test=test_metrics,
        environment=environment,
        before_fine_tuning=recorder.before_fine_tuning,
        step_history=recorder.step_history,
        resumed_from_epoch=start.epochs,
        resumed_from_step=start.step,
        best_epoch=best_epoch,
        weights_source={what: provenance(where) for what, where in located.items()},
        encoder_source=source_record(spec),
    )
    if on_trained is not None:
        on_trained(compiled.model, result)
    return result
