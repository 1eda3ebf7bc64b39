"""Encoders imported from Hugging Face checkpoints: their specs on disk, in ``<models dir>/imported/<key>/``."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Container

from benchmark.core.paths import IMPORTED_FOLDER
from benchmark.encoders.spec import EncoderSpec

log = logging.getLogger(__name__)

SPEC_FILE = "encoder_spec.json"
IMPORTED_VOCAB = "vocab.txt"
_LOCATED_FIELDS = ("encoder_handle", "preprocessor_handle", "imported_dir")


def imported_spec_path(models_dir: Path, key: str) -> Path:
    """Where ``import-hf`` writes the spec of the encoder imported under ``key``."""
    return Path(models_dir) / IMPORTED_FOLDER / key / SPEC_FILE


def spec_to_json(spec: EncoderSpec) -> str:
    """The spec as JSON, without the fields that follow from where its folder is."""
    fields = {k: v for k, v in dataclasses.asdict(spec).items() if k not in _LOCATED_FIELDS}
    return json.dumps(fields, indent=2) + "\n"


def load_imported_spec(path: Path) -> EncoderSpec:
    """The spec in ``path`` (an ``encoder_spec.json``), with handles pointing at its sibling SavedModels."""
    folder = Path(path).resolve().parent
    fields = json.loads(Path(path).read_text(encoding="utf-8"))
    return EncoderSpec(**fields, encoder_handle=str(folder / "encoder"),
                       preprocessor_handle=str(folder / "preprocessor"), imported_dir=str(folder))


def imported_specs(models_dir: Path | None, registered: Container[str] = ()) -> dict[str, EncoderSpec]:
    """Encoders imported into ``models_dir`` (none when it is ``None`` or has no imports), by key; one whose key is
    ``registered`` already is skipped with a warning."""
    found: dict[str, EncoderSpec] = {}
    if models_dir is None:
        return found
    for path in sorted((Path(models_dir) / IMPORTED_FOLDER).glob(f"*/{SPEC_FILE}")):
        try:
            spec = load_imported_spec(path)
        except (OSError, ValueError, TypeError) as error:
            log.warning("skipped imported encoder %s: %s", path, error)
            continue
        if spec.key in registered or spec.key != path.parent.name:
            log.warning("skipped imported encoder %s: key %r clashes with the registry or its folder", path, spec.key)
            continue
        found[spec.key] = spec
    return found
