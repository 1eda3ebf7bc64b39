"""Command line: ``python -m benchmark list | run | report | bench | build-standin | import-hf | predict | serve``."""

from __future__ import annotations

import argparse
import errno
import fnmatch
import json
import logging
import os
import shlex
import signal
import sys
import traceback
from pathlib import Path
from typing import Sequence

from benchmark.training.distribute import STRATEGIES
from benchmark.cli_use import COMMANDS as USE_COMMANDS
from benchmark.cli_use import add_commands as add_use_commands
from benchmark.cli_use import run_command as run_use_command
from benchmark.core.errors import TrainingInterrupted, UsageError, interrupt_on_sigterm
from benchmark.fetch import DATASETS
from benchmark.encoders.hub_cache import MIRROR_ENV
from benchmark.encoders.hub_cache import configure as configure_network
from benchmark.encoders.imported import IMPORTED_VOCAB
from benchmark.encoders.spec import EncoderSpec
from benchmark.encoders.registry import all_specs, get_spec, list_models
from benchmark.records.labels import INFERENCES
from benchmark.speed.config import BenchConfig

log = logging.getLogger("benchmark")

DEFAULTS = {"output": "results", "models_dir": "models"}


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _add_standin_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vocab", type=Path,
                        help="WordPiece vocab.txt for stand-ins (default: learn one from the training reviews)")
    parser.add_argument("--models-dir", type=Path, default=Path(DEFAULTS["models_dir"]),
                        help="stand-in cache and imported encoders (default: models/)")


def _add_network_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true",
                        help="download nothing: encoders from the TF-Hub cache and IMDb from the TensorFlow Datasets "
                             "folder, as `fetch` (or an earlier run) stored them")
    parser.add_argument("--hub-mirror", metavar="URL",
                        help=f"download tfhub.dev handles from this mirror instead (also ${MIRROR_ENV})")


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


