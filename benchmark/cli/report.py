"""``report``: rebuild the leaderboard from the run files, and with ``--mlflow``, log them to MLflow."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.core.folders import check_writable_folder
from benchmark.core.paths import DEFAULT_RESULTS
from benchmark.leaderboard.tracking import connect, log_runs
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.run import load_runs


def register(commands) -> None:
    parser = commands.add_parser("report", help="rebuild the leaderboard from the run files")
    parser.add_argument("--output", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--mlflow", metavar="URI",
                        help="also log every run file as an MLflow run: a folder, sqlite:///file.db or an http(s) "
                             "tracking server; runs logged before are skipped (pip install -e \".[mlflow]\")")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_writable_folder("--output", args.output)
    client = None
    if args.mlflow:
        client = connect(args.mlflow)  # before anything is written: a bad URI is one error line
    page, problems = write_leaderboard(args.output)
    print(f"wrote {page}" + (f" ({len(problems)} unreadable run files skipped)" if problems else ""))
    if client is not None:
        logged, skipped = log_runs(client, load_runs(args.output)[0], args.output)
        print(f"mlflow: logged {logged} runs, {skipped} already there ({args.mlflow})")
    return 0
