"""Registry of text encoders, by key: TF-Hub's presets, KerasHub's, then those imported into a models folder."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Iterable

from benchmark.core.suggest import unknown_model
from benchmark.encoders.imported import imported_specs
from benchmark.encoders.keras_hub_presets import KERAS_HUB_PRESETS
from benchmark.encoders.presets import PRESETS
from benchmark.encoders.spec import EncoderSpec


def _index(entries: Iterable[EncoderSpec]) -> dict[str, EncoderSpec]:
    index: dict[str, EncoderSpec] = {}
    for spec in entries:
        if spec.key in index:
            raise ValueError(f"duplicate encoder key in registry: {spec.key}")
        index[spec.key] = spec
    return index


REGISTRY: dict[str, EncoderSpec] = _index(EncoderSpec(**preset) for preset in PRESETS)  # TF-Hub's
KERAS_HUB: dict[str, EncoderSpec] = _index(EncoderSpec(**preset) for preset in KERAS_HUB_PRESETS)
if REGISTRY.keys() & KERAS_HUB.keys():
    raise ValueError(f"KerasHub keys clash with TF-Hub's: {sorted(REGISTRY.keys() & KERAS_HUB.keys())}")


def all_specs(models_dir: Path | None = None) -> dict[str, EncoderSpec]:
    """TF-Hub's registry, KerasHub's, then the encoders imported into ``models_dir``."""
    registered = REGISTRY | KERAS_HUB
    return registered | imported_specs(models_dir, registered)


def suite_specs(models_dir: Path | None = None) -> dict[str, EncoderSpec]:
    """What ``--all`` runs and fetches: :func:`all_specs` without KerasHub's presets (those run by ``--model``)."""
    return {key: spec for key, spec in all_specs(models_dir).items() if key not in KERAS_HUB}


def list_models(pattern: str = "*", models_dir: Path | None = None) -> list[str]:
    """Registered (and imported) keys matching a shell-style wildcard, in registry order."""
    return [key for key in all_specs(models_dir) if fnmatch.fnmatchcase(key, pattern)]


def get_spec(key: str, models_dir: Path | None = None) -> EncoderSpec:
    """The spec registered (or imported into ``models_dir``) under ``key``; a miss names the closest keys."""
    specs = all_specs(models_dir)
    try:
        return specs[key]
    except KeyError:
        raise unknown_model(key, specs) from None