def bench_options(args: argparse.Namespace):
    from benchmark.speed.config import BenchOptions

    return BenchOptions(model=args.model, seq_lengths=tuple(args.seq_length), batch_sizes=tuple(args.batch_size),
                        samples=args.samples, steps=args.steps, rounds=args.rounds, warmup_steps=args.warmup_steps,
                        bucketing=args.bucketing, truncation=args.truncation, precision=args.precision,
                        jit_compile=args.jit_compile, steps_per_execution=args.steps_per_execution,
                        accuracy_samples=args.accuracy_samples, seed=args.seed, epochs=args.epochs,
                        hugging_face=not args.no_hf, standins=args.standins,
                        vocab=Path(args.vocab) if args.vocab else None, models_dir=Path(args.models_dir),
                        data_dir=Path(args.data_dir) if args.data_dir else None, offline=args.offline,
                        hub_mirror=args.hub_mirror, output=Path(args.output))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="table of the registered encoders")
    listing.add_argument("pattern", nargs="?", default="*", help="shell-style filter on keys, e.g. 'small_bert_l4*'")
    listing.add_argument("--models-dir", type=Path, default=Path(DEFAULTS["models_dir"]),
                         help="also list the encoders imported there (default: models/)")

    run = commands.add_parser("run", help="fine-tune encoders on IMDb and update the leaderboard")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true",
                       help="every registered encoder and the tfidf_logreg baseline, each in its own process")
    which.add_argument("--model", action="append", metavar="KEY",
                       help="encoder key or tfidf_logreg (repeat for several; several run in separate processes)")
    run.add_argument("--epochs", type=_whole_number, default=3)
    run.add_argument("--batch-size", type=_whole_number, default=32)
    run.add_argument("--seq-length", type=_whole_number, default=128, help="tokens per review (max 512)")
    run.add_argument("--learning-rate", type=float, help="peak AdamW rate (default: the model's registry default)")
    seeds = run.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=42)
    seeds.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                       help="repeat each model once per seed; the leaderboard reports mean and standard deviation")
    run.add_argument("--train-samples", type=_whole_number, metavar="N",
                     help="balanced subset of the 25k training reviews (validation is carved from it)")
    run.add_argument("--test-samples", type=_whole_number, metavar="N", help="balanced subset of the 25k test reviews")
    run.add_argument("--validation-fraction", type=float, default=0.2)
    run.add_argument("--truncation", choices=("head", "head_tail"), default="head",
                     help="long reviews: keep the first tokens, or the first and last (Sun et al. 2019)")
    run.add_argument("--bucketing", action="store_true",
                     help="pad training batches to 64/128/256/512 and evaluation batches (in length order) to a "
                          "multiple of 32, not all to --seq-length")
    run.add_argument("--steps-per-execution", type=_whole_number, default=1, metavar="N")
    run.add_argument("--precision", choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"),
                     default="auto",
                     help="auto (default): the measured default per device type (README, Speed), mixed_bfloat16 "
                          "on CPUs with bf16 instructions; mixed rebuilds the encoder natively")
    run.add_argument("--jit-compile", action="store_true", help="XLA (natively rebuilt encoder, never a hub layer)")
    run.add_argument("--inference", choices=tuple(INFERENCES), default="keras",
                     help="score the test set with the trained Keras model (default), or its weights in TensorFlow "
                          "Lite: tflite (float32, the same results) or tflite-int8 (int8 dynamic-range quantized: "
                          "faster on CPUs, and labelled as such, since it scores a quantized model)")
    run.add_argument("--data-dir", type=Path,
                     help="local aclImdb folder or aclImdb_v1.tar.gz (default: TensorFlow Datasets download)")
    _add_network_options(run)
    run.add_argument("--standins", action="store_true",
                     help="stand-in encoders built here (the registry architecture with random weights) instead of "
                          "the published weights; labelled as such everywhere")
    run.add_argument("--output", type=Path, default=Path(DEFAULTS["output"]), help="results folder (default: results/)")
    run.add_argument("--force", action="store_true",
                     help="rerun models whose run file for the same configuration already exists")
    run.add_argument("--suite-child", action="store_true", help=argparse.SUPPRESS)
    run.add_argument("--suite-id", help=argparse.SUPPRESS)
    run.add_argument("--strategy", choices=STRATEGIES, default="auto",
                     help="tf.distribute strategy: auto picks TPU, then several GPUs (mirrored), else default")
    run.add_argument("--cpu-replicas", type=_whole_number, default=1, metavar="N",
                     help="split the CPU into N logical devices (tries mirrored/multiworker without GPUs)")
    run.add_argument("--save-model", action=argparse.BooleanOptionalAction, default=None,
                     help="export every fine-tuned model to <models-dir>/<key>-<run id>/ (default: only the best "
                          "of a suite of several models; --no-save-model: none)")
    _add_standin_options(run)

    report = commands.add_parser("report", help="rebuild the leaderboard from the run files")
    report.add_argument("--output", type=Path, default=Path(DEFAULTS["output"]))

    fetch = commands.add_parser("fetch", help="download encoders, preprocessors and IMDb for offline runs")
    what = fetch.add_argument_group("what to fetch (at least one)")
    what.add_argument("--all", action="store_true", help="every registered encoder and IMDb")
    what.add_argument("--model", action="append", metavar="KEY", help="an encoder and its preprocessor (repeat)")
    what.add_argument("--dataset", choices=DATASETS, help="the dataset (TensorFlow Datasets' imdb_reviews)")
    fetch.add_argument("--hub-mirror", metavar="URL",
                       help=f"download tfhub.dev handles from this mirror instead (also ${MIRROR_ENV})")
    fetch.add_argument("--models-dir", type=Path, default=Path(DEFAULTS["models_dir"]),
                       help="imported encoders (already local; listed for completeness)")

    standin = commands.add_parser("build-standin", help="build stand-in encoders without training")
    standin.add_argument("--model", action="append", metavar="KEY", required=True)
    _add_standin_options(standin)
    add_use_commands(commands)

    from benchmark.cli_import import add_import_parser

    add_import_parser(commands, DEFAULTS["models_dir"])

    add_bench_arguments(commands.add_parser(
        "bench", help="training and inference speed: tutorial pipeline vs this project vs Hugging Face"))
    return parser


def cmd_list(args: argparse.Namespace) -> int:
    from benchmark.training.baseline import BASELINES

    specs = all_specs(args.models_dir)
    keys = list_models(args.pattern, args.models_dir)
    baselines = [spec for key, spec in BASELINES.items() if fnmatch.fnmatchcase(key, args.pattern)]
    if not keys and not baselines:
        raise UsageError(f"no registered model matches '{args.pattern}'")
    if keys:
        header = ("key", "name", "L/H/A", "params", "encoder handle", "preprocessor handle")
        rows = [(s.key, s.name, s.architecture, f"{s.parameter_count / 1e6:.1f}M", s.encoder_handle,
                 s.preprocessor_handle) for s in (specs[k] for k in keys)]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, tuple("-" * w for w in widths), *rows]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
        print(f"\n{len(rows)} encoders. "
              "Parameters are the encoder's (pooler included) at the published vocabulary size.")
    if baselines:
        print(("\n" if keys else "") + "Classical baseline (not a TF-Hub encoder; scikit-learn, included in --all):")
        for spec in baselines:
            print(f"  {spec.key}  {spec.name}: {spec.description}")
    return 0


