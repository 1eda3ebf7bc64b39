"""Command line for using an export: ``predict`` and ``serve`` (wired into ``benchmark.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmark.core.errors import UsageError

COMMANDS = ("predict", "serve")
DEFAULT_PORT = 8000


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, metavar="PATH_OR_KEY",
                        help="export folder, or a model key meaning its newest export under --models-dir")
    parser.add_argument("--models-dir", type=Path, default=Path("models"), help="where exports are (default: models/)")


def add_commands(commands) -> None:
    """Add ``predict`` and ``serve`` to the ``python -m benchmark`` subcommands."""
    predict = commands.add_parser("predict", help="sentiment of reviews with an exported model")
    _add_model_options(predict)
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="review texts (quote each)")
    predict.add_argument("--input", type=Path, metavar="FILE",
                         help="UTF-8 file: one review per line, or a .csv with a 'text' column")
    predict.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    serve = commands.add_parser("serve", help="web page on localhost: type a review, see its sentiment")
    _add_model_options(serve)
    serve.add_argument("--results", type=Path, default=Path("results"),
                       help="results folder whose leaderboard and plots the page shows (default: results/)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free)")


def run_command(args: argparse.Namespace) -> int:
    """Run ``predict`` or ``serve``; bad input raises UsageError before any model loads where possible."""
    from benchmark.deploy.export import resolve_model

    if args.command == "predict":
        texts = _gather_texts(args)
        export = resolve_model(args.model, args.models_dir)
        predictor = _load(export)
        predictions = predictor.predict(texts)
        _print_predictions(predictor, predictions, args.json)
        return 0
    try:
        import flask  # noqa: F401
        import markdown  # noqa: F401
    except ImportError as error:
        raise UsageError(f"serve needs the [serve] extra ({error.name} is missing): "
                         "pip install -e '.[serve]'") from None
    from benchmark.deploy.serve import check_port, serve

    check_port(args.port)
    predictor = _load(resolve_model(args.model, args.models_dir))
    serve(predictor, args.results, args.port)
    return 0


def _gather_texts(args: argparse.Namespace) -> list[str]:
    from benchmark.deploy.predict import check_review, read_reviews

    if args.input is not None and args.texts:
        raise UsageError("give review texts or --input FILE, not both")
    if args.input is not None:
        return read_reviews(args.input)
    if not args.texts:
        raise UsageError("no reviews given: pass review texts or --input FILE")
    return [check_review(text, f"review {number}") for number, text in enumerate(args.texts, 1)]


def _load(export):
    from benchmark.cli import _quiet_tensorflow
    from benchmark.deploy.model_card import STANDIN_WARNING
    from benchmark.deploy.predict import Predictor

    _quiet_tensorflow()
    if export.card.is_standin:
        print(f"warning: {export.path}: {STANDIN_WARNING}", file=sys.stderr)
    return Predictor(export)


def _print_predictions(predictor, predictions, as_json: bool) -> None:
    from benchmark.deploy.model_card import STANDIN_WARNING

    card = predictor.card
    if as_json:
        print(json.dumps({"model": str(predictor.export.path), "key": card.key, "run_id": card.run_id,
                          "weights": card.weights, "warning": STANDIN_WARNING if card.is_standin else None,
                          "predictions": [p.to_dict() for p in predictions]},
                         ensure_ascii=False, indent=2))
        return
    for p in predictions:
        preview = " ".join(p.text.split())
        preview = preview if len(preview) <= 70 else preview[:67] + "..."
        print(f"{p.label:<8}  {p.probability:.4f}  {preview}")
