"""Registry of TF-Hub text encoders (the presets, then those imported into a models folder), by key."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Iterable

from benchmark.core.suggest import unknown_model
from benchmark.encoders.imported import imported_specs
from benchmark.encoders.presets import PRESETS
from benchmark.encoders.spec import EncoderSpec


def _index(entries: Iterable[EncoderSpec]) -> dict[str, EncoderSpec]:
    index: dict[str, EncoderSpec] = {}
    for spec in entries:
        if spec.key in index:
            raise ValueError(f"duplicate encoder key in registry: {spec.key}")
        index[spec.key] = spec
    return index


REGISTRY: dict[str, EncoderSpec] = _index(EncoderSpec(**preset) for preset in PRESETS)


def all_specs(models_dir: Path | None = None) -> dict[str, EncoderSpec]:
    """The registry followed by the encoders imported into ``models_dir``."""
    return REGISTRY | imported_specs(models_dir, REGISTRY)


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
