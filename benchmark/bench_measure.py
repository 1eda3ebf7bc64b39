"""Builds the pipelines ``bench`` compares, warms them up, and times them in interleaved rounds."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.bench import (HF, OURS, OURS_INT8, PLAIN, TUTORIAL, BenchConfig, peak_rss_mib, ratio, summarise,
                             timed_rounds)
from benchmark.core.environment import cpu_threads
from benchmark.encoders.families import CLS_ONLY_FAMILIES
from benchmark.encoders.source import encoder_source
from benchmark.encoders.spec import EncoderSpec

log = logging.getLogger(__name__)

LARGE_STEP_COUNT = 100_000  # the learning-rate schedule's length while timing: flat after warm-up


def _token_flops(spec: EncoderSpec, widths: np.ndarray, cls_only: bool) -> tuple[float, float, float]:
    """Mean padded tokens, mean training and mean forward FLOPs per example over ``widths`` (``cls_only``: the
    last layer computes [CLS] alone, as the natively rebuilt encoder does)."""
    from benchmark.encoders.flops import forward_flops, training_flops

    return (float(np.mean(widths)), float(np.mean([training_flops(spec, w, cls_only) for w in widths])),
            float(np.mean([forward_flops(spec, w, cls_only) for w in widths])))


def _padded_widths(lengths: np.ndarray, seq_length: int, bucketing: bool) -> np.ndarray:
    from benchmark.training.pipeline import bucket_widths

    if not bucketing:
        return np.full(len(lengths), seq_length)
    widths = np.asarray(bucket_widths(seq_length))
    return widths[np.searchsorted(widths, lengths, side="left")]


def measure(spec: EncoderSpec, config: BenchConfig, args: argparse.Namespace, skip_hf: bool) -> dict[str, Any]:
    """Every pipeline's training and inference speed, FLOPs, peak memory, and the accuracy check."""
    import tf_keras

    from benchmark.training.classifier import build_for_config
    from benchmark.bench_keras import KerasRunner, compile_classifier, text_dataset, tutorial_classifier
    from benchmark.bench_torch import TorchRunner, unavailable_reason
    from benchmark.data.splits import balanced_subset
    from benchmark.data.imdb import load_imdb
    from benchmark.training.classifier import build_classifier
    from benchmark.encoders.loading import load_handle
    from benchmark.peaks import cpu_peak_flops
    from benchmark.data.packing import EncodedSplit
    from benchmark.training.pipeline import evaluation_dataset, evaluation_widths, to_dataset, tokenize_texts
    from benchmark.data.packing import pack
    from benchmark.training.pipeline import special_ids

    imdb = load_imdb(args.data_dir, args.offline)
    train = balanced_subset(imdb.train, config.samples, config.seed, "train")
    test = balanced_subset(imdb.test, config.samples, config.seed, "test")
    vocab = Path(args.vocab) if args.vocab else None
    source = encoder_source(spec, args.standins, vocab, Path(args.models_dir), train.texts)
    tf_keras.utils.set_random_seed(config.seed)
    preprocessor = load_handle(source.preprocessor_handle, "preprocessor")
    ids = special_ids(preprocessor)

    started = time.perf_counter()
    tokens = {name: tokenize_texts(split.texts, preprocessor) for name, split in (("train", train), ("test", test))}
    tokenize_rate = (len(train) + len(test)) / (time.perf_counter() - started)

    def encoded(name: str, split, truncation: str) -> EncodedSplit:
        features, lengths = pack(tokens[name], config.seq_length, truncation, ids)
        return EncodedSplit(features, split.labels.astype(np.float32), lengths)

    plain_train, plain_test = encoded("train", train, "head"), encoded("test", test, "head")
    ours_train, ours_test = encoded("train", train, config.truncation), encoded("test", test, config.truncation)
    lr, b, s = spec.learning_rate, config.batch_size, config.seq_length
    bucketed_len = None if config.bucketing else s
    native = "hub" if config.precision == "float32" and not config.jit_compile else "native"
    cls_only = native == "native" and spec.family in CLS_ONLY_FAMILIES  # as build_native_classifier builds it
    encoder_kind = ("hub.KerasLayer" if native == "hub"
                    else "natively rebuilt encoder" + (", last layer for [CLS] only" if cls_only else "")
                    + ", dropout masks from 16 random bits")

    runners: dict[str, Any] = {}
    described: dict[str, dict[str, Any]] = {}
    widths: dict[str, np.ndarray] = {}

    def warm(name: str, runner, description: str, train_widths, test_widths) -> None:
        started = time.perf_counter()
        if train_widths is not None:  # None: an inference-only pipeline
            runner.train(config.warmup_steps)
        runner.evaluate(config.warmup_steps)
        runners[name] = runner
        widths[name] = (train_widths, test_widths)
        described[name] = {"description": description, "warmup_seconds": time.perf_counter() - started,
                           "peak_rss_mib": peak_rss_mib()}
        log.info("%s: warmed up in %.0fs, process peak RSS %.0f MiB", name, described[name]["warmup_seconds"],
                 described[name]["peak_rss_mib"])

    full = (np.full(len(train), s), np.full(len(test), s))
    tf_keras.utils.set_random_seed(config.seed)
    model = compile_classifier(tutorial_classifier(source.encoder_handle, source.preprocessor_handle, s), lr,
                               LARGE_STEP_COUNT)
    warm(TUTORIAL, KerasRunner(model, text_dataset(train, b, True), text_dataset(test, b, True)),
         "the TF 'Classify text with BERT' recipe: strings into a Keras model with hub.KerasLayer(preprocessor) "
         f"and hub.KerasLayer(encoder), padded to {s}, float32, Keras train/test steps", *full)
    tf_keras.utils.set_random_seed(config.seed)
    model = compile_classifier(build_classifier(source.encoder_handle, s), lr, LARGE_STEP_COUNT)
    warm(PLAIN, KerasRunner(model, to_dataset(plain_train, b, drop_remainder=True),
                            to_dataset(plain_test, b, drop_remainder=True)),
         f"token ids tokenized once (head truncation), the same hub.KerasLayer encoder, padded to {s}, float32", *full)
    tf_keras.utils.set_random_seed(config.seed)
    fast = build_for_config(spec, source.encoder_handle, bucketed_len, config.precision, config.jit_compile)
    model = compile_classifier(fast, lr, LARGE_STEP_COUNT, config.steps_per_execution, config.jit_compile,
                               fused_sparse=True)
    # Length-ordered evaluation batches (with bucketing), taken in a seeded random order so that a few timed
    # steps see batches of every width, as a whole pass would.
    ours_eval, _ = evaluation_dataset(ours_test, b, config.bucketing, drop_remainder=True)
    ours_eval = ours_eval.shuffle(len(ours_test) // b, seed=config.seed) if config.bucketing else ours_eval
    warm(OURS, KerasRunner(model, to_dataset(ours_train, b, config.seed, config.bucketing, True), ours_eval),
         f"tokenized once, {config.truncation} truncation, bucketing {'on' if config.bucketing else 'off'}, "
         f"{config.precision} ({encoder_kind}), "
         f"jit_compile {config.jit_compile}, steps_per_execution {config.steps_per_execution}, "
         "AdamW with sparse gradients applied densely (fused kernel)",
         _padded_widths(ours_train.lengths, s, config.bucketing),
         evaluation_widths(ours_test.lengths, b, s)[:len(ours_test) // b * b] if config.bucketing else full[1])
    if native == "native":  # the same trained weights, scored as `run --inference tflite-int8` scores them
        from benchmark.bench_keras import TfliteInferenceRunner
        from benchmark.records.labels import INFERENCES
        from benchmark.training.tflite import from_trained

        int8 = from_trained(spec, source.encoder_handle, model, "tflite-int8", cpu_threads())
        warm(OURS_INT8, TfliteInferenceRunner(int8, ours_eval),
             f"inference only, opt-in (`run --inference tflite-int8`): this project's model and test batches, run "
             f"by {INFERENCES['tflite-int8']} with XNNPACK, {cpu_threads()} threads; it scores a quantized model, "
             "so its accuracy is the int8 one of the accuracy check below", None, widths[OURS][1])
    hf_reason = "skipped (--no-hf)" if skip_hf else unavailable_reason(spec)
    if hf_reason is None:
        vocab_size = _vocab_size(source.encoder_handle)
        torch_runner = TorchRunner(spec, vocab_size, plain_train, plain_test, b, lr, config.seed, cpu_threads())
        warm(HF, torch_runner, f"transformers BertForSequenceClassification ({torch_runner.versions}), random "
             f"weights, same token ids padded to {s}, plain PyTorch loop with torch.optim.AdamW, "
             f"{cpu_threads()} threads, float32", *full)

    examples = config.steps * b
    train_rates = timed_rounds({n: (lambda r=r: r.train(config.steps)) for n, r in runners.items()
                                if widths[n][0] is not None}, config.rounds, examples)
    eval_rates = timed_rounds({n: (lambda r=r: r.evaluate(config.steps)) for n, r in runners.items()},
                              config.rounds, examples)
    peak, _ = cpu_peak_flops(bf16=config.precision == "mixed_bfloat16")
    fp32_peak, _ = cpu_peak_flops()
    int8_peak, _ = cpu_peak_flops(int8=True)
    pipelines: dict[str, dict[str, Any]] = {}
    for name in runners:
        ours = name in (OURS, OURS_INT8)
        device_peak = {OURS: peak, OURS_INT8: int8_peak}.get(name, fp32_peak)
        test_tokens, _, test_flops = _token_flops(spec, widths[name][1], ours and cls_only)
        pipelines[name] = described[name] | {
            "inference": summarise(eval_rates[name], test_tokens, test_flops, device_peak)}
        if name in train_rates:
            train_tokens, train_flops, _ = _token_flops(spec, widths[name][0], ours and cls_only)
            pipelines[name]["training"] = summarise(train_rates[name], train_tokens, train_flops, device_peak)
    for entry in pipelines.values():
        for mode in ("training", "inference"):
            if mode in entry:
                entry[f"{mode}_vs_tutorial"] = ratio(entry[mode]["examples_per_second"],
                                                     pipelines[TUTORIAL][mode]["examples_per_second"])
    if hf_reason is not None:
        pipelines[HF] = {"error": hf_reason, "description": "the Hugging Face PyTorch loop: " + hf_reason}
    if HF in runners:
        pipelines[OURS]["training_vs_hugging_face"] = ratio(pipelines[OURS]["training"]["examples_per_second"],
                                                            pipelines[HF]["training"]["examples_per_second"])
    del runners
    from benchmark.bench_accuracy import accuracy_check

    accuracy = accuracy_check(spec, source, config, imdb, preprocessor, ids) if config.accuracy_samples else None
    return {"weights": source.weights, "pipelines": pipelines, "accuracy": accuracy,
            "tokenize_examples_per_second": tokenize_rate, "peak_rss_mib": peak_rss_mib(),
            "notes": notes(config, tokenize_rate)}


def _vocab_size(encoder_handle: str) -> int:
    from benchmark.encoders.loading import load_handle

    saved = load_handle(encoder_handle, "encoder")
    return int(next(v for v in saved.variables if v.name.startswith("word_embeddings/")).shape[0])


def notes(config: BenchConfig, tokenize_rate: float) -> list[str]:
    """What the figures mean and what they leave out."""
    from benchmark.encoders.flops import __doc__ as flops_doc
    from benchmark.peaks import cpu_peak_flops

    _, peak_note = cpu_peak_flops(bf16=config.precision == "mixed_bfloat16")
    return [
        "Examples per second count only the timed train or test steps of each pipeline (Keras's own train and "
        "test functions, as `fit` and `evaluate` call them; PyTorch forward/backward/step). The one-off tokenization "
        f"of this project's pipeline ran at {tokenize_rate:.0f} reviews/s (train and test subsets) and is not in them; "
        "the tutorial pipeline tokenizes inside every step, which is in its figures.",
        "FLOPs per example (benchmark/flops.py): " + " ".join(flops_doc.split("\n", 2)[2].split()),
        "tokens/example is the mean padded width of the batches (bucketing pads each batch only to its bucket).",
        f"% of peak divides achieved FLOP/s by this CPU's peak, an {peak_note} (fp32 for the float32 pipelines).",
        "Peak RSS is the process's high-water mark (getrusage) after each pipeline's warm-up, in the order built: "
        "every pipeline runs in one process, so each figure includes all earlier ones (TensorFlow and PyTorch "
        "together in the last).",
        "The Hugging Face loop sets OMP_WAIT_POLICY=PASSIVE (unless set): with spinning OpenMP threads, PyTorch "
        "steps on a CPU shared with other processes measured up to 100x slower. TensorFlow does not use OpenMP.",
        "Results from stand-in (random-weight) encoders measure speed only; their accuracy is not meaningful "
        "beyond comparing the two pipelines with each other.",
    ]
