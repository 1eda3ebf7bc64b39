"""Run results: one JSON file per fine-tuning run, the only source the leaderboard is built from.

Schema (version 9), one object per file under ``<output>/runs/``:

- ``schema_version``, ``run_id``, ``created`` (UTC ISO time), ``command`` (as typed), ``config_hash``
- ``model``: ``key``, ``name``, ``architecture``, ``encoder_parameters`` (counted on the loaded encoder)
- ``encoder_handle``, ``preprocessor_handle``, ``weights`` (``pretrained``, ``pretrained (imported)``
  for checkpoints brought in with ``import-hf``, ``stand-in``, or ``n/a (classical)``)
- ``hyperparameters``: every setting of the run (epochs, batch size, sequence length, ...)
- ``data``: source and the sizes of the train, validation and test sets, with their positive counts (IMDb's labels,
  ``negative``/``positive``) or, for other labels, ``<split>_per_class`` counts by class name
- ``history``: per epoch, train and validation loss and accuracy and the epoch's seconds
- ``step_history`` (v2): per training step, ``step`` (1-based, across epochs), ``epoch`` and that batch's ``loss``;
  from v9 also that batch's ``accuracy`` and the step's ``learning_rate``
- ``test``: metrics on the test set (never used for model selection), from
  :func:`benchmark.records.metrics.classification_metrics`:
  ``examples``, ``loss`` (binary or categorical cross-entropy), ``accuracy``, ``accuracy_ci95`` (95% Wilson
  interval), ``per_class`` (by class name, in label-id order: ``precision``, ``recall``, ``f1``, ``support``),
  ``macro`` (their unweighted mean), ``micro`` (v5; pooled over classes, which for one label per example equals
  accuracy), ``roc_auc`` (more than two classes: the mean of each class against the rest),
  ``confusion_matrix`` (N x N, rows the true class, columns the predicted, in label-id order; two classes:
  ``[[tn, fp], [fn, tp]]``) and, for two classes, ``threshold``; version 1 files hold only ``loss`` and
  ``accuracy``
- ``before_fine_tuning`` (v2): the same metrics for the zero-step model (encoder + untrained head) on a seeded subset
  of the test set (``examples`` says how many), or ``null`` where there is no such model (classical baseline)
- ``resumed_from_epoch`` (v2): whole epochs restored from a checkpoint of an interrupted run (0 when none)
- ``resumed_from_step`` (v3): the training step it resumed after, counted across epochs (0 when none; not a
  multiple of the steps per epoch when it resumed mid-epoch)
- ``weights_source`` (v4): where the encoder and the preprocessor were loaded from, each as ``handle``,
  ``folder`` (the SavedModel folder loaded: the TF-Hub cache entry, the stand-in or the import), ``origin``
  (``local folder``, ``TF-Hub cache``, or ``downloaded from <address>``, a mirror's where one was set) and
  ``fingerprint`` (TensorFlow's SavedModel fingerprint), so a row names the exact weights it measured; ``null``
  for the classical baseline
- ``best_epoch`` (v5): the best epoch on validation, as ``epoch`` (1-based), ``validation_accuracy``,
  ``restored`` (its weights were restored before testing: ``hyperparameters.restore_best_epoch``, and it was not
  the last epoch) and ``tested_epoch`` (the epoch whose weights the test metrics come from); ``null`` without a
  validation split, for the classical baseline, and in older files (which tested the last epoch). Version 5 picks
  by validation accuracy alone, the earliest epoch on a tie; version 6 by :mod:`benchmark.records.validation`'s
  rule (accuracy, a tie going to the lower validation loss), named in ``rule`` (and, when restoring,
  ``hyperparameters.best_epoch_rule``), and adds ``validation_loss`` and ``candidates``: the epoch each score alone
  would pick (``validation_accuracy``: the highest, earliest on a tie; ``validation_loss``: the lowest), each as
  ``epoch``, ``validation_accuracy`` and ``validation_loss``
- ``dataset`` (v5): what the data is: ``key`` (registry key, or one made from your file's name), ``name``,
  ``short_name``, ``label_names`` (label id i is ``label_names[i]``), ``test_split`` (the source's split scored as
  the test set; SST-2: GLUE's ``validation``), ``note``, ``citation``, ``origin`` (``registry`` or ``file``),
  ``text_column``, ``label_column``, ``label_mapping`` (your files: each label as written -> its id; else ``null``)
  and ``carved_test`` (``fraction``, ``seed``, ``source`` of a test split carved out of a training file; else
  ``null``); ``null`` in older files, which are IMDb with ``negative``/``positive``
- ``encoder_source`` (v8): where the encoder comes from, as ``source`` (``tfhub``, ``keras_hub`` or ``imported``),
  ``preset`` and ``preset_version`` (a KerasHub preset's pinned ``kaggle://`` handle and its version; ``null``
  otherwise) and ``head_reads`` (what the shared head reads: ``pooled_output``, or ``sequence_output[:, 0]``, the
  final ``[CLS]`` state, where the family has no trained pooler); ``null`` for the classical baseline and in older
  files
- ``predictions`` (v9): each test example's label, predicted class and class probabilities (one byte each), with
  the test set's fingerprint, so runs scored on the same examples can be compared example by example; compact
  arrays, see :mod:`benchmark.records.predictions`; ``null`` in older files (their rows keep unpaired marks)
- ``timing``: wall, tokenization, training (the sum of the epochs' wall time, validation included; for an interrupted
  run, of every session's epochs) and evaluation seconds; examples per second; ``tokenize_cache`` (optional): for each
  split, ``cache`` (its token ids read from the token cache) or ``tokenized``
- ``environment``: library versions, devices, seed, git commit
- ``placement`` (v7): where an executor ran the job, written by the suite's driver: ``executor`` (``ray``),
  ``node`` (host name), ``node_id`` (Ray's), ``node_ip``, ``devices`` (the ``CUDA_VISIBLE_DEVICES`` the job's process
  saw: the GPUs Ray assigned it; ``null`` without GPUs), ``gpus`` and ``cpus`` (what it asked for), ``started``
  (UTC ISO time) and ``seconds`` (its wall time on the node, of the attempt that finished when Ray retried it);
  ``null`` for a run in this process or a local suite's child
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from benchmark.core.atomic import atomic_write_text
from benchmark.core.paths import RUNS_FOLDER
from benchmark.records.files import read_records
from benchmark.records.labels import DEFAULT_INFERENCE

log = logging.getLogger(__name__)

SCHEMA_VERSION = 9
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9)
# Fields a file of an older version may lack (they take their defaults).
ADDED_IN = {2: {"before_fine_tuning", "step_history", "resumed_from_epoch"}, 3: {"resumed_from_step"},
            4: {"weights_source"}, 5: {"best_epoch", "dataset"}, 6: set(), 7: {"placement"}, 8: {"encoder_source"},
            9: {"predictions"}}
# What a run file without a ``dataset`` (before version 5) was trained and tested on.
IMDB_DATASET = {"key": "imdb", "name": "IMDb movie reviews", "short_name": "IMDb",
                "label_names": ["negative", "positive"], "test_split": "test", "note": ""}


@dataclasses.dataclass(frozen=True)
class RunResult:
    """Everything recorded about one fine-tuning run (see the module docstring for the fields)."""

    run_id: str
    created: str
    command: str
    config_hash: str
    model: dict[str, Any]
    encoder_handle: str
    preprocessor_handle: str
    weights: str
    hyperparameters: dict[str, Any]
    data: dict[str, Any]
    history: list[dict[str, Any]]
    test: dict[str, Any]
    timing: dict[str, float]
    environment: dict[str, Any]
    before_fine_tuning: dict[str, Any] | None = None
    step_history: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    resumed_from_epoch: int = 0
    resumed_from_step: int = 0
    weights_source: dict[str, Any] | None = None
    best_epoch: dict[str, Any] | None = None
    dataset: dict[str, Any] | None = None
    placement: dict[str, Any] | None = None
    encoder_source: dict[str, Any] | None = None
    predictions: dict[str, Any] | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def key(self) -> str:
        return self.model["key"]

    @property
    def dataset_info(self) -> dict[str, Any]:
        """The run's ``dataset`` (IMDb's for files from before version 5)."""
        return self.dataset or IMDB_DATASET

    @property
    def dataset_key(self) -> str:
        return self.dataset_info["key"]

    @property
    def label_names(self) -> list[str]:
        return list(self.dataset_info["label_names"])

    @property
    def inference(self) -> str:
        """How the test set was scored (``RunConfig.inference``); files from before the option: ``keras``."""
        return self.hyperparameters.get("inference", DEFAULT_INFERENCE)

    @property
    def variant(self) -> str:
        """What tells this run's leaderboard row from other runs of its model: weights, and a TFLite runtime."""
        return self.weights if self.inference == DEFAULT_INFERENCE else f"{self.weights}:{self.inference}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "RunResult":
        version = raw.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise ValueError(f"unsupported schema_version {version!r} (this version reads {READABLE_VERSIONS})")
        names = {field.name for field in dataclasses.fields(cls)}
        required = names - set().union(*(added for v, added in ADDED_IN.items() if v > version))
        missing = required - raw.keys()
        if missing:
            raise ValueError(f"missing fields: {', '.join(sorted(missing))}")
        return cls(**{name: raw[name] for name in names if name in raw})


def round_floats(value: Any, digits: int = 6) -> Any:
    """Round every float inside nested dicts and lists, so run files stay readable."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v, digits) for v in value]
    return value


def run_path(output_dir: Path, run_id: str) -> Path:
    return Path(output_dir) / RUNS_FOLDER / f"{run_id}.json"


def write_run(result: RunResult, output_dir: Path) -> Path:
    """Write ``result`` atomically under ``<output_dir>/runs/`` and return its path."""
    path = run_path(output_dir, result.run_id)
    atomic_write_text(path, json.dumps(round_floats(result.to_dict()), indent=2) + "\n")
    return path


def load_runs(output_dir: Path) -> tuple[list[RunResult], list[str]]:
    """All readable run files, oldest first, and a message for each file that could not be read."""
    runs, problems = read_records(Path(output_dir) / RUNS_FOLDER, RunResult.from_dict,
                                  (OSError, ValueError, TypeError, AttributeError))
    runs.sort(key=lambda run: run.created)
    return runs, problems
