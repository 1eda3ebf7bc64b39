"""Encoder architecture families, one module each; family knowledge lives there, not in ``if family == ...``."""

from __future__ import annotations

import dataclasses
from typing import Any

from benchmark.encoders.families import albert, bert, deberta_v3, distilbert, electra, keras3, talking_heads
from benchmark.encoders.families.base import Family, HfLayout

FAMILIES: dict[str, Family] = {f.name: f for f in (bert.FAMILY, albert.FAMILY, talking_heads.FAMILY, distilbert.FAMILY,
                                                  electra.FAMILY, keras3.ROBERTA, deberta_v3.FAMILY)}
# Families whose natively rebuilt encoder can run its last layer for the [CLS] position alone.
CLS_ONLY_FAMILIES: tuple[str, ...] = tuple(name for name, f in FAMILIES.items() if f.cls_only)
# Families with a Hugging Face checkpoint layout, by the checkpoint's model_type (what ``import-hf`` reads).
HF_FAMILIES: dict[str, Family] = {f.hf.model_type: f for f in FAMILIES.values() if f.hf is not None}

__all__ = ["CLS_ONLY_FAMILIES", "FAMILIES", "HF_FAMILIES", "Family", "HfLayout", "family", "is_plain_bert",
           "plain_bert_shape"]


def family(name: str) -> Family:
    """The family called ``name`` (a spec's ``family``)."""
    return FAMILIES[name]


def is_plain_bert(spec: Any) -> bool:
    """Whether a plain BERT of ``spec``'s shape is the same network (no factorised embeddings, no other family)."""
    return family(spec.family).plain_bert and not spec.embedding_size


def plain_bert_shape(spec: Any) -> Any:
    """The plain BERT of ``spec``'s shape (what it is timed and counted as where only BERT can run)."""
    return dataclasses.replace(spec, family=bert.FAMILY.name, embedding_size=None)
