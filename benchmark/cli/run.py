"""``run``: fine-tune encoders on datasets (IMDb by default; one model here, several models or datasets as a suite of
processes) and update the leaderboard."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

from benchmark.cli.common import (add_cache_option, add_network_options, add_standin_options, quiet_tensorflow,
                                  use_cache_dir, whole_number)
from benchmark.core.errors import UsageError
from benchmark.core.folders import check_writable_folders
from benchmark.core.paths import DEFAULT_RESULTS
from benchmark.data.catalog import DEFAULT_DATASET, DatasetChoice, load_dataset, resolve_datasets
from benchmark.data.dataset import Loaded
from benchmark.data.tabular import TableOptions
from benchmark.data.parsed_cache import load_cached
from benchmark.data.packing import TRUNCATIONS
from benchmark.deploy.save_policy import SavePolicy, export_lines, save_policy
from benchmark.encoders.hub_cache import configure as configure_network
from benchmark.encoders.vocab import check_vocab_file
from benchmark.records.labels import DEFAULT_INFERENCE, INFERENCES
from benchmark.records.run import RunResult
from benchmark.suite.executor import DEFAULT_EXECUTOR, EXECUTORS, ExecutorSettings, check_available, started
from benchmark.suite.learning_rates import NAMED_GRIDS, parse_rates, run_grid
from benchmark.suite.options import RunOptions
from benchmark.suite.plan import resolve_keys
from benchmark.suite.processes import COMMAND_ENV, SuiteOutcome, run_suite
from benchmark.training.baseline import BASELINES
from benchmark.training.config import RunConfig
from benchmark.training.distribute import STRATEGIES
from benchmark.training.precision import AUTO, PRECISION_CHOICES

log = logging.getLogger(__name__)


def register(commands) -> None:
    parser = commands.add_parser("run", help="fine-tune encoders on datasets (IMDb by default) and update the "
                                             "leaderboard")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true",
                       help="every registered encoder and the tfidf_logreg baseline, each in its own process")
    which.add_argument("--model", action="append", metavar="KEY",
                       help="encoder key or tfidf_logreg (repeat for several; several run in separate processes)")
    add_config_options(parser)
    add_dataset_options(parser)
    add_network_options(parser)
    parser.add_argument("--standins", action="store_true",
                        help="stand-in encoders built here (the registry architecture with random weights) instead "
                             "of the published weights; labelled as such everywhere")
    parser.add_argument("--output", type=Path, default=DEFAULT_RESULTS, help="results folder (default: results/)")
    add_cache_option(parser)
    parser.add_argument("--checkpoint-dir", metavar="DIR",
                        help="checkpoint each model under DIR/<configuration hash>/ instead of <output>/checkpoints/: "
                             "a folder every node sees, or a URL such as gs://bucket/path, so that a job retried "
                             "elsewhere resumes from its last epoch (deleted once the run file is written)")
    parser.add_argument("--force", action="store_true",
                        help="rerun models whose run file for the same configuration already exists")
    parser.add_argument("--suite-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--suite-id", help=argparse.SUPPRESS)
    parser.add_argument("--strategy", choices=STRATEGIES, default="auto",
                        help="tf.distribute strategy: auto picks TPU, then several GPUs (mirrored), else default")
    parser.add_argument("--cpu-replicas", type=whole_number, default=1, metavar="N",
                        help="split the CPU into N logical devices (tries mirrored/multiworker without GPUs)")
    parser.add_argument("--save-model", action=argparse.BooleanOptionalAction, default=None,
                        help="export every fine-tuned model to <models-dir>/<key>-<run id>/ (default: only the best "
                             "of a suite of several models; --no-save-model: none)")
    add_standin_options(parser)
    add_executor_options(parser)
    parser.set_defaults(func=run)


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Where a suite's jobs run (docs/distributed.md): this machine one after another, or a Ray cluster."""
    parser.add_argument("--executor", choices=EXECUTORS, default=DEFAULT_EXECUTOR,
                        help="local: each job in its own process, one after another (the default); ray: each job a Ray "
                             "task, in parallel on this machine or a Ray cluster (pip install -e \".[ray]\")")
    parser.add_argument("--ray-address", metavar="ADDRESS",
                        help="the Ray cluster: auto, HOST:PORT or ray://HOST:10001 (default: start Ray on this machine)")
    parser.add_argument("--gpus-per-job", type=float, metavar="N",
                        help="GPUs per job, fractions pack several small encoders onto one GPU with TensorFlow's "
                             "memory growth on (default: 1 where the cluster has GPUs, else 0)")
    parser.add_argument("--cpus-per-job", type=float, default=1.0, metavar="N",
                        help="CPUs per job (a CPU-only job's TensorFlow thread pools get as many; default 1)")
    parser.add_argument("--max-parallel", type=whole_number, metavar="N",
                        help="at most N jobs at once (default: as many as the cluster's GPUs and CPUs allow)")


