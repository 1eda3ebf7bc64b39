"""Learning-rate selection: each model's rate picked from a grid by validation accuracy, never test, and its record.

One JSON file per model and grid under ``<output>/selections/`` (written atomically; see docs/results-schema.md):
``schema_version``, ``created``, ``model``, ``dataset`` (its key), ``rule``, ``grid`` (the rates, in the order given), ``chosen_learning_rate``
(``null`` when no finished run had a validation accuracy), ``candidates`` (one per finished (rate, seed) run:
``learning_rate``, ``seed``, ``run_id``, ``config_hash``, ``validation_accuracy``, ``validation_loss`` (version 2))
and ``missing`` (the
``learning_rate`` and ``seed`` of each job of the grid with no finished run). The leaderboard shows a selected model
at its chosen rate only: runs of the other rates of the grid are no rows of their own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
from pathlib import Path
from typing import Any, Iterable, Sequence

from benchmark.core.atomic import atomic_write_text
from benchmark.core.hashing import stable_hash
from benchmark.core.paths import SELECTIONS_FOLDER
from benchmark.records.files import read_records
from benchmark.records.run import RunResult
from benchmark.records.validation import validation_rank

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 candidates have no validation loss
RULE = ("highest mean validation accuracy over the seeds (of the epoch whose weights were tested); "
        "a tie goes to the lower mean validation loss, then to the rate listed first")


def tested_scores(run: RunResult) -> dict[str, float]:
    """The validation accuracy and loss of the weights ``run`` tested (the restored best epoch's, else the last
    epoch's), as far as the run file has them."""
    if not run.history:
        return {}
    epoch = (run.best_epoch or {}).get("tested_epoch", run.history[-1]["epoch"])
    rows = [row for row in run.history if row.get("epoch") == epoch and "validation_accuracy" in row]
    if not rows:
        return {}
    return {name: float(rows[-1][name]) for name in ("validation_accuracy", "validation_loss")
            if rows[-1].get(name) is not None}


def validation_accuracy(run: RunResult) -> float | None:
    """The validation accuracy of the weights ``run`` tested: the restored best epoch's, else the last epoch's."""
    return tested_scores(run).get("validation_accuracy")


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One finished run of the grid: its rate, seed, run and configuration, and its validation accuracy."""

    learning_rate: float
    seed: int
    run_id: str
    config_hash: str
    validation_accuracy: float | None
    validation_loss: float | None = None

    @classmethod
    def of(cls, learning_rate: float, run: RunResult) -> "Candidate":
        """``run`` as the grid's candidate for ``learning_rate`` (as given: run files round their floats)."""
        scores = tested_scores(run)
        return cls(learning_rate, int(run.hyperparameters["seed"]), run.run_id, run.config_hash,
                   scores.get("validation_accuracy"), scores.get("validation_loss"))


def mean_scores(candidates: Iterable[Candidate]) -> tuple[float, float | None] | None:
    """The mean validation accuracy and loss of ``candidates`` (the loss only where every one has it)."""
    scored = [c for c in candidates if c.validation_accuracy is not None]
    if not scored:
        return None
    losses = [c.validation_loss for c in scored]
    return (statistics.fmean(c.validation_accuracy for c in scored),
            statistics.fmean(losses) if None not in losses else None)


def choose(grid: Sequence[float], candidates: Iterable[Candidate]) -> float | None:
    """The rate of ``grid`` that :data:`RULE` ranks first: mean validation accuracy, then mean validation loss;
    the first rate listed on a full tie."""
    candidates = tuple(candidates)
    best: tuple[float, tuple[float, float]] | None = None
    for rate in grid:  # grid order: a later rate replaces the best only when strictly better
        means = mean_scores(c for c in candidates if c.learning_rate == rate)
        rank = None if means is None else validation_rank(*means)
        if rank is not None and (best is None or rank > best[1]):
            best = (rate, rank)
    return None if best is None else best[0]


@dataclasses.dataclass(frozen=True)
class Selection:
    """A model's learning-rate grid, every finished run's validation accuracy, and the rate chosen."""

    model: str
    grid: tuple[float, ...]
    chosen_learning_rate: float | None
    candidates: tuple[Candidate, ...]
    missing: tuple[dict[str, Any], ...] = ()
    created: str = ""
    dataset: str = "imdb"
    rule: str = RULE
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def of(cls, model: str, grid: Sequence[float], runs: Iterable[tuple[float, RunResult]],
           missing: Iterable[tuple[float, int]] = (), dataset: str = "imdb") -> "Selection":
        """The selection among ``runs`` (finished runs of ``model`` on ``dataset``, each with its rate of ``grid``),
        made now."""
        candidates = tuple(Candidate.of(rate, run) for rate, run in runs)
        return cls(model, tuple(grid), choose(grid, candidates), candidates,
                   tuple({"learning_rate": rate, "seed": seed} for rate, seed in missing),
                   dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), dataset)

    def is_chosen(self, candidate: Candidate) -> bool:
        return candidate.learning_rate == self.chosen_learning_rate

    def mean_validation(self, rate: float) -> float | None:
        means = mean_scores(c for c in self.candidates if c.learning_rate == rate)
        return None if means is None else means[0]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Selection":
        if raw.get("schema_version") not in READABLE_VERSIONS:
            raise ValueError(f"unsupported schema_version {raw.get('schema_version')!r}")
        return cls(raw["model"], tuple(raw["grid"]), raw["chosen_learning_rate"],
                   tuple(Candidate(**candidate) for candidate in raw["candidates"]), tuple(raw.get("missing", ())),
                   raw["created"], raw.get("dataset", "imdb"), raw["rule"],
                   raw["schema_version"])


def selection_path(output_dir: Path, model: str, job_hashes: Iterable[str]) -> Path:
    """The selection file of ``model``'s grid, named by its jobs' configuration hashes (a rerun overwrites it)."""
    return Path(output_dir) / SELECTIONS_FOLDER / f"{model}-{stable_hash({'jobs': sorted(job_hashes)})}.json"


def write_selection(selection: Selection, path: Path) -> Path:
    atomic_write_text(path, json.dumps(selection.to_dict(), indent=2) + "\n")
    return path


def load_selections(output_dir: Path) -> tuple[list[Selection], list[str]]:
    """All readable selection files, oldest first, and a message for each file that could not be read."""
    selections, problems = read_records(Path(output_dir) / SELECTIONS_FOLDER, Selection.from_dict,
                                        (OSError, ValueError, TypeError, KeyError, AttributeError))
    selections.sort(key=lambda selection: selection.created)
    return selections, problems


def not_chosen(selections: Sequence[Selection]) -> set[str]:
    """Configuration hashes that lost their model's newest selection that ran them: no leaderboard rows."""
    chosen: dict[str, bool] = {}
    for selection in selections:  # oldest first: a newer selection's verdict replaces an older one's
        for candidate in selection.candidates:
            chosen[candidate.config_hash] = selection.is_chosen(candidate)
    return {config_hash for config_hash, won in chosen.items() if not won}


def selection_of(run: RunResult, selections: Sequence[Selection]) -> Selection | None:
    """The newest selection that chose ``run``'s configuration, if any."""
    winners = [s for s in selections if any(c.config_hash == run.config_hash and s.is_chosen(c) for c in s.candidates)]
    return winners[-1] if winners else None
