"""How each leaderboard row was produced: command, run, weights, data, settings, environment and the test's details
(per-class scores and, with more than two classes, the N x N confusion matrix)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmark.leaderboard.cells import number, percent
from benchmark.leaderboard.rows import weights_label
from benchmark.records.labels import INFERENCES
from benchmark.records.run import RunResult
from benchmark.records.selection import Selection

CONFUSION_TABLE_CLASSES = 12  # larger confusion matrices stay in the run file only


def _resumed(run: RunResult) -> str:
    """Where an interrupted run picked up again, or nothing."""
    if run.resumed_from_step and run.resumed_from_step != run.resumed_from_epoch * run.hyperparameters.get(
            "steps_per_epoch", 0):
        return f", resumed after step {run.resumed_from_step} (epoch {run.resumed_from_epoch + 1})"
    return f", resumed after epoch {run.resumed_from_epoch}" if run.resumed_from_epoch else ""


def _weights_source(run: RunResult) -> list[str]:
    """The exact weights measured: the folder each part was loaded from and its SavedModel fingerprint."""
    if not run.weights_source:
        return []
    return [f"- {what} loaded from `{part['folder']}` ({part['origin']}), fingerprint `{part['fingerprint']}`"
            for what, part in run.weights_source.items()]


def _selection(selection: Selection | None) -> list[str]:
    """A grid's rates with their validation accuracy, the chosen one marked."""
    if selection is None:
        return []
    scores = ", ".join(
        f"{rate:g}: {percent(selection.mean_validation(rate))}"
        + (" **(chosen)**" if rate == selection.chosen_learning_rate else "") for rate in selection.grid)
    missing = f"; not finished: {len(selection.missing)} run(s)" if selection.missing else ""
    ties = " (ties: validation loss)" if selection.schema_version >= 2 else ""
    return [f"- learning rate chosen by validation accuracy{ties} from the grid ({scores}){missing}"]


def _best_epoch(run: RunResult) -> list[str]:
    """The best epoch on validation, and whether its weights were the ones tested."""
    best = run.best_epoch
    if not best:
        return []
    tested = "restored before testing" if best["restored"] else f"tested epoch {best['tested_epoch']}"
    loss = best.get("validation_loss")
    scores = percent(best["validation_accuracy"]) + (f", loss {loss:.4f}" if loss is not None else "")
    rule = "validation accuracy, ties by loss" if "rule" in best else "validation accuracy"
    return [f"- best epoch by {rule}: epoch {best['epoch']} ({scores}), {tested}"]


def per_class_table(test: dict[str, Any]) -> list[str]:
    """Precision, recall, F1 and support of each class, then the macro and micro means, as a Markdown table."""
    lines = ["  | class | precision | recall | F1 | support |", "  |---|---:|---:|---:|---:|"]
    lines += [f"  | {name} | {number(m['precision'], 3)} | {number(m['recall'], 3)} | {number(m['f1'], 3)} | "
              f"{m['support']:,} |" for name, m in test["per_class"].items()]
    for mean in ("macro", "micro"):
        if mean in test:
            scores = test[mean]
            lines.append(f"  | *{mean} mean* | {number(scores['precision'], 3)} | {number(scores['recall'], 3)} | "
                         f"{number(scores['f1'], 3)} | |")
    return lines


def confusion_table(test: dict[str, Any]) -> list[str]:
    """The N x N confusion matrix (rows: true class, columns: predicted) as a Markdown table."""
    names = list(test["per_class"])
    lines = ["  | true \\ predicted | " + " | ".join(names) + " |", "  |---|" + "---:|" * len(names)]
    lines += [f"  | {name} | " + " | ".join(f"{count:,}" for count in row) + " |"
              for name, row in zip(names, test["confusion_matrix"])]
    return lines


def _test_lines(run: RunResult) -> list[str]:
    test = run.test
    if "per_class" not in test:
        return ["- test: accuracy and loss only (schema version 1 run file)"]
    if len(test["per_class"]) == 2:
        per_class = "; ".join(f"{name}: precision {number(m['precision'], 3)}, recall {number(m['recall'], 3)}, "
                              f"F1 {number(m['f1'], 3)}" for name, m in test["per_class"].items())
        return [f"- test: {per_class}; ROC AUC {number(test.get('roc_auc'), 4)}"]
    lines = [f"- test, per class (ROC AUC {number(test.get('roc_auc'), 4)}, the mean of each class against the rest):",
             "", *per_class_table(test), ""]
    if len(test["per_class"]) <= CONFUSION_TABLE_CLASSES:
        lines += ["- confusion matrix (rows: true class; columns: predicted):", "", *confusion_table(test), ""]
    return lines


def details(run: RunResult, several_datasets: bool = False, selection: Selection | None = None) -> list[str]:
    """A row's record on the page: everything needed to reproduce and judge it."""
    env, hp = run.environment, run.hyperparameters
    packages = env.get("packages", {})
    settings = ", ".join(f"{name} {value}" for name, value in hp.items() if value is not None)
    on = f" on {run.dataset_info['short_name']}" if several_datasets else ""
    lines = [f"### {run.model['name']} (`{run.key}`), {weights_label(run)}{on}", "",
             f"- command: `{run.command}`",
             f"- run `{run.run_id}`, configuration hash `{run.config_hash}`, {run.created}" + _resumed(run),
             f"- encoder `{run.encoder_handle}`, preprocessor `{run.preprocessor_handle}`",
             *_weights_source(run),
             f"- data {Path(run.data['source']).name}: {run.data['train_examples']:,} train / "
             f"{run.data['validation_examples']:,} validation / {run.data['test_examples']:,} test examples",
             f"- hyperparameters: {settings}",
             *_selection(selection), *_best_epoch(run),
             f"- {env.get('device', 'unknown device')}, TensorFlow {packages.get('tensorflow', '?')}, "
             f"commit {env.get('git_commit', 'unknown')}",
             *_test_lines(run)]
    if run.timing.get("eval_examples_per_second"):
        lines.append(f"- test set scored by {INFERENCES[run.inference]} in {run.timing['eval_seconds']:.1f}s "
                     f"({run.timing['eval_examples_per_second']:.1f} examples/s, batching included)")
    if run.before_fine_tuning:
        before = run.before_fine_tuning
        lines.append(f"- before fine-tuning: accuracy {percent(before['accuracy'])}, loss {before['loss']:.4f} on "
                     f"{before['examples']:,} test examples")
    return lines + [""]
