"""``fetch``: download encoders, preprocessors and datasets into their caches, for offline runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.cli.common import add_mirror_option, quiet_tensorflow
from benchmark.core.errors import UsageError
from benchmark.core.paths import DEFAULT_MODELS
from benchmark.data.registry import DATASETS, DEFAULT_DATASET, get_dataset
from benchmark.encoders.hub_cache import configure as configure_network
from benchmark.encoders.registry import get_spec, suite_specs
from benchmark.suite.fetch import fetch, plan, progress_to_terminal, summary


def register(commands) -> None:
    parser = commands.add_parser("fetch", help="download encoders, preprocessors and datasets for offline runs")
    what = parser.add_argument_group("what to fetch (at least one)")
    what.add_argument("--all", action="store_true", help="every registered TF-Hub (and imported) encoder and IMDb")
    what.add_argument("--model", action="append", metavar="KEY", help="an encoder and its preprocessor (repeat)")
    what.add_argument("--dataset", action="append", metavar="KEY",
                      help=f"a built-in dataset, prepared by its TensorFlow Datasets builder (repeat): "
                           f"{', '.join(DATASETS)}")
    add_mirror_option(parser)
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help="imported encoders (already local; listed for completeness)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not (args.all or args.model or args.dataset):
        raise UsageError("say what to fetch: --all, --model KEY (repeatable) and/or --dataset KEY (repeatable)")
    datasets = [get_dataset(key).key for key in args.dataset or ()]  # an unknown key: the closest ones
    if args.all:
        specs = list(suite_specs(args.models_dir).values())
    else:
        specs = [get_spec(key, args.models_dir) for key in dict.fromkeys(args.model or ())]
    configure_network(False, args.hub_mirror)
    progress_to_terminal()
    quiet_tensorflow()
    results = fetch(plan(specs, [DEFAULT_DATASET, *datasets] if args.all else datasets),
                    say=lambda line: print(line, flush=True))
    print(summary(results))
    return 1 if any(result.status == "failed" for result in results) else 0
