"""Repeats over seeds: grouping and mean +- standard deviation."""

import dataclasses

import pytest

from benchmark.records.repeats import repeat_group, seed_summary

from test_report import make_run


def seeded(accuracy, seed, created, **overrides):
    run = make_run("a", accuracy, created)
    hyperparameters = run.hyperparameters | {"seed": seed, "distribution": {"replicas": seed}}
    return dataclasses.replace(run, hyperparameters=hyperparameters | overrides, run_id=f"a-{seed}-{created}")


def test_mean_and_sample_std_over_newest_run_per_seed():
    runs = [seeded(0.80, 1, "2026-01-01T00:00:00+00:00"), seeded(0.70, 1, "2026-01-02T00:00:00+00:00"),
            seeded(0.90, 2, "2026-01-01T00:00:01+00:00"), seeded(0.80, 3, "2026-01-01T00:00:02+00:00")]
    summary = seed_summary(runs[0], runs)
    assert summary.seeds == (1, 2, 3)
    assert summary.mean == pytest.approx(0.8)  # 0.70 (newest of seed 1), 0.90, 0.80
    assert summary.std == pytest.approx(0.1)


def test_other_settings_are_not_repeats():
    base = seeded(0.8, 1, "2026-01-01T00:00:00+00:00")
    other_lr = seeded(0.9, 2, "2026-01-01T00:00:01+00:00", learning_rate=1e-4)
    assert repeat_group(base) != repeat_group(other_lr)
    assert seed_summary(base, [base, other_lr]) is None
    assert repeat_group(base) == repeat_group(seeded(0.1, 7, "2026-01-03T00:00:00+00:00"))
