"""Run results: one JSON file per fine-tuning run, the only source the leaderboard is built from.

Schema (version 1), one object per file under ``<output>/runs/``:

- ``schema_version``, ``run_id``, ``created`` (UTC ISO time), ``command`` (as typed), ``config_hash``
- ``model``: ``key``, ``name``, ``architecture``, ``encoder_parameters`` (counted on the loaded encoder)
- ``encoder_handle``, ``preprocessor_handle``, ``weights`` (``pretrained``, ``pretrained (imported)``
  for checkpoints brought in with ``import-hf``, or ``stand-in``)
- ``hyperparameters``: every setting of the run (epochs, batch size, sequence length, ...)
- ``data``: source and the sizes and positive counts of the train, validation and test sets
- ``history``: per epoch, train and validation loss and accuracy and the epoch's seconds
- ``test``: ``loss`` and ``accuracy`` on the test set (never used for model selection)
- ``timing``: wall, tokenization, training and evaluation seconds; examples per second
- ``environment``: library versions, devices, seed, git commit
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from benchmark.atomic import atomic_write_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
RUNS_FOLDER = "runs"
WEIGHTS_PRETRAINED = "pretrained"
WEIGHTS_STANDIN = "stand-in"
WEIGHTS_IMPORTED = "pretrained (imported)"


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
    test: dict[str, float]
    timing: dict[str, float]
    environment: dict[str, Any]
    schema_version: int = SCHEMA_VERSION

    @property
    def key(self) -> str:
        return self.model["key"]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "RunResult":
        if raw.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {raw.get('schema_version')!r}")
        names = {field.name for field in dataclasses.fields(cls)}
        missing = names - raw.keys()
        if missing:
            raise ValueError(f"missing fields: {', '.join(sorted(missing))}")
        return cls(**{name: raw[name] for name in names})


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
    runs: list[RunResult] = []
    problems: list[str] = []
    for path in sorted((Path(output_dir) / RUNS_FOLDER).glob("*.json")):
        try:
            runs.append(RunResult.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError, AttributeError) as error:
            problems.append(f"skipped {path.name}: {error}")
    runs.sort(key=lambda run: run.created)
    return runs, problems
