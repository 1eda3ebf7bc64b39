"""Measures the pipelines ``bench`` compares: inputs tokenized once, the line-up warmed up, interleaved timed rounds."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import tf_keras

from benchmark.data.catalog import load_dataset
from benchmark.data.packing import encode
from benchmark.data.splits import balanced_subset
from benchmark.encoders import flops
from benchmark.encoders.families import family
from benchmark.encoders.loading import load_handle
from benchmark.encoders.source import encoder_source
from benchmark.encoders.spec import EncoderSpec
from benchmark.speed.accuracy import accuracy_check
from benchmark.speed.config import HF, OURS, OURS_INT8, TUTORIAL, BenchConfig, BenchOptions
from benchmark.speed.keras3_pipelines import KERAS3_PIPELINES, OURS_XLA
from benchmark.speed.lineup import (Inputs, Lineup, add_hugging_face, add_keras3_pipelines, add_our_pipelines,
                                    add_tutorial_pipelines, natively_rebuilt)
from benchmark.speed.peaks import cpu_peak_flops
from benchmark.speed.rounds import peak_rss_mib, ratio, summarise, timed_rounds
from benchmark.training.pipeline import special_ids, tokenize_texts

log = logging.getLogger(__name__)


def token_flops(spec: EncoderSpec, widths: np.ndarray, cls_only: bool) -> tuple[float, float, float]:
    """Mean padded tokens, mean training and mean forward FLOPs per example over ``widths`` (``cls_only``: the
    last layer computes [CLS] alone, as the natively rebuilt encoder does)."""
    return (float(np.mean(widths)), float(np.mean([flops.training_flops(spec, w, cls_only) for w in widths])),
            float(np.mean([flops.forward_flops(spec, w, cls_only) for w in widths])))


def timed(lineup: Lineup, spec: EncoderSpec) -> dict[str, dict[str, Any]]:
    """Every pipeline's training and inference speed in interleaved rounds, with FLOPs and the share of the peak."""
    config, runners, widths = lineup.config, lineup.runners, lineup.widths
    examples = config.steps * config.batch_size
    train_rates = timed_rounds({n: (lambda r=r: r.train(config.steps)) for n, r in runners.items()
                                if widths[n][0] is not None}, config.rounds, examples)
    eval_rates = timed_rounds({n: (lambda r=r: r.evaluate(config.steps)) for n, r in runners.items()},
                              config.rounds, examples)
    peak, _ = cpu_peak_flops(bf16=config.precision == "mixed_bfloat16")
    fp32_peak, _ = cpu_peak_flops()
    int8_peak, _ = cpu_peak_flops(int8=True)
    cls_only = natively_rebuilt(config) and family(spec.family).cls_only
    pipelines: dict[str, dict[str, Any]] = {}
    for name in runners:
        ours = name in (OURS, OURS_XLA, OURS_INT8)  # the natively rebuilt encoder may compute [CLS] alone
        device_peak = int8_peak if name == OURS_INT8 else peak if name in (OURS, OURS_XLA, *KERAS3_PIPELINES) \
            else fp32_peak
        test_tokens, _, test_flops = token_flops(spec, widths[name][1], ours and cls_only)
        pipelines[name] = lineup.described[name] | {
            "inference": summarise(eval_rates[name], test_tokens, test_flops, device_peak)}
        if name in train_rates:
            train_tokens, train_flops, _ = token_flops(spec, widths[name][0], ours and cls_only)
            pipelines[name]["training"] = summarise(train_rates[name], train_tokens, train_flops, device_peak)
    return pipelines


def compared(pipelines: dict[str, dict[str, Any]], hf_reason: str | None) -> dict[str, dict[str, Any]]:
    """The pipelines with their speed relative to the tutorial's (and this project's to Hugging Face's)."""
    for entry in pipelines.values():
        for mode in ("training", "inference"):
            if mode in entry:
                entry[f"{mode}_vs_tutorial"] = ratio(entry[mode]["examples_per_second"],
                                                     pipelines[TUTORIAL][mode]["examples_per_second"])
    if hf_reason is not None:
        pipelines[HF] = {"error": hf_reason, "description": "the Hugging Face PyTorch loop: " + hf_reason}
    else:
        pipelines[OURS]["training_vs_hugging_face"] = ratio(pipelines[OURS]["training"]["examples_per_second"],
                                                            pipelines[HF]["training"]["examples_per_second"])
    for name in (OURS_XLA, *KERAS3_PIPELINES):  # --keras3: Keras 2 against Keras 3, against run's default
        if name in pipelines:
            for mode in ("training", "inference"):
                pipelines[name][f"{mode}_vs_this_project"] = ratio(
                    pipelines[name][mode]["examples_per_second"], pipelines[OURS][mode]["examples_per_second"])
    return pipelines


def measure(spec: EncoderSpec, config: BenchConfig, options: BenchOptions) -> dict[str, Any]:
    """Every pipeline's training and inference speed, FLOPs, peak memory, and the accuracy check."""
    imdb = load_dataset(data_dir=options.data_dir, offline=options.offline)
    train = balanced_subset(imdb.train, config.samples, config.seed, "train")
    test = balanced_subset(imdb.test, config.samples, config.seed, "test")
    source = encoder_source(spec, options.standins, options.vocab, options.models_dir, train.texts)
    tf_keras.utils.set_random_seed(config.seed)
    preprocessor = load_handle(source.preprocessor_handle, "preprocessor")
    ids = special_ids(preprocessor)
    started = time.perf_counter()
    tokens = {name: tokenize_texts(split.texts, preprocessor) for name, split in (("train", train), ("test", test))}
    tokenize_rate = (len(train) + len(test)) / (time.perf_counter() - started)

    def packed(truncation: str) -> list:
        return [encode(tokens[name], split.labels, config.seq_length, truncation, ids)
                for name, split in (("train", train), ("test", test))]

    inputs = Inputs(train, test, *packed("head"), *packed(config.truncation))
    lineup = Lineup(config)
    add_tutorial_pipelines(lineup, source, inputs)
    add_our_pipelines(lineup, source, inputs)
    if options.keras3:
        add_keras3_pipelines(lineup, source, inputs)
    hf_reason = add_hugging_face(lineup, source, inputs, options.hugging_face)
    pipelines = compared(timed(lineup, spec), hf_reason)
    lineup.release()
    accuracy = accuracy_check(spec, source, config, imdb, preprocessor, ids) if config.accuracy_samples else None
    return {"weights": source.weights, "pipelines": pipelines, "accuracy": accuracy,
            "tokenize_examples_per_second": tokenize_rate, "peak_rss_mib": peak_rss_mib(),
            "notes": notes(config, tokenize_rate)}


def notes(config: BenchConfig, tokenize_rate: float) -> list[str]:
    """What the figures mean and what they leave out."""
    _, peak_note = cpu_peak_flops(bf16=config.precision == "mixed_bfloat16")
    return [
        "Examples per second count only the timed train or test steps of each pipeline (Keras's own train and "
        "test functions, as `fit` and `evaluate` call them; PyTorch forward/backward/step). The one-off tokenization "
        f"of this project's pipeline ran at {tokenize_rate:.0f} reviews/s (train and test subsets) and is not in them; "
        "the tutorial pipeline tokenizes inside every step, which is in its figures.",
        "FLOPs per example (benchmark/encoders/flops.py): " + " ".join(flops.__doc__.split("\n", 2)[2].split()),
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
