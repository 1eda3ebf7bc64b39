"""One dataset's part of the leaderboard page: what the dataset is, the headline, the table, its notes and plots."""

from __future__ import annotations

from typing import Any, Sequence

from benchmark.leaderboard.cells import CHANCE_FLAG, DASH, NOT_SEPARABLE, interval, p_value
from benchmark.leaderboard.published import PublishedFigure
from benchmark.leaderboard.rows import chance, separable_from_leader, weights_label
from benchmark.leaderboard.table import Comparisons, Selections, table
from benchmark.records.failures import Failure
from benchmark.records.paired import BOOTSTRAP_REPLICATES, PairedComparison
from benchmark.records.repeats import SeedSummary
from benchmark.records.run import RunResult


def _paired_with_leader(run: RunResult, leader: RunResult, comparisons: Comparisons | None
                        ) -> PairedComparison | None:
    """``run`` against the leader on the same test examples, when both were compared (else None)."""
    rows = comparisons or {}
    mine, top = rows.get(run.run_id), rows.get(leader.run_id)
    if mine is None or top is None or top.note or top.versus_leader is not None:
        return None  # the leader has no usable predictions, so the paired comparisons are not with it
    return mine.versus_leader


def _verdict(run: RunResult, leader: RunResult, comparisons: Comparisons | None) -> tuple[bool, str]:
    """Whether ``run`` is separable from the leader, and why: McNemar's test where both were scored on the same
    examples, else whether their Wilson intervals overlap."""
    paired = _paired_with_leader(run, leader, comparisons)
    if paired is not None:
        word = "separates" if paired.separable else "cannot separate"
        return paired.separable, f"McNemar's test on the same test examples {word} them ({p_value(paired.p_value)})"
    separable = bool(separable_from_leader(run, leader))
    return separable, ("a statistically separable margin" if separable
                       else "the intervals overlap, so this test set cannot separate them")


def headline(rows: Sequence[RunResult], comparisons: Comparisons | None = None) -> list[str]:
    """One sentence: who leads, by how much, and whether the data can tell it from the runner-up (paired where the
    rows were scored on the same examples)."""
    if not rows:
        return []
    leader = rows[0]
    text = f"**Leader: {leader.model['name']}** (`{leader.key}`; weights: {weights_label(leader)}) with " \
           f"{interval(leader)} test accuracy (95% interval in brackets)"
    if len(rows) > 1:
        second = rows[1]
        gap = 100 * (leader.test["accuracy"] - second.test["accuracy"])
        text += (f", {gap:.2f} points ahead of {second.model['name']} (`{second.key}`; weights: "
                 f"{weights_label(second)}): {_verdict(second, leader, comparisons)[1]}")
    tied = [run.key for run in rows[1:] if not _verdict(run, leader, comparisons)[0]]
    text += "." + (f" Not separable from the leader: {', '.join(f'`{k}`' for k in tied)}." if tied else "")
    return [text, ""]


def dataset_facts(run: RunResult) -> list[str]:
    """What the dataset is: name, classes, the test set (a split, a file, or carved out of the training file),
    notes, the label mapping of your own files, and the citation."""
    info = run.dataset_info
    names = info["label_names"]
    carved = info.get("carved_test")
    if carved:
        test = (f"{100 * carved['fraction']:g}% of each class of {carved['source']}, set aside with seed "
                f"{carved['seed']} (there was no test file)")
    elif info.get("origin") == "file":
        test = f"`{info['test_split']}`" + (f" ({info['note']})" if info.get("note") else "")
    else:
        test = f"the `{info.get('test_split', 'test')}` split" + (f" ({info['note']})" if info.get("note") else "")
    text = f"**Dataset**: {info['name']} (`{info['key']}`), {len(names)} classes ({', '.join(names)}); test set: {test}"
    if info.get("label_mapping"):
        mapping = ", ".join(f"{value} = {label}" for value, label in info["label_mapping"].items())
        text += f"; labels of column `{info.get('label_column')}` as ids: {mapping}"
    text += f". Cite: {info['citation']}." if info.get("citation") else "."
    return [text, ""]


