"""Per-example predictions in run files, paired statistics (McNemar, paired intervals, bootstrap rank intervals)
and the leaderboard's paired columns, checked against SciPy and against cases worked out by hand."""

import csv
import dataclasses
import json
import logging

import numpy as np
import pytest
from scipy.stats import binomtest

from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.metrics import classification_metrics
from benchmark.records.paired import (bootstrap_ranks, compare, indistinguishable_groups, mcnemar_exact,
                                      rank_interval)
from benchmark.records.predictions import decode_predictions, encode_predictions
from benchmark.records.run import RunResult, load_runs, write_run

FINGERPRINT = "0123456789abcdef"


def paired_run(key: str, correct: np.ndarray, labels: np.ndarray, seed: int = 42, fingerprint: str = FINGERPRINT,
               created: str = "2026-01-01T00:00:00+00:00") -> RunResult:
    """A run whose test predictions are right exactly where ``correct`` is (probabilities 0.9 / 0.1 sides)."""
    predicted = np.where(correct, labels, 1 - labels)
    probabilities = np.where(predicted == 1, 0.9, 0.1)
    return RunResult(
        run_id=f"{key}-{seed}", created=created, command=f"run --model {key}", config_hash=key,
        model={"key": key, "name": key, "architecture": "test", "encoder_parameters": 1000},
        encoder_handle="h", preprocessor_handle="p", weights="pretrained",
        hyperparameters={"epochs": 1, "seed": seed}, data={"source": "test", "train_examples": 10,
                                                          "validation_examples": 0, "test_examples": len(labels)},
        history=[], test=classification_metrics(labels, probabilities),
        timing={"train_seconds": 1.0, "train_examples_per_second": 10.0}, environment={"device": "test"},
        predictions=encode_predictions(labels, probabilities, fingerprint, 2))


@pytest.mark.parametrize("only_first, only_second", [(0, 0), (0, 1), (3, 10), (10, 3), (7, 7), (0, 6), (120, 80),
                                                     (1200, 1100), (40, 400)])
def test_mcnemar_exact_equals_scipy_binomial_test(only_first, only_second):
    expected = binomtest(only_first, only_first + only_second, 0.5).pvalue if only_first + only_second else 1.0
    assert mcnemar_exact(only_first, only_second) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_hand_built_pair():
    # 20 examples: both right on 10, both wrong on 4, only the second right on 6, only the first on none.
    first = np.array([1] * 10 + [0] * 4 + [0] * 6, bool)
    second = np.array([1] * 10 + [0] * 4 + [1] * 6, bool)
    result = compare(first, second)
    assert (result.only_first, result.only_second, result.examples) == (0, 6, 20)
    assert result.difference == pytest.approx(0.3)
    assert result.p_value == pytest.approx(2 / 2 ** 6)  # both tails of Binomial(6, 1/2): 2 * (1/64)
    half = 1.959963984540054 * np.sqrt((6 - 36 / 20) / 20 ** 2)  # Var = (b + c - (c - b)^2 / n) / n^2
    assert (result.low, result.high) == pytest.approx((0.3 - half, 0.3 + half))
    assert result.separable and not compare(first, first).separable


def test_bootstrap_ranks_are_seeded_and_seeds_widen_them():
    rng = np.random.default_rng(0)
    best = rng.random(2000) < 0.9
    close = best.copy()
    close[np.flatnonzero(best)[:6]] = False  # wrong on 6 examples the best gets right, right on 4 it gets wrong:
    close[np.flatnonzero(~best)[:4]] = True  # within noise either way
    poor = rng.random(2000) < 0.6
    ranks = bootstrap_ranks([[best], [close], [poor]], replicates=200)
    assert ranks.shape == (200, 3) and np.array_equal(ranks, bootstrap_ranks([[best], [close], [poor]], 200))
    assert [rank_interval(ranks[:, m]) for m in range(3)] == [(1, 2), (1, 2), (3, 3)]
    tied = bootstrap_ranks([[best], [best.copy()]], replicates=50)
    assert (tied == 1).all()  # equal accuracy shares the better rank
    # A second seed of "poor" that is as good as "best" makes its rank uncertain too.
    widened = bootstrap_ranks([[best], [close], [poor, best.copy()]], replicates=200)
    assert rank_interval(widened[:, 2]) == (1, 3)
    assert indistinguishable_groups([best, close, poor]) == [1, 1, 2]


