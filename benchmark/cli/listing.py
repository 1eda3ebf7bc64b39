"""``list``: the registered (and imported) encoders, and the classical baseline."""

from __future__ import annotations

import argparse
import fnmatch
from pathlib import Path

from benchmark.core.errors import UsageError
from benchmark.core.paths import DEFAULT_MODELS
from benchmark.encoders.registry import all_specs, list_models
from benchmark.training.baseline import BASELINES


def register(commands) -> None:
    parser = commands.add_parser("list", help="table of the registered encoders")
    parser.add_argument("pattern", nargs="?", default="*", help="shell-style filter on keys, e.g. 'small_bert_l4*'")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help="also list the encoders imported there (default: models/)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    specs = all_specs(args.models_dir)
    keys = list_models(args.pattern, args.models_dir)
    baselines = [spec for key, spec in BASELINES.items() if fnmatch.fnmatchcase(key, args.pattern)]
    if not keys and not baselines:
        raise UsageError(f"no registered model matches '{args.pattern}'")
    if keys:
        header = ("key", "name", "L/H/A", "params", "encoder handle", "preprocessor handle")
        rows = [(s.key, s.name, s.architecture, f"{s.parameter_count / 1e6:.1f}M", s.encoder_handle,
                 s.preprocessor_handle) for s in (specs[k] for k in keys)]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, tuple("-" * w for w in widths), *rows]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
        print(f"\n{len(rows)} encoders. "
              "Parameters are the encoder's (pooler included) at the published vocabulary size.")
    if baselines:
        print(("\n" if keys else "") + "Classical baseline (not a TF-Hub encoder; scikit-learn, included in --all):")
        for spec in baselines:
            print(f"  {spec.key}  {spec.name}: {spec.description}")
    return 0
