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


# --- at scale (issue 16): readable from one model to about a hundred, across datasets -------------------------


def synthetic_rows(models: int, datasets=("imdb", "sst2", "ag_news")):
    """The newest run per model and dataset, best first, of SYNTHETIC run files (tools/synthetic_leaderboard.py)."""
    import random

    from synthetic_leaderboard import models as model_list, synthetic_run

    from benchmark.leaderboard.rows import latest_per_model

    rng = random.Random(0)
    return latest_per_model([synthetic_run(model, dataset, rng, 500) for dataset in datasets
                             for model in model_list(models)])


def _overlapping(texts, renderer) -> list[tuple[str, str]]:
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts if text.get_text()]
    return [(a, b) for i, (a, box) in enumerate(boxes) for b, other in boxes[i + 1:] if box.overlaps(other)]


def test_frontier_at_100_models_labels_without_overlap_and_keys_the_numbers():
    import matplotlib.pyplot as plt

    from benchmark.leaderboard.figures import group_colors
    from benchmark.leaderboard.frontier import BEST_NAMED, MOST_NAMED, frontier_figure
    from benchmark.leaderboard.rows import by_dataset

    for count in (1, 34, 100):
        rows = by_dataset(synthetic_rows(count, ("ag_news",)))["ag_news"]
        figure = frontier_figure(rows, (), group_colors(rows))
        renderer = figure.canvas.get_renderer()
        axis = figure.axes[0]
        labels = [text for text in axis.texts if text.get_text()]
        named = [text for text in labels if text.get_text().startswith("#")]
        numbers = [text for text in labels if text.get_text().isdigit()]
        assert len(labels) == len(named) + len(numbers) <= count  # one label per model at most
        assert min(count, BEST_NAMED) <= len(named) <= MOST_NAMED
        assert _overlapping(labels, renderer) == []
        keyed = [line for key in figure.axes[1:] for text in key.texts for line in text.get_text().splitlines()]
        assert sorted(int(line.split()[0]) for line in keyed) == sorted(int(t.get_text()) for t in numbers)
        plt.close(figure)


def test_training_curves_legend_is_bounded_and_grid_and_heatmap_are_drawn(tmp_path):
    import matplotlib.pyplot as plt

    from benchmark.leaderboard.curves import HIGHLIGHTED, curves_figure
    from benchmark.leaderboard.grids import CONFUSION_SHOWN
    from benchmark.leaderboard.plots import write_plots

    rows = synthetic_rows(100)
    figure = curves_figure([run for run in rows if run.dataset_key == "imdb"])
    (legend,) = figure.legends
    entries = [text.get_text() for text in legend.get_texts()]
    assert len(entries) == HIGHLIGHTED + 1 and entries[-1] == "the other 92 models (by test accuracy)"
    plt.close(figure)

    written = write_plots(rows, (), tmp_path)
    assert sorted(written) == ["confusion:ag_news", "confusion:imdb", "confusion:sst2", "frontier:ag_news",
                               "frontier:imdb", "frontier:sst2", "heatmap", "training:ag_news", "training:imdb",
                               "training:sst2"]
    assert len(list((tmp_path / "plots").glob("*.png"))) == 10  # not one file per model
    for path in (tmp_path / "plots").glob("*.png"):
        assert path.read_bytes().startswith(b"\x89PNG")
    assert CONFUSION_SHOWN == 12

    one = synthetic_rows(3, ("imdb",))
    assert sorted(write_plots(one, (), tmp_path)) == ["confusion:imdb", "frontier:imdb", "training:imdb"]
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [  # the earlier dataset files are gone
        "accuracy_vs_training_time.png", "confusion_matrices.png", "training_curves.png"]