def add_dataset_options(parser: argparse.ArgumentParser) -> None:
    """``--dataset`` (repeatable), IMDb's ``--data-dir`` and how files of your own are read."""
    defaults = TableOptions()
    parser.add_argument("--dataset", action="append", metavar="KEY_OR_PATH",
                        help="a built-in dataset (`list --datasets`) or your own .csv/.jsonl/.parquet file or folder of "
                             "train/test files; repeat for several: every model runs on each (default: imdb)")
    parser.add_argument("--data-dir", type=Path,
                        help="IMDb from a local aclImdb folder or aclImdb_v1.tar.gz (default: TensorFlow Datasets)")
    parser.add_argument("--text-column", default=defaults.text_column,
                        help=f"your files' text column (default: {defaults.text_column})")
    parser.add_argument("--label-column", default=defaults.label_column,
                        help=f"your files' label column (default: {defaults.label_column})")
    parser.add_argument("--test-fraction", type=float, default=defaults.test_fraction,
                        help="a file without a test file: the share of each class set aside as the test split "
                             f"(seeded, recorded; default {defaults.test_fraction})")


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """The options of :class:`~benchmark.training.config.RunConfig` (its defaults are theirs)."""
    defaults = RunConfig()
    parser.add_argument("--epochs", type=whole_number, default=defaults.epochs)
    parser.add_argument("--batch-size", type=whole_number, default=defaults.batch_size)
    parser.add_argument("--seq-length", type=whole_number, default=defaults.seq_length,
                        help="tokens per review (max 512)")
    parser.add_argument("--learning-rate", type=float, help="peak AdamW rate (default: the model's registry default)")
    grids = ", ".join(f"'{name}' is {' '.join(f'{rate:g}' for rate in grid)}" for name, grid in NAMED_GRIDS.items())
    parser.add_argument("--learning-rates", nargs="+", metavar="RATE",
                        help="fine-tune each model at every rate, each in its own process, and report it at the rate "
                             f"with the best validation accuracy; {grids}")
    parser.add_argument("--restore-best-epoch", action=argparse.BooleanOptionalAction,
                        default=defaults.restore_best_epoch,
                        help="test the weights of the epoch with the best validation accuracy (the default); "
                             "--no-restore-best-epoch tests the last epoch's")
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=defaults.seed)
    seeds.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                       help="repeat each model once per seed; the leaderboard reports mean and standard deviation")
    parser.add_argument("--train-samples", type=whole_number, metavar="N",
                        help="a seeded subset of the training split with equally many examples of each class "
                             "(validation is carved from it)")
    parser.add_argument("--test-samples", type=whole_number, metavar="N",
                        help="a seeded subset of the test split with equally many examples of each class")
    parser.add_argument("--validation-fraction", type=float, default=defaults.validation_fraction)
    parser.add_argument("--truncation", choices=TRUNCATIONS, default=defaults.truncation,
                        help="long reviews: keep the first tokens, or the first and last (Sun et al. 2019)")
    parser.add_argument("--bucketing", action=argparse.BooleanOptionalAction, default=defaults.bucketing,
                        help="pad training batches to 64/128/256/512 and evaluation batches (in length order) to a "
                             "multiple of 32 (the default); --no-bucketing pads every batch to --seq-length")
    parser.add_argument("--steps-per-execution", type=whole_number, default=defaults.steps_per_execution, metavar="N")
    parser.add_argument("--precision", choices=PRECISION_CHOICES, default=AUTO,
                        help="auto (default): the measured default per device type (docs/speed.md), mixed_bfloat16 "
                             "on CPUs with bf16 instructions, else float32, on the natively rebuilt encoder; "
                             "float32 keeps the hub layer")
    parser.add_argument("--jit-compile", action="store_true", help="XLA (natively rebuilt encoder, never a hub layer)")
    parser.add_argument("--inference", choices=tuple(INFERENCES), default=DEFAULT_INFERENCE,
                        help="score the test set with the trained Keras model (default), or its weights in TensorFlow "
                             "Lite: tflite (float32, the same results) or tflite-int8 (int8 dynamic-range quantized: "
                             "faster on CPUs, and labelled as such, since it scores a quantized model)")


