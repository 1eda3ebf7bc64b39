"""SYNTHETIC run files for looking at the leaderboard at scale: N models x D datasets, nothing trained.

    python tools/synthetic_leaderboard.py --models 34 --datasets imdb ag_news --output /tmp/synthetic
    python -m benchmark report --output /tmp/synthetic

The first 34 models are the registry's keys and the TF-IDF baseline; more are numbered imported encoders. Accuracy
grows with the encoder's size, with noise; training time with its parameters. Every run's command says
``SYNTHETIC``; the numbers mean nothing about any model. For layout checks (the plots at 34 and 100 models) only.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path
from typing import Sequence

import numpy as np

from benchmark.encoders.registry import all_specs
from benchmark.records.labels import WEIGHTS_CLASSICAL, WEIGHTS_IMPORTED, WEIGHTS_PRETRAINED
from benchmark.records.metrics import classification_metrics
from benchmark.records.predictions import encode_predictions
from benchmark.records.run import RunResult, write_run

DATASETS = {"imdb": ("IMDb movie reviews", "IMDb", ("negative", "positive"), 0.93),
            "sst2": ("SST-2 (GLUE) movie-review sentences", "SST-2", ("negative", "positive"), 0.91),
            "ag_news": ("AG News topics", "AG News", ("World", "Sports", "Business", "Sci/Tech"), 0.94)}


def models(count: int) -> list[tuple[str, str, str, float]]:
    """``(key, name, weights, parameters)`` of ``count`` models: the registry, the baseline, then imports."""
    specs = list(all_specs().values())
    chosen = [(s.key, s.name, WEIGHTS_PRETRAINED, float(s.parameter_count)) for s in specs]
    chosen.append(("tfidf_logreg", "TF-IDF + logistic regression", WEIGHTS_CLASSICAL, 2e5))
    for index in range(len(chosen), count):
        chosen.append((f"imported_{index}", f"Imported encoder {index}", WEIGHTS_IMPORTED, 5e6 * (1 + index % 20)))
    return chosen[:count]


def synthetic_run(model: tuple[str, str, str, float], dataset: str, rng: random.Random, examples: int) -> RunResult:
    key, name, weights, parameters = model
    title, short, labels, ceiling = DATASETS[dataset]
    classes = len(labels)
    accuracy = min(ceiling, ceiling - 0.12 / math.log10(parameters) ** 1.5 + rng.gauss(0, 0.01))
    y = np.arange(examples) % classes
    wrong = rng.sample(range(examples), int(round((1 - accuracy) * examples)))
    predicted = y.copy()
    predicted[wrong] = (y[wrong] + 1 + np.array([rng.randrange(classes - 1) for _ in wrong], int)) % classes
    if classes == 2:
        probabilities = np.where(predicted == 1, 0.8, 0.2)
    else:
        probabilities = np.full((examples, classes), 0.1 / (classes - 1))
        probabilities[np.arange(examples), predicted] = 0.9
    seconds = parameters / 4e4 * rng.uniform(0.8, 1.25)
    steps = [{"step": s + 1, "epoch": 1 + s // 20, "loss": 0.7 * math.exp(-s / 25) + 0.05 + rng.random() * 0.05}
             for s in range(60)] if weights != WEIGHTS_CLASSICAL else []
    history = [{"epoch": e, "seconds": seconds / 3, "validation_accuracy": accuracy - 0.05 / e} for e in (1, 2, 3)]
    return RunResult(
        run_id=f"{key}-{dataset}-synthetic", created="2026-12-01T00:00:00+00:00",
        command="SYNTHETIC: tools/synthetic_leaderboard.py (nothing was trained)", config_hash=f"{key}-{dataset}",
        model={"key": key, "name": name, "architecture": "synthetic", "encoder_parameters": int(parameters)},
        encoder_handle="synthetic", preprocessor_handle="synthetic", weights=weights,
        hyperparameters={"epochs": 3, "seed": 42}, data={"source": "synthetic", "train_examples": 4 * examples,
                                                         "validation_examples": examples, "test_examples": examples},
        history=history, test=classification_metrics(y, probabilities, class_names=labels),
        timing={"train_seconds": seconds, "train_examples_per_second": 4 * examples * 3 / seconds},
        environment={"device": "synthetic"}, step_history=steps,
        dataset={"key": dataset, "name": title, "short_name": short, "label_names": list(labels),
                 "test_split": "test", "note": "SYNTHETIC run file"},
        predictions=encode_predictions(y, probabilities, f"synthetic-{dataset}-{examples}", classes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=34)
    parser.add_argument("--datasets", nargs="+", choices=tuple(DATASETS), default=["imdb"])
    parser.add_argument("--examples", type=int, default=1000, help="test examples per run")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    rng = random.Random(0)
    for dataset in args.datasets:
        for model in models(args.models):
            write_run(synthetic_run(model, dataset, rng, args.examples), args.output)
    print(f"wrote {args.models * len(args.datasets)} SYNTHETIC run files to {args.output / 'runs'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
