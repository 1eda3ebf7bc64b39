"""KerasHub presets as encoders: located (downloaded through KerasHub's own Kaggle client), then converted.

Why conversion: a Keras 3 layer cannot go into the tf-keras classifier (tensorflow/hub#920), and the recipe (the
head, AdamW, precision policies, the native rebuild, the ``[CLS]``-only last layer, export, predict, serve) is
written once for tf-keras. Where a preset's architecture is one of the families here, its weights are copied into
that family's tf-keras encoder and exported as a TF-Hub encoder + preprocessor pair (the preprocessor from the
preset's own tokenizer), as ``import-hf`` does for Hugging Face checkpoints; everything
downstream is unchanged. DeBERTa-v3 converts into a tf-keras port of KerasHub's backbone
(:mod:`benchmark.encoders.deberta_v3`); the preprocessor tokenizes as the preset's tokenizer does, SentencePiece
included (:mod:`benchmark.encoders.keras_hub_preprocessor`). Keras 3 objects never leave this module: only NumPy
arrays do. RoBERTa and XLM-RoBERTa (:mod:`benchmark.encoders.families.keras3`) stop with one line.

Where presets come from: ``kagglehub.model_download`` of the pinned handle (what KerasHub's ``from_preset`` calls),
into kagglehub's cache (``KAGGLEHUB_CACHE``); with ``TFHUB_BENCH_KERAS_HUB_MIRROR`` set, a local folder laid out as
``<owner>/<model>/<framework>/<preset>/<version>/`` instead. Conversions are kept in ``<models dir>/keras_hub/``,
one folder per preset and content hash.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.core.atomic import atomic_directory
from benchmark.core.errors import UsageError
from benchmark.core.hashing import stable_hash
from benchmark.encoders.families import family
from benchmark.encoders.hub_cache import offline
from benchmark.encoders.keras_hub_layouts import LAYOUTS, token_embeddings, weight_names
from benchmark.encoders.spec import KERAS_HUB_SCHEME, EncoderSpec
from benchmark.encoders.standins import export_encoder

log = logging.getLogger(__name__)

MIRROR_ENV = "TFHUB_BENCH_KERAS_HUB_MIRROR"
CONVERTED_FOLDER = "keras_hub"
MANIFEST = "keras_hub.json"
PRESET_FILES = ("config.json", "model.weights.h5", "tokenizer.json")


def kaggle_handle(spec: EncoderSpec) -> str:
    """The preset's Kaggle handle without its scheme, e.g. ``keras/bert/keras/bert_tiny_en_uncased/3``."""
    return spec.encoder_handle.removeprefix(KERAS_HUB_SCHEME)


def fetch_hint(spec: EncoderSpec) -> str:
    return f"run `python -m benchmark fetch --model {spec.key}` where there is internet"


def _cached_preset(spec: EncoderSpec) -> Path | None:
    """The preset's folder in kagglehub's cache when complete there (kagglehub's own completion marker)."""
    from kagglehub.cache import Cache
    from kagglehub.handle import parse_model_handle

    found = Cache().load_from_cache(parse_model_handle(kaggle_handle(spec)))
    return Path(found) if found else None


def preset_folder(spec: EncoderSpec, download: bool = True) -> Path:
    """The preset's local folder: from the mirror, else kagglehub's cache, else downloaded (unless offline)."""
    if mirror := os.environ.get(MIRROR_ENV):
        folder = Path(mirror) / kaggle_handle(spec)
        if not (folder / "config.json").is_file():
            raise UsageError(f"{spec.key}: KerasHub preset {spec.encoder_handle} is not in the mirror {folder}")
        return folder
    if (cached := _cached_preset(spec)) is not None:
        return cached
    if offline() or not download:
        raise UsageError(f"{spec.key}: KerasHub preset {spec.encoder_handle} is not in the KerasHub (kagglehub) "
                         f"cache and --offline downloads nothing: {fetch_hint(spec)}, then `run --offline`")
    import kagglehub

    try:
        return Path(kagglehub.model_download(kaggle_handle(spec)))
    except Exception as error:  # noqa: BLE001 - network, authentication and missing handles end here
        raise UsageError(f"{spec.key}: cannot download KerasHub preset {spec.encoder_handle}: "
                         f"{_reason(error)}") from None


