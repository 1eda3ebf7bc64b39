"""The classical baseline: TF-IDF features and logistic regression (scikit-learn) on the same splits."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from benchmark.core.environment import describe_environment, package_version
from benchmark.core.hashing import stable_hash
from benchmark.data.config import DataConfig
from benchmark.data.prepared import PreparedData, data_fingerprint
from benchmark.records.labels import WEIGHTS_CLASSICAL
from benchmark.records.metrics import classification_metrics
from benchmark.records.run import RunResult
from benchmark.training.identity import dataset_identity
from benchmark.training.result import assemble_run, started

TFIDF_KEY = "tfidf_logreg"


@dataclasses.dataclass(frozen=True)
class BaselineSpec:
    """A classical, non-TF-Hub model runnable by ``run --model KEY`` (and included in ``--all``)."""

    key: str
    name: str
    description: str
    max_features: int = 100_000
    ngram_max: int = 2
    min_df: int = 2
    regularization_c: float = 4.0
    max_iter: int = 1000

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that change this baseline's outcome (the run's seed is added to them)."""
        return {name: value for name, value in dataclasses.asdict(self).items() if name not in ("name", "description")}


TFIDF_LOGREG = BaselineSpec(
    key=TFIDF_KEY,
    name="TF-IDF + logistic regression",
    description="scikit-learn TfidfVectorizer (word 1-2-grams, sublinear tf) and L2 LogisticRegression (liblinear)",
)
BASELINES: dict[str, BaselineSpec] = {TFIDF_KEY: TFIDF_LOGREG}


def baseline_hash(spec: BaselineSpec, config: DataConfig, data: PreparedData) -> str:
    """The configuration hash of a baseline run: its settings, the seed, the exact examples and (unless IMDb's two)
    the class names, nothing else.

    Epochs, batch size, sequence length and learning rate do not affect it, so they are left out.
    """
    return stable_hash({"model": spec.key, "settings": spec.settings, "seed": config.seed,
                        "data": data_fingerprint(data)} | dataset_identity(data))


MULTICLASS_SOLVER = "lbfgs"  # liblinear takes two classes only; lbfgs fits a multinomial (softmax) model


def tfidf_model(spec: BaselineSpec, seed: int, num_classes: int = 2) -> tuple[Any, Any]:
    """The untrained vectorizer and classifier of ``spec`` (liblinear for two classes, multinomial lbfgs for more)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # deferred: scikit-learn, for this model only
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, spec.ngram_max), min_df=spec.min_df, max_features=spec.max_features,
                                 sublinear_tf=True, strip_accents="unicode", lowercase=True)
    solver = "liblinear" if num_classes == 2 else MULTICLASS_SOLVER
    return vectorizer, LogisticRegression(C=spec.regularization_c, max_iter=spec.max_iter, solver=solver,
                                          random_state=seed)


def run_baseline(spec: BaselineSpec, data: PreparedData, config: DataConfig, command: str) -> RunResult:
    """Fit ``spec`` on the training reviews, score validation and test, and return a normal run result."""
    vectorizer, classifier = tfidf_model(spec, config.seed, data.num_classes)  # scikit-learn is imported first
    clock = started()
    train_start = time.perf_counter()
    classifier.fit(vectorizer.fit_transform(data.train.texts), data.train.labels)
    train_seconds = time.perf_counter() - train_start

    def probabilities_of(split) -> np.ndarray:
        predicted = classifier.predict_proba(vectorizer.transform(split.texts))
        if data.num_classes == 2:
            return predicted[:, 1]
        probabilities = np.zeros((len(split), data.num_classes))
        probabilities[:, classifier.classes_] = predicted  # columns in label-id order
        return probabilities

    def scores(split, probabilities: np.ndarray | None = None) -> dict[str, Any]:
        probabilities = probabilities_of(split) if probabilities is None else probabilities
        return classification_metrics(split.labels, probabilities, class_names=data.label_names)

    row: dict[str, Any] = {"epoch": 1, "seconds": train_seconds}
    train_scores = scores(data.train)
    row |= {"train_loss": train_scores["loss"], "train_accuracy": train_scores["accuracy"]}
    if data.validation is not None:
        validation_scores = scores(data.validation)
        row |= {"validation_loss": validation_scores["loss"], "validation_accuracy": validation_scores["accuracy"]}
    eval_start = time.perf_counter()
    test_probabilities = probabilities_of(data.test)
    test_metrics = scores(data.test, test_probabilities)
    eval_seconds = time.perf_counter() - eval_start
    environment = describe_environment(config.seed, accelerators=False)  # scikit-learn runs on the CPU
    environment["packages"] = environment["packages"] | {"scikit-learn": package_version("scikit-learn")}
    return assemble_run(
        spec.key, clock, data, seconds={"tokenize": 0.0, "train": train_seconds, "eval": eval_seconds},
        train_examples=len(data.train), test_probabilities=test_probabilities,
        command=command,
        config_hash=baseline_hash(spec, config, data),
        model={"key": spec.key, "name": spec.name, "architecture": f"{len(vectorizer.vocabulary_):,} TF-IDF features",
               "encoder_parameters": int(classifier.coef_.size + classifier.intercept_.size)},
        encoder_handle=f"n/a (classical: {spec.description})",
        preprocessor_handle="n/a (classical)",
        weights=WEIGHTS_CLASSICAL,
        hyperparameters={k: v for k, v in spec.settings.items() if k != "key"} | {
            "seed": config.seed, "epochs": None, "seq_length": None, "batch_size": None, "learning_rate": None} | (
            {} if data.num_classes == 2 else {"solver": f"{MULTICLASS_SOLVER} (multinomial)"}),
        history=[row],
        test=test_metrics,
        environment=environment,
        before_fine_tuning=None,
    )
