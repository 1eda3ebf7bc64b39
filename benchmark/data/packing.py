"""Truncation (head, or head+tail after Sun et al. 2019) and BERT packing of token ids into encoder inputs."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from benchmark.core.errors import UsageError

TRUNCATIONS = ("head", "head_tail")
# Sun et al. 2019, "How to Fine-Tune BERT for Text Classification?" (arXiv:1905.05583), Table 3: on IMDb,
# keeping the first 128 and the last 382 tokens of a 512-token input was best. Other lengths keep the
# same proportion of their token budget (seq_length minus [CLS] and [SEP]) for the head.
HEAD_TAIL_HEAD, HEAD_TAIL_TAIL = 128, 382


@dataclasses.dataclass(frozen=True)
class SpecialIds:
    """Token ids the packer writes: [CLS] first, [SEP] last, [PAD] after it."""

    cls: int
    sep: int
    pad: int


def head_budget(seq_length: int, truncation: str) -> int:
    """How many leading tokens a review longer than the budget keeps (the rest of the budget is its tail)."""
    if truncation not in TRUNCATIONS:
        raise UsageError(f"--truncation must be one of {', '.join(TRUNCATIONS)}, got {truncation!r}")
    budget = seq_length - 2
    if truncation == "head":
        return budget
    return int(round(budget * HEAD_TAIL_HEAD / (HEAD_TAIL_HEAD + HEAD_TAIL_TAIL)))


def truncate(tokens: np.ndarray, seq_length: int, truncation: str) -> np.ndarray:
    """The tokens of one review that fit between [CLS] and [SEP] in ``seq_length`` positions."""
    budget = seq_length - 2
    if len(tokens) <= budget:
        return tokens
    head = head_budget(seq_length, truncation)
    tail = budget - head
    return np.concatenate([tokens[:head], tokens[len(tokens) - tail:]]) if tail else tokens[:head]


def pack(reviews: Sequence[np.ndarray], seq_length: int, truncation: str,
         ids: SpecialIds) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """BERT encoder inputs ([CLS] tokens [SEP] [PAD]...) for ``reviews`` and each one's packed length."""
    count = len(reviews)
    word_ids = np.full((count, seq_length), ids.pad, np.int32)
    mask = np.zeros((count, seq_length), np.int32)
    lengths = np.zeros(count, np.int32)
    for row, tokens in enumerate(reviews):
        kept = truncate(np.asarray(tokens), seq_length, truncation)
        end = len(kept) + 2
        word_ids[row, 0] = ids.cls
        word_ids[row, 1:end - 1] = kept
        word_ids[row, end - 1] = ids.sep
        mask[row, :end] = 1
        lengths[row] = end
    features = {"input_word_ids": word_ids, "input_mask": mask, "input_type_ids": np.zeros_like(mask)}
    return features, lengths


@dataclasses.dataclass(frozen=True)
class EncodedSplit:
    """Token ids of a split, packed to one sequence length, with the labels and packed lengths."""

    features: dict[str, np.ndarray]
    labels: np.ndarray
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, indices: np.ndarray) -> "EncodedSplit":
        """The examples at ``indices``, in that order."""
        return EncodedSplit({k: v[indices] for k, v in self.features.items()}, self.labels[indices],
                            self.lengths[indices])


def encode(reviews: Sequence[np.ndarray], labels: np.ndarray, seq_length: int, truncation: str,
           ids: SpecialIds) -> EncodedSplit:
    """The reviews' token ids truncated and packed for the encoder, with their labels as float32."""
    features, lengths = pack(reviews, seq_length, truncation, ids)
    return EncodedSplit(features, np.asarray(labels).astype(np.float32), lengths)
