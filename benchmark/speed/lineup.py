"""The pipelines ``bench`` compares, each built, warmed up and described as it joins the line-up."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import numpy as np
import tf_keras

from benchmark.core.environment import cpu_threads
from benchmark.data.packing import EncodedSplit
from benchmark.data.splits import Split
from benchmark.encoders.families import family
from benchmark.encoders.native import saved_encoder
from benchmark.encoders.source import EncoderSource
from benchmark.records.labels import INFERENCES
from benchmark.speed.config import HF, OURS, OURS_INT8, PLAIN, TUTORIAL, BenchConfig
from benchmark.speed.keras3_pipelines import (KERAS3, KERAS3_XLA, OURS_XLA, Keras3Runner, describe_keras3,
                                              keras3_classifier, xla_config)
from benchmark.speed.keras_pipelines import (KerasRunner, TfliteInferenceRunner, compile_as_run, compile_classifier,
                                             text_dataset, tutorial_classifier)
from benchmark.speed.rounds import peak_rss_mib
from benchmark.speed.torch_loop import TorchRunner, unavailable_reason
from benchmark.training.classifier import build_classifier, on_hub_layer
from benchmark.training.precision import rebuilds_encoder
from benchmark.training.pipeline import bucket_widths, epoch_seed, evaluation_dataset, evaluation_widths, to_dataset
from benchmark.training.tflite import from_trained

log = logging.getLogger(__name__)

LARGE_STEP_COUNT = 100_000  # the learning-rate schedule's length while timing: flat after warm-up


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What every pipeline reads: the review subsets, and their token ids packed with head truncation (``plain``)
    and with this project's truncation (``ours``)."""

    train: Split
    test: Split
    plain_train: EncodedSplit
    plain_test: EncodedSplit
    ours_train: EncodedSplit
    ours_test: EncodedSplit


def padded_widths(lengths: np.ndarray, seq_length: int, bucketing: bool) -> np.ndarray:
    """The width each review is padded to in this project's training batches."""
    if not bucketing:
        return np.full(len(lengths), seq_length)
    widths = np.asarray(bucket_widths(seq_length))
    return widths[np.searchsorted(widths, lengths, side="left")]


def natively_rebuilt(config: BenchConfig) -> bool:
    """Whether this project's pipeline runs the natively rebuilt encoder (else the hub layer), as ``run`` decides."""
    return rebuilds_encoder(config.run_config().precision, config.jit_compile)


class Lineup:
    """The warmed-up pipelines by name, with the padded widths they see and how they are described."""

    def __init__(self, config: BenchConfig):
        self.config = config
        self.runners: dict[str, Any] = {}
        self.widths: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
        self.described: dict[str, dict[str, Any]] = {}

    def warm(self, name: str, runner, description: str, train_widths: np.ndarray | None,
             test_widths: np.ndarray) -> None:
        """Run ``runner``'s warm-up steps (inference only when ``train_widths`` is None) and add it."""
        started = time.perf_counter()
        if train_widths is not None:
            runner.train(self.config.warmup_steps)
        runner.evaluate(self.config.warmup_steps)
        self.runners[name] = runner
        self.widths[name] = (train_widths, test_widths)
        self.described[name] = {"description": description, "warmup_seconds": time.perf_counter() - started,
                                "peak_rss_mib": peak_rss_mib()}
        log.info("%s: warmed up in %.0fs, process peak RSS %.0f MiB", name, self.described[name]["warmup_seconds"],
                 self.described[name]["peak_rss_mib"])

    def release(self) -> None:
        """Drop the models (before the accuracy check trains new ones)."""
        self.runners.clear()


def add_tutorial_pipelines(lineup: Lineup, source: EncoderSource, inputs: Inputs) -> None:
    """The tutorial's string-input model, and the same hub layer fed token ids tokenized once."""
    config, lr = lineup.config, source.spec.learning_rate
    b, s = config.batch_size, config.seq_length
    full = (np.full(len(inputs.train), s), np.full(len(inputs.test), s))
    tf_keras.utils.set_random_seed(config.seed)
    model = compile_classifier(tutorial_classifier(source.encoder_handle, source.preprocessor_handle, s), lr,
                               LARGE_STEP_COUNT)
    lineup.warm(TUTORIAL, KerasRunner(model, text_dataset(inputs.train, b, True), text_dataset(inputs.test, b, True)),
                "the TF 'Classify text with BERT' recipe: strings into a Keras model with hub.KerasLayer(preprocessor) "
                f"and hub.KerasLayer(encoder), padded to {s}, float32, Keras train/test steps", *full)
    tf_keras.utils.set_random_seed(config.seed)
    model = compile_classifier(build_classifier(source.encoder_handle, s), lr, LARGE_STEP_COUNT)
    lineup.warm(PLAIN, KerasRunner(model, to_dataset(inputs.plain_train, b, drop_remainder=True),
                                   to_dataset(inputs.plain_test, b, drop_remainder=True)),
                f"token ids tokenized once (head truncation), the same hub.KerasLayer encoder, padded to {s}, float32",
                *full)


