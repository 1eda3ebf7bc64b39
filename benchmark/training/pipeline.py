"""Input pipeline: tokenize each split once with the TF-Hub preprocessor, then feed token ids."""

from __future__ import annotations

import functools
import math

import numpy as np
import tensorflow as tf

from benchmark.data.splits import Split
from benchmark.data.packing import EncodedSplit, SpecialIds, encode

TOKENIZE_BATCH = 256
# Fixed widths for --bucketing: a batch is padded to the smallest one that holds its longest review.
BUCKET_WIDTHS = (64, 128, 256, 512)


def special_ids(preprocessor) -> SpecialIds:
    """Read [CLS], [SEP] and [PAD] from the preprocessor itself by packing one empty review."""
    tokens = preprocessor.tokenize(tf.constant([""]))
    packed = preprocessor.bert_pack_inputs([tokens], seq_length=tf.constant(3))["input_word_ids"].numpy()[0]
    return SpecialIds(cls=int(packed[0]), sep=int(packed[1]), pad=int(packed[2]))


def tokenize_texts(texts, preprocessor) -> list[np.ndarray]:
    """Word-piece ids of each text (no special tokens, not truncated), in a parallel batched tf.data map."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize(batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        tokens = preprocessor.tokenize(batch)
        if tokens.ragged_rank > 1:  # WordPiece: [batch, words, pieces]; SentencePiece: [batch, pieces]
            tokens = tokens.merge_dims(-2, -1)
        return tf.cast(tokens.flat_values, tf.int32), tokens.row_lengths()

    dataset = (tf.data.Dataset.from_tensor_slices(list(texts))
               .batch(TOKENIZE_BATCH)
               .map(tokenize, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .prefetch(tf.data.AUTOTUNE))
    reviews: list[np.ndarray] = []
    for values, lengths in dataset.as_numpy_iterator():
        reviews.extend(np.split(values, np.cumsum(lengths)[:-1]))
    return reviews


def tokenize_split(split: Split, preprocessor, seq_length: int, truncation: str = "head",
                   ids: SpecialIds | None = None) -> EncodedSplit:
    """Tokenize a whole split once, truncate each review (head or head+tail) and pack it for the encoder."""
    ids = ids or special_ids(preprocessor)
    return encode(tokenize_texts(split.texts, preprocessor), split.labels, seq_length, truncation, ids)


def bucket_widths(seq_length: int) -> tuple[int, ...]:
    """The padded widths --bucketing uses at ``seq_length``: the fixed widths below it, then it."""
    return tuple(w for w in BUCKET_WIDTHS if w < seq_length) + (seq_length,)


def bucket_steps(lengths: np.ndarray, seq_length: int, batch_size: int) -> int:
    """Batches in one bucketed pass: each bucket's reviews in full batches plus one partial batch."""
    widths = bucket_widths(seq_length)
    buckets = np.searchsorted(np.asarray(widths), lengths, side="left")
    return int(sum(math.ceil(np.sum(buckets == b) / batch_size) for b in range(len(widths))))


def steps_per_pass(encoded: EncodedSplit, batch_size: int, bucketing: bool, seq_length: int) -> int:
    """Batches ``to_dataset`` yields for one pass over ``encoded``."""
    if bucketing:
        return bucket_steps(encoded.lengths, seq_length, batch_size)
    return math.ceil(len(encoded) / batch_size)


