"""A whole ``bench`` run: each sequence length measured in turn, then bench.md and bench.json written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path

from benchmark.core.cpu import instruction_sets
from benchmark.core.environment import cpu_threads, describe_environment
from benchmark.data.imdb import existing_data_dir
from benchmark.encoders.registry import get_spec
from benchmark.speed.config import BenchOptions, configs_for
from benchmark.speed.gpu_estimate import suite_estimates
from benchmark.speed.keras3_pipelines import check_keras3
from benchmark.speed.measure import measure
from benchmark.speed.peaks import cpu_peak_flops
from benchmark.speed.report import targets, write_bench

log = logging.getLogger(__name__)


def run_bench(options: BenchOptions, command: str) -> tuple[Path, Path]:
    """Measure the pipelines as ``options`` say, write bench.md and bench.json, and return their paths."""
    spec = get_spec(options.model, options.models_dir)  # imported encoders too, as ``run`` finds them
    configs = configs_for(options)
    if options.keras3:
        check_keras3(spec)
    if options.data_dir is not None:
        existing_data_dir(options.data_dir)  # fail before any model is built
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    runs, weights = [], None
    for config in configs:
        log.info("measuring at sequence length %d, batch size %d", config.seq_length, config.batch_size)
        run = measure(spec, config, options)
        weights = run.pop("weights")
        run = {"config": dataclasses.asdict(config)} | run
        run["targets"] = targets(run)
        run["gpu_estimate"] = suite_estimates(config.seq_length, config.epochs)
        runs.append(run)
    peak, peak_note = cpu_peak_flops(bf16=configs[0].precision == "mixed_bfloat16")
    result = {
        "command": command,
        "created": created,
        "model": {"key": spec.key, "name": spec.name, "architecture": spec.architecture, "weights": weights},
        "threads": cpu_threads(),
        "cpu_instruction_sets": instruction_sets(),
        "device_peak_flops": peak,
        "device_peak_note": peak_note,
        "environment": describe_environment(configs[0].seed),
        "runs": runs,
    }
    return write_bench(result, Path(options.output))
