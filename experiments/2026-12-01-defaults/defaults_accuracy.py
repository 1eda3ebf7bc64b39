"""Paired accuracy of candidate ``run`` defaults: bucketing and head+tail truncation, with real pretrained weights.

Question: are ``bucketing=True`` and ``truncation="head_tail"`` safe defaults for ``python -m benchmark run``,
i.e. do they cost no accuracy compared with today's ``bucketing=False, truncation="head"``? (Their speed is
measured elsewhere; this script measures accuracy only.)

How: for each seed s (default 1, 2, 3), a label-balanced subset of 4,000 reviews of the IMDb TRAIN split
(``benchmark.data.balanced_subset(imdb.train, 4000, s, "train")``) is split 50/50 by
``benchmark.data.train_validation_split(subset, 0.5, s)`` into 2,000 training and 2,000 validation reviews.
The IMDb test split is not used at all. For each sequence length L (default 128, 256, 512) three
configurations are fine-tuned on the same 2,000 training reviews and scored on the same 2,000 validation
reviews, so their predictions can be compared review by review (paired):

  A: bucketing=False, truncation="head"       (today's defaults)
  B: bucketing=True,  truncation="head"
  C: bucketing=True,  truncation="head_tail"  (Sun et al. 2019)

Everything else is ``run``'s defaults: ``RunConfig(epochs=1, batch_size=32, seq_length=L, seed=s,
learning_rate=1e-4, ...)``, precision "auto". The encoder is all-MiniLM-L6-v2 imported as ``minilm_l6_h384``.
Training is the product's own ``benchmark.runner.fine_tune``, given the validation reviews as its "test" set
(and no validation set, so no extra pass during training); its ``on_trained`` hook re-scores those reviews
with ``benchmark.runner.predict_logits`` to record one probability per review, and checks that the accuracy of
those predictions equals the accuracy fine_tune reports.

One JSON file per run goes to ``<out>/raw/L<L>_seed<s>_<config>.json`` (written atomically); a run whose file
exists is skipped, so the script resumes after an interruption. Runs go length by length (128 first), seed
by seed, A, B, C, so partial results are already paired. ``analyse.py`` turns the files into ``results.md``.

Run from the worktree root with the worktree's package first on the path:
  PYTHONPATH=$PWD python experiments/2026-12-01-defaults/defaults_accuracy.py
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODEL_KEY = "minilm_l6_h384"
CONFIGS = {  # name: (bucketing, truncation)
    "A": (False, "head"),
    "B": (True, "head"),
    "C": (True, "head_tail"),
}
BATCH_SIZE = 32
LEARNING_RATE = 1e-4
EPOCHS = 1

log = logging.getLogger("defaults_accuracy")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/aclImdb_labeled.tar.gz"),
                        help="IMDb archive or aclImdb folder (benchmark.data.load_imdb)")
    parser.add_argument("--models-dir", type=Path, default=Path("/work/minilm-models"),
                        help=f"models dir holding imported/{MODEL_KEY}")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for raw/ (default: this script's folder)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--lengths", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--train", type=int, default=2000, help="training reviews per seed")
    parser.add_argument("--validation", type=int, default=2000, help="validation (scored) reviews per seed")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    return parser.parse_args(argv)


def git_state(root: Path) -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {"commit": git("rev-parse", "HEAD") or None,
            # tracked changes to the package itself (this experiment's folder is untracked and not counted)
            "benchmark_modified": bool(git("status", "--porcelain", "--", "benchmark"))}


def write_json_atomic(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def seed_data(imdb, seed: int, n_train: int, n_validation: int):
    """The seed's training and validation reviews, both from IMDb's train split."""
    from benchmark.data import balanced_subset, train_validation_split

    total = n_train + n_validation
    subset = balanced_subset(imdb.train, total, seed, "train")
    train, validation = train_validation_split(subset, n_validation / total, seed)
    if len(train) != n_train or len(validation) != n_validation:
        raise SystemExit(f"seed {seed}: split gave {len(train)}/{len(validation)} reviews, "
                         f"wanted {n_train}/{n_validation}")
    if set(train.texts) & set(validation.texts):
        log.warning("seed %d: %d validation reviews also occur in training", seed,
                    len(set(train.texts) & set(validation.texts)))
    return train, validation


def one_run(source, train, validation, seq_length: int, seed: int, name: str, command: str,
            token_counts: np.ndarray) -> dict:
    import tf_keras

    from benchmark.data import count_shared
    from benchmark.metrics import sigmoid
    from benchmark.model import load_handle
    from benchmark.pipeline import tokenize_split
    from benchmark.runner import PreparedData, RunConfig, data_fingerprint, fine_tune, predict_logits

    bucketing, truncation = CONFIGS[name]
    config = RunConfig(epochs=EPOCHS, batch_size=BATCH_SIZE, seq_length=seq_length, seed=seed,
                       truncation=truncation, bucketing=bucketing, learning_rate=LEARNING_RATE)
    config.validate()
    data = PreparedData(train=train, validation=None, test=validation, source="aclImdb_labeled.tar.gz")
    captured: dict = {}

    def on_trained(model, result) -> None:
        start = time.perf_counter()
        preprocessor = load_handle(source.preprocessor_handle, "preprocessor")
        encoded = tokenize_split(validation, preprocessor, seq_length, truncation)
        logits = predict_logits(model, encoded, BATCH_SIZE, bucketing)
        captured["probabilities"] = sigmoid(logits)
        captured["packed_lengths"] = encoded.lengths.copy()
        captured["hook_seconds"] = time.perf_counter() - start

    result = fine_tune(source, data, config, command, on_trained=on_trained)

    labels = validation.labels.astype(int)
    probabilities = np.asarray(captured["probabilities"], dtype=np.float64)
    correct = (probabilities >= 0.5).astype(int) == labels
    accuracy = float(correct.mean())
    reported = float(result.test["accuracy"])
    reviews_apart = abs(int(correct.sum()) - int(round(reported * len(labels))))
    if reviews_apart > 1:
        log.warning("L=%d seed=%d %s: per-review accuracy %.4f but fine_tune reported %.4f (%d reviews apart)",
                    seq_length, seed, name, accuracy, reported, reviews_apart)
    tf_keras.backend.clear_session()
    return {
        "experiment": "2026-12-01-defaults",
        "model": MODEL_KEY,
        "seq_length": seq_length,
        "seed": seed,
        "config": name,
        "bucketing": bucketing,
        "truncation": truncation,
        "run_config": {k: v for k, v in result.hyperparameters.items() if k in (
            "epochs", "batch_size", "seq_length", "learning_rate", "seed", "dropout", "warmup_fraction",
            "truncation", "bucketing", "steps_per_execution", "precision_requested", "jit_compile", "inference",
            "steps_per_epoch", "warmup_steps")},
        "precision": result.hyperparameters["precision"],
        "accuracy": accuracy,
        "accuracy_fine_tune": reported,
        "accuracy_reviews_apart": reviews_apart,
        "n_validation": int(len(labels)),
        "n_train": int(len(train)),
        "validation_reviews_also_in_train": count_shared(train, validation),
        "probabilities": [float(p) for p in probabilities],
        "labels": [int(y) for y in labels],
        "token_counts": [int(n) for n in token_counts],  # word pieces per validation review, before truncation
        "packed_lengths": [int(n) for n in captured["packed_lengths"]],
        "timing": {k: result.timing[k] for k in ("train_seconds", "eval_seconds", "tokenize_seconds",
                                                 "wall_seconds")},
        "hook_seconds": captured["hook_seconds"],
        "train_loss": [row.get("train_loss") for row in result.history],
        "history": result.history,
        "test_metrics_fine_tune": result.test,
        "before_fine_tuning": result.before_fine_tuning,
        "config_hash": result.config_hash,
        "data_fingerprint": data_fingerprint(data),
        "run_id": result.run_id,
        "created": result.created,
        "command": command,
        "git": GIT,
        "environment": result.environment,
        "weights_source": result.weights_source,
    }


GIT: dict = {}


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)

    import benchmark

    worktree = Path(benchmark.__file__).resolve().parent.parent
    GIT.update(git_state(worktree))
    log.info("benchmark package from %s, commit %s%s", worktree, GIT["commit"],
             " (benchmark/ modified)" if GIT["benchmark_modified"] else "")

    import tensorflow as tf  # noqa: F401 - after logging is set up
    import tf_keras

    from benchmark.data import load_imdb
    from benchmark.model import load_handle
    from benchmark.pipeline import tokenize_texts
    from benchmark.registry import get_spec
    from benchmark.runner import pretrained_source

    raw = args.out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    plan = [(length, seed, name) for length in args.lengths for seed in args.seeds for name in args.configs]
    todo = [(l, s, c) for l, s, c in plan if not (raw / f"L{l}_seed{s}_{c}.json").exists()]
    log.info("%d runs planned, %d already done, %d to do", len(plan), len(plan) - len(todo), len(todo))
    if not todo:
        return 0

    spec = get_spec(MODEL_KEY, args.models_dir)
    source = pretrained_source(spec)
    started = time.perf_counter()
    imdb = load_imdb(args.data)
    log.info("loaded %s in %.0fs: %d train reviews", imdb.source, time.perf_counter() - started, len(imdb.train))
    preprocessor = load_handle(source.preprocessor_handle, "preprocessor")
    seeds: dict[int, tuple] = {}
    for seed in sorted({s for _, s, _ in todo}):
        train, validation = seed_data(imdb, seed, args.train, args.validation)
        counts = np.array([len(t) for t in tokenize_texts(validation.texts, preprocessor)])
        seeds[seed] = (train, validation, counts)
    del imdb, preprocessor
    gc.collect()

    command = " ".join([Path(sys.executable).name, *sys.argv])
    failures = 0
    for index, (length, seed, name) in enumerate(todo, 1):
        path = raw / f"L{length}_seed{seed}_{name}.json"
        train, validation, counts = seeds[seed]
        log.info("=== run %d/%d: L=%d seed=%d config %s (bucketing=%s, truncation=%s) -> %s", index, len(todo),
                 length, seed, name, *CONFIGS[name], path.name)
        run_start = time.perf_counter()
        try:
            record = one_run(source, train, validation, length, seed, name, command, counts)
        except Exception:  # noqa: BLE001 - record the failure, go on with the other runs
            failures += 1
            log.error("run L=%d seed=%d %s failed:\n%s", length, seed, name, traceback.format_exc())
        else:
            write_json_atomic(path, record)
            log.info("=== done L=%d seed=%d %s: accuracy %.4f (fine_tune %.4f), train %.0fs, eval %.0fs, "
                     "run %.0fs; %s", length, seed, name, record["accuracy"], record["accuracy_fine_tune"],
                     record["timing"]["train_seconds"], record["timing"]["eval_seconds"],
                     time.perf_counter() - run_start, path)
        tf_keras.backend.clear_session()
        gc.collect()
    log.info("finished: %d runs written, %d failed, %.0fs in all", len(todo) - failures, failures,
             time.perf_counter() - started)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
