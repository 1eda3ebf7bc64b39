"""Imports a Hugging Face BERT or DistilBERT checkpoint as a local TF-Hub encoder + preprocessor."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np

from benchmark.core.atomic import atomic_directory
from benchmark.core.errors import UsageError
from benchmark.encoders.families import HF_FAMILIES
from benchmark.encoders.hf_checkpoint import HfCheckpoint, checkpoint_folder, read_checkpoint
from benchmark.encoders.imported import IMPORTED_VOCAB, imported_spec_path, load_imported_spec, spec_to_json
from benchmark.encoders.registry import KERAS_HUB, REGISTRY
from benchmark.encoders.presets import SMALL_LEARNING_RATE
from benchmark.encoders.spec import EncoderSpec
from benchmark.encoders.standins import export_tfhub
from benchmark.records.labels import WEIGHTS_IMPORTED

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
IMPORT_MANIFEST = "import.json"
POOLER_SEED = 0
DEFAULT_LEARNING_RATE = 5e-5

def _tensor(ckpt: HfCheckpoint, name: str, suffix: str) -> np.ndarray:
    """``name.suffix``, accepting the older LayerNorm names ``gamma``/``beta``."""
    aliases = {"weight": ("weight", "gamma"), "bias": ("bias", "beta")}[suffix]
    for alias in aliases:
        if f"{name}.{alias}" in ckpt.weights:
            return np.asarray(ckpt.weights[f"{name}.{alias}"], dtype=np.float32)
    raise UsageError(f"{ckpt.path}: weight {name}.{suffix} is missing: the checkpoint is incomplete or not a "
                     f"{ckpt.model_type} encoder")


def tf_weights(ckpt: HfCheckpoint) -> dict[str, np.ndarray]:
    """The checkpoint's tensors keyed by tf-models-official variable name, in its layouts.

    PyTorch ``Linear`` stores ``[out, in]``; Keras kernels are ``[in, out]``, and attention kernels split
    the hidden axis into ``[heads, head_size]``. DistilBERT has no segment embeddings (zeros here, so
    any ``input_type_ids`` add nothing) and no pooler (see ``ClsPooledBertEncoder``).
    """
    h, heads = ckpt.hidden_size, ckpt.num_heads
    size = h // heads
    out = {
        "word_embeddings/embeddings": _tensor(ckpt, "embeddings.word_embeddings", "weight"),
        "position_embedding/embeddings": _tensor(ckpt, "embeddings.position_embeddings", "weight"),
        "embeddings/layer_norm/gamma": _tensor(ckpt, "embeddings.LayerNorm", "weight"),
        "embeddings/layer_norm/beta": _tensor(ckpt, "embeddings.LayerNorm", "bias"),
    }
    layout = HF_FAMILIES[ckpt.model_type].hf
    if layout.token_types:
        out["type_embeddings/embeddings"] = _tensor(ckpt, "embeddings.token_type_embeddings", "weight")
    else:
        out["type_embeddings/embeddings"] = np.zeros((ckpt.type_vocab_size, h), np.float32)
    names = layout.layer_names
    for i in range(ckpt.num_layers):
        hf = layout.layer_path.format(i=i)
        tf = f"transformer/layer_{i}/"
        for part in ("query", "key", "value"):
            name = hf + names[f"self_attention/{part}"]
            out[f"{tf}self_attention/{part}/kernel"] = _tensor(ckpt, name, "weight").T.reshape(h, heads, size)
            out[f"{tf}self_attention/{part}/bias"] = _tensor(ckpt, name, "bias").reshape(heads, size)
        name = hf + names["self_attention/attention_output"]
        out[f"{tf}self_attention/attention_output/kernel"] = _tensor(ckpt, name, "weight").T.reshape(heads, size, h)
        out[f"{tf}self_attention/attention_output/bias"] = _tensor(ckpt, name, "bias")
        for part in ("intermediate", "output"):
            out[f"{tf}{part}/kernel"] = _tensor(ckpt, hf + names[part], "weight").T
            out[f"{tf}{part}/bias"] = _tensor(ckpt, hf + names[part], "bias")
        for part in ("self_attention_layer_norm", "output_layer_norm"):
            out[f"{tf}{part}/gamma"] = _tensor(ckpt, hf + names[part], "weight")
            out[f"{tf}{part}/beta"] = _tensor(ckpt, hf + names[part], "bias")
    if layout.pooler and "pooler.dense.weight" in ckpt.weights:
        out["pooler_transform/kernel"] = _tensor(ckpt, "pooler.dense", "weight").T
        out["pooler_transform/bias"] = _tensor(ckpt, "pooler.dense", "bias")
    return out


def pooler_note(ckpt: HfCheckpoint) -> str:
    """How the imported encoder's ``pooled_output`` is made."""
    family = HF_FAMILIES[ckpt.model_type]
    if not family.hf.pooler:
        return f"final [CLS] state ({family.display_name} has no pooler)"
    if "pooler.dense.weight" in ckpt.weights:
        return "dense + tanh over [CLS], from the checkpoint"
    return f"dense + tanh over [CLS], randomly initialised (seed {POOLER_SEED}): not in the checkpoint"


