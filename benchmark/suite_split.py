"""How many examples one model sees in ``run --all``: the suite split arithmetic behind every GPU-hours figure."""

from __future__ import annotations

IMDB_TRAIN, IMDB_TEST, VALIDATION_FRACTION = 25_000, 25_000, 0.2
SUITE_EPOCHS = 3  # run's default (RunConfig.epochs)


def suite_examples(epochs: int = SUITE_EPOCHS) -> tuple[int, int]:
    """Training and forward-only examples of one model in ``run --all``: epochs x 20k train; epochs x 5k
    validation plus the 25k test reviews."""
    validation = int(IMDB_TRAIN * VALIDATION_FRACTION)
    return epochs * (IMDB_TRAIN - validation), epochs * validation + IMDB_TEST
