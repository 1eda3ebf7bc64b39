"""Where a run's encoder and preprocessor load from: the published (or imported) weights, or a stand-in."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

from benchmark.core.paths import DEFAULT_MODELS, VOCAB_FOLDER
from benchmark.encoders.imported import IMPORTED_VOCAB
from benchmark.encoders.keras_hub import convert_preset
from benchmark.encoders.spec import EncoderSpec
from benchmark.encoders.standins import build_standin
from benchmark.encoders.vocab import check_vocab_file, learned_vocab, learned_vocab_path
from benchmark.records.labels import WEIGHTS_IMPORTED, WEIGHTS_KERAS_HUB, WEIGHTS_PRETRAINED, WEIGHTS_STANDIN


@dataclasses.dataclass(frozen=True)
class EncoderSource:
    """Where a run's encoder and preprocessor load from, and what weights they carry."""

    spec: EncoderSpec
    encoder_handle: str
    preprocessor_handle: str
    weights: str


def pretrained_source(spec: EncoderSpec, models_dir: Path | None = None) -> EncoderSource:
    """The published weights: TF-Hub's handles, an imported encoder's folders, or a KerasHub preset converted into
    ``models_dir`` (:mod:`benchmark.encoders.keras_hub`; converted on first use)."""
    if spec.source == "keras_hub":
        folder = convert_preset(spec, Path(models_dir or DEFAULT_MODELS).resolve())
        return EncoderSource(spec, str(folder / "encoder"), str(folder / "preprocessor"), WEIGHTS_KERAS_HUB)
    weights = WEIGHTS_IMPORTED if spec.imported_dir else WEIGHTS_PRETRAINED
    return EncoderSource(spec, spec.encoder_handle, spec.preprocessor_handle, weights)


def source_record(spec: EncoderSpec) -> dict[str, Any]:
    """The run file's ``encoder_source``: where the encoder comes from, its pinned preset, what the head reads."""
    preset = spec.encoder_handle if spec.source == "keras_hub" else None
    version = int(preset.rsplit("/", 1)[1]) if preset else None
    return {"source": spec.source, "preset": preset, "preset_version": version, "head_reads": spec.head_reads}


def standin_source(spec: EncoderSpec, vocab_file: Path, models_dir: Path) -> EncoderSource:
    standin = build_standin(spec, vocab_file, Path(models_dir).resolve())
    return EncoderSource(spec, str(standin.encoder_path), str(standin.preprocessor_path), WEIGHTS_STANDIN)


def standin_vocab(spec: EncoderSpec, vocab: Path | None, models_dir: Path, texts: Sequence[str],
                  learn: bool) -> Path | None:
    """The stand-in vocabulary: ``--vocab``, else one learned from the training reviews (None if not learned yet
    and ``learn`` is False)."""
    if vocab is not None:
        check_vocab_file(vocab)
        return vocab
    if spec.imported_dir:  # a stand-in of an imported encoder tokenizes with the checkpoint's own vocabulary
        return Path(spec.imported_dir) / IMPORTED_VOCAB
    if learn:
        return learned_vocab(texts, spec.lower_case, Path(models_dir) / VOCAB_FOLDER)
    path = learned_vocab_path(texts, spec.lower_case, Path(models_dir) / VOCAB_FOLDER)
    return path if path.is_file() else None


def encoder_source(spec: EncoderSpec, standins: bool, vocab: Path | None, models_dir: Path,
                   texts: Sequence[str]) -> EncoderSource:
    """The published weights, or (``standins``) a stand-in built for the vocabulary :func:`standin_vocab` picks."""
    if not standins:
        return pretrained_source(spec, models_dir)  # an import's or a KerasHub preset's own weights
    return standin_source(spec, standin_vocab(spec, vocab, models_dir, texts, learn=True), models_dir)
