"""Default folders and the names of their parts: where results, models and caches go unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_RESULTS = Path("results")  # run --output, report --output, bench --output, serve --results
DEFAULT_MODELS = Path("models")  # --models-dir: stand-ins, imported encoders, exports

# What a suite's model processes and reruns share (tokenized reviews): --cache-dir, else $TFHUB_BENCH_CACHE_DIR, else
# the user's cache folder (which survives reboots, unlike /tmp). `python -m benchmark cache` lists and cleans it.
CACHE_ENV = "TFHUB_BENCH_CACHE_DIR"
DEFAULT_CACHE = Path("~/.cache/tfhub-bench")
TOKENS_FOLDER = "tokens"


def cache_root() -> Path:
    """The cache folder this process uses (:data:`CACHE_ENV`, else :data:`DEFAULT_CACHE`)."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


# Inside a results folder
RUNS_FOLDER = "runs"
FAILED_FOLDER = "failed"
CHECKPOINTS_FOLDER = "checkpoints"
SELECTIONS_FOLDER = "selections"  # run --learning-rates: which rate each model was picked at
PLOTS_FOLDER = "plots"
LEADERBOARD_PAGE = "leaderboard.md"
LEADERBOARD_TABLE = "leaderboard.csv"
LEADERBOARD_HTML = "leaderboard.html"  # the page to share: self-contained, sortable

# Inside a models folder
STANDINS_FOLDER = "standins"
IMPORTED_FOLDER = "imported"
VOCAB_FOLDER = "vocab"

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the benchmark package
SOURCE_ROOT = PACKAGE_ROOT.parent  # what goes on PYTHONPATH to import it (the repository in a source checkout)
