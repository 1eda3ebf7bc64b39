"""How many examples one model sees in ``run --all``: the suite split arithmetic behind every GPU-hours figure."""

from __future__ import annotations

from benchmark.training.config import RunConfig

IMDB_TRAIN, IMDB_TEST = 25_000, 25_000
SUITE_EPOCHS = RunConfig.epochs  # run's defaults
VALIDATION_FRACTION = RunConfig.validation_fraction


def suite_examples(epochs: int = SUITE_EPOCHS) -> tuple[int, int]:
    """Training and forward-only examples of one model in ``run --all``: epochs x 20k train; epochs x 5k
    validation plus the 25k test reviews."""
    validation = int(IMDB_TRAIN * VALIDATION_FRACTION)
    return epochs * (IMDB_TRAIN - validation), epochs * validation + IMDB_TEST