def run_config(args: argparse.Namespace) -> RunConfig:
    """The configuration a ``run`` command line asks for (not yet validated)."""
    return RunConfig(epochs=args.epochs, batch_size=args.batch_size, seq_length=args.seq_length,
                     learning_rate=args.learning_rate, seed=args.seed, train_samples=args.train_samples,
                     test_samples=args.test_samples, validation_fraction=args.validation_fraction,
                     truncation=args.truncation, bucketing=args.bucketing, restore_best_epoch=args.restore_best_epoch,
                     steps_per_execution=args.steps_per_execution, precision=args.precision,
                     jit_compile=args.jit_compile, inference=args.inference)


def run_options(args: argparse.Namespace) -> RunOptions:
    """How a ``run`` command line runs its models."""
    return RunOptions(output=args.output, models_dir=args.models_dir, standins=args.standins, vocab=args.vocab,
                      data_dir=args.data_dir, offline=args.offline, hub_mirror=args.hub_mirror, force=args.force,
                      table=TableOptions(args.text_column, args.label_column, args.test_fraction),
                      strategy=args.strategy, cpu_replicas=args.cpu_replicas, save_model=args.save_model,
                      suite_child=args.suite_child, suite_id=args.suite_id, checkpoint_dir=args.checkpoint_dir)


def load_datasets(datasets: list[DatasetChoice], options: RunOptions) -> dict[str, Loaded]:
    """Every dataset of the run, loaded (and checked) before anything is trained or written."""
    if options.data_dir is not None and all(choice.key != DEFAULT_DATASET for choice in datasets):
        raise UsageError("--data-dir gives IMDb's aclImdb folder or archive, but no --dataset imdb is run: give your "
                         "own files with --dataset PATH")
    if any(choice.path is not None for choice in datasets):
        options.table.validate()
    loaded = {}
    for choice in datasets:
        where = options.data_dir if choice.key == DEFAULT_DATASET else choice.path
        log.info("loading %s from %s", choice.key, where or "TensorFlow Datasets")
        if choice.key == DEFAULT_DATASET:  # IMDb is parsed once per source: a suite's processes read it back
            loaded[choice.key] = load_cached(lambda: load_dataset(choice, options.data_dir, options.offline),
                                             options.data_dir)
        else:
            loaded[choice.key] = load_dataset(choice, options.data_dir, options.offline, options.table)
    return loaded


def executor_settings(args: argparse.Namespace) -> ExecutorSettings:
    """Where a ``run`` command line runs its suite's jobs."""
    return ExecutorSettings(args.executor, args.ray_address, args.gpus_per_job, args.cpus_per_job, args.max_parallel)


