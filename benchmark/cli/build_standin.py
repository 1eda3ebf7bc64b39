"""``build-standin``: build stand-in encoders (registry architecture, random weights) without training."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.cli.common import add_standin_options, quiet_tensorflow
from benchmark.core.errors import UsageError
from benchmark.encoders.imported import IMPORTED_VOCAB
from benchmark.encoders.registry import get_spec
from benchmark.encoders.standins import build_standin


def register(commands) -> None:
    parser = commands.add_parser("build-standin", help="build stand-in encoders without training")
    parser.add_argument("--model", action="append", metavar="KEY", required=True)
    add_standin_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    specs = [get_spec(key, args.models_dir) for key in dict.fromkeys(args.model)]
    if args.vocab is None and not all(spec.imported_dir for spec in specs):
        raise UsageError("build-standin needs --vocab (run learns one from the data when it is not given)")
    quiet_tensorflow()
    for spec in specs:
        vocab = args.vocab or Path(spec.imported_dir) / IMPORTED_VOCAB
        standin = build_standin(spec, vocab, args.models_dir)
        print(f"{spec.key}: encoder {standin.encoder_path}, preprocessor {standin.preprocessor_path}")
    return 0
