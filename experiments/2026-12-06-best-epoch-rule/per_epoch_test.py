"""Which epoch should a run test? Per-epoch validation and test scores of real fine-tuning runs.

Question: with a few hundred validation reviews, validation accuracy ties between epochs are common. Does choosing
the best epoch by validation loss, or by validation accuracy with validation loss breaking ties, select epochs that
score better on held-out test reviews than validation accuracy alone with ties going to the earliest epoch (the rule
before this experiment), or than simply the last epoch?

How: for each seed, ``run``'s own data preparation (a seeded class-balanced subset of IMDb's train split, the
validation split carved from it; a seeded balanced subset of the test split) and the product's own training steps
(``benchmark.training.fine_tune``: tokenize, compile, fit), with one extra callback that scores the test reviews
(and, per example, the validation reviews) after every epoch. Test reviews are never used for anything but this record. One JSON file per seed goes to
``<out>/raw/seed<s>.json`` (atomically; a finished seed is skipped, so the script resumes). ``analyse.py`` applies
each selection rule to the files.

Run from the repository root, with all-MiniLM-L6-v2 imported as ``minilm_l6_h384`` (docs/import-hf.md):
  python experiments/2026-12-06-best-epoch-rule/per_epoch_test.py --data ../shared/data/aclImdb_labeled.tar.gz
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="IMDb archive or aclImdb folder")
    parser.add_argument("--models-dir", type=Path, default=Path("models"), help="holds imported/minilm_l6_h384")
    parser.add_argument("--model", default="minilm_l6_h384")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--train-samples", type=int, default=1250, help="train + validation reviews")
    parser.add_argument("--validation-fraction", type=float, default=0.2)
    parser.add_argument("--test-samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    return parser.parse_args(argv)


def one_seed(args: argparse.Namespace, seed: int) -> dict:
    import tf_keras

    from benchmark.data.catalog import load_dataset
    from benchmark.data.prepared import data_fingerprint, prepare_data
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.source import pretrained_source
    from benchmark.records.metrics import classification_metrics
    from benchmark.training import fine_tune as ft
    from benchmark.training.config import RunConfig
    from benchmark.training.distribute import choose_strategy
    from benchmark.training.evaluation import predict_probabilities

    config = RunConfig(epochs=args.epochs, seq_length=args.seq_length, seed=seed, learning_rate=args.learning_rate,
                       train_samples=args.train_samples, test_samples=args.test_samples,
                       validation_fraction=args.validation_fraction)
    config.validate()
    data = prepare_data(load_dataset("imdb", args.data), config.data)
    source = pretrained_source(get_spec(args.model, args.models_dir))
    tf_keras.utils.set_random_seed(seed)
    located = ft.locate_weights(source)
    encoded = ft.tokenize(source, data, config, located["preprocessor"].folder)
    compiled = ft.compile_classifier(source, config, choose_strategy("default"), encoded.train, data.num_classes)
    epochs: list[dict] = []

    class TestEveryEpoch(tf_keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            start = time.perf_counter()
            probabilities = predict_probabilities(self.model, encoded.test, compiled.batch_size, 0, config.bucketing)
            test = classification_metrics(encoded.test.labels, probabilities, class_names=data.label_names)
            validation = predict_probabilities(self.model, encoded.validation, compiled.batch_size, 0,
                                               config.bucketing)
            epochs.append({"epoch": epoch + 1, "validation_accuracy": float(logs["val_accuracy"]),
                           "validation_loss": float(logs["val_loss"]), "train_loss": float(logs["loss"]),
                           "test_accuracy": test["accuracy"], "test_loss": test["loss"],
                           "test_seconds": time.perf_counter() - start,
                           # per example, in the split's order: for resampling validation sets (analyse.py)
                           "validation_probabilities": [round(float(p), 5) for p in validation],
                           "test_probabilities": [round(float(p), 5) for p in probabilities]})
            logging.info("seed %d epoch %d: %s", seed, epoch + 1, epochs[-1])

    start = ft.Start(progress={}, epochs=0, batches=0, step=0)
    fit_start = time.perf_counter()
    ft.fit(compiled, encoded, config, source.spec.key, None, start, 2, TestEveryEpoch())
    return {"experiment": "2026-12-06-best-epoch-rule", "model": args.model, "seed": seed,
            "config": config.hyperparameters(), "precision": compiled.precision,
            "examples": {"train": len(data.train), "validation": len(data.validation), "test": len(data.test)},
            "data_fingerprint": data_fingerprint(data), "epochs": epochs,
            "validation_labels": [int(y) for y in encoded.validation.labels],
            "test_labels": [int(y) for y in encoded.test.labels],
            "seconds": time.perf_counter() - fit_start}


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args = parse_args(argv)
    from benchmark.core.atomic import atomic_write_text
    from benchmark.core.environment import describe_environment

    for seed in args.seeds:
        path = args.out / "raw" / f"seed{seed}.json"
        if path.is_file():
            logging.info("seed %d: done already (%s)", seed, path)
            continue
        record = one_seed(args, seed) | {"environment": describe_environment(seed)}
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
