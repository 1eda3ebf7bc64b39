"""The TF-IDF + logistic regression baseline on generated reviews."""

import numpy as np
import pytest

from benchmark.training.baseline import TFIDF_LOGREG, baseline_hash, run_baseline
from benchmark.data.imdb import load_imdb
from benchmark.records.labels import WEIGHTS_CLASSICAL
from benchmark.records.run import RunResult
from benchmark.training.config import RunConfig
from benchmark.data.prepared import data_fingerprint, prepare_data
from benchmark.records.predictions import decode_predictions


def test_baseline_learns_the_generated_sentiment_and_reports_full_metrics(aclimdb):
    config = RunConfig(seed=3)
    data = prepare_data(load_imdb(aclimdb), config)
    run = run_baseline(TFIDF_LOGREG, data, config, "python -m benchmark run --model tfidf_logreg")
    # The generated reviews carry their label in cue words, so a working baseline beats chance clearly.
    assert run.test["accuracy"] >= 0.85 and run.test["examples"] == len(data.test) == 48
    low, high = run.test["accuracy_ci95"]
    assert low < run.test["accuracy"] <= high
    matrix = np.array(run.test["confusion_matrix"])
    assert matrix.sum() == 48 and matrix.sum(axis=1).tolist() == [24, 24]
    assert run.test["roc_auc"] > 0.9 and run.test["macro"]["f1"] > 0.8
    assert run.weights == WEIGHTS_CLASSICAL and run.before_fine_tuning is None
    assert run.history[0]["validation_accuracy"] >= 0.5 and run.history[0]["train_accuracy"] >= 0.9
    assert run.config_hash == baseline_hash(TFIDF_LOGREG, config, data)
    assert run.environment["packages"]["scikit-learn"][0].isdigit()
    assert run.model["encoder_parameters"] > 1  # learned coefficients
    # It is a normal run file, with each test review's prediction.
    assert RunResult.from_dict(run.to_dict()) == run
    stored = decode_predictions(run.predictions, run.test)
    assert stored.test_fingerprint == data_fingerprint(data)["test"] and list(stored.labels) == list(data.test.labels)


def test_baseline_is_deterministic(aclimdb):
    config = RunConfig(train_samples=30, test_samples=20)
    data = prepare_data(load_imdb(aclimdb), config)
    first, second = (run_baseline(TFIDF_LOGREG, data, config, "cmd") for _ in range(2))
    assert first.test["loss"] == pytest.approx(second.test["loss"])
    assert first.test["confusion_matrix"] == second.test["confusion_matrix"]