def spec_for(ckpt: HfCheckpoint, key: str, name: str | None, citation: str | None,
             learning_rate: float | None) -> EncoderSpec:
    """The registry entry of the imported encoder (handles are filled in where it is stored)."""
    family = HF_FAMILIES[ckpt.model_type]
    pooler_random = family.hf.pooler and "pooler.dense.weight" not in ckpt.weights
    default_name = f"{ckpt.path.name} (imported {ckpt.model_type})"
    return EncoderSpec(
        key=key,
        name=(name or default_name) + (" [pooler: random init]" if pooler_random else ""),
        encoder_handle="", preprocessor_handle="",
        num_layers=ckpt.num_layers, hidden_size=ckpt.hidden_size, num_heads=ckpt.num_heads,
        intermediate_size=ckpt.intermediate_size, vocab_size=len(ckpt.vocab),
        family=family.name,
        lower_case=ckpt.lower_case,
        learning_rate=learning_rate or (SMALL_LEARNING_RATE if ckpt.hidden_size <= 256 else DEFAULT_LEARNING_RATE),
        citation=citation or f"Hugging Face checkpoint {ckpt.path.name} (weights sha256 {ckpt.weights_sha256[:12]})",
        max_positions=ckpt.max_positions, type_vocab_size=ckpt.type_vocab_size, activation=ckpt.activation,
    )


def build_imported_encoder(ckpt: HfCheckpoint, spec: EncoderSpec):
    """A tf-models-official encoder of ``spec``'s shape holding the checkpoint's weights."""
    import tensorflow as tf

    from benchmark.encoders.build import build_encoder  # deferred: imports TensorFlow

    tf.keras.utils.set_random_seed(POOLER_SEED)  # only a missing pooler keeps its initial values
    encoder = build_encoder(spec, spec.vocab_size)
    ids = tf.zeros((1, 4), tf.int32)
    encoder(dict(input_word_ids=ids, input_mask=tf.ones_like(ids), input_type_ids=ids))  # creates the variables
    values = tf_weights(ckpt)
    assigned = set()
    for variable in encoder.weights:
        name = variable.name.removesuffix(":0")
        match = [k for k in values if name == k or name.endswith("/" + k)]
        if not match:
            if name.startswith("pooler_transform") or "/pooler_transform/" in name:
                continue  # pooler absent from the checkpoint: stays randomly initialised (see pooler_note)
            raise UsageError(f"{ckpt.path}: no checkpoint tensor for encoder variable {name}")
        value = values[match[0]]
        if tuple(variable.shape) != value.shape:
            raise UsageError(f"{ckpt.path}: {match[0]} has shape {value.shape}, the encoder expects "
                             f"{tuple(variable.shape)}: config.json does not match the weights")
        variable.assign(value)
        assigned.add(match[0])
    unused = sorted(set(values) - assigned)
    if unused:
        raise UsageError(f"{ckpt.path}: checkpoint tensors without an encoder variable: {', '.join(unused[:3])}")
    return encoder


def import_checkpoint(source: Path, key: str, models_dir: Path, *, name: str | None = None,
                      citation: str | None = None, learning_rate: float | None = None,
                      lower_case: bool | None = None, force: bool = False) -> EncoderSpec:
    """Import the checkpoint at ``source`` (folder or .zip) into ``models_dir/imported/key``; return its spec."""
    if not KEY_PATTERN.fullmatch(key):
        raise UsageError(f"--key {key!r}: use 1-64 lower-case letters, digits, '_', '-' or '.'")
    if key in REGISTRY or key in KERAS_HUB:
        raise UsageError(f"--key {key} is a registry entry: choose another key for the imported encoder")
    spec_path = imported_spec_path(models_dir, key)
    if spec_path.exists() and not force:
        raise UsageError(f"{spec_path.parent} already exists: pass --force to replace it, or choose another --key")
    with checkpoint_folder(source) as folder:
        ckpt = read_checkpoint(folder, lower_case)
        spec = spec_for(ckpt, key, name, citation, learning_rate)
        log.info("importing %s (%s, %s, %d-token vocabulary, lower_case=%s from %s) as %s",
                 source, ckpt.model_type, spec.architecture, len(ckpt.vocab), ckpt.lower_case,
                 ckpt.lower_case_source, key)
        encoder = build_imported_encoder(ckpt, spec)
        with atomic_directory(spec_path.parent) as tmp:
            vocab_file = tmp / IMPORTED_VOCAB
            vocab_file.write_text("\n".join(ckpt.vocab) + "\n", encoding="utf-8")
            export_tfhub(encoder, spec, vocab_file, len(ckpt.vocab), tmp)
            (tmp / spec_path.name).write_text(spec_to_json(spec), encoding="utf-8")
            manifest = dict(source=str(Path(source).resolve()), model_type=ckpt.model_type,
                            weights_sha256=ckpt.weights_sha256, pooled_output=pooler_note(ckpt),
                            lower_case=ckpt.lower_case, lower_case_source=ckpt.lower_case_source,
                            weights=WEIGHTS_IMPORTED)
            (tmp / IMPORT_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return load_imported_spec(spec_path)
