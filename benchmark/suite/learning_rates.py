"""``run --learning-rates``: each model fine-tuned at every rate of a grid, then its rate picked by validation accuracy.

Each (model, rate, seed) is a job of its own, in its own process, with its own configuration hash (the learning rate
is part of it), so a rerun skips the finished ones as a suite skips finished models. Once every rate of the grid has
run, each model's selection (:mod:`benchmark.records.selection`) is written, and the leaderboard shows the model at
its chosen rate only.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Sequence

from benchmark.core.errors import UsageError
from benchmark.data.imdb import Imdb
from benchmark.data.prepared import prepare_data
from benchmark.deploy.save_policy import SavePolicy
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.selection import Selection, selection_path, write_selection
from benchmark.suite.options import RunOptions
from benchmark.suite.plan import completed_run, planned_hash
from benchmark.suite.processes import SuiteOutcome, run_suite
from benchmark.training.baseline import BASELINES
from benchmark.training.config import RunConfig

log = logging.getLogger(__name__)

# Named grids: Turc et al. (2019), "Well-Read Students Learn Better", fine-tuned each Small BERT at these rates.
NAMED_GRIDS = {"paper": (3e-4, 1e-4, 5e-5, 3e-5)}


def parse_rates(values: Sequence[str], single: float | None, validation_fraction: float) -> tuple[float, ...]:
    """The grid ``--learning-rates`` asks for, in the order given; a UsageError for a rate that cannot be one."""
    if single is not None:
        raise UsageError("--learning-rates and --learning-rate exclude each other: give the grid, or one rate")
    if validation_fraction <= 0:
        raise UsageError("--learning-rates picks each model's rate by validation accuracy: "
                         "--validation-fraction must be above 0")
    if len(values) == 1 and values[0] in NAMED_GRIDS:
        return NAMED_GRIDS[values[0]]
    rates: list[float] = []
    for value in values:
        try:
            rate = float(value)
        except ValueError:
            raise UsageError(f"--learning-rates: {value!r} is not a number (or the named grid "
                             f"{', '.join(NAMED_GRIDS)} alone)") from None
        if not (math.isfinite(rate) and 0 < rate < 1):
            raise UsageError(f"--learning-rates: every rate must be in (0, 1), got {value}")
        if rate in rates:
            raise UsageError(f"--learning-rates: {value} is given twice")
        rates.append(rate)
    return tuple(rates)


def select(key: str, seeds: Sequence[int], rates: Sequence[float], config: RunConfig, imdb: Imdb,
           options: RunOptions) -> Selection:
    """``key``'s rate among the finished runs of its grid, by validation accuracy; written under ``selections/``."""
    runs, missing, hashes = [], [], []
    for seed in seeds:
        data = prepare_data(imdb, dataclasses.replace(config, seed=seed))
        for rate in rates:
            identity = planned_hash(key, dataclasses.replace(config, seed=seed, learning_rate=rate), data, options)
            hashes.append(identity or f"{rate!r}:{seed}")
            done = completed_run(options.output, identity)
            if done is None:
                missing.append((rate, seed))
            else:
                runs.append((rate, done))
    selection = Selection.of(key, rates, runs, missing)
    write_selection(selection, selection_path(options.output, key, hashes))
    return selection


def run_grid(keys: Sequence[str], seeds: Sequence[int], rates: Sequence[float], config: RunConfig, imdb: Imdb,
             command: str, options: RunOptions, policy: SavePolicy | None = None) -> SuiteOutcome:
    """Every model at every rate (the baselines, which have no rate, once), then each model's selection."""
    ran = skipped = 0
    failed: list[str] = []
    for position, rate in enumerate(rates):
        keys_here = [key for key in keys if position == 0 or key not in BASELINES]
        log.info("learning rate %g (%d of %d)", rate, position + 1, len(rates))
        outcome = run_suite([(key, seed) for key in keys_here for seed in seeds],
                            dataclasses.replace(config, learning_rate=rate), imdb, command, options, policy)
        ran, skipped = ran + outcome.ran, skipped + outcome.skipped
        failed += [f"{label} at {rate:g}" for label in outcome.failed]
    for key in keys:
        if key in BASELINES:
            continue
        selection = select(key, seeds, rates, config, imdb, options)
        scores = ", ".join(f"{rate:g}: {'–' if (v := selection.mean_validation(rate)) is None else f'{100 * v:.2f}%'}"
                           for rate in rates)
        chosen = "none" if selection.chosen_learning_rate is None else f"{selection.chosen_learning_rate:g}"
        print(f"{key}: learning rate {chosen} chosen by validation accuracy ({scores})", flush=True)
    page, _ = write_leaderboard(options.output)
    return SuiteOutcome(ran, skipped, failed, page)
