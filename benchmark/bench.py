"""``bench``: training and inference speed of the tutorial pipeline, this project's, and Hugging Face's."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import resource
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from benchmark.core.errors import UsageError
from benchmark.suite_split import SUITE_EPOCHS

log = logging.getLogger(__name__)

TUTORIAL, PLAIN, OURS, HF = "tutorial", "tokenize-once", "this project", "hugging face"
OURS_INT8 = "this project, int8 inference"  # opt-in: run --inference tflite-int8


@dataclasses.dataclass(frozen=True)
class BenchConfig:
    """What ``bench`` measures and how.

    Args:
      seq_length: Tokens per review.
      batch_size: Reviews per step, the same for every pipeline.
      samples: Reviews taken from each of train and test (balanced, seeded) to feed the timed steps.
      steps: Timed steps per round and pipeline.
      rounds: Timed rounds; pipelines take turns in every round and the medians are reported.
      warmup_steps: Untimed steps per pipeline first (tracing, compilation, caches).
      bucketing: Length bucketing in this project's pipeline.
      truncation: ``head`` or ``head_tail`` in this project's pipeline.
      precision: Keras precision policy of this project's pipeline (native encoder unless float32).
      jit_compile: XLA for this project's pipeline (native encoder only).
      steps_per_execution: Keras steps per ``tf.function`` call in this project's pipeline.
      accuracy_samples: Training reviews for the accuracy check of the tutorial and fast pipelines (0: skip).
      seed: Seeds subsets, order and initialisation.
      epochs: Epochs assumed by the full-suite GPU estimate.
    """

    seq_length: int = 128
    batch_size: int = 32
    samples: int = 1024
    steps: int = 4
    rounds: int = 3
    warmup_steps: int = 4
    bucketing: bool = True
    truncation: str = "head"
    precision: str = "float32"
    jit_compile: bool = False
    steps_per_execution: int = 1
    accuracy_samples: int = 0
    seed: int = 42
    epochs: int = SUITE_EPOCHS

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        for name in ("seq_length", "batch_size", "samples", "steps", "rounds", "steps_per_execution"):
            if getattr(self, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if not 3 <= self.seq_length <= 512:
            raise UsageError(f"--seq-length must be in [3, 512], got {self.seq_length}")
        if self.steps % self.steps_per_execution:
            raise UsageError(f"--steps {self.steps} must be a multiple of --steps-per-execution {self.steps_per_execution}")
        if self.samples < self.batch_size:
            raise UsageError(f"--samples {self.samples} must be at least --batch-size {self.batch_size}")


@dataclasses.dataclass(frozen=True)
class Timing:
    """Medians of the timed rounds of one pipeline in one mode (training or inference)."""

    examples_per_second: float
    rounds: tuple[float, ...]
    tokens_per_example: float
    flops_per_example: float
    achieved_flops: float
    peak_fraction: float


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``bench`` subcommand's options (the CLI module adds the subcommand itself)."""
    defaults = BenchConfig()
    parser.add_argument("--model", required=True, metavar="KEY", help="encoder key (stand-in with --standins)")
    parser.add_argument("--standins", action="store_true",
                        help="a stand-in built here (real architecture, random weights)")
    parser.add_argument("--offline", action="store_true",
                        help="download nothing: the encoder from the TF-Hub cache, IMDb from TensorFlow Datasets' "
                             "folder")
    parser.add_argument("--hub-mirror", metavar="URL", help="download tfhub.dev handles from this mirror instead")
    parser.add_argument("--data-dir", type=str, help="aclImdb folder or archive (default: TensorFlow Datasets)")
    parser.add_argument("--seq-length", type=int, nargs="+", default=[defaults.seq_length],
                        help="one or more lengths, each measured in turn in this run")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[defaults.batch_size],
                        help="one for all lengths, or one per --seq-length")
    parser.add_argument("--samples", type=int, default=defaults.samples, help="reviews per split to draw batches from")
    parser.add_argument("--steps", type=int, default=defaults.steps, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="interleaved timed rounds (medians reported)")
    parser.add_argument("--warmup-steps", type=int, default=defaults.warmup_steps)
    parser.add_argument("--no-bucketing", dest="bucketing", action="store_false", help="pad every batch to --seq-length")
    parser.add_argument("--truncation", choices=("head", "head_tail"), default=defaults.truncation)
    parser.add_argument("--precision", choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"), default="auto",
                        help="auto: the measured default for this device type (see README, Speed)")
    parser.add_argument("--jit-compile", action="store_true", help="XLA for the natively rebuilt encoder")
    parser.add_argument("--steps-per-execution", type=int, default=defaults.steps_per_execution)
    parser.add_argument("--accuracy-samples", type=int, default=defaults.accuracy_samples,
                        help="also train tutorial and fast pipelines one epoch on N reviews and compare "
                             "validation accuracy (at the first --seq-length)")
    parser.add_argument("--no-hf", action="store_true", help="skip the Hugging Face PyTorch loop")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="epochs assumed by the suite estimate")
    parser.add_argument("--output", default="results", help="folder for bench.md and bench.json")
    parser.add_argument("--vocab", help="WordPiece vocab.txt for the stand-in (default: learn one)")
    parser.add_argument("--models-dir", type=Path, default=Path("models"),
                        help="imported encoders (import-hf) and the cache of stand-ins (default: models/)")


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_rounds(runners: dict[str, Callable[[], None]], rounds: int, examples: int) -> dict[str, list[float]]:
    """Examples per second of each runner in each round; runners take turns within every round."""
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for round_index in range(rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            rates[name].append(examples / (time.perf_counter() - start))
            log.info("round %d/%d %-14s %.2f examples/s", round_index + 1, rounds, name, rates[name][-1])
    return rates


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def summarise(rates: list[float], tokens: float, flops: float, peak: float) -> dict[str, Any]:
    speed = median(rates)
    return dataclasses.asdict(Timing(speed, tuple(rates), tokens, flops, speed * flops, speed * flops / peak))


def ratio(a: float, b: float) -> float | None:
    return a / b if b and not np.isnan(b) else None


def configs_from_args(args: argparse.Namespace) -> list[BenchConfig]:
    """One validated config per requested sequence length."""
    from benchmark.training.precision import default_precision

    lengths, batches = list(args.seq_length), list(args.batch_size)
    if len(batches) == 1:
        batches *= len(lengths)
    if len(batches) != len(lengths):
        raise UsageError(f"--batch-size takes one value or one per --seq-length ({len(lengths)}), got {len(batches)}")
    if args.accuracy_samples < 0:
        raise UsageError(f"--accuracy-samples must be 0 or more, got {args.accuracy_samples}")
    precision = default_precision() if args.precision == "auto" else args.precision
    configs = []
    for index, (seq_length, batch_size) in enumerate(zip(lengths, batches)):
        config = BenchConfig(seq_length=seq_length, batch_size=batch_size, samples=args.samples,
                             steps=args.steps, rounds=args.rounds, warmup_steps=args.warmup_steps,
                             bucketing=args.bucketing, truncation=args.truncation, precision=precision,
                             jit_compile=args.jit_compile, steps_per_execution=args.steps_per_execution,
                             accuracy_samples=args.accuracy_samples if index == 0 else 0,
                             seed=args.seed, epochs=args.epochs)
        config.validate()
        configs.append(config)
    return configs


def run_bench(args: argparse.Namespace, command: str) -> tuple[Any, Any]:
    """Measure the pipelines as ``args`` say, write bench.md and bench.json, and return their paths."""
    import datetime as dt

    from benchmark.bench_measure import measure
    from benchmark.bench_report import targets, write_bench
    from benchmark.data.imdb import existing_data_dir
    from benchmark.core.environment import cpu_threads, describe_environment
    from benchmark.gpu_estimate import suite_estimates
    from benchmark.peaks import cpu_peak_flops
    from benchmark.encoders.registry import get_spec

    spec = get_spec(args.model, args.models_dir)  # imported encoders too, as ``run`` finds them
    configs = configs_from_args(args)
    if args.data_dir is not None:
        existing_data_dir(args.data_dir)  # fail before any model is built
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    runs, weights = [], None
    for config in configs:
        log.info("measuring at sequence length %d, batch size %d", config.seq_length, config.batch_size)
        run = measure(spec, config, args, skip_hf=args.no_hf)
        weights = run.pop("weights")
        run = {"config": dataclasses.asdict(config)} | run
        run["targets"] = targets(run)
        run["gpu_estimate"] = suite_estimates(config.seq_length, config.epochs)
        runs.append(run)
    peak, peak_note = cpu_peak_flops(bf16=configs[0].precision == "mixed_bfloat16")
    result = {
        "command": command,
        "created": created,
        "model": {"key": spec.key, "name": spec.name, "architecture": spec.architecture, "weights": weights},
        "threads": cpu_threads(),
        "device_peak_flops": peak,
        "device_peak_note": peak_note,
        "environment": describe_environment(configs[0].seed),
        "runs": runs,
    }
    return write_bench(result, Path(args.output))
