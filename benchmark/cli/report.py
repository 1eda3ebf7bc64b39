"""``report``: rebuild the leaderboard from the run files."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.core.folders import check_writable_folder
from benchmark.core.paths import DEFAULT_RESULTS
from benchmark.leaderboard.write import write_leaderboard


def register(commands) -> None:
    parser = commands.add_parser("report", help="rebuild the leaderboard from the run files")
    parser.add_argument("--output", type=Path, default=DEFAULT_RESULTS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_writable_folder("--output", args.output)
    page, problems = write_leaderboard(args.output)
    print(f"wrote {page}" + (f" ({len(problems)} unreadable run files skipped)" if problems else ""))
    return 0
