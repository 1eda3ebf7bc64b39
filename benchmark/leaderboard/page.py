"""Renders ``leaderboard.md``: headline, table, published and failed rows, plots, and how each row was made."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from benchmark.core.paths import RUNS_FOLDER
from benchmark.leaderboard.cells import CHANCE_FLAG, DASH, NOT_SEPARABLE, interval, number, percent
from benchmark.leaderboard.published import PublishedFigure
from benchmark.leaderboard.rows import confusion_key, run_label, separable_from_leader, weights_label
from benchmark.leaderboard.table import Selections, table
from benchmark.records.failures import Failure
from benchmark.records.labels import INFERENCES, WEIGHTS_STANDIN
from benchmark.records.repeats import SeedSummary
from benchmark.records.run import RunResult
from benchmark.records.selection import Selection


def headline(rows: Sequence[RunResult]) -> list[str]:
    """One sentence: who leads, by how much, and whether the data can tell it from the runner-up."""
    if not rows:
        return []
    leader = rows[0]
    text = f"**Leader: {leader.model['name']}** (`{leader.key}`; weights: {weights_label(leader)}) with " \
           f"{interval(leader)} test accuracy (95% interval in brackets)"
    if len(rows) > 1:
        second = rows[1]
        gap = 100 * (leader.test["accuracy"] - second.test["accuracy"])
        verdict = ("the intervals overlap, so this test set cannot separate them"
                   if not separable_from_leader(second, leader) else "a statistically separable margin")
        text += (f", {gap:.2f} points ahead of {second.model['name']} (`{second.key}`; weights: "
                 f"{weights_label(second)}): {verdict}")
    tied = [run.key for run in rows[1:] if not separable_from_leader(run, leader)]
    text += "." + (f" Not separable from the leader: {', '.join(f'`{k}`' for k in tied)}." if tied else "")
    return [text, ""]


def notes(rows: Sequence[RunResult], published: Sequence[PublishedFigure]) -> list[str]:
    sizes = sorted({int(run.data["test_examples"]) for run in rows})
    lines = [
        "",
        f"- **Test accuracy [95% CI]**: on {' / '.join(f'{n:,}' for n in sizes)} test reviews; the bracket is the 95% "
        "Wilson score interval. **vs. leader**: points behind the leader; *" + NOT_SEPARABLE + "* means the two "
        "intervals overlap, so the difference is within what the size of the test set can resolve. "
        f"*{CHANCE_FLAG}*: the accuracy is within the 95% range of coin-flipping on a balanced test set of that "
        "size (expected for stand-ins; for pretrained weights, the fine-tuning failed).",
        "- **Over seeds**: mean ± sample standard deviation of test accuracy over the newest run of each seed of "
        "the same configuration (`run --seeds 1 2 3`); the row itself shows the newest run.",
        "- **Before fine-tuning**: the same encoder with the untrained head, before any training step, on a seeded "
        "subset of the test set (size under each run below); about 50% is chance. "
        f"{DASH} for the classical baseline, which has no untrained state.",
        "- **LR**: the peak learning rate; *best val. of N*: `run --learning-rates` fine-tuned the model at N rates "
        "and this row is the one with the best validation accuracy (never test accuracy), its test result shown; "
        "every rate's validation accuracy is under the row below. Test figures are of the epoch with the best "
        "validation accuracy where `best_epoch` says it was restored.",
        "- **Params**: encoder parameters (for the classical baseline: its learned weights). **Train time**: the sum "
        "of the epochs' wall time, validation included. **Macro F1**: the mean of the two classes' F1.",
    ]
    if published:
        lines.append("- **ref** rows are published figures from the papers below, measured elsewhere on the full "
                     "25,000-review IMDb test set with the original weights; nothing in this repository produced them:")
        lines += [f"  - {figure.model}: {100 * figure.value:.2f}% {figure.metric} on the {figure.dataset}; "
                  f"{figure.source}" for figure in published]
    return lines


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
        f"{rate:g}: {percent(selection.mean_validation(rate))}" + (" **(chosen)**" if
                                                                   rate == selection.chosen_learning_rate else "")
        for rate in selection.grid)
    missing = f"; not finished: {len(selection.missing)} run(s)" if selection.missing else ""
    return [f"- learning rate chosen by validation accuracy from the grid ({scores}){missing}"]


def _best_epoch(run: RunResult) -> list[str]:
    best = run.best_epoch
    if not best:
        return []
    tested = "restored before testing" if best["restored"] else f"tested epoch {best['tested_epoch']}"
    return [f"- best validation accuracy at epoch {best['epoch']} ({percent(best['validation_accuracy'])}), {tested}"]


def _details(run: RunResult, plots: dict[str, str], selection: Selection | None = None) -> list[str]:
    env, hp, test = run.environment, run.hyperparameters, run.test
    packages = env.get("packages", {})
    settings = ", ".join(f"{name} {value}" for name, value in hp.items() if value is not None)
    lines = [f"### {run.model['name']} (`{run.key}`), {weights_label(run)}", "",
             f"- command: `{run.command}`",
             f"- run `{run.run_id}`, configuration hash `{run.config_hash}`, {run.created}"
             + _resumed(run),
             f"- encoder `{run.encoder_handle}`, preprocessor `{run.preprocessor_handle}`",
             *_weights_source(run),
             f"- data {Path(run.data['source']).name}: {run.data['train_examples']:,} train / "
             f"{run.data['validation_examples']:,} validation / {run.data['test_examples']:,} test reviews",
             f"- hyperparameters: {settings}",
             *_selection(selection), *_best_epoch(run),
             f"- {env.get('device', 'unknown device')}, TensorFlow {packages.get('tensorflow', '?')}, "
             f"commit {env.get('git_commit', 'unknown')}"]
    if "per_class" in test:
        per_class = "; ".join(
            f"{name}: precision {number(m['precision'], 3)}, recall {number(m['recall'], 3)}, "
            f"F1 {number(m['f1'], 3)}"
            for name, m in test["per_class"].items())
        lines.append(f"- test: {per_class}; ROC AUC {number(test.get('roc_auc'), 4)}")
    else:
        lines.append("- test: accuracy and loss only (schema version 1 run file)")
    if run.timing.get("eval_examples_per_second"):
        lines.append(f"- test set scored by {INFERENCES[run.inference]} in {run.timing['eval_seconds']:.1f}s "
                     f"({run.timing['eval_examples_per_second']:.1f} reviews/s, batching included)")
    if run.before_fine_tuning:
        before = run.before_fine_tuning
        lines.append(f"- before fine-tuning: accuracy {percent(before['accuracy'])}, loss {before['loss']:.4f} on "
                     f"{before['examples']:,} test reviews")
    confusion = plots.get(confusion_key(run))
    if confusion:
        lines.append(f"- confusion matrix: [{Path(confusion).name}]({confusion})")
    return lines + [""]


def render_markdown(rows: list[RunResult], skipped: list[str], published: Sequence[PublishedFigure] = (),
                    failures: Sequence[Failure] = (), plots: dict[str, Any] | None = None,
                    spreads: dict[str, SeedSummary | None] | None = None, selections: Selections | None = None) -> str:
    """The leaderboard page: headline, table, notes, plots, failed runs, then how each row was produced."""
    plots = plots or {}
    lines = ["# Leaderboard: TF-Hub encoders fine-tuned on IMDb sentiment", "",
             f"Generated by `python -m benchmark report` from the run files in `{RUNS_FOLDER}/`; "
             "do not edit by hand. Rows are the newest run of each model (at its chosen rate where `--learning-rates` "
             "chose one), best test accuracy first; "
             "published figures and failed runs follow.", ""]
    if any(run.weights == WEIGHTS_STANDIN for run in rows):
        lines += ["> **Stand-in rows** use local encoders with the published architecture and **random "
                  "weights** (built locally, `--standins`), and their parameter counts follow the stand-in's "
                  "vocabulary. "
                  "Their accuracy says nothing about the real model; their speed does.", ""]
    if not rows:
        lines += ["No runs yet: `python -m benchmark run --model small_bert_l4_h512` adds one.", ""]
    lines += headline(rows)
    if rows or failures:
        lines += table(rows, published if rows else (), failures, spreads, selections=selections)
    if rows:
        lines += notes(rows, published)
    if "training" in plots:
        lines += ["", "## Plots", "",
                  f"![Training loss per step and validation accuracy per epoch]({plots['training']})", "",
                  f"![Test accuracy against training time]({plots['frontier']})", "",
                  "Confusion matrices: " + ", ".join(f"[{run_label(run)}]({plots[confusion_key(run)]})"
                                                     for run in rows if confusion_key(run) in plots)]
    if failures:
        lines += ["", "## Failed runs", "", "Each model runs in its own process, so these failures did not stop the "
                  "others. Rerunning the same command retries them (and resumes from their last epoch checkpoint).", ""]
        lines += [f"- **{failure.name}** (`{failure.key}`), {failure.created}: {failure.error}  \n"
                  f"  command: `{failure.command}`" for failure in failures]
    if rows:
        lines += ["", "## How these numbers were produced", ""]
        for run in rows:
            lines += _details(run, plots, (selections or {}).get(run.run_id))
    if skipped:
        lines += ["", "## Run files that could not be read", ""] + [f"- {problem}" for problem in skipped]
    return "\n".join(lines).rstrip("\n") + "\n"