def _selected_specs(args: argparse.Namespace) -> list[EncoderSpec]:
    return [get_spec(key, args.models_dir) for key in dict.fromkeys(args.model)]


def cmd_run(args: argparse.Namespace, command: str) -> int:
    import dataclasses

    from benchmark.training.config import RunConfig
    from benchmark.suite import COMMAND_ENV, resolve_keys

    keys = resolve_keys(args.all, args.model, args.models_dir)
    configure_network(args.offline, args.hub_mirror)
    config = RunConfig(epochs=args.epochs, batch_size=args.batch_size, seq_length=args.seq_length,
                       learning_rate=args.learning_rate, seed=args.seed, train_samples=args.train_samples,
                       test_samples=args.test_samples, validation_fraction=args.validation_fraction,
                       truncation=args.truncation, bucketing=args.bucketing,
                       steps_per_execution=args.steps_per_execution, precision=args.precision,
                       jit_compile=args.jit_compile, inference=args.inference)
    config.validate()
    seeds = list(dict.fromkeys(args.seeds)) if args.seeds else [args.seed]
    if args.vocab is not None:
        from benchmark.encoders.vocab import check_vocab_file

        check_vocab_file(args.vocab)

    from benchmark.data.imdb import load_imdb
    from benchmark.data.prepared import prepare_data

    log.info("loading IMDb from %s", args.data_dir or "TensorFlow Datasets")
    imdb = load_imdb(args.data_dir, args.offline)
    jobs = [(key, seed) for key in keys for seed in seeds]
    if len(jobs) > 1 and not args.suite_child:
        from benchmark.deploy.save_policy import save_policy
        from benchmark.suite import run_suite

        policy = save_policy(args.save_model, len(keys), args.models_dir)
        return run_suite(jobs, args, config, imdb, command, args.argv, policy)
    if args.suite_child:
        command = os.environ.get(COMMAND_ENV, command)
    from benchmark.training.baseline import BASELINES
    from benchmark.records.failures import record_failure
    from benchmark.leaderboard.write import write_leaderboard
    from benchmark.deploy.save_policy import SavePolicy, save_hook, save_policy
    from benchmark.suite import model_name, print_exports, run_here

    ((key, seed),) = jobs
    config = dataclasses.replace(config, seed=seed)
    data = prepare_data(imdb, config)
    log.info("data: %s", ", ".join(f"{k}={v}" for k, v in data.describe().items()))
    distribution = None
    if key not in BASELINES:
        _quiet_tensorflow()
        from benchmark.training.distribute import choose_strategy

        distribution = choose_strategy(args.strategy, args.cpu_replicas)  # before any other TensorFlow work
        log.info("strategy: %s, %d replica(s) on %s", distribution.name, distribution.replicas,
                 ", ".join(distribution.devices))
    # A suite's child exports under the suite's policy (its id and mode come from the parent); alone, its own.
    policy = (SavePolicy(Path(args.models_dir), "every" if args.save_model else "best", args.suite_id)
              if args.suite_id else save_policy(args.save_model, 1, args.models_dir))
    chief = distribution is None or distribution.is_chief
    on_trained = save_hook(policy) if policy and chief and key not in BASELINES else None
    log.info("%s, seed %d%s", model_name(key, args.models_dir), seed,
             " - stand-in, random weights" if args.standins and key not in BASELINES else "")
    try:
        result, path, skipped = run_here(key, args, config, data, command, distribution, on_trained)
    except UsageError:
        raise
    except Exception as error:  # noqa: BLE001 - recorded as a failed row, reported in one line
        message = f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"
        log.error("%s", "".join(traceback.format_exception(error)).rstrip())
        record_failure(args.output, key, model_name(key, args.models_dir), "", message, command, seed)
        write_leaderboard(args.output)
        print(f"error: {key} failed: {message}", file=sys.stderr)
        return 1
    label = (" [classical baseline]" if key in BASELINES
             else " [stand-in: random weights]" if args.standins else "")
    if key not in BASELINES and config.inference != "keras":
        label += f" [test scored by {INFERENCES[config.inference]}]"
    summary = (f"{key}{label}: test accuracy {100 * result.test['accuracy']:.2f}%, "
               f"loss {result.test['loss']:.4f}, {result.timing['train_examples_per_second']:.1f} train ex/s, "
               f"{result.timing['wall_seconds']:.0f}s")
    if path is None and not skipped:
        print(f"{summary} (worker: the chief writes the results)", flush=True)
        return 0
    page, _ = write_leaderboard(args.output)
    if skipped:
        print(f"{key}: skipped, run file {result.run_id}.json has this configuration ({result.config_hash}); "
              f"--force reruns -> {page}", flush=True)
        return 0
    print(f"{summary} -> {path} ; {page}", flush=True)
    if not args.suite_child:
        print_exports(policy)  # a suite's parent reports its children's exports
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from benchmark.leaderboard.write import write_leaderboard

    page, problems = write_leaderboard(args.output)
    print(f"wrote {page}" + (f" ({len(problems)} unreadable run files skipped)" if problems else ""))
    return 0


