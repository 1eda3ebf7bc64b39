"""``cache``: list what the cache holds (tokenized reviews, parsed datasets), or clean it."""

from __future__ import annotations

import argparse
import datetime as dt

from benchmark.cli.common import add_cache_option, use_cache_dir
from benchmark.core.paths import cache_root
from benchmark.data.parsed_cache import datasets_dir
from benchmark.training.token_cache import TokenCache, cached_entries, clean_folder


def register(commands) -> None:
    parser = commands.add_parser("cache", help="list the cached tokenized reviews and parsed datasets, or clean them")
    add_cache_option(parser)
    parser.add_argument("--clean", action="store_true", help="remove every cached entry")
    parser.set_defaults(func=run)


def size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count / 2**10:.1f} KiB"


def describe(meta: dict) -> str:
    if not meta:
        return "unreadable (rebuilt when next needed)"
    if "split" in meta:
        return (f"{meta['split']}: {meta.get('reviews', 0):,} reviews, {meta.get('tokens', 0):,} tokens, "
                f"preprocessor {meta.get('preprocessor', '?')}")
    return f"IMDb parsed from {meta.get('source', '?')}"


def run(args: argparse.Namespace) -> int:
    use_cache_dir(args.cache_dir)
    folders = {"tokenized reviews": TokenCache().root, "parsed datasets": datasets_dir()}
    if args.clean:
        removed = [clean_folder(folder) for folder in folders.values()]
        print(f"removed {sum(n for n, _ in removed)} cached file(s), {size(sum(b for _, b in removed))}, "
              f"from {cache_root()}")
        return 0
    print(f"cache: {cache_root()}")
    listed = 0
    for what, folder in folders.items():
        entries = cached_entries(folder)
        if entries:
            print(f"{what} in {folder} (most recently used first):")
        for entry in entries:
            used = dt.datetime.fromtimestamp(entry.last_used).strftime("%Y-%m-%d %H:%M")
            print(f"  {entry.path.name}  {size(entry.size):>10}  used {used}  {describe(entry.meta)}")
            listed += 1
    total = sum(entry.size for folder in folders.values() for entry in cached_entries(folder))
    print(f"{listed} entries, {size(total)}; `python -m benchmark cache --clean` removes them" if listed else
          "nothing cached (a run caches the dataset it parses and each split it tokenizes)")
    return 0
