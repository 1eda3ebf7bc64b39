"""``cache``: list what the cache holds (tokenized reviews), or clean it."""

from __future__ import annotations

import argparse
import datetime as dt

from benchmark.cli.common import add_cache_option, use_cache_dir
from benchmark.core.paths import cache_root
from benchmark.training.token_cache import TokenCache


def register(commands) -> None:
    parser = commands.add_parser("cache", help="list the cached tokenized reviews, or clean them (--clean)")
    add_cache_option(parser)
    parser.add_argument("--clean", action="store_true", help="remove every cached entry")
    parser.set_defaults(func=run)


def size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count / 2**10:.1f} KiB"


def run(args: argparse.Namespace) -> int:
    use_cache_dir(args.cache_dir)
    tokens = TokenCache()
    if args.clean:
        files, freed = tokens.clean()
        print(f"removed {files} cached file(s), {size(freed)}, from {tokens.root}")
        return 0
    entries = tokens.entries()
    print(f"cache: {cache_root()}")
    if not entries:
        print("no tokenized reviews cached (a run caches each split it tokenizes)")
        return 0
    print(f"tokenized reviews in {tokens.root} (most recently used first):")
    for entry in entries:
        meta = entry.meta
        used = dt.datetime.fromtimestamp(entry.last_used).strftime("%Y-%m-%d %H:%M")
        what = (f"{meta.get('split', '?')}: {meta.get('reviews', 0):,} reviews, {meta.get('tokens', 0):,} tokens, "
                f"preprocessor {meta.get('preprocessor', '?')}") if meta else "unreadable (rebuilt when next needed)"
        print(f"  {entry.path.name}  {size(entry.size):>10}  used {used}  {what}")
    print(f"{len(entries)} entries, {size(sum(entry.size for entry in entries))}; "
          "`python -m benchmark cache --clean` removes them")
    return 0