def cmd_build_standin(args: argparse.Namespace) -> int:
    from benchmark.encoders.standins import build_standin

    specs = _selected_specs(args)
    if args.vocab is None and not all(spec.imported_dir for spec in specs):
        raise UsageError("build-standin needs --vocab (run learns one from the data when it is not given)")
    _quiet_tensorflow()
    for spec in specs:
        vocab = args.vocab or Path(spec.imported_dir) / IMPORTED_VOCAB
        standin = build_standin(spec, vocab, args.models_dir)
        print(f"{spec.key}: encoder {standin.encoder_path}, preprocessor {standin.preprocessor_path}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from benchmark.fetch import fetch, plan, progress_to_terminal, summary

    if not (args.all or args.model or args.dataset):
        raise UsageError("say what to fetch: --all, --model KEY (repeatable) and/or --dataset imdb")
    specs = list(all_specs(args.models_dir).values()) if args.all else _selected_specs(args) if args.model else []
    configure_network(False, args.hub_mirror)
    progress_to_terminal()
    _quiet_tensorflow()
    results = fetch(plan(specs, "imdb" if args.all else args.dataset), say=lambda line: print(line, flush=True))
    print(summary(results))
    return 1 if any(result.status == "failed" for result in results) else 0


def cmd_bench(args: argparse.Namespace, command: str) -> int:
    from benchmark.speed.bench import run_bench
    from benchmark.speed.report import estimate_line

    configure_network(args.offline, args.hub_mirror)
    _quiet_tensorflow()
    page, data = run_bench(bench_options(args), command)
    print(page.read_text(), end="")
    print(f"wrote {page} and {data}")
    for run in json.loads(data.read_text(encoding="utf-8"))["runs"]:
        print(estimate_line(run))
    return 0


def _quiet_tensorflow() -> None:
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def os_error_message(error: OSError) -> str:
    """What a failed file operation means for the user, in one line."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"cannot write {error.filename or 'results'}: {error.strerror}; free some space or pass another "
                "--output (files written earlier are left whole: every write replaces a file at once or not at all)")
    where = f": {error.filename}" if error.filename else ""
    return f"{error.strerror or error}{where}"


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # run as a program: SIGTERM stops it like Ctrl-C (a checkpoint is saved mid-training)
        signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    command = "python -m benchmark " + shlex.join(argv)
    args.argv = argv
    try:
        if args.command == "list":
            return cmd_list(args)
        if args.command == "run":
            return cmd_run(args, command)
        if args.command == "report":
            return cmd_report(args)
        if args.command in USE_COMMANDS:
            return run_use_command(args)
        if args.command == "import-hf":
            from benchmark.cli_import import cmd_import_hf

            _quiet_tensorflow()
            return cmd_import_hf(args)
        if args.command == "bench":
            return cmd_bench(args, command)
        if args.command == "fetch":
            return cmd_fetch(args)
        return cmd_build_standin(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `python -m benchmark list | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except OSError as error:  # a full disk, a read-only folder: one line, never a stack trace
        print(f"error: {os_error_message(error)}", file=sys.stderr)
        return 1
    except TrainingInterrupted as interrupted:
        print(str(interrupted), file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted: finished runs are in the results folder; rerun the same command to skip them and "
              "resume the model in progress from its last checkpoint", file=sys.stderr)
        return 130