def describe_ours(config: BenchConfig, spec) -> str:
    """What this project's pipeline is: ``run`` with its default options, or which options it opts into."""
    native = natively_rebuilt(config)
    cls_only = native and family(spec.family).cls_only  # as build_native_classifier builds it
    encoder_kind = ("natively rebuilt encoder" + (", last layer for [CLS] only" if cls_only else "")
                    + ", dropout masks from 16 random bits") if native else "hub.KerasLayer"
    opt_ins = config.opt_ins()
    which = ("**`run` with its default options**" if not opt_ins
             else f"`run` with opt-in options ({', '.join(opt_ins)}), not its defaults")
    return (f"{which}: the model `run` builds and compiles (training.fine_tune.compile_classifier), its training "
            f"batches and its evaluation batches; tokenized once, {config.truncation} truncation, bucketing "
            f"{'on' if config.bucketing else 'off'}, {config.precision} ({encoder_kind}), jit_compile "
            f"{config.jit_compile}, steps_per_execution {config.steps_per_execution}, AdamW with sparse gradients "
            "applied densely (fused kernel)")


def our_batches(config: BenchConfig, inputs: Inputs):
    """This project's training batches (``run``'s first epoch: its seeded order, bucketed as ``run`` buckets, full
    batches only) and evaluation batches (length-ordered with bucketing, taken in a seeded random order so that a
    few timed steps see batches of every width, as a whole pass would), with the widths each pads to."""
    b, s, test = config.batch_size, config.seq_length, inputs.ours_test
    ours_eval, _ = evaluation_dataset(test, b, config.bucketing, drop_remainder=True)
    ours_eval = ours_eval.shuffle(len(test) // b, seed=config.seed) if config.bucketing else ours_eval
    train = to_dataset(inputs.ours_train, b, epoch_seed(config.seed, 0), config.bucketing, drop_remainder=True,
                       reshuffle=False)
    test_widths = (evaluation_widths(test.lengths, b, s)[:len(test) // b * b] if config.bucketing
                   else np.full(len(inputs.test), s))
    return train, ours_eval, padded_widths(inputs.ours_train.lengths, s, config.bucketing), test_widths


def add_our_pipelines(lineup: Lineup, source: EncoderSource, inputs: Inputs) -> None:
    """This project's pipeline, built by ``run``'s own functions with ``run``'s configuration, and (natively
    rebuilt) its int8 TensorFlow Lite inference."""
    config, spec = lineup.config, source.spec
    tf_keras.utils.set_random_seed(config.seed)
    compiled = compile_as_run(source, config.run_config(), inputs.ours_train)
    model = compiled.model
    train, ours_eval, train_widths, test_widths = our_batches(config, inputs)
    lineup.warm(OURS, KerasRunner(model, train, ours_eval), describe_ours(config, spec), train_widths, test_widths)
    lineup.described[OURS]["natively_rebuilt"] = not on_hub_layer(model)
    if not on_hub_layer(model):  # natively rebuilt: the same trained weights, scored as `run --inference tflite-int8` scores them
        int8 = from_trained(spec, source.encoder_handle, model, "tflite-int8", cpu_threads())
        lineup.warm(OURS_INT8, TfliteInferenceRunner(int8, ours_eval),
                    f"inference only, opt-in (`run --inference tflite-int8`): this project's model and test batches, "
                    f"run by {INFERENCES['tflite-int8']} with XNNPACK, {cpu_threads()} threads; it scores a quantized "
                    "model, so its accuracy is the int8 one of the accuracy check below", None, lineup.widths[OURS][1])


def add_keras3_pipelines(lineup: Lineup, source: EncoderSource, inputs: Inputs) -> None:
    """``--keras3``: this project's pipeline with XLA on (unless it already is), and KerasHub's backbone of the
    same architecture in Keras 3 with XLA off and on, on the same batches (Keras 2 against Keras 3)."""
    config, spec = lineup.config, source.spec
    train, test, train_widths, test_widths = our_batches(config, inputs)
    if not config.jit_compile:
        tf_keras.utils.set_random_seed(config.seed)
        compiled = compile_as_run(source, xla_config(config.run_config()), inputs.ours_train)
        lineup.warm(OURS_XLA, KerasRunner(compiled.model, train, test),
                    describe_ours(dataclasses.replace(config, jit_compile=True), spec), train_widths, test_widths)
    _, vocab_size = saved_encoder(source.encoder_handle)
    total_steps = LARGE_STEP_COUNT
    for name, jit in ((KERAS3, False), (KERAS3_XLA, True)):
        model = keras3_classifier(spec, vocab_size, config.precision, spec.learning_rate, total_steps, jit,
                                  config.seed)
        lineup.warm(name, Keras3Runner(model, train, test), describe_keras3(spec, config.precision, jit),
                    train_widths, test_widths)


def add_hugging_face(lineup: Lineup, source: EncoderSource, inputs: Inputs, wanted: bool) -> str | None:
    """The Hugging Face PyTorch loop on the same token ids, where it can run; otherwise the reason it is missing."""
    config, spec = lineup.config, source.spec
    reason = "skipped (--no-hf)" if not wanted else unavailable_reason(spec)
    if reason is not None:
        return reason
    s = config.seq_length
    _, vocab_size = saved_encoder(source.encoder_handle)
    runner = TorchRunner(spec, vocab_size, inputs.plain_train, inputs.plain_test, config.batch_size,
                         spec.learning_rate, config.seed, cpu_threads())
    lineup.warm(HF, runner, f"transformers BertForSequenceClassification ({runner.versions}), random "
                f"weights, same token ids padded to {s}, plain PyTorch loop with torch.optim.AdamW, "
                f"{cpu_threads()} threads, float32", np.full(len(inputs.train), s), np.full(len(inputs.test), s))
    return None
