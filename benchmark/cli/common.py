"""What the subcommands share: argument types, option groups, quieting TensorFlow, one-line OS errors."""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path

from benchmark.core.paths import CACHE_ENV, DEFAULT_MODELS
from benchmark.core.quiet import TF_LOG_ENV, startup_noise_hidden
from benchmark.encoders.hub_cache import MIRROR_ENV

PROGRAM = "python -m benchmark"


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def add_standin_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vocab", type=Path,
                        help="WordPiece vocab.txt for stand-ins (default: learn one from the training reviews)")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help="stand-in cache and imported encoders (default: models/)")


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help=f"cache folder (default: ${CACHE_ENV}, else ~/.cache/tfhub-bench)")


def use_cache_dir(folder: Path | None) -> None:
    """Point this process (and the model processes it starts) at ``folder`` when one is given."""
    if folder is not None:
        os.environ[CACHE_ENV] = str(Path(folder).expanduser().resolve())


def add_mirror_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub-mirror", metavar="URL",
                        help=f"download tfhub.dev handles from this mirror instead (also ${MIRROR_ENV})")


def add_network_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true",
                        help="download nothing: encoders from the TF-Hub cache and IMDb from the TensorFlow Datasets "
                             "folder, as `fetch` (or an earlier run) stored them")
    add_mirror_option(parser)


def add_export_options(parser: argparse.ArgumentParser) -> None:
    """``--model`` and ``--models-dir`` of the commands that use an export (predict, serve)."""
    parser.add_argument("--model", required=True, metavar="PATH_OR_KEY",
                        help="export folder, or a model key meaning its newest export under --models-dir")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help="where exports are (default: models/)")


def quiet_tensorflow() -> None:
    """TensorFlow's and absl's logs at ERROR only, and TensorFlow started (its devices listed) without the start-up
    noise of a machine without a GPU (``benchmark.core.quiet``); with ``--verbose``, every log line. Imports
    TensorFlow: call it where the command needs it anyway."""
    with startup_noise_hidden():
        import tensorflow as tf  # deferred: `list` and `report` do without TensorFlow

        tf.config.list_physical_devices()  # CUDA starts here (cuInit), inside the filter
    if os.environ.get(TF_LOG_ENV) == "0":  # --verbose, or the user's own TF_CPP_MIN_LOG_LEVEL=0
        return
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")


def os_error_message(error: OSError) -> str:
    """What a failed file operation means for the user, in one line."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"cannot write {error.filename or 'results'}: {error.strerror}; free some space or pass another "
                "--output (files written earlier are left whole: every write replaces a file at once or not at all)")
    where = f": {error.filename}" if error.filename else ""
    return f"{error.strerror or error}{where}"
