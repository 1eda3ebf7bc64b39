"""Failure records: one small JSON file per model whose latest attempt crashed, shown as a failed row."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from benchmark.core.atomic import atomic_write_text
from benchmark.core.paths import FAILED_FOLDER


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
    """

    key: str
    name: str
    config_hash: str
    error: str
    command: str
    created: str
    seed: str = ""


def failure_path(output_dir: Path, key: str, seed: int) -> Path:
    return Path(output_dir) / FAILED_FOLDER / f"{key}-seed{seed}.json"


def record_failure(output_dir: Path, key: str, name: str, config_hash: str, error: str, command: str,
                   seed: int) -> Failure:
    """Write (atomically) the failure of ``key`` with ``seed``, replacing an earlier one."""
    failure = Failure(key, name, config_hash, error.strip() or "unknown error", command,
                      dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), str(seed))
    atomic_write_text(failure_path(output_dir, key, seed), json.dumps(dataclasses.asdict(failure), indent=2) + "\n")
    return failure


def clear_failure(output_dir: Path, key: str, seed: int) -> None:
    """Forget the failure of ``key`` with ``seed`` once it has a run file."""
    failure_path(output_dir, key, seed).unlink(missing_ok=True)


def load_failures(output_dir: Path) -> tuple[list[Failure], list[str]]:
    """The recorded failures, oldest first, and a message for each record that could not be read."""
    failures, problems = [], []
    names = {field.name for field in dataclasses.fields(Failure)}
    for path in sorted((Path(output_dir) / FAILED_FOLDER).glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            failures.append(Failure(**{name: str(raw[name] if name != "seed" else raw.get(name, ""))
                                       for name in names}))
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            problems.append(f"skipped {FAILED_FOLDER}/{path.name}: {error}")
    failures.sort(key=lambda failure: failure.created)
    return failures, problems
