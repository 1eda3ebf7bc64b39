"""Timed rounds, the one timer of ``bench`` and the probes: runners take turns in every round; medians reported."""

from __future__ import annotations

import dataclasses
import logging
import resource
import statistics
import time
from typing import Any, Callable

import numpy as np

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Timing:
    """Medians of the timed rounds of one pipeline in one mode (training or inference)."""

    examples_per_second: float
    rounds: tuple[float, ...]
    tokens_per_example: float
    flops_per_example: float
    achieved_flops: float
    peak_fraction: float


def timed_rounds(runners: dict[str, Callable[[], object]], rounds: int, examples: int,
                 synchronize: Callable[[], object] | None = None) -> dict[str, list[float]]:
    """Examples per second of each runner in each round; runners take turns within every round.

    Each call of a runner processes ``examples`` examples; ``synchronize`` (a device's, e.g. CUDA's) is called
    before the clock starts and before it stops, so that queued work is inside the timing.
    """
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for round_index in range(rounds):
        for name, run in runners.items():
            if synchronize is not None:
                synchronize()
            start = time.perf_counter()
            run()
            if synchronize is not None:
                synchronize()
            rates[name].append(examples / (time.perf_counter() - start))
            log.info("round %d/%d %-14s %.2f examples/s", round_index + 1, rounds, name, rates[name][-1])
    return rates


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def summarise(rates: list[float], tokens: float, flops: float, peak: float) -> dict[str, Any]:
    speed = median(rates)
    return dataclasses.asdict(Timing(speed, tuple(rates), tokens, flops, speed * flops, speed * flops / peak))


def ratio(a: float, b: float) -> float | None:
    return a / b if b and not np.isnan(b) else None


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