def _chance_words(rows: Sequence[RunResult]) -> str:
    levels = sorted({round(100 * chance(run), 1) for run in rows})
    return " / ".join(f"{level:g}%" for level in levels)


def notes(rows: Sequence[RunResult], published: Sequence[PublishedFigure]) -> list[str]:
    sizes = sorted({int(run.data["test_examples"]) for run in rows})
    level = _chance_words(rows)
    lines = [
        "",
        f"- **Test accuracy [95% CI]**: on {' / '.join(f'{n:,}' for n in sizes)} test examples; the bracket is the 95% "
        "Wilson score interval. **vs. leader**: points behind the leader; *" + NOT_SEPARABLE + "* means the two "
        "intervals overlap, so the difference is within what the size of the test set can resolve. "
        f"*{CHANCE_FLAG}*: the accuracy is within the 95% range of the chance level, what always answering the test "
        f"set's largest class scores, {level} here (expected for stand-ins; for pretrained weights, the "
        "fine-tuning failed).",
        "- **Paired** columns compare rows scored on the same test examples (the same test-set fingerprint), "
        "example by example, from the predictions each run file keeps. **Paired vs. leader** / **vs. next row**: "
        "this row's accuracy minus the leader's / the next row's, its paired 95% interval and McNemar's exact "
        "p-value (only the examples exactly one of the two gets right count). **Rank 95%**: the ranks this row takes "
        f"in {BOOTSTRAP_REPLICATES:,} paired bootstrap resamples of the test examples (the same resample for every "
        "row; with several seeds, each resample also draws one seed's run per row). **Group**: rows not separable "
        "(McNemar p ≥ 0.05) from their group's best row share a letter. A row without usable predictions (older run "
        "files) keeps only the unpaired marks and says why.",
        "- **Over seeds**: mean ± sample standard deviation of test accuracy over the newest run of each seed of "
        "the same configuration (`run --seeds 1 2 3`); the row itself shows the newest run.",
        "- **Before fine-tuning**: the same encoder with the untrained head, before any training step, on a seeded "
        f"subset of the test set (size under each run below); the chance level is {level}. "
        f"{DASH} for the classical baseline, which has no untrained state.",
        "- **LR**: the peak learning rate; *best val. of N*: `run --learning-rates` fine-tuned the model at N rates "
        "and this row is the one with the best validation accuracy (never test accuracy), its test result shown; "
        "every rate's validation accuracy is under the row below. Test figures are of the epoch with the best "
        "validation accuracy where `best_epoch` says it was restored.",
        "- **Params**: encoder parameters (for the classical baseline: its learned weights). **Train time**: the sum "
        "of the epochs' wall time, validation included. **Macro F1**: the mean of the classes' F1 (each class counts "
        "alike, however frequent).",
    ]
    if published:
        lines.append("- **ref** rows are published figures from the papers below, measured elsewhere on the full "
                     "25,000-review IMDb test set with the original weights; nothing in this repository produced them:")
        lines += [f"  - {figure.model}: {100 * figure.value:.2f}% {figure.metric} on the {figure.dataset}; "
                  f"{figure.source}" for figure in published]
    return lines


def plot_lines(dataset: str, plots: dict[str, Any]) -> list[str]:
    """The dataset's plots, embedded."""
    shown = [("training", "Training loss per step and validation accuracy per epoch"),
             ("frontier", "Test accuracy against training time"),
             ("confusion", "Confusion matrices")]
    return [line for name, alt in shown if f"{name}:{dataset}" in plots
            for line in (f"![{alt}]({plots[f'{name}:{dataset}']})", "")]


def section(rows: Sequence[RunResult], published: Sequence[PublishedFigure], failures: Sequence[Failure],
            spreads: dict[str, SeedSummary | None] | None, selections: Selections | None = None,
            comparisons: Comparisons | None = None) -> list[str]:
    """A dataset's headline, table (with published and failed rows) and notes."""
    lines = headline(rows, comparisons)
    if rows or failures:
        lines += table(rows, published if rows else (), failures, spreads, selections=selections,
                       comparisons=comparisons)
    if rows:
        lines += notes(rows, published)
    return lines