def fetch_preset(spec: EncoderSpec) -> tuple[Path, str]:
    """``fetch --model``: the preset in kagglehub's cache, checked by loading it with KerasHub, and whether it was
    ``cached``, ``downloaded`` or ``repaired`` (a cached copy that did not load, downloaded again)."""
    family_check(spec)
    status = "cached"
    if os.environ.get(MIRROR_ENV) is None and (cached := _cached_preset(spec)) is not None:
        try:
            load_preset(spec, cached)
            return cached, status
        except UsageError:
            status = "repaired"
    if status == "repaired":
        import kagglehub

        try:
            folder = Path(kagglehub.model_download(kaggle_handle(spec), force_download=True))
        except Exception as error:  # noqa: BLE001 - network, authentication and missing handles end here
            raise UsageError(f"{spec.key}: cannot download KerasHub preset {spec.encoder_handle}: "
                             f"{_reason(error)}") from None
    else:
        folder = preset_folder(spec)
        status = "downloaded"
    load_preset(spec, folder)  # a copy that still does not load is one line
    return folder, status


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0][:160] if str(error) else type(error).__name__


def load_preset(spec: EncoderSpec, folder: Path) -> tuple[Any, Any]:
    """KerasHub's backbone (weights loaded) and tokenizer from ``folder``; a damaged preset is one line."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras_hub

    try:
        backbone = keras_hub.models.Backbone.from_preset(str(folder))
        tokenizer = keras_hub.tokenizers.Tokenizer.from_preset(str(folder))
    except Exception as error:  # noqa: BLE001 - unreadable files, wrong classes, truncated weights end here
        raise UsageError(f"{spec.key}: KerasHub preset {folder} is damaged or incomplete ({_reason(error)}): "
                         f"{fetch_hint(spec)} to download it again") from None
    return backbone, tokenizer


def backbone_config(spec: EncoderSpec, vocab_size: int) -> tuple[str, dict[str, Any]]:
    """The KerasHub backbone class and arguments of ``spec``'s exact architecture with ``vocab_size`` tokens."""
    common = dict(num_layers=spec.num_layers, num_heads=spec.num_heads, hidden_dim=spec.hidden_size,
                  intermediate_dim=spec.intermediate_size, max_sequence_length=spec.max_positions)
    vocab = dict(vocabulary_size=vocab_size)
    return {
        "bert": ("BertBackbone", common | vocab),
        "electra": ("ElectraBackbone", common | dict(vocab_size=vocab_size, embedding_dim=spec.embedding_size
                                                     or spec.hidden_size)),
        "distilbert": ("DistilBertBackbone", common | vocab),
        "albert": ("AlbertBackbone", common | vocab | dict(embedding_dim=spec.embedding_size or spec.hidden_size)),
        "roberta": ("RobertaBackbone", common | vocab),
        "deberta_v3": ("DebertaV3Backbone", common | vocab | dict(bucket_size=spec.max_positions // 2)),
    }[spec.family]


def random_backbone(spec: EncoderSpec, vocab_size: int, seed: int = 0):
    """A KerasHub backbone of ``spec``'s exact configuration with random weights (Keras 3)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import keras_hub

    keras.utils.set_random_seed(seed)
    name, arguments = backbone_config(spec, vocab_size)
    return getattr(keras_hub.models, name)(**arguments)


def converted_weights(spec: EncoderSpec, backbone) -> dict[str, np.ndarray]:
    """The backbone's weights as NumPy arrays, keyed by tf-models-official variable name."""
    family_check(spec)
    by_path = {weight.path: np.asarray(weight.numpy(), np.float32) for weight in backbone.weights}
    names = weight_names(spec)
    wanted = {path for path in names.values() if path}
    if missing := sorted(wanted - by_path.keys()):
        raise UsageError(f"{spec.key}: the preset has no weight {missing[0]}: not a {spec.family} backbone of this "
                         "shape")
    random_pooler = set() if LAYOUTS[spec.family]["pooler"] else {"pooled_dense/kernel", "pooled_dense/bias"}
    if unused := sorted(by_path.keys() - wanted - random_pooler):
        raise UsageError(f"{spec.key}: preset weights without an encoder variable: {', '.join(unused[:3])}")
    zeros = np.zeros((spec.type_vocab_size, spec.embedding_size or spec.hidden_size), np.float32)
    return {tf_name: by_path[path] if path else zeros for tf_name, path in names.items()}


def tf_encoder(spec: EncoderSpec, values: dict[str, np.ndarray], vocab_size: int):
    """``spec``'s tf-models-official encoder holding ``values`` (every variable assigned, shapes checked)."""
    import tensorflow as tf

    from benchmark.encoders.build import build_encoder  # deferred: imports TensorFlow

    encoder = build_encoder(spec, vocab_size)
    ids = tf.zeros((1, 4), tf.int32)
    encoder(dict(input_word_ids=ids, input_mask=tf.ones_like(ids), input_type_ids=ids))  # creates the variables
    assigned = set()
    for variable in encoder.weights:
        name = variable.name.removesuffix(":0")
        match = [k for k in values if name == k] or [k for k in values if name.endswith("/" + k)]
        if not match or tuple(variable.shape) != values[match[0]].shape:
            raise UsageError(f"{spec.key}: encoder variable {name} {tuple(variable.shape)} has no preset weight of "
                             "that shape: the registry shape does not match the preset")
        variable.assign(values[match[0]])
        assigned.add(match[0])
    if unused := sorted(values.keys() - assigned):
        raise UsageError(f"{spec.key}: preset weights without an encoder variable: {', '.join(unused[:3])}")
    return encoder


def preset_hash(folder: Path) -> str:
    """A hash of the preset's files (names, sizes and modification times: cheap for large weights)."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    return stable_hash({p.relative_to(folder).as_posix(): [p.stat().st_size, int(p.stat().st_mtime)] for p in files})


def converted_dir(spec: EncoderSpec, folder: Path, models_dir: Path) -> Path:
    return Path(models_dir) / CONVERTED_FOLDER / f"{spec.key}-{preset_hash(folder)[:12]}"


def convert_preset(spec: EncoderSpec, models_dir: Path) -> Path:
    """The TF-Hub encoder + preprocessor converted from ``spec``'s preset (converted on first use, then kept).

    The preprocessor tokenizes as the preset's tokenizer does: its WordPiece vocabulary with its lower-casing and
    accent stripping, or its own SentencePiece model (ALBERT, DeBERTa-v3), with its special ids
    (:mod:`benchmark.encoders.keras_hub_preprocessor`)."""
    family_check(spec)
    folder = preset_folder(spec)
    target = converted_dir(spec, folder, models_dir)
    if (target / MANIFEST).is_file():
        return target
    backbone, tokenizer = load_preset(spec, folder)
    lower_case = bool(getattr(tokenizer, "lowercase", False))  # SentencePiece: the model's own normalisation
    actual = dataclasses.replace(spec, lower_case=lower_case)
    values = converted_weights(actual, backbone)
    vocab_size = int(values[token_embeddings(spec)].shape[0])
    encoder = tf_encoder(actual, values, vocab_size)
    del backbone, values
    log.info("converting KerasHub preset %s (%s, %d-token vocabulary) into %s", spec.encoder_handle,
             spec.architecture, vocab_size, target)
    with atomic_directory(target) as tmp:
        sentencepiece = _export(encoder, actual, tokenizer, vocab_size, tmp)
        manifest = dict(key=spec.key, preset=spec.encoder_handle, preset_folder=str(folder), family=spec.family,
                        tokenizer="sentencepiece" if sentencepiece else "wordpiece", lower_case=lower_case,
                        vocab_size=vocab_size, head_reads=spec.head_reads)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def _export(encoder, spec: EncoderSpec, tokenizer, vocab_size: int, out: Path) -> bool:
    """The encoder and the preprocessor of the preset's own tokenizer, exported to ``out``; whether it is
    SentencePiece."""
    from benchmark.encoders.keras_hub_preprocessor import export_keras_hub_preprocessor, tokenizer_asset  # TF

    asset, sentencepiece = tokenizer_asset(tokenizer, out)
    model = dict(sp_model_file=asset) if sentencepiece else {}
    export_encoder(encoder, spec, None if sentencepiece else asset, vocab_size, out, **model)
    export_keras_hub_preprocessor(out / "preprocessor", tokenizer, asset, sentencepiece)
    return sentencepiece


def family_check(spec: EncoderSpec) -> None:
    """One line for a preset whose family the shared head cannot take (no tf-keras encoder, or no converter)."""
    if spec.family in LAYOUTS:
        return
    family(spec.family).encoder_config(spec, spec.vocab_size, None)  # a Keras-3-only family names itself
    raise UsageError(f"{spec.key}: converting KerasHub's {spec.family} presets into a tf-keras encoder is not "
                     f"supported (converted families: {', '.join(LAYOUTS)})")
