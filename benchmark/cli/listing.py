"""``list``: the registered (and imported) encoders and the classical baseline; ``list --datasets``: the datasets."""

from __future__ import annotations

import argparse
import fnmatch
from pathlib import Path

from benchmark.core.errors import UsageError
from benchmark.core.paths import DEFAULT_MODELS
from benchmark.data.registry import DATASETS
from benchmark.encoders.registry import all_specs, list_models
from benchmark.encoders.spec import SOURCES
from benchmark.training.baseline import BASELINES


def register(commands) -> None:
    parser = commands.add_parser("list", help="table of the registered encoders (--datasets: of the datasets)")
    parser.add_argument("pattern", nargs="?", default="*", help="shell-style filter on keys, e.g. 'small_bert_l4*'")
    parser.add_argument("--datasets", action="store_true", help="list the built-in datasets instead")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help="also list the encoders imported there (default: models/)")
    parser.set_defaults(func=run)


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def list_datasets(pattern: str) -> int:
    """The built-in datasets: key, name, classes, the splits used (which one is the test set), source; then notes and
    citations."""
    specs = [spec for key, spec in DATASETS.items() if fnmatch.fnmatchcase(key, pattern)]
    if not specs:
        raise UsageError(f"no built-in dataset matches '{pattern}'")
    print_table(("key", "name", "classes", "splits used (train / test)", "source"),
                [(s.key, s.name, f"{len(s.label_names)}: {', '.join(s.label_names)}", s.splits,
                  f"tfds:{s.tfds_name}" + (f" or --data-dir ({s.local})" if s.local else "")) for s in specs])
    print("\nNotes:")
    print("\n".join(f"  {s.key}: {s.note}" for s in specs if s.note))
    print("Cite:")
    print("\n".join(f"  {s.key}: {s.citation}" for s in specs))
    print("\nYour own data: --dataset FILE.csv|.jsonl|.parquet, or a folder with train.* and test.* (and validation.*), "
          "with --text-column and --label-column (docs/datasets.md).")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.datasets:
        return list_datasets(args.pattern)
    specs = all_specs(args.models_dir)
    keys = list_models(args.pattern, args.models_dir)
    baselines = [spec for key, spec in BASELINES.items() if fnmatch.fnmatchcase(key, args.pattern)]
    if not keys and not baselines:
        raise UsageError(f"no registered model matches '{args.pattern}'")
    if keys:
        header = ("key", "name", "L/H/A", "params", "source", "head reads", "encoder handle", "preprocessor handle")
        listed = [specs[k] for k in keys]
        rows = [(s.key, s.name, s.architecture, f"{s.parameter_count / 1e6:.1f}M", s.source, s.head_reads,
                 s.encoder_handle, "(the preset's own)" if s.source == "keras_hub" else s.preprocessor_handle)
                for s in listed]
        print_table(header, rows)
        counts = ", ".join(f"{sum(s.source == source for s in listed)} {source}" for source in SOURCES
                           if any(s.source == source for s in listed))
        print(f"\n{len(rows)} encoders ({counts}). Parameters are the encoder's (pooler included) at the published "
              "vocabulary size; KerasHub's run with --model, not --all (docs/keras-hub.md).")
    if baselines:
        print(("\n" if keys else "") + "Classical baseline (not a TF-Hub encoder; scikit-learn, included in --all):")
        for spec in baselines:
            print(f"  {spec.key}  {spec.name}: {spec.description}")
    return 0
