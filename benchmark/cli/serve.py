"""``serve``: a web page on localhost to type a review and see its sentiment, with the leaderboard below."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.cli.common import add_export_options, quiet_tensorflow
from benchmark.cli.predict import load
from benchmark.core.errors import UsageError
from benchmark.core.paths import DEFAULT_RESULTS
from benchmark.deploy.export import resolve_model
from benchmark.deploy.serve import check_port, serve

DEFAULT_PORT = 8000


def register(commands) -> None:
    parser = commands.add_parser("serve", help="web page on localhost: type a review, see its sentiment")
    add_export_options(parser)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                        help="results folder whose leaderboard and plots the page shows (default: results/)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        import flask  # noqa: F401 - deferred: the optional [serve] extra, checked before any model loads
        import markdown  # noqa: F401
    except ImportError as error:
        raise UsageError(f"serve needs the [serve] extra ({error.name} is missing): "
                         "pip install -e '.[serve]'") from None
    check_port(args.port)
    quiet_tensorflow()
    predictor = load(resolve_model(args.model, args.models_dir))
    serve(predictor, args.results, args.port)
    return 0