def test_predictions_round_trip_and_stay_small():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 25_000)
    probabilities = np.clip(labels * 0.8 + rng.normal(0.1, 0.2, 25_000), 0, 1)
    probabilities[:3] = [0.5, 0.4999, 0.50001]  # on and beside the threshold
    stored = encode_predictions(labels, probabilities, FINGERPRINT, 2)
    size = len(json.dumps(stored))
    assert size < 60_000  # about 2.4 bytes per example
    test = classification_metrics(labels, probabilities)
    decoded = decode_predictions(stored, test)
    assert decoded.test_fingerprint == FINGERPRINT and np.array_equal(decoded.labels, labels)
    assert decoded.correct.mean() == test["accuracy"] and list(decoded.predicted[:3]) == [1, 0, 1]
    assert np.abs(decoded.probabilities - probabilities).max() <= 0.5 / 255 + 1e-12
    three = rng.dirichlet(np.ones(3), 300)
    labels3 = rng.integers(0, 3, 300)
    decoded3 = decode_predictions(encode_predictions(labels3, three, FINGERPRINT, 3),
                                  classification_metrics(labels3, three, class_names=("a", "b", "c")))
    assert decoded3.probabilities.shape == (300, 3) and np.array_equal(decoded3.predicted, three.argmax(axis=1))


def test_predictions_that_do_not_match_the_test_set_are_refused():
    labels = np.array([0, 1] * 10)
    good = paired_run("a", np.arange(20) < 15, labels)
    shorter = encode_predictions(labels[:18], np.full(18, 0.9), FINGERPRINT, 2)
    with pytest.raises(ValueError, match="predictions for 18 examples but the test set has 20"):
        decode_predictions(shorter, good.test)
    with pytest.raises(ValueError, match="class counts differ"):
        decode_predictions(encode_predictions(np.ones(20), np.full(20, 0.9), FINGERPRINT, 2), good.test)
    with pytest.raises(ValueError, match="score 50.0000%, the run file 75.0000%"):
        decode_predictions(encode_predictions(labels, np.full(20, 0.9), FINGERPRINT, 2), good.test)
    with pytest.raises(ValueError, match="unreadable"):
        decode_predictions(good.predictions | {"labels": "not base64!"}, good.test)


def _row(text: str, key: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("| ") and f"(`{key}`)" in line)


def test_leaderboard_pairs_rows_on_the_same_examples_and_explains_the_rest(tmp_path, caplog):
    rng = np.random.default_rng(2)
    labels = np.array([0, 1] * 200)
    first = rng.random(400) < 0.9
    second = first.copy()
    second[np.flatnonzero(first)[:4]] = False  # wrong on 4 reviews the first gets right, right on 3 it gets wrong
    second[np.flatnonzero(~first)[:3]] = True
    third = rng.random(400) < 0.7
    runs = [paired_run("first", first, labels), paired_run("second", second, labels),
            paired_run("third", third, labels)]
    old = dataclasses.replace(paired_run("old", third, labels), predictions=None, schema_version=5)
    other = paired_run("other_set", third, labels, fingerprint="fedcba9876543210")
    broken = paired_run("broken", rng.random(400) < 0.5, labels)
    broken = dataclasses.replace(broken, predictions=encode_predictions(labels, np.full(400, 0.9), FINGERPRINT, 2))
    for run in [*runs, old, other, broken]:
        write_run(run, tmp_path)
    with caplog.at_level(logging.WARNING):
        page, problems = write_leaderboard(tmp_path)
    assert problems == []
    assert [r.message for r in caplog.records if "predictions" in r.message] == [
        "broken-42: predictions ignored, unpaired marks kept: the predictions score 50.0000%, the run file "
        f"{broken.test['accuracy']:.4%}"]
    text = page.read_text()
    versus_leader = [compare(first, other) for other in (second, third)]
    headline = next(line for line in text.splitlines() if line.startswith("**Leader"))
    assert "McNemar's test on the same test examples cannot separate them" in headline
    for run, pair in zip(runs[1:], versus_leader):
        scipy_p = binomtest(pair.only_first, pair.only_first + pair.only_second, 0.5).pvalue
        p_text = "p < 0.001" if scipy_p < 0.001 else f"p = {scipy_p:.3f}"
        assert f"{100 * pair.difference:+.2f} pts [{100 * pair.low:+.1f}, {100 * pair.high:+.1f}], {p_text}" in \
            _row(text, run.key)
    assert "**leader**" in _row(text, "first") and "| A |" in _row(text, "first")
    assert "| A |" in _row(text, "second") and "| B |" in _row(text, "third")
    assert "| 1–2 |" in _row(text, "first") and "| 3 |" in _row(text, "third")
    assert "no per-example predictions (schema version 5 file)" in _row(text, "old")
    assert "scored on other test examples" in _row(text, "other_set")
    assert "predictions do not match the test set" in _row(text, "broken")
    rows = {row["key"]: row for row in csv.DictReader((tmp_path / "leaderboard.csv").open())}
    assert float(rows["third"]["mcnemar_p_vs_leader"]) == pytest.approx(
        binomtest(versus_leader[1].only_first, versus_leader[1].only_first + versus_leader[1].only_second).pvalue,
        rel=1e-3)
    assert (rows["first"]["rank_ci95_low"], rows["first"]["rank_ci95_high"], rows["third"]["group"]) == ("1", "2", "B")
    assert rows["old"]["group"] == "" and rows["old"]["paired_note"].startswith("no per-example predictions")
    assert load_runs(tmp_path)[0][0].predictions is not None
