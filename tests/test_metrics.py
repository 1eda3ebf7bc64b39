"""Metrics against hand-worked cases."""

import math

import numpy as np
import pytest

from benchmark.records.metrics import (classification_metrics, confusion_matrix, intervals_overlap, log_loss,
                                       paired_difference_interval, roc_auc, sigmoid, wilson_interval)


def test_wilson_interval_matches_hand_computation():
    # 8 of 10, z = 1.96: centre (0.8 + 0.19207) / 1.38415 = 0.71674, half 0.31362 / 1.38415 = 0.22658
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    # 0 of 10 stays inside [0, 1] and is not degenerate: upper = z^2/n / (1 + z^2/n) = 0.27753
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)  # the observed 100% stays inside its interval despite rounding
    assert high == 1.0 and low == pytest.approx(1 - 0.2775, abs=1e-4)
    # Narrower with more trials, around the same proportion.
    wide, narrow = wilson_interval(50, 100), wilson_interval(500, 1000)
    assert narrow[1] - narrow[0] < wide[1] - wide[0] and wide[0] < 0.5 < wide[1]


def test_wilson_interval_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_overlap_is_symmetric_and_touching_counts():
    assert intervals_overlap((0.1, 0.5), (0.4, 0.9)) and intervals_overlap((0.4, 0.9), (0.1, 0.5))
    assert intervals_overlap((0.1, 0.5), (0.5, 0.6))
    assert not intervals_overlap((0.1, 0.3), (0.31, 0.6))


def test_hand_worked_confusion_precision_recall_f1():
    # labels:      1    1    1    1    0    0    0    0    0    0
    # probability: 0.9  0.8  0.6  0.3  0.7  0.2  0.1  0.4  0.05 0.5
    # predicted:   1    1    1    0    1    0    0    0    0    1   (threshold 0.5)
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    probabilities = np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.2, 0.1, 0.4, 0.05, 0.5])
    m = classification_metrics(labels, probabilities)
    assert m["confusion_matrix"] == [[4, 2], [1, 3]]  # tn fp / fn tp
    assert m["accuracy"] == pytest.approx(0.7) and m["examples"] == 10
    positive, negative = m["per_class"]["positive"], m["per_class"]["negative"]
    assert positive["precision"] == pytest.approx(3 / 5) and positive["recall"] == pytest.approx(3 / 4)
    assert positive["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)  # 0.6667
    assert negative["precision"] == pytest.approx(4 / 5) and negative["recall"] == pytest.approx(4 / 6)
    assert negative["f1"] == pytest.approx(2 * 0.8 * (2 / 3) / (0.8 + 2 / 3))  # 0.7273
    assert m["macro"]["f1"] == pytest.approx((positive["f1"] + negative["f1"]) / 2)
    assert (positive["support"], negative["support"]) == (4, 6)
    # AUC: of the 4 x 6 = 24 positive/negative pairs, 4 are misordered (0.6 < 0.7; 0.3 < 0.7, 0.4, 0.5)
    assert m["roc_auc"] == pytest.approx(20 / 24)
    assert m["accuracy_ci95"] == pytest.approx(list(wilson_interval(7, 10)))


def test_log_loss_by_hand():
    # -(ln 0.8 + ln 0.6) / 2 = (0.22314 + 0.51083) / 2
    assert log_loss(np.array([1, 0]), np.array([0.8, 0.4])) == pytest.approx(0.366985, abs=1e-6)
    assert math.isfinite(log_loss(np.array([1]), np.array([0.0])))  # clipped, not infinite


def test_auc_counts_ties_half_and_needs_both_classes():
    assert roc_auc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert roc_auc(np.array([1, 1]), np.array([0.2, 0.9])) is None


def test_never_predicted_class_scores_zero_not_missing():
    m = classification_metrics(np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.7, 0.6]))
    assert m["per_class"]["negative"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert m["macro"]["f1"] == pytest.approx((0.0 + 2 * 0.5 * 1.0 / 1.5) / 2)


def test_sigmoid_is_stable_for_large_logits():
    values = sigmoid(np.array([-1000.0, 0.0, 1000.0, 2.0]))
    assert values[0] == 0.0 and values[1] == 0.5 and values[2] == 1.0
    assert values[3] == pytest.approx(1 / (1 + math.exp(-2)))


def test_bad_inputs_are_errors():
    with pytest.raises(ValueError):
        classification_metrics(np.array([0, 1]), np.array([0.5]))
    with pytest.raises(ValueError):
        classification_metrics(np.array([0, 2]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError):
        classification_metrics(np.array([]), np.array([]))
    assert confusion_matrix(np.array([1, 0]), np.array([1, 1])) == [[0, 1], [0, 1]]


def test_paired_difference_interval_by_hand():
    # 400 reviews, 10 only the first model gets right, 13 only the second: +3 reviews = +0.75 points.
    difference, low, high = paired_difference_interval(10, 13, 400)
    half = 1.959963984540054 * math.sqrt(23 - 9 / 400) / 400
    assert difference == pytest.approx(0.0075) and (low, high) == pytest.approx((0.0075 - half, 0.0075 + half))
    assert paired_difference_interval(0, 0, 400) == (0.0, 0.0, 0.0)  # identical answers: no uncertainty
    assert paired_difference_interval(13, 10, 400)[0] == pytest.approx(-0.0075)
    with pytest.raises(ValueError):
        paired_difference_interval(300, 200, 400)


def test_three_classes_by_hand():
    # true:      0    0    1    1    2    2
    # predicted: 0    1    1    1    2    0   (the largest probability)
    labels = np.array([0, 0, 1, 1, 2, 2])
    probabilities = np.array([[0.6, 0.3, 0.1], [0.3, 0.5, 0.2], [0.1, 0.8, 0.1],
                              [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.1, 0.4]])
    m = classification_metrics(labels, probabilities, class_names=("a", "b", "c"))
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert m["accuracy"] == pytest.approx(4 / 6) and "threshold" not in m
    a, b, c = (m["per_class"][name] for name in "abc")
    assert (a["precision"], a["recall"]) == pytest.approx((1 / 2, 1 / 2))
    assert (b["precision"], b["recall"]) == pytest.approx((2 / 3, 1.0))
    assert (c["precision"], c["recall"], c["support"]) == pytest.approx((1.0, 1 / 2, 2))
    assert m["macro"]["f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert m["micro"] == pytest.approx({"precision": 4 / 6, "recall": 4 / 6, "f1": 4 / 6})
    # cross-entropy of the true class: -(ln .6 + ln .3 + ln .8 + ln .7 + ln .8 + ln .4) / 6
    assert m["loss"] == pytest.approx(-np.mean(np.log([0.6, 0.3, 0.8, 0.7, 0.8, 0.4])))
    assert 0.5 < m["roc_auc"] <= 1.0


def test_chance_level_is_the_largest_class_share():
    from benchmark.records.metrics import chance_level, is_at_chance

    assert chance_level([[50, 50], [50, 50]]) == 0.5
    assert chance_level([[30, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0], [0, 0, 0, 10]]) == 0.5
    assert is_at_chance(0.26, 1000, chance=0.25) and not is_at_chance(0.5, 1000, chance=0.25)
    assert is_at_chance(0.5, 1000) and not is_at_chance(0.6, 1000)  # two classes: coin-flipping, as before
