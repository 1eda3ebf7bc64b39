"""Plot helpers."""

from benchmark.leaderboard.plots import _smooth, pareto_front

import numpy as np


def test_pareto_front_keeps_only_undominated_points_cheapest_first():
    # (seconds, accuracy): b is slower and worse than a; d is dominated by c.
    points = [(10, 80), (20, 70), (30, 90), (40, 85), (5, 60)]
    assert pareto_front(points) == [4, 0, 2]


def test_smoothing_is_a_trailing_mean():
    assert np.allclose(_smooth(np.array([1.0, 3.0, 5.0, 7.0]), 2), [1.0, 2.0, 4.0, 6.0])
    assert np.allclose(_smooth(np.array([2.0, 4.0]), 1), [2.0, 4.0])
