"""``bench``: training and inference speed of the tutorial pipeline, this project's, and Hugging Face's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmark.cli.common import quiet_tensorflow
from benchmark.core.folders import check_writable_folders
from benchmark.core.paths import DEFAULT_MODELS, DEFAULT_RESULTS
from benchmark.data.packing import TRUNCATIONS
from benchmark.encoders.hub_cache import configure as configure_network
from benchmark.speed.config import BenchConfig, BenchOptions
from benchmark.speed.report import estimate_line
from benchmark.training.precision import AUTO, PRECISION_CHOICES


def register(commands) -> None:
    parser = commands.add_parser(
        "bench", help="training and inference speed: tutorial pipeline vs this project vs Hugging Face")
    defaults = BenchConfig()
    parser.add_argument("--model", required=True, metavar="KEY", help="encoder key (stand-in with --standins)")
    parser.add_argument("--standins", action="store_true",
                        help="a stand-in built here (real architecture, random weights)")
    parser.add_argument("--offline", action="store_true",
                        help="download nothing: the encoder from the TF-Hub cache, IMDb from TensorFlow Datasets' "
                             "folder")
    parser.add_argument("--hub-mirror", metavar="URL", help="download tfhub.dev handles from this mirror instead")
    parser.add_argument("--data-dir", type=Path, help="aclImdb folder or archive (default: TensorFlow Datasets)")
    parser.add_argument("--seq-length", type=int, nargs="+", default=[defaults.seq_length],
                        help="one or more lengths, each measured in turn in this run")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[defaults.batch_size],
                        help="one for all lengths, or one per --seq-length")
    parser.add_argument("--samples", type=int, default=defaults.samples, help="reviews per split to draw batches from")
    parser.add_argument("--steps", type=int, default=defaults.steps, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="interleaved timed rounds (medians reported)")
    parser.add_argument("--warmup-steps", type=int, default=defaults.warmup_steps)
    parser.add_argument("--bucketing", action=argparse.BooleanOptionalAction, default=defaults.bucketing,
                        help="length bucketing in this project's pipeline, as run does by default (--no-bucketing "
                             "pads every batch to --seq-length)")
    parser.add_argument("--truncation", choices=TRUNCATIONS, default=defaults.truncation)
    parser.add_argument("--precision", choices=PRECISION_CHOICES, default=AUTO,
                        help="auto: the measured default for this device type (see docs/speed.md)")
    parser.add_argument("--jit-compile", action="store_true", help="XLA for the natively rebuilt encoder")
    parser.add_argument("--steps-per-execution", type=int, default=defaults.steps_per_execution)
    parser.add_argument("--accuracy-samples", type=int, default=defaults.accuracy_samples,
                        help="also train tutorial and fast pipelines one epoch on N reviews and compare "
                             "validation accuracy (at the first --seq-length)")
    parser.add_argument("--no-hf", action="store_true", help="skip the Hugging Face PyTorch loop")
    parser.add_argument("--keras3", action="store_true",
                        help="also time KerasHub's backbone of the same architecture in Keras 3, and this project's "
                             "pipeline, each with XLA off and on (Keras 2 against Keras 3; needs .[keras-hub])")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="epochs assumed by the suite estimate")
    parser.add_argument("--output", type=Path, default=DEFAULT_RESULTS, help="folder for bench.md and bench.json")
    parser.add_argument("--vocab", type=Path, help="WordPiece vocab.txt for the stand-in (default: learn one)")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help="imported encoders (import-hf) and the cache of stand-ins (default: models/)")
    parser.set_defaults(func=run)


def bench_options(args: argparse.Namespace) -> BenchOptions:
    """The typed options of a ``bench`` command line."""
    return BenchOptions(model=args.model, seq_lengths=tuple(args.seq_length), batch_sizes=tuple(args.batch_size),
                        samples=args.samples, steps=args.steps, rounds=args.rounds, warmup_steps=args.warmup_steps,
                        bucketing=args.bucketing, truncation=args.truncation, precision=args.precision,
                        jit_compile=args.jit_compile, steps_per_execution=args.steps_per_execution,
                        accuracy_samples=args.accuracy_samples, seed=args.seed, epochs=args.epochs,
                        hugging_face=not args.no_hf, keras3=args.keras3, standins=args.standins, vocab=args.vocab,
                        models_dir=args.models_dir, data_dir=args.data_dir, offline=args.offline,
                        hub_mirror=args.hub_mirror, output=args.output)


def run(args: argparse.Namespace) -> int:
    from benchmark.speed.bench import run_bench  # deferred: imports TensorFlow (and, measured, PyTorch)

    check_writable_folders(("--output", args.output), ("--models-dir", args.models_dir))
    configure_network(args.offline, args.hub_mirror)
    quiet_tensorflow()
    page, data = run_bench(bench_options(args), args.command_line)
    print(page.read_text(), end="")
    print(f"wrote {page} and {data}")
    for measured in json.loads(data.read_text(encoding="utf-8"))["runs"]:
        print(estimate_line(measured))
    return 0
