"""Input pipeline: tokenize each split once with the TF-Hub preprocessor, then feed token ids."""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from benchmark.data import Split
from benchmark.model import ENCODER_INPUTS

TOKENIZE_BATCH = 256


@dataclasses.dataclass(frozen=True)
class EncodedSplit:
    """Token ids of a split, packed to one sequence length, with the labels."""

    features: dict[str, np.ndarray]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def tokenize_split(split: Split, preprocessor, seq_length: int) -> EncodedSplit:
    """Run the preprocessor's ``tokenize`` and ``bert_pack_inputs`` once over a whole split."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def pack(texts: tf.Tensor) -> dict[str, tf.Tensor]:
        tokens = preprocessor.tokenize(texts)
        return preprocessor.bert_pack_inputs([tokens], seq_length=tf.constant(seq_length))

    dataset = (tf.data.Dataset.from_tensor_slices(list(split.texts))
               .batch(TOKENIZE_BATCH)
               .map(pack, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .prefetch(tf.data.AUTOTUNE))
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ENCODER_INPUTS}
    for batch in dataset.as_numpy_iterator():
        for name in ENCODER_INPUTS:
            parts[name].append(batch[name].astype(np.int32))
    features = {name: np.concatenate(chunks) if chunks else np.zeros((0, seq_length), np.int32)
                for name, chunks in parts.items()}
    return EncodedSplit(features, split.labels.astype(np.float32))


def to_dataset(encoded: EncodedSplit, batch_size: int, shuffle_seed: int | None = None) -> tf.data.Dataset:
    """Batched, prefetched ``(features, label)`` pairs; reshuffled every epoch when a seed is given."""
    dataset = tf.data.Dataset.from_tensor_slices((encoded.features, encoded.labels))
    options = tf.data.Options()
    # In-memory data has no files to split: workers of a multi-worker cluster shard by element.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = dataset.with_options(options)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(encoded), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
