"""When ``run`` exports models: every model with ``--save-model``, by default the best model of a suite."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Literal

from benchmark.deploy.export import Export, export_classifier, export_dir_for, find_exports
from benchmark.deploy.model_card import ModelCard, tested_validation
from benchmark.records.run import RunResult
from benchmark.records.validation import validation_rank

log = logging.getLogger(__name__)

SaveMode = Literal["every", "best"]
SaveHook = Callable[[Any, RunResult], None]


@dataclasses.dataclass(frozen=True)
class SavePolicy:
    """Which fine-tuned models a ``run`` invocation exports, and where.

    Args:
      models_dir: Exports go to ``<models_dir>/<key>-<run id>/``.
      mode: ``every`` model, or only the ``best`` of the suite so far on each dataset (a better model replaces that
        dataset's export).
      suite_id: Names the ``run`` invocation; best-of-suite compares only exports with the same id, so the
        decision lives on disk and also holds when each model runs in its own process.
    """

    models_dir: Path
    mode: SaveMode
    suite_id: str


def save_policy(save_model: bool | None, model_count: int, models_dir: Path) -> SavePolicy | None:
    """``--save-model`` exports every model, ``--no-save-model`` none; by default a suite exports its best."""
    if save_model is False or (save_model is None and model_count < 2):
        return None
    suite_id = f"suite-{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}-{os.getpid()}"
    return SavePolicy(Path(models_dir), "every" if save_model else "best", suite_id)


def selection_score(validation: dict[str, float], test: dict[str, Any]) -> tuple[float, float]:
    """Higher is better: the validation rule (accuracy, then lower loss); test figures only without validation."""
    if "validation_accuracy" in validation:
        return validation_rank(validation["validation_accuracy"], validation.get("validation_loss"))
    return validation_rank(test["accuracy"], test.get("loss"))


def _describe(validation: dict[str, float]) -> str:
    if "validation_accuracy" in validation:
        return f"validation accuracy {100 * validation['validation_accuracy']:.2f}%"
    return "test accuracy (the run had no validation set)"


def suite_exports(policy: SavePolicy, dataset: str | None = None) -> list[Export]:
    """The exports this ``run`` invocation has written so far (on ``dataset`` only, when given)."""
    return [export for export in find_exports(policy.models_dir) if export.card.suite_id == policy.suite_id
            and (dataset is None or (export.card.dataset or {}).get("key", "imdb") == dataset)]


def export_lines(policy: SavePolicy | None) -> list[str]:
    """One line per model exported under ``policy`` (by this process or a suite's children)."""
    if policy is None:
        return []
    return [f"exported {export.card.key}{' [stand-in: random weights]' if export.card.is_standin else ''} "
            f"{_on(export)}({export.card.selection}) -> {export.path}" for export in suite_exports(policy)]


def _on(export: Export) -> str:
    dataset = (export.card.dataset or {}).get("key", "imdb")
    return "" if dataset == "imdb" else f"on {dataset} "


def save_hook(policy: SavePolicy) -> SaveHook:
    """A ``fine_tune(on_trained=...)`` callback that exports the model when ``policy`` says so."""

    def on_trained(model, result: RunResult) -> None:
        validation = tested_validation(result)
        rivals: list[Export] = []
        if policy.mode == "best":
            rivals = suite_exports(policy, result.dataset_key)  # the best of each dataset, not across them
            score = selection_score(validation, result.test)
            best = max(rivals, key=lambda e: selection_score(e.card.validation, e.card.test), default=None)
            if best is not None and selection_score(best.card.validation, best.card.test) >= score:
                log.info("not exporting %s: %s exported earlier in this suite scores at least as well",
                         result.key, best.card.key)
                return
            on = "" if result.dataset_key == "imdb" else f" on {result.dataset_key}"
            selection = f"best of its suite{on} by {_describe(validation)}"
        else:
            selection = "--save-model"
        card = ModelCard.from_run(result, selection, policy.suite_id)
        target = export_dir_for(policy.models_dir, result.key, result.run_id)
        export_classifier(model, result.preprocessor_handle, card.seq_length, target, card)
        log.info("exported %s to %s%s", result.key, target, " [stand-in: random weights]" if card.is_standin else "")
        for rival in rivals:
            shutil.rmtree(rival.path, ignore_errors=True)
            log.info("removed the earlier suite export %s", rival.path)

    return on_trained
