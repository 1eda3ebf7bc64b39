"""The encoder rebuilt natively with tf-models-official, weights restored from its TF-Hub SavedModel.

``hub.KerasLayer`` runs a SavedModel whose dtypes were fixed at export, so it ignores Keras mixed
precision (tensorflow/hub#466, #790). Rebuilding the same architecture as Keras layers and copying the
SavedModel's variables into them, matched by name and checked by shape, lets mixed precision and XLA apply.
It also lets the last layer compute the ``[CLS]`` position alone, the only one the classifier head reads,
and its dropout draw its masks from fewer random bits (:mod:`benchmark.encoders.bit_dropout`).
"""

from __future__ import annotations

import re

import tensorflow as tf
import tf_keras

from benchmark.core.errors import UsageError
from benchmark.encoders.bit_dropout import use_bit_dropout
from benchmark.encoders.build import build_encoder
from benchmark.encoders.loading import load_handle
from benchmark.encoders.spec import EncoderSpec

# Keras names the weights of a subclassed encoder (DistilBERT's ``ClsPooledBertEncoder``) under the encoder's own
# scope, uniquified per process ("cls_pooled_bert_encoder_3/..."); BERT's carry no such scope.
ENCODER_SCOPE = re.compile(r"^[a-z0-9_]*encoder(_[0-9]+)?/")
# Keras also uniquifies the scope of each layer instance that an encoder creates at its top level (EncoderScaffold's
# "transformer_scaffold_24/..."): the numbers depend on what the process built before, in the export as here.
LAYER_SCOPE = re.compile(r"^([a-z][a-z0-9_]*?)(?:_([0-9]+))?/")
# The token embeddings' variable: tf-models-official's name, or KerasHub's (DeBERTa-v3's port keeps KerasHub's names).
TOKEN_EMBEDDINGS = ("word_embeddings/", "token_embedding/")


def local_name(name: str) -> str:
    """A variable's name without its encoder's scope, the same in the SavedModel and in the rebuilt encoder."""
    return ENCODER_SCOPE.sub("", name)


def canonical_names(names: list[str]) -> dict[str, str]:
    """Each name mapped to its :func:`local_name` with the top-level layer scope renumbered in creation order
    ("transformer_scaffold_2/", "transformer_scaffold_3/" become "transformer_scaffold#0/", "...#1/"), so that two
    builds of one architecture name their weights alike whatever Keras had numbered before them."""
    local = {name: local_name(name) for name in names}
    numbers: dict[str, set[int]] = {}
    for name in local.values():
        if match := LAYER_SCOPE.match(name):
            numbers.setdefault(match.group(1), set()).add(int(match.group(2) or 0))
    rank = {base: {n: i for i, n in enumerate(sorted(found))} for base, found in numbers.items()}

    def canonical(name: str) -> str:
        if not (match := LAYER_SCOPE.match(name)):
            return name
        base = match.group(1)
        return f"{base}#{rank[base][int(match.group(2) or 0)]}/{name[match.end():]}"

    return {name: canonical(name_local) for name, name_local in local.items()}


def restore_variables(target: tf_keras.Model, saved) -> int:
    """Copy ``saved``'s variables into ``target``'s weights, matched by (canonical) name; returns how many were
    copied."""
    saved_names = canonical_names([variable.name for variable in saved.variables])
    source = {saved_names[variable.name]: variable for variable in saved.variables}
    target_names = canonical_names([weight.name for weight in target.weights])
    missing, mismatched = [], []
    for weight in target.weights:
        variable = source.get(target_names[weight.name])
        if variable is None:
            missing.append(weight.name)
        elif tuple(variable.shape) != tuple(weight.shape):
            mismatched.append(f"{weight.name} {tuple(variable.shape)} vs {tuple(weight.shape)}")
    if missing or mismatched:
        raise UsageError("the native encoder does not match the SavedModel's variables "
                         f"(missing {missing[:3]}, shape mismatches {mismatched[:3]}); use --precision float32")
    for weight in target.weights:
        weight.assign(tf.cast(source[target_names[weight.name]], weight.dtype))
    return len(target.weights)


def saved_encoder(encoder_handle: str) -> tuple[object, int]:
    """The encoder's SavedModel, loaded, and its vocabulary size (read from its word embeddings)."""
    saved = load_handle(encoder_handle, "encoder")
    embeddings = [v for v in saved.variables if local_name(v.name).startswith(TOKEN_EMBEDDINGS)]
    if not embeddings:
        raise UsageError(f"encoder {encoder_handle} has no token embeddings variable: cannot rebuild it natively")
    return saved, int(embeddings[0].shape[0])


def rebuild_encoder(spec: EncoderSpec, saved, vocab_size: int, inputs: dict) -> tf_keras.Model:
    """``spec``'s encoder as Keras layers under the current dtype policy, called on ``inputs``, holding ``saved``'s
    weights: its last layer computes ``[CLS]`` alone (where the family can) and its dropout uses 16-bit masks."""
    encoder = build_encoder(spec, vocab_size, cls_only=True)  # the head reads [CLS] alone
    encoder(inputs)  # creates the weights
    restore_variables(encoder, saved)
    use_bit_dropout(encoder)  # the same Bernoulli masks from half the random bits (benchmark/encoders/bit_dropout.py)
    return encoder