def to_dataset(encoded: EncodedSplit, batch_size: int, shuffle_seed: int | None = None,
               bucketing: bool = False, drop_remainder: bool = False, reshuffle: bool = True) -> tf.data.Dataset:
    """Batched, prefetched ``(features, label)`` pairs, shuffled when a seed is given (anew on every
    iteration unless ``reshuffle`` is False).

    With ``bucketing``, each batch holds reviews of one bucket of :func:`bucket_widths` and is padded to
    that bucket's width (a static shape per bucket), so short reviews are not padded to ``seq_length``.
    """
    data = (encoded.features, encoded.labels, encoded.lengths)
    dataset = tf.data.Dataset.from_tensor_slices(data)
    options = tf.data.Options()
    # In-memory data has no files to split: workers of a multi-worker cluster shard by element.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = dataset.with_options(options)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(encoded), seed=shuffle_seed, reshuffle_each_iteration=reshuffle)
    if not bucketing:
        dataset = dataset.map(lambda x, y, n: (x, y))
        return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
    seq_length = encoded.features["input_word_ids"].shape[1]
    widths = bucket_widths(seq_length)
    dataset = dataset.map(lambda x, y, n: ({k: v[:n] for k, v in x.items()}, y),
                          num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.bucket_by_sequence_length(
        lambda x, y: tf.shape(x["input_word_ids"])[0],
        bucket_boundaries=[w + 1 for w in widths],  # bucket i holds lengths <= widths[i], padded to it
        bucket_batch_sizes=[batch_size] * (len(widths) + 1),
        pad_to_bucket_boundary=True, drop_remainder=drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)


def epoch_seed(seed: int, epoch: int) -> int:
    """The shuffle seed of one epoch (0-based) of a run seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def training_batches(encoded: EncodedSplit, batch_size: int, seed: int, first_epoch: int, end_epoch: int,
                     bucketing: bool = False, skip: int = 0) -> tf.data.Dataset:
    """The training batches of epochs ``first_epoch`` to ``end_epoch - 1``, the first ``skip`` of them left out.

    Each epoch is one pass in an order fixed by :func:`epoch_seed`, so a run resumed at any step sees exactly
    the batches an uninterrupted run would have seen from there.
    """
    epochs = [to_dataset(encoded, batch_size, epoch_seed(seed, epoch), bucketing, reshuffle=False)
              for epoch in range(first_epoch, end_epoch)]
    return functools.reduce(tf.data.Dataset.concatenate, epochs).skip(skip)


EVALUATION_WIDTH_STEP = 32  # length-sorted evaluation batches are padded to a multiple of this


def evaluation_widths(lengths: np.ndarray, batch_size: int, seq_length: int) -> np.ndarray:
    """For reviews in length order, the padded width of each review's batch: the next multiple of
    :data:`EVALUATION_WIDTH_STEP` at or above the batch's longest review, at most ``seq_length``."""
    ordered = np.sort(np.asarray(lengths))
    widths = np.empty(len(ordered), np.int32)
    for start in range(0, len(ordered), batch_size):
        longest = int(ordered[start:start + batch_size].max())
        widths[start:start + batch_size] = min(seq_length, -(-longest // EVALUATION_WIDTH_STEP) * EVALUATION_WIDTH_STEP)
    return widths


def evaluation_dataset(encoded: EncodedSplit, batch_size: int, bucketing: bool = False,
                       drop_remainder: bool = False) -> tuple[tf.data.Dataset, np.ndarray | None]:
    """Batches for validation, testing and prediction, and the order of the reviews in them (None: as given).

    With ``bucketing`` (a model that takes any width), the reviews go in length order and each batch is padded
    only to :func:`evaluation_widths`, so little is spent on padding; metrics do not depend on the order, and
    predictions are put back in place with the returned order. Otherwise batches are padded to the full length.
    """
    if not bucketing:
        return to_dataset(encoded, batch_size, drop_remainder=drop_remainder), None
    order = np.argsort(encoded.lengths, kind="stable")
    ordered = encoded.take(order)
    widths = evaluation_widths(ordered.lengths, batch_size, ordered.features["input_word_ids"].shape[1])
    dataset = tf.data.Dataset.from_tensor_slices((ordered.features, ordered.labels, widths))
    dataset = dataset.map(lambda x, y, w: ({k: v[:w] for k, v in x.items()}, y),
                          num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE), order


def evaluation_steps(encoded: EncodedSplit, batch_size: int) -> int:
    """Batches of one :func:`evaluation_dataset` pass (the last one may be partial)."""
    return math.ceil(len(encoded) / batch_size)
