"""How ``run`` runs its models, beyond the configuration that decides their results; and a suite child's arguments."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchmark.core.paths import DEFAULT_MODELS, DEFAULT_RESULTS
from benchmark.data.catalog import DEFAULT_DATASET, DatasetChoice
from benchmark.data.tabular import TableOptions
from benchmark.training.config import RunConfig

# Set in a job's environment where the suite's driver, not the job, deletes its --checkpoint-dir folder (on Ray: a
# job retried after its run file was written in its scratch folder still finds its checkpoints).
KEEP_CHECKPOINTS_ENV = "TFHUB_BENCH_KEEP_CHECKPOINTS"


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """Where a run's inputs and outputs are and how it runs (none of it enters the configuration hash).

    Args:
      output: Results folder (run files, failures, checkpoints, the leaderboard).
      models_dir: Stand-ins, imported encoders and exports.
      standins: Stand-in encoders (random weights) instead of the published ones.
      vocab: The stand-ins' WordPiece vocabulary (default: learned from the training reviews).
      data_dir: IMDb's local aclImdb folder or archive (default: TensorFlow Datasets).
      table: How files of your own are read (text and label columns, the carved test fraction).
      offline: Download nothing.
      hub_mirror: Download tfhub.dev handles from this address instead.
      force: Rerun models whose run file for the same configuration exists.
      strategy: The tf.distribute strategy (``benchmark.training.distribute.STRATEGIES``).
      cpu_replicas: Logical CPU devices to split the CPU into.
      save_model: Export every model (True), none (False), or by default the best of a suite.
      suite_child: This process runs one model of a suite for its parent.
      suite_id: The suite whose exports this process's export competes with.
      checkpoint_dir: Checkpoints under this folder or ``tf.io.gfile`` URL (one sub-folder per configuration hash)
        instead of the results folder: storage every node sees, so a retried job resumes from its last epoch.
    """

    output: Path = DEFAULT_RESULTS
    models_dir: Path = DEFAULT_MODELS
    standins: bool = False
    vocab: Path | None = None
    data_dir: Path | None = None
    table: TableOptions = TableOptions()
    offline: bool = False
    hub_mirror: str | None = None
    force: bool = False
    strategy: str = "auto"
    cpu_replicas: int = 1
    save_model: bool | None = None
    suite_child: bool = False
    suite_id: str | None = None
    checkpoint_dir: str | None = None


def _given(option: str, value: object) -> list[str]:
    return [] if value is None else [option, str(value)]


def _flag(option: str, on: bool) -> list[str]:
    return [option] if on else []


def child_arguments(key: str, seed: int, config: RunConfig, options: RunOptions,
                    suite_id: str | None = None, dataset: DatasetChoice | None = None) -> list[str]:
    """The ``run`` arguments of the child process that runs ``key`` on ``dataset`` with ``seed`` for a suite: every
    setting of ``config`` and ``options``, written out, for one model, one dataset and one seed."""
    save = {True: ["--save-model"], False: ["--no-save-model"], None: []}[options.save_model]
    table = options.table
    return [
        "run", "--model", key, "--seed", str(seed), "--suite-child", *_given("--suite-id", suite_id),
        *_given("--dataset", dataset.argument if dataset is not None else None),
        "--text-column", table.text_column, "--label-column", table.label_column,
        "--test-fraction", repr(table.test_fraction),
        "--epochs", str(config.epochs), "--batch-size", str(config.batch_size),
        "--seq-length", str(config.seq_length),
        *_given("--learning-rate", None if config.learning_rate is None else repr(config.learning_rate)),
        *_given("--train-samples", config.train_samples), *_given("--test-samples", config.test_samples),
        "--validation-fraction", repr(config.validation_fraction), "--truncation", config.truncation,
        "--bucketing" if config.bucketing else "--no-bucketing", "--steps-per-execution", str(config.steps_per_execution),
        "--restore-best-epoch" if config.restore_best_epoch else "--no-restore-best-epoch",
        "--precision", config.precision, *_flag("--jit-compile", config.jit_compile),
        "--inference", config.inference,
        *_given("--data-dir", options.data_dir if dataset is None or dataset.key == DEFAULT_DATASET else None),
        *_flag("--offline", options.offline),
        *_given("--hub-mirror", options.hub_mirror), *_flag("--standins", options.standins),
        "--output", str(options.output), *_flag("--force", options.force),
        "--strategy", options.strategy, "--cpu-replicas", str(options.cpu_replicas), *save,
        *_given("--vocab", options.vocab), "--models-dir", str(options.models_dir),
        *_given("--checkpoint-dir", options.checkpoint_dir),
    ]
