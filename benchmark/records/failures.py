"""Failure records: one small JSON file per (model, dataset, seed) whose latest attempt crashed, shown as a failed
row."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from benchmark.core.atomic import atomic_write_text
from benchmark.core.paths import FAILED_FOLDER
from benchmark.records.files import read_records


@dataclasses.dataclass(frozen=True)
class Failure:
    """A model run that ended without a run file.

    Args:
      key: Model key.
      name: Human-readable model name.
      config_hash: Configuration hash of the attempt (empty when it failed before the hash was known).
      error: One line saying what went wrong.
      command: The command that was running.
      created: UTC ISO time of the failure.
      seed: The run's seed.
      dataset: The dataset's key (empty in records from before datasets had keys: IMDb).
    """

    key: str
    name: str
    config_hash: str
    error: str
    command: str
    created: str
    seed: str = ""
    dataset: str = ""

    @property
    def dataset_key(self) -> str:
        return self.dataset or DEFAULT_DATASET


DEFAULT_DATASET = "imdb"  # whose failures keep the file names they had before there were other datasets


def failure_path(output_dir: Path, key: str, seed: int, dataset: str = DEFAULT_DATASET) -> Path:
    on = "" if dataset == DEFAULT_DATASET else f"-{dataset}"
    return Path(output_dir) / FAILED_FOLDER / f"{key}{on}-seed{seed}.json"


def record_failure(output_dir: Path, key: str, name: str, config_hash: str, error: str, command: str,
                   seed: int, dataset: str = DEFAULT_DATASET) -> Failure:
    """Write (atomically) the failure of ``key`` on ``dataset`` with ``seed``, replacing an earlier one."""
    failure = Failure(key, name, config_hash, error.strip() or "unknown error", command,
                      dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), str(seed), dataset)
    atomic_write_text(failure_path(output_dir, key, seed, dataset),
                      json.dumps(dataclasses.asdict(failure), indent=2) + "\n")
    return failure


def clear_failure(output_dir: Path, key: str, seed: int, dataset: str = DEFAULT_DATASET) -> None:
    """Forget the failure of ``key`` on ``dataset`` with ``seed`` once it has a run file."""
    failure_path(output_dir, key, seed, dataset).unlink(missing_ok=True)


OPTIONAL = ("seed", "dataset")  # fields older records lack


def load_failures(output_dir: Path) -> tuple[list[Failure], list[str]]:
    """The recorded failures, oldest first, and a message for each record that could not be read."""
    names = {field.name for field in dataclasses.fields(Failure)}

    def parse(raw: dict) -> Failure:
        return Failure(**{name: str(raw[name] if name not in OPTIONAL else raw.get(name, "")) for name in names})

    failures, problems = read_records(Path(output_dir) / FAILED_FOLDER, parse,
                                      (OSError, ValueError, TypeError, KeyError, AttributeError), f"{FAILED_FOLDER}/")
    failures.sort(key=lambda failure: failure.created)
    return failures, problems