def run(args: argparse.Namespace) -> int:
    config, options, executor = run_config(args), run_options(args), executor_settings(args)
    check_writable_folders(("--output", options.output), ("--models-dir", options.models_dir),
                           ("--cache-dir", args.cache_dir), ("--checkpoint-dir", args.checkpoint_dir))
    if executor.kind != DEFAULT_EXECUTOR and options.save_model is None:
        # Best of the suite compares the exports already made: jobs finishing at once would each think they are it.
        options = dataclasses.replace(options, save_model=False)
    use_cache_dir(args.cache_dir)  # tokenized reviews: shared by the suite's model processes through the environment
    keys = resolve_keys(args.all, args.model, options.models_dir)
    datasets = resolve_datasets(args.dataset)
    configure_network(options.offline, options.hub_mirror)
    config.validate()
    rates = parse_rates(args.learning_rates, args.learning_rate, config.validation_fraction) \
        if args.learning_rates else ()
    seeds = list(dict.fromkeys(args.seeds)) if args.seeds else [args.seed]
    if options.vocab is not None:
        check_vocab_file(options.vocab)
    if options.suite_child:
        ((key, dataset, seed),) = [(key, dataset, seed) for key in keys for dataset in datasets for seed in seeds]
        return run_here(key, seed, config, load_datasets([dataset], options)[dataset.key], args, options)
    check_available(executor)  # Ray installed and reachable, before anything loads or runs
    with started(executor):  # a local Ray comes up while the datasets load and the jobs are planned
        loaded = load_datasets(datasets, options)
        jobs = [(key, dataset, seed) for key in keys for dataset in datasets for seed in seeds]
        if rates:
            policy = save_policy(options.save_model, len(keys) * len(rates), options.models_dir)
            return report_suite(run_grid(jobs, rates, config, loaded, args.command_line, options, policy, executor),
                                policy)
        if len(jobs) > 1 or executor.kind != DEFAULT_EXECUTOR:
            policy = save_policy(options.save_model, len(keys), options.models_dir)
            return report_suite(run_suite(jobs, config, loaded, args.command_line, options, policy, executor),
                                policy)
    ((key, dataset, seed),) = jobs
    return run_here(key, seed, config, loaded[dataset.key], args, options)


def report_suite(outcome: SuiteOutcome, policy: SavePolicy | None) -> int:
    """A suite's exports and its one-line summary; its exit status."""
    for line in export_lines(policy):
        print(line, flush=True)
    failed = f" ({', '.join(outcome.failed)})" if outcome.failed else ""
    print(f"suite: {outcome.ran} run, {outcome.skipped} skipped (already done), {len(outcome.failed)} failed"
          f"{failed} -> {outcome.page}", flush=True)
    return 1 if outcome.failed else 0


def run_here(key: str, seed: int, config: RunConfig, loaded: Loaded, args: argparse.Namespace,
             options: RunOptions) -> int:
    """One model in this process (alone, or a suite's child), reported in one line."""
    command = os.environ.get(COMMAND_ENV, args.command_line) if options.suite_child else args.command_line
    if key not in BASELINES:
        quiet_tensorflow()
    from benchmark.suite.here import run_one  # deferred: imports TensorFlow, which a suite's parent does without

    outcome = run_one(key, seed, config, loaded, command, options)
    if outcome.error is not None:
        print(f"error: {key} failed: {outcome.error}", file=sys.stderr)
        return 1
    result = outcome.result
    if outcome.skipped:
        print(f"{key}: skipped, run file {result.run_id}.json has this configuration ({result.config_hash}); "
              f"--force reruns -> {outcome.page}", flush=True)
        return 0
    if outcome.path is None:
        print(f"{summary(key, result, config, options)} (worker: the chief writes the results)", flush=True)
        return 0
    print(f"{summary(key, result, config, options)} -> {outcome.path} ; {outcome.page}", flush=True)
    if not options.suite_child:
        for line in export_lines(outcome.policy):  # a suite's parent reports its children's exports
            print(line, flush=True)
    return 0


def summary(key: str, result: RunResult, config: RunConfig, options: RunOptions) -> str:
    """One line of what a run measured, labelled as a baseline, a stand-in, or scored by TensorFlow Lite."""
    label = "" if result.dataset_key == DEFAULT_DATASET else f" on {result.dataset_key}"
    label += (" [classical baseline]" if key in BASELINES
              else " [stand-in: random weights]" if options.standins else "")
    if key not in BASELINES and config.inference != DEFAULT_INFERENCE:
        label += f" [test scored by {INFERENCES[config.inference]}]"
    return (f"{key}{label}: test accuracy {100 * result.test['accuracy']:.2f}%, "
            f"loss {result.test['loss']:.4f}, {result.timing['train_examples_per_second']:.1f} train ex/s, "
            f"{result.timing['wall_seconds']:.0f}s")
