"""Randomly initialised tf-models-official encoders with the architecture of a spec, through its family."""

from __future__ import annotations

import tf_keras
from official.nlp.configs import encoders

from benchmark.encoders import networks  # noqa: F401 - registers exact GELU, which imported encoders may use
from benchmark.encoders.families import family
from benchmark.encoders.spec import EncoderSpec


def encoder_config(spec: EncoderSpec, vocab_size: int, cls_only: bool = False) -> encoders.EncoderConfig:
    """An ``EncoderConfig`` with ``spec``'s architecture and the given vocabulary size.

    ``cls_only``: the last layer computes the ``[CLS]`` position alone (``output_range=1``) where the family
    supports it (:data:`~benchmark.encoders.families.CLS_ONLY_FAMILIES`); ``pooled_output`` is unchanged, while
    ``sequence_output`` then holds ``[CLS]`` only. For classifiers, never for exported encoders.
    """
    architecture = family(spec.family)
    output_range = 1 if cls_only and architecture.cls_only else None
    return architecture.encoder_config(spec, vocab_size, output_range)


def build_encoder(spec: EncoderSpec, vocab_size: int, cls_only: bool = False) -> tf_keras.Model:
    """A randomly initialised tf-models-official encoder with ``spec``'s architecture (``cls_only``: see
    :func:`encoder_config`)."""
    return encoders.build_encoder(encoder_config(spec, vocab_size, cls_only))
