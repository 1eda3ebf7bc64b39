"""``predict``: the class (IMDb: the sentiment) of texts with an exported model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmark.cli.common import add_export_options, quiet_tensorflow
from benchmark.core.errors import UsageError
from benchmark.deploy.export import Export, resolve_model
from benchmark.deploy.model_card import STANDIN_WARNING
from benchmark.deploy.predict import Prediction, Predictor, check_review, read_reviews


def register(commands) -> None:
    parser = commands.add_parser("predict", help="class (IMDb: sentiment) of texts with an exported model")
    add_export_options(parser)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify (quote each)")
    parser.add_argument("--input", type=Path, metavar="FILE",
                        help="UTF-8 file: one text per line, or a .csv with a text column (--text-column)")
    parser.add_argument("--text-column", default="text", metavar="NAME",
                        help="the .csv column holding the texts (default: text)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (with every class's probability) instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the input before any model loads, then classify every review with one load of the export."""
    texts = gather_texts(args)
    predictor = load(resolve_model(args.model, args.models_dir))
    print_predictions(predictor, predictor.predict(texts), args.json)
    return 0


def gather_texts(args: argparse.Namespace) -> list[str]:
    if args.input is not None and args.texts:
        raise UsageError("give review texts or --input FILE, not both")
    if args.input is not None:
        return read_reviews(args.input, args.text_column)
    if not args.texts:
        raise UsageError("no reviews given: pass review texts or --input FILE")
    return [check_review(text, f"review {number}") for number, text in enumerate(args.texts, 1)]


def load(export: Export) -> Predictor:
    """The export loaded (TensorFlow quieted first); a stand-in export says so on stderr."""
    quiet_tensorflow()
    if export.card.is_standin:
        print(f"warning: {export.path}: {STANDIN_WARNING}", file=sys.stderr)
    return Predictor(export)


def print_predictions(predictor: Predictor, predictions: list[Prediction], as_json: bool) -> None:
    card = predictor.card
    if as_json:
        print(json.dumps({"model": str(predictor.export.path), "key": card.key, "run_id": card.run_id,
                          "weights": card.weights, "warning": STANDIN_WARNING if card.is_standin else None,
                          "labels": list(card.label_names), "predictions": [p.to_dict() for p in predictions]},
                         ensure_ascii=False, indent=2))
        return
    width = max(8, *(len(name) for name in card.label_names))
    for p in predictions:  # the predicted class, its probability, the text
        preview = " ".join(p.text.split())
        preview = preview if len(preview) <= 70 else preview[:67] + "..."
        print(f"{p.label:<{width}}  {p.probability:.4f}  {preview}")
