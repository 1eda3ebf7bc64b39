"""What makes two runs the same run: the configuration hash that decides whether a finished run is skipped."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from benchmark.core.hashing import stable_hash
from benchmark.data.prepared import PreparedData, data_fingerprint
from benchmark.data.registry import IMDB_INFO
from benchmark.encoders.source import EncoderSource
from benchmark.encoders.spec import EncoderSpec
from benchmark.records.labels import DEFAULT_INFERENCE, WEIGHTS_STANDIN
from benchmark.records.validation import RULE_ID
from benchmark.training.config import RunConfig
from benchmark.training.precision import AUTO, rebuilds_encoder, resolve_precision

# Settings whose effect the data fingerprint already captures, left out of the configuration hash.
HASH_EXCLUDED = ("train_samples", "test_samples", "validation_fraction")


def resolved_learning_rate(spec: EncoderSpec, config: RunConfig) -> float:
    return config.learning_rate if config.learning_rate is not None else spec.learning_rate


def config_hash(source: EncoderSource, config: RunConfig, data: PreparedData, replicas: int = 1) -> str:
    """A stable hash of everything that determines a run's outcome, and nothing else.

    In: the model, its weights (handles, or for a stand-in its architecture and vocabulary, which its cache folder
    name encodes), every hyperparameter (the learning rate resolved; the batch size per replica), the replicas
    in sync when more than one (they multiply the batch each optimizer step sees), the exact reviews of each split,
    the rule that picks the tested epoch (when the best epoch is restored), and the class names when they are not
    IMDb's ``negative``/``positive`` (they set the head: more than two classes have a logit each). Out: when and where it ran, the data's location or format, the stand-in cache
    location and library versions. One replica and IMDb's two classes add nothing, so those hashes are the ones
    earlier versions computed. ``--precision auto`` enters as the precision it resolves to; where that is float32
    (a CPU without bf16), ``native_encoder`` too: auto then trains the natively rebuilt encoder, which draws other
    dropout masks than the hub layer an explicit float32 trains, so the two are different runs.
    """
    if source.weights == WEIGHTS_STANDIN:
        encoder: dict[str, Any] = {"standin": Path(source.encoder_handle).parent.name,
                                   "architecture": dataclasses.asdict(source.spec) | {"name": None, "citation": None}}
    else:
        encoder = {"encoder_handle": source.encoder_handle, "preprocessor_handle": source.preprocessor_handle}
    hyperparameters = {k: v for k, v in config.hyperparameters().items() if k not in HASH_EXCLUDED}
    if config.inference == DEFAULT_INFERENCE:
        del hyperparameters["inference"]  # the default adds nothing, so hashes stay those of earlier versions
    if not config.restore_best_epoch:
        del hyperparameters["restore_best_epoch"]  # testing the last epoch is what runs before the option did
    else:  # the rule picks the epoch whose weights are tested: another rule, another outcome
        hyperparameters["best_epoch_rule"] = RULE_ID
    hyperparameters["precision"] = resolve_precision(config.precision)  # auto: what it means on this device
    if config.precision == AUTO and not rebuilds_encoder(hyperparameters["precision"], config.jit_compile,
                                                          config.inference != DEFAULT_INFERENCE):
        hyperparameters["native_encoder"] = True  # auto's float32 rebuilds the encoder; explicit float32 does not
    identity = {
        "model": source.spec.key,
        "weights": source.weights,
        "encoder": encoder,
        "hyperparameters": hyperparameters | {"learning_rate": resolved_learning_rate(source.spec, config)},
        "data": data_fingerprint(data),
    }
    if replicas != 1:
        identity["replicas"] = replicas
    return stable_hash(identity | dataset_identity(data))


def dataset_identity(data: PreparedData) -> dict[str, Any]:
    """What a dataset adds to a configuration hash beyond its fingerprint: the class names, unless IMDb's two."""
    return {} if data.label_names == IMDB_INFO.label_names else {"classes": list(data.label_names)}
