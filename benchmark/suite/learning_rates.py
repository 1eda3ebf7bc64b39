"""``run --learning-rates``: each model fine-tuned at every rate of a grid, then its rate picked by validation accuracy.

Each (model, dataset, rate, seed) is a job of its own, in its own process, with its own configuration hash (the learning rate
is part of it), so a rerun skips the finished ones as a suite skips finished models. Once every rate of the grid has
run, each (model, dataset)'s selection (:mod:`benchmark.records.selection`) is written, and the leaderboard shows the
model at its chosen rate only.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

from benchmark.core.errors import UsageError
from benchmark.data.catalog import DatasetChoice
from benchmark.data.dataset import Loaded
from benchmark.data.prepared import prepare_data
from benchmark.deploy.save_policy import SavePolicy
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.selection import Selection, selection_path, write_selection
from benchmark.suite.executor import ExecutorSettings
from benchmark.suite.options import RunOptions
from benchmark.suite.plan import completed_run, planned_hash
from benchmark.suite.processes import Job, SuiteOutcome, run_suite
from benchmark.training.baseline import BASELINES
from benchmark.training.config import RunConfig

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


def select(key: str, dataset: DatasetChoice, seeds: Sequence[int], rates: Sequence[float], config: RunConfig,
           loaded: Loaded, options: RunOptions) -> Selection:
    """``key``'s rate on ``dataset`` among the finished runs of its grid, by validation accuracy; written under
    ``selections/``."""
    runs, missing, hashes = [], [], []
    for seed in seeds:
        data = prepare_data(loaded, dataclasses.replace(config, seed=seed))
        for rate in rates:
            identity = planned_hash(key, dataclasses.replace(config, seed=seed, learning_rate=rate), data, options)
            hashes.append(identity or f"{rate!r}:{seed}")
            done = completed_run(options.output, identity)
            if done is None:
                missing.append((rate, seed))
            else:
                runs.append((rate, done))
    selection = Selection.of(key, rates, runs, missing, dataset=dataset.key)
    write_selection(selection, selection_path(options.output, key, hashes))
    return selection


def run_grid(jobs: Sequence[Job], rates: Sequence[float], config: RunConfig, loaded: dict[str, Loaded],
             command: str, options: RunOptions, policy: SavePolicy | None = None,
             executor: ExecutorSettings = ExecutorSettings()) -> SuiteOutcome:
    """Every (model, dataset, seed) job at every rate (the baselines, which have no rate, once), all in one suite
    (an executor that runs jobs in parallel runs the whole grid at once), then each model's
    selection on each dataset."""
    outcome = run_suite(jobs, config, loaded, command, options, policy, executor, grid=rates)
    pairs = dict.fromkeys((key, dataset) for key, dataset, _ in jobs if key not in BASELINES)
    several = len({dataset.key for _, dataset in pairs}) > 1
    for key, dataset in pairs:
        seeds = list(dict.fromkeys(seed for k, d, seed in jobs if (k, d) == (key, dataset)))
        selection = select(key, dataset, seeds, rates, config, loaded[dataset.key], options)
        scores = ", ".join(f"{rate:g}: {'–' if (v := selection.mean_validation(rate)) is None else f'{100 * v:.2f}%'}"
                           for rate in rates)
        chosen = "none" if selection.chosen_learning_rate is None else f"{selection.chosen_learning_rate:g}"
        on = f" on {dataset.key}" if several else ""
        print(f"{key}{on}: learning rate {chosen} chosen by validation accuracy ({scores})", flush=True)
    page, _ = write_leaderboard(options.output)
    return dataclasses.replace(outcome, page=page)
