"""WordPiece vocabularies for stand-in preprocessors: a given file, or one learned from text."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from benchmark.core.atomic import atomic_write_text
from benchmark.core.errors import UsageError

log = logging.getLogger(__name__)

RESERVED_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
REQUIRED_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")
LEARN_SAMPLE = 1000  # reviews; learning takes about 20 s per 1,000 on a 2-core CPU
DEFAULT_LEARNED_SIZE = 8000


def check_vocab_file(path: Path) -> list[str]:
    """The tokens of a WordPiece vocabulary file, or a UsageError saying what is wrong with it."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(f"--vocab {path} is not a file: give a WordPiece vocab.txt (one token per line)")
    try:
        tokens = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UsageError(f"--vocab {path} is not UTF-8 text: give a WordPiece vocab.txt") from None
    missing = [token for token in REQUIRED_TOKENS if token not in tokens]
    if missing:
        raise UsageError(f"--vocab {path} lacks the special tokens {', '.join(missing)}: not a BERT WordPiece vocabulary")
    return tokens


def _learning_sample(texts: Sequence[str], seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    sample_idx = rng.choice(len(texts), min(LEARN_SAMPLE, len(texts)), replace=False)
    return [texts[i] for i in sorted(sample_idx)]


def learned_vocab_path(texts: Sequence[str], lower_case: bool, cache_dir: Path,
                       size: int = DEFAULT_LEARNED_SIZE, seed: int = 0) -> Path:
    """Where :func:`learned_vocab` caches the vocabulary it learns from ``texts`` (it may not exist yet)."""
    digest = hashlib.sha256()
    for text in _learning_sample(texts, seed):
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    digest.update(f"{size}:{lower_case}".encode())
    return Path(cache_dir) / f"learned-{digest.hexdigest()[:12]}.txt"


def learned_vocab(texts: Sequence[str], lower_case: bool, cache_dir: Path,
                  size: int = DEFAULT_LEARNED_SIZE, seed: int = 0) -> Path:
    """A WordPiece vocabulary learned with tensorflow-text from a seeded sample of ``texts``; cached."""
    path = learned_vocab_path(texts, lower_case, cache_dir, size, seed)
    sample = _learning_sample(texts, seed)
    if path.is_file():
        return path
    log.info("learning a %d-token WordPiece vocabulary from %d reviews", size, len(sample))
    import tensorflow as tf
    from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset

    dataset = tf.data.Dataset.from_tensor_slices(list(sample)).batch(256)
    tokens = bert_vocab_from_dataset.bert_vocab_from_dataset(
        dataset,
        vocab_size=size,
        reserved_tokens=list(RESERVED_TOKENS),
        bert_tokenizer_params=dict(lower_case=lower_case),
        learn_params={},
    )
    atomic_write_text(path, "\n".join(tokens) + "\n")
    return path
