"""Which models a ``run`` runs, and which of them are done: planned configuration hashes and finished run files."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from benchmark.core.hashing import file_sha256
from benchmark.core.suggest import unknown_model
from benchmark.data.prepared import PreparedData
from benchmark.encoders.registry import all_specs, get_spec, suite_specs
from benchmark.encoders.source import EncoderSource, pretrained_source, standin_vocab
from benchmark.encoders.standins import standin_dir
from benchmark.records.labels import WEIGHTS_STANDIN
from benchmark.records.run import RunResult, load_runs
from benchmark.suite.options import RunOptions
from benchmark.training.baseline import BASELINES, baseline_hash
from benchmark.training.config import RunConfig
from benchmark.training.distribute import expected_replicas
from benchmark.training.identity import config_hash


def all_model_keys(models_dir: Path | None = None) -> list[str]:
    """What ``--all`` runs: every registered TF-Hub encoder, those imported into ``models_dir``, then the baselines
    (KerasHub's presets run by ``--model``)."""
    return [*suite_specs(models_dir), *BASELINES]


def model_name(key: str, models_dir: Path | None = None) -> str:
    return BASELINES[key].name if key in BASELINES else get_spec(key, models_dir).name


def resolve_keys(use_all: bool, keys: Sequence[str] | None, models_dir: Path | None = None) -> list[str]:
    """The models to run, in order; an unknown key is a UsageError naming the closest known keys."""
    if use_all:
        return all_model_keys(models_dir)
    known = [*all_specs(models_dir), *BASELINES]  # KerasHub's presets too
    for key in keys or ():
        if key not in known:
            raise unknown_model(key, known)
    return list(dict.fromkeys(keys or ()))


def planned_hash(key: str, config: RunConfig, data: PreparedData, options: RunOptions) -> str | None:
    """The configuration hash of ``key``'s run, without building anything; None when it cannot be known yet
    (the model process then decides)."""
    if key in BASELINES:
        return baseline_hash(BASELINES[key], config, data)
    replicas = expected_replicas(options.strategy, options.cpu_replicas)
    if replicas is None:
        return None
    spec = get_spec(key, options.models_dir)
    if not options.standins and spec.source == "keras_hub":
        return None  # its handles are the conversion's folders, known once the model process converts it
    if not options.standins:
        return config_hash(pretrained_source(spec), config, data, replicas)
    vocab = standin_vocab(spec, options.vocab, options.models_dir, data.train.texts, learn=False)
    if vocab is None:
        return None
    folder = standin_dir(spec, file_sha256(vocab), options.models_dir)
    source = EncoderSource(spec, str(folder / "encoder"), str(folder / "preprocessor"), WEIGHTS_STANDIN)
    return config_hash(source, config, data, replicas)


def completed_run(output_dir: Path, config_hash_: str | None) -> RunResult | None:
    """The newest readable run file with this configuration hash, if any."""
    if not config_hash_:
        return None
    runs, _ = load_runs(output_dir)
    matching = [run for run in runs if run.config_hash == config_hash_]
    return matching[-1] if matching else None
